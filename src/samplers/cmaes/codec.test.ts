import { describe, expect, it } from 'vitest';
import { contains, floatDistribution, intDistribution } from '../../space/distributions.js';
import { UnitCubeCodec } from './codec.js';

const space = {
  a: floatDistribution('a', -5, 10),
  lr: floatDistribution('lr', 1e-5, 1e-1, { log: true }),
  q: floatDistribution('q', 0, 1, { step: 0.1 }),
  n: intDistribution('n', 1, 20),
  s: intDistribution('s', 0, 30, { step: 3 }),
  batch: intDistribution('batch', 8, 1024, { log: true }),
};

describe('UnitCubeCodec', () => {
  const codec = new UnitCubeCodec(space);

  it('orders coordinates by name and marks discrete ones', () => {
    expect(codec.names).toEqual(['a', 'batch', 'lr', 'n', 'q', 's']);
    expect(codec.discrete.map((d) => d?.cells ?? null)).toEqual([null, 1017, null, 20, 11, 11]);
  });

  it('round-trips values exactly and maps the cube onto the distributions', () => {
    const params = { a: 2.5, lr: 1e-3, q: 0.7, n: 13, s: 27, batch: 100 };
    const u = codec.encode(params);
    for (const v of u) expect(v >= 0 && v <= 1).toBe(true);
    const back = codec.decode(u);
    expect(back.n).toBe(13);
    expect(back.s).toBe(27);
    expect(back.q).toBe(0.7);
    expect(back.batch).toBe(100);
    expect(back.a).toBeCloseTo(2.5, 12);
    expect(back.lr).toBeCloseTo(1e-3, 15);
    for (let k = 0; k < 500; k++) {
      const w = Array.from({ length: 6 }, (_, i) => ((k * (i + 3)) % 101) / 100 - 0.05);
      const p = codec.decode(w);
      for (const name of codec.names) expect(contains(space[name as keyof typeof space], p[name]), `${name}=${p[name]}`).toBe(true);
    }
  });

  it('gives every value of a discrete parameter an equal cell (log cells in log space) with thresholds between them', () => {
    const n = codec.discrete[3]!;
    expect(n.cellOf(0)).toBe(0);
    expect(n.cellOf(1)).toBe(19);
    expect(n.cellOf(n.threshold(4) - 1e-12)).toBe(4);
    expect(n.cellOf(n.threshold(4) + 1e-12)).toBe(5);
    const batch = codec.discrete[1]!;
    for (const j of [0, 1, 50, 1015]) {
      expect(batch.cellOf(batch.threshold(j) - 1e-9)).toBe(j);
      expect(batch.cellOf(batch.threshold(j) + 1e-9)).toBe(j + 1);
      expect(batch.cellOf(batch.center(j))).toBe(j);
    }
  });
});
