import { describe, expect, it } from 'vitest';
import { Rng } from '../../math/rng.js';
import { categoricalDistribution, contains, floatDistribution, intDistribution } from '../../space/distributions.js';
import { GpSearchSpace } from './search-space.js';

const space = new GpSearchSpace({
  lr: floatDistribution('lr', 1e-5, 1e-1, { log: true }),
  x: floatDistribution('x', -2, 3),
  q: floatDistribution('q', 0, 1, { step: 0.1 }),
  n: intDistribution('n', 1, 40),
  b: intDistribution('b', 8, 1024, { log: true }),
  big: intDistribution('big', 0, 1_000_000),
  c: categoricalDistribution('c', ['a', null, 'b']),
});

describe('GpSearchSpace', () => {
  it('orders coordinates by name and classifies them', () => {
    expect(space.dims.map((d) => [d.name, d.kind])).toEqual([
      ['b', 'discrete'],
      ['big', 'continuous'],
      ['c', 'categorical'],
      ['lr', 'continuous'],
      ['n', 'discrete'],
      ['q', 'discrete'],
      ['x', 'continuous'],
    ]);
    expect(Array.from(space.isCategorical)).toEqual([0, 0, 1, 0, 0, 0, 0]);
  });

  it('round-trips values through the encoding, log scales in log space and grids at cell centres', () => {
    const params = { lr: 1e-3, x: 0.5, q: 0.7, n: 13, b: 200, big: 123456, c: null };
    const u = new Float64Array(space.dim);
    expect(space.encode(params, u)).toBe(true);
    const back = space.decode(u);
    expect(back.lr as number).toBeCloseTo(1e-3, 15);
    expect({ ...back, lr: 1e-3 }).toEqual(params);
    // lr = 1e-3 is halfway in log space between 1e-5 and 1e-1.
    expect(u[3]).toBeCloseTo(0.5, 12);
    // n = 1 is the centre of the first of 40 cells.
    const one = new Float64Array(space.dim);
    space.encode({ ...params, n: 1 }, one);
    expect(one[4]).toBeCloseTo(0.5 / 40, 12);
    expect(space.encode({ ...params, q: 0.75 }, u)).toBe(false);
    expect(space.encode({ lr: 1e-3 }, u)).toBe(false);
  });

  it('decodes any point of the cube to values the distributions contain', () => {
    const rng = new Rng(3);
    for (let t = 0; t < 500; t++) {
      const u = Float64Array.from({ length: space.dim }, () => rng.uniform(-0.1, 1.1));
      u[2] = rng.int(3);
      const p = space.decode(u);
      for (const d of space.dims) expect(contains(d.distribution, p[d.name]), `${d.name}=${String(p[d.name])}`).toBe(true);
      space.snapInPlace(u);
      const again = space.decode(u);
      expect(again).toEqual(p);
    }
  });

  it('maps uniform draws onto every grid value and choice', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 40; i++) {
      const u = new Float64Array(space.dim).fill((i + 0.5) / 40);
      space.fromUniformInPlace(u);
      const p = space.decode(u);
      seen.add(`${p.n}`);
    }
    expect(seen.size).toBe(40);
  });
});
