import { describe, expect, it } from 'vitest';
import { Rng } from '../math/rng.js';
import { categoricalDistribution, floatDistribution, intDistribution } from '../space/distributions.js';
import { quantiles } from './quantiles.js';
import { perturbParams } from './space.js';

const scored = (scores: number[]) => scores.map((score, member) => ({ member, score }));

describe('quantiles (Ray Tune: ceil(n·q), at most floor(n/2))', () => {
  it('splits 8 members 2/2 at q = 0.25, worst first when maximizing', () => {
    const q = quantiles(scored([0.5, 0.1, 0.9, 0.3, 0.7, 0.2, 0.8, 0.6]), 0.25, 'maximize');
    expect(q.bottom).toEqual([1, 5]);
    expect(q.top).toEqual([6, 2]);
  });

  it('reverses the order when minimizing', () => {
    const q = quantiles(scored([0.5, 0.1, 0.9, 0.3, 0.7, 0.2, 0.8, 0.6]), 0.25, 'minimize');
    expect(q.bottom).toEqual([2, 6]);
    expect(q.top).toEqual([5, 1]);
  });

  it('rounds up, but never past half the population', () => {
    expect(quantiles(scored([1, 2, 3, 4, 5]), 0.25, 'maximize').bottom).toEqual([0, 1]); // ceil(1.25) = 2
    expect(quantiles(scored([1, 2, 3]), 0.5, 'maximize')).toEqual({ bottom: [0], top: [2] }); // ceil(1.5) = 2 > 1.5 → 1
    expect(quantiles(scored([1, 2]), 0.5, 'maximize')).toEqual({ bottom: [0], top: [1] });
    expect(quantiles(scored([1]), 0.5, 'maximize')).toEqual({ bottom: [], top: [] });
  });

  it('breaks ties by member id, and ranks -Infinity (a diverged member) last', () => {
    const q = quantiles(scored([1, 1, 1, Number.NEGATIVE_INFINITY]), 0.25, 'maximize');
    expect(q.bottom).toEqual([3]);
    expect(q.top).toEqual([2]);
  });
});

describe('perturbParams (PBT explore)', () => {
  const dists = [
    ['lr', floatDistribution('lr', 1e-4, 1e-1, { log: true })],
    ['units', intDistribution('units', 4, 64)],
    ['act', categoricalDistribution('act', ['relu', 'tanh', 'elu'])],
  ] as const;

  it('multiplies numbers by 0.8 or 1.2, moves categoricals to a neighbour, and clips into the range', () => {
    const seen = new Set<string>();
    for (let s = 0; s < 50; s++) {
      const { params, changes } = perturbParams(dists, { lr: 0.1, units: 10, act: 'relu' }, new Rng(s), { resampleProbability: 0, factors: [0.8, 1.2] });
      const lr = changes.find((c) => c.name === 'lr');
      expect(lr?.how).toBe('perturb');
      expect(params.lr).toBeCloseTo(lr?.factor === 0.8 ? 0.08 : 0.1, 12); // 0.12 is clipped to the high bound 0.1
      expect(params.units).toBe(lr && changes[1]?.factor === 0.8 ? 8 : 12);
      expect(params.act).toBe(changes[2]?.shift === -1 ? 'relu' : 'tanh'); // index 0 − 1 stays at 0
      seen.add(`${changes[0]?.factor}/${changes[1]?.factor}/${changes[2]?.shift}`);
    }
    expect(seen.size).toBe(8);
  });

  it('resamples everything with probability 1 and nothing with probability 0, the same way for the same seed', () => {
    const all = perturbParams(dists, { lr: 0.01, units: 10, act: 'tanh' }, new Rng(3), { resampleProbability: 1, factors: [0.8, 1.2] });
    expect(all.changes.every((c) => c.how === 'resample')).toBe(true);
    const again = perturbParams(dists, { lr: 0.01, units: 10, act: 'tanh' }, new Rng(3), { resampleProbability: 1, factors: [0.8, 1.2] });
    expect(again).toEqual(all);
    const none = perturbParams(dists, { lr: 0.01, units: 10, act: 'tanh' }, new Rng(3), { resampleProbability: 0, factors: [0.8, 1.2] });
    expect(none.changes.some((c) => c.how === 'resample')).toBe(false);
  });
});
