import { describe, expect, it } from 'vitest';
import { Rng } from '../math/rng.js';
import { fitKernelParams, GaussianProcess } from '../samplers/gp/gp.js';
import { GpSearchSpace } from '../samplers/gp/search-space.js';
import type { Distribution } from '../space/distributions.js';
import { type FrozenTrial, frozenTrial } from '../trial/frozen-trial.js';
import { leaveOneOutMeans, RankingWeightedEnsemble, trustRegion, withConstantMean } from './rgpe.js';

const DISTS: Record<string, Distribution> = {
  x: { kind: 'float', low: 0, high: 1, log: false, step: null },
  y: { kind: 'float', low: 0, high: 1, log: false, step: null },
};
const space = new GpSearchSpace(DISTS);
const bowl = (x: number, y: number): number => (x - 0.3) ** 2 + (y - 0.7) ** 2;

function study(n: number, seed: number, f: (x: number, y: number) => number): FrozenTrial[] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, (_, i) => {
    const x = rng.random();
    const y = rng.random();
    return frozenTrial({ number: i, values: [f(x, y)], params: { x, y }, distributions: DISTS });
  });
}

/** The target's observations, encoded, with targets to maximize (−bowl), and its own GP. */
function target(n: number, seed: number) {
  const trials = study(n, seed, bowl);
  const x = new Float64Array(n * 2);
  for (const [i, t] of trials.entries()) space.encode(t.params, x, 2 * i);
  const y = Float64Array.from(trials, (t) => -(t.value as number));
  const data = { x, y, n, d: 2, isCategorical: space.isCategorical };
  const own = GaussianProcess.build(data, fitKernelParams(data, { deterministic: true }));
  return { x, y, n, own };
}

describe('withConstantMean', () => {
  it('is the GP with prior mean c: μ(x) + c·(1 − k*ᵀK⁻¹1), the same variance, in every posterior form', () => {
    const t = target(12, 9);
    const c = Math.min(...t.y);
    const view = withConstantMean(t.own, c);
    const ones = t.own.clone();
    ones.setTargets(new Float64Array(t.n).fill(1));
    const rng = new Rng(3);
    const xs = Float64Array.from({ length: 40 }, () => rng.random());
    const a = { mean: 0, variance: 0 };
    const b = { mean: 0, variance: 0 };
    const u = { mean: 0, variance: 0 };
    const means = new Float64Array(20);
    const vars = new Float64Array(20);
    view.posteriorBatch(xs, 20, means, vars);
    for (let r = 0; r < 20; r++) {
      view.posterior(xs, r, a);
      t.own.posterior(xs, r, b);
      ones.posterior(xs, r, u);
      expect(a.mean).toBeCloseTo(b.mean + c * (1 - u.mean), 10);
      expect(a.variance).toBeCloseTo(b.variance, 12);
      expect(means[r]).toBeCloseTo(a.mean, 12);
      expect(vars[r]).toBeCloseTo(a.variance, 12);
      const g = new Float64Array(2);
      const gv = new Float64Array(2);
      const x = xs.subarray(2 * r, 2 * r + 2);
      view.posteriorWithGrad(x, a, g, gv);
      expect(a.mean).toBeCloseTo(means[r] as number, 12);
      // The mean's gradient, by central differences.
      for (let j = 0; j < 2; j++) {
        const h = 1e-6;
        const up = Float64Array.from(x);
        const down = Float64Array.from(x);
        up[j] = (up[j] as number) + h;
        down[j] = (down[j] as number) - h;
        view.posterior(up, 0, b);
        const fUp = b.mean;
        view.posterior(down, 0, b);
        expect(g[j]).toBeCloseTo((fUp - b.mean) / (2 * h), 5);
      }
    }
    // Far from every observation the posterior mean is the prior mean c.
    view.posterior(Float64Array.from([40, -40]), 0, a);
    expect(a.mean).toBeCloseTo(c, 8);
    expect(view.targets()).toEqual(t.own.targets());
  });
});

