import { describe, expect, it } from 'vitest';
import { Rng } from '../../math/rng.js';
import { categoricalDistribution, contains, floatDistribution, intDistribution } from '../../space/distributions.js';
import { decode, encode, geneOf } from './genome.js';
import { blxAlphaCrossover, polynomialMutation, sbxCrossover, uniformCrossover } from './operators.js';

describe('genome', () => {
  it('round-trips every kind of value and keeps decoded values in their distribution', () => {
    const dists = [
      floatDistribution('a', -3, 5),
      floatDistribution('b', 1e-5, 1e-1, { log: true }),
      floatDistribution('c', 0, 2, { step: 0.25 }),
      intDistribution('d', -4, 9),
      intDistribution('e', 1, 1024, { log: true }),
      intDistribution('f', 0, 30, { step: 3 }),
      categoricalDistribution('g', ['x', null, 'y']),
    ];
    const rng = new Rng(4);
    for (const d of dists) {
      const g = geneOf(d.kind === 'categorical' ? 'g' : 'n', d);
      for (let i = 0; i < 500; i++) {
        const x = g.kind === 'categorical' ? rng.int(3) : rng.uniform(-0.2, 1.2);
        const v = decode(g, x);
        expect(contains(d, v), `${JSON.stringify(d)} decoded ${String(v)}`).toBe(true);
        // Encoding a decoded value and decoding again gives it back.
        expect(decode(g, encode(g, v))).toEqual(v);
      }
    }
    // Every integer gets a cell of equal width, 1/14 of the unit interval for the 14 values of d.
    const d = geneOf('d', intDistribution('d', -4, 9));
    expect(decode(d, 0)).toBe(-4);
    expect(decode(d, 1)).toBe(9);
    expect(decode(d, 1 / 14 - 1e-9)).toBe(-4);
    expect(decode(d, 1 / 14 + 1e-9)).toBe(-3);
    expect(encode(geneOf('b', floatDistribution('b', 1e-4, 1, { log: true })), 1e-2)).toBeCloseTo(0.5, 12);
  });
});

describe('crossover and mutation', () => {
  const rng = new Rng(6);
  const a = Float64Array.from([0, 0.2, 0.5, 0.9, 1]);
  const b = Float64Array.from([1, 0.3, 0.5, 0.1, 1]);

  it('keep every child in [0, 1], and equal parents give the same gene', () => {
    for (let i = 0; i < 2000; i++) {
      for (const child of [uniformCrossover(a, b, 0.5, rng), sbxCrossover(a, b, 2, rng), sbxCrossover(a, b, 20, rng), blxAlphaCrossover(a, b, 0.5, rng)]) {
        for (const v of child) expect(v >= 0 && v <= 1).toBe(true);
        expect(child[2]).toBe(0.5);
        expect(child[4]).toBe(1);
      }
    }
  });

  it('uniform crossover takes each gene from the second parent with probability swappingProb', () => {
    let fromB = 0;
    for (let i = 0; i < 4000; i++) if (uniformCrossover(a, b, 0.3, rng)[0] === 1) fromB++;
    expect(fromB / 4000).toBeGreaterThan(0.27);
    expect(fromB / 4000).toBeLessThan(0.33);
  });

  it('SBX spreads children around the parents, closer with a larger eta; BLX-α stays in the widened interval', () => {
    const p = Float64Array.from([0.4]);
    const q = Float64Array.from([0.6]);
    const spread = (eta: number) => {
      let far = 0;
      for (let i = 0; i < 4000; i++) {
        const c = sbxCrossover(p, q, eta, rng)[0] as number;
        if (c < 0.35 || c > 0.65) far++;
      }
      return far / 4000;
    };
    expect(spread(2)).toBeGreaterThan(spread(20));
    for (let i = 0; i < 1000; i++) {
      const c = blxAlphaCrossover(p, q, 0.5, rng)[0] as number;
      expect(c).toBeGreaterThanOrEqual(0.3);
      expect(c).toBeLessThanOrEqual(0.7);
    }
  });

  it('polynomial mutation stays in [0, 1], moves both ways and mostly a little', () => {
    let up = 0;
    let small = 0;
    for (let i = 0; i < 4000; i++) {
      const x = polynomialMutation(0.3, 20, rng);
      expect(x >= 0 && x <= 1).toBe(true);
      if (x > 0.3) up++;
      if (Math.abs(x - 0.3) < 0.1) small++;
    }
    expect(up / 4000).toBeGreaterThan(0.45);
    expect(up / 4000).toBeLessThan(0.55);
    expect(small / 4000).toBeGreaterThan(0.85);
    for (let i = 0; i < 200; i++) {
      expect(polynomialMutation(0, 5, rng)).toBeGreaterThanOrEqual(0);
      expect(polynomialMutation(1, 5, rng)).toBeLessThanOrEqual(1);
    }
  });
});