describe('RankingWeightedEnsemble', () => {
  it('weights an earlier study that ranks like the target far above one that ranks against it (seed 5)', () => {
    const similar = study(60, 1, (x, y) => 3 * bowl(x, y) + 10);
    const opposite = study(60, 2, (x, y) => -bowl(x, y));
    const rgpe = new RankingWeightedEnsemble([similar, opposite], { decay: Number.POSITIVE_INFINITY });
    const t = target(8, 5);
    const w = rgpe.weights({ space, sign: -1, own: t.own, x: t.x, y: t.y, n: t.n, seed: 5 });
    expect(w).toHaveLength(3);
    expect(w.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    // The opposite study misranks nearly every pair: weight dilution prevention drops it.
    expect(w[1]).toBe(0);
    expect(w[0]).toBeGreaterThan(0.5);
    // Same seed, same weights.
    expect(rgpe.weights({ space, sign: -1, own: t.own, x: t.x, y: t.y, n: t.n, seed: 5 })).toEqual(w);
    // The decay hands the earlier studies' share to the study's own GP as its observations accumulate: τ/(τ + n) = 4/12.
    const decayed = new RankingWeightedEnsemble([similar, opposite], { decay: 4 }).weights({ space, sign: -1, own: t.own, x: t.x, y: t.y, n: t.n, seed: 5 });
    expect(decayed[0]).toBeCloseTo((w[0] as number) / 3, 12);
    expect(decayed[2]).toBeCloseTo(1 - (w[0] as number) / 3, 12);
  });

  it('starts from the earlier studies’ best configurations, in turn', () => {
    const a = study(20, 3, bowl);
    const b = study(20, 4, bowl);
    const rgpe = new RankingWeightedEnsemble([a, b]);
    const best = (s: FrozenTrial[]) => s.reduce((p, q) => ((q.value as number) < (p.value as number) ? q : p)).params;
    // sign −1: the studies minimized.
    expect(rgpe.initialPoint(space, -1, 0)).toEqual(best(a));
    expect(rgpe.initialPoint(space, -1, 1)).toEqual(best(b));
    expect(() => new RankingWeightedEnsemble([a], { decay: 0 })).toThrow(/decay must be a positive number/);
  });

  it('computes leave-one-out means equal to refitting without each point', () => {
    const t = target(7, 9);
    const loo = leaveOneOutMeans(t.own, t.x, t.y, t.n);
    const post = { mean: 0, variance: 0 };
    for (let j = 0; j < t.n; j++) {
      const keep = Array.from({ length: t.n }, (_, i) => i).filter((i) => i !== j);
      const x = Float64Array.from(keep.flatMap((i) => [t.x[2 * i] as number, t.x[2 * i + 1] as number]));
      const y = Float64Array.from(keep, (i) => t.y[i] as number);
      const gp = GaussianProcess.build({ x, y, n: t.n - 1, d: 2, isCategorical: space.isCategorical }, t.own.params);
      gp.posterior(t.x, j, post);
      expect(loo[j]).toBeCloseTo(post.mean, 6);
    }
  });

  it('replays TuRBO’s trust region: centred on the best trial, halved after max(4, d) failures, doubled after 3 successes', () => {
    const d = 2;
    const at = (ys: number[], xs?: number[]) => {
      const n = ys.length;
      const x = Float64Array.from(xs ?? Array.from({ length: 2 * n }, (_, i) => (i % 2 === 0 ? 0.5 : 0.25)));
      return trustRegion(x, Float64Array.from(ys), n, d, Float64Array.of(0.1, 0.1));
    };
    // One start, no history: side 0.8 around it, cut to the cube.
    const first = at([0]);
    expect(first.lower[0]).toBeCloseTo(0.1, 12);
    expect(first.lower[1]).toBe(0);
    expect(first.upper[0]).toBeCloseTo(0.9, 12);
    expect(first.upper[1]).toBeCloseTo(0.65, 12);
    // Four trials in a row without improving the best (d = 2 < 4): side 0.4.
    const shrunk = at([1, 0, 0, 0, 0]);
    expect((shrunk.upper[0] as number) - (shrunk.lower[0] as number)).toBeCloseTo(0.4, 12);
    // Three improvements in a row: side 1.6, the whole cube; and the centre is the best trial.
    const grown = at([0, 1, 2, 3], [0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.2, 0.8]);
    expect(Array.from(grown.lower)).toEqual([0, 0]);
    expect(Array.from(grown.upper)).toEqual([1, 1]);
    const moved = at([0, 1, 0, 0, 0, 0], [0.9, 0.9, 0.3, 0.6, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9]);
    expect((moved.lower[0] as number) + (moved.upper[0] as number)).toBeCloseTo(0.6, 12);
    expect((moved.lower[1] as number) + (moved.upper[1] as number)).toBeCloseTo(1.2, 12);
    // Sides follow the lengthscales, their product that of a square of side L: ℓ = (0.4, 0.1) gives 2L and L/2.
    const n = 5;
    const box = trustRegion(new Float64Array(2 * n).fill(0.5), Float64Array.of(1, 0, 0, 0, 0), n, d, Float64Array.of(0.4, 0.1));
    expect((box.upper[0] as number) - (box.lower[0] as number)).toBeCloseTo(0.8, 12);
    expect((box.upper[1] as number) - (box.lower[1] as number)).toBeCloseTo(0.2, 12);
  });

  it('gives a trust region only with earlier studies in the space and the option on', () => {
    const earlier = [study(40, 11, bowl), study(40, 12, (x, y) => 2 * bowl(x, y) - 1)];
    const rgpe = new RankingWeightedEnsemble(earlier);
    const t = target(12, 13);
    const box = rgpe.region({ space, sign: 1, own: t.own, x: t.x, y: t.y, n: t.n, seed: 13 }) as { lower: Float64Array; upper: Float64Array };
    expect(box).not.toBeNull();
    for (let j = 0; j < 2; j++) expect(box.upper[j] as number).toBeGreaterThan(box.lower[j] as number);
    expect(new RankingWeightedEnsemble(earlier, { trustRegion: false }).region({ space, sign: 1, own: t.own, x: t.x, y: t.y, n: t.n, seed: 13 })).toBeNull();
    expect(new RankingWeightedEnsemble([]).region({ space, sign: 1, own: t.own, x: t.x, y: t.y, n: t.n, seed: 13 })).toBeNull();
  });

  it('is as sure as the study’s own GP where the study has been observed: earlier studies add variance only away from its trials (seed 21)', () => {
    // Few earlier trials each: their GPs stay unsure between them, at the target's trials too.
    const earlier = [study(6, 21, (x, y) => 2 * bowl(x, y) + 1), study(6, 22, bowl)];
    const rgpe = new RankingWeightedEnsemble(earlier, { decay: Number.POSITIVE_INFINITY });
    const t = target(6, 23);
    const input = { space, sign: -1, own: t.own, x: t.x, y: t.y, n: t.n, seed: 21 };
    const w = rgpe.weights(input);
    expect((w[0] as number) + (w[1] as number)).toBeGreaterThan(0.3);
    const view = rgpe.prepare(input)(t.own);
    const post = { mean: 0, variance: 0 };
    const ownPost = { mean: 0, variance: 0 };
    // At the study's own (noise-free) observations: the earlier studies' uncertainty about their tasks is gone with the own GP's.
    for (let j = 0; j < t.n; j++) {
      view.posterior(t.x, j, post);
      t.own.posterior(t.x, j, ownPost);
      expect(post.variance).toBeLessThan(1e-4 * t.own.params.signalVar);
    }
    // Away from them the earlier studies' uncertainty counts (r → 1): more than the own GP's share w_t²σ_t² alone.
    const far = Float64Array.of(0.999, 0.001);
    view.posterior(far, 0, post);
    t.own.posterior(far, 0, ownPost);
    expect(post.variance).toBeGreaterThan(1.05 * (w[2] as number) ** 2 * ownPost.variance);
    expect(post.variance).toBeGreaterThan(0.01 * t.own.params.signalVar);
    // The batch and gradient paths agree with the pointwise one; the variance's gradient matches finite differences.
    const xs = Float64Array.of(0.2, 0.4, 0.61, 0.33, (t.x[0] as number) + 0.01, t.x[1] as number);
    const means = new Float64Array(3);
    const vars = new Float64Array(3);
    view.posteriorBatch(xs, 3, means, vars);
    const gm = new Float64Array(2);
    const gv = new Float64Array(2);
    for (let r = 0; r < 3; r++) {
      view.posterior(xs, r, post);
      expect(means[r]).toBeCloseTo(post.mean, 10);
      expect(vars[r]).toBeCloseTo(post.variance, 10);
      const x = xs.slice(2 * r, 2 * r + 2);
      view.posteriorWithGrad(x, ownPost, gm, gv);
      expect(ownPost.variance).toBeCloseTo(post.variance, 10);
      for (let j = 0; j < 2; j++) {
        const h = 1e-6;
        const up = x.slice();
        const down = x.slice();
        up[j] = (up[j] as number) + h;
        down[j] = (down[j] as number) - h;
        const a = { mean: 0, variance: 0 };
        const b = { mean: 0, variance: 0 };
        view.posterior(up, 0, a);
        view.posterior(down, 0, b);
        expect(gv[j]).toBeCloseTo((a.variance - b.variance) / (2 * h), 4);
        expect(gm[j]).toBeCloseTo((a.mean - b.mean) / (2 * h), 4);
      }
    }
  });
});
