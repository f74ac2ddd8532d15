import { describe, expect, it } from 'vitest';
import { hypervolume } from '../../math/hypervolume.js';
import { createStudy } from '../../study/create-study.js';
import { MemoryStorage } from '../../storage/memory/memory-storage.js';
import type { Trial } from '../../study/trial.js';
import { runSamplerConformance } from '../conformance.js';
import { RandomSampler } from '../random/random-sampler.js';
import type { Sampler } from '../sampler.js';
import { fitSubset, GpSampler, localSearches, needsRefit, preliminarySamples } from './gp-sampler.js';

runSamplerConformance({ describe, it }, { name: 'GpSampler', make: (seed) => new GpSampler({ seed }), nTrials: 25 });

const BRANIN_MIN = 0.397887357729738;
function branin(t: Trial): number {
  const x1 = t.suggestFloat('x1', -5, 10);
  const x2 = t.suggestFloat('x2', 0, 15);
  const b = 5.1 / (4 * Math.PI ** 2);
  const c = 5 / Math.PI;
  return (x2 - b * x1 * x1 + c * x1 - 6) ** 2 + 10 * (1 - 1 / (8 * Math.PI)) * Math.cos(x1) + 10;
}

const HARTMANN3_MIN = -3.86278214782076;
const H3_ALPHA = [1, 1.2, 3, 3.2];
const H3_A = [
  [3, 10, 30],
  [0.1, 10, 35],
  [3, 10, 30],
  [0.1, 10, 35],
];
const H3_P = [
  [0.3689, 0.117, 0.2673],
  [0.4699, 0.4387, 0.747],
  [0.1091, 0.8732, 0.5547],
  [0.03815, 0.5743, 0.8828],
];
function hartmann3(t: Trial): number {
  const x = [t.suggestFloat('x0', 0, 1), t.suggestFloat('x1', 0, 1), t.suggestFloat('x2', 0, 1)];
  let f = 0;
  for (let i = 0; i < 4; i++) {
    let s = 0;
    for (let j = 0; j < 3; j++) s += ((H3_A[i] as number[])[j] as number) * ((x[j] as number) - ((H3_P[i] as number[])[j] as number)) ** 2;
    f -= (H3_ALPHA[i] as number) * Math.exp(-s);
  }
  return f;
}

async function bestOf(sampler: Sampler, objective: (t: Trial) => number, nTrials: number): Promise<number> {
  const study = await createStudy({ storage: new MemoryStorage(), sampler });
  await study.optimize(objective, { nTrials });
  return study.bestValue();
}

describe('GpSampler', () => {
  it('reaches regret < 1e-2 on Branin within 40 trials for most of 5 seeds', async () => {
    const regrets: number[] = [];
    for (const seed of [0, 1, 2, 3, 4]) regrets.push((await bestOf(new GpSampler({ seed }), branin, 40)) - BRANIN_MIN);
    expect(regrets.filter((r) => r < 1e-2).length, `regrets ${regrets.map((r) => r.toExponential(2)).join(', ')}`).toBeGreaterThanOrEqual(4);
  });

  it('beats random search clearly on Hartmann-3 over 5 seeds', async () => {
    const gp: number[] = [];
    const random: number[] = [];
    for (const seed of [0, 1, 2, 3, 4]) {
      gp.push(Math.log10((await bestOf(new GpSampler({ seed }), hartmann3, 40)) - HARTMANN3_MIN + 1e-12));
      random.push(Math.log10((await bestOf(new RandomSampler({ seed }), hartmann3, 40)) - HARTMANN3_MIN + 1e-12));
    }
    const median = (a: number[]) => a.slice().sort((p, q) => p - q)[2] as number;
    // At least two decades lower regret, and better on every seed.
    expect(median(gp), `gp ${gp.map((v) => v.toFixed(2))} random ${random.map((v) => v.toFixed(2))}`).toBeLessThan(median(random) - 2);
    gp.forEach((v, i) => {
      expect(v).toBeLessThan(random[i] as number);
    });
  });

  it('keeps to the constraints recorded by trials', async () => {
    // Minimize x² + y² subject to x + y ≥ 1 (c = 1 − x − y ≤ 0); the optimum is 0.5 at x = y = 0.5.
    const study = await createStudy({ storage: new MemoryStorage(), sampler: new GpSampler({ seed: 3 }) });
    await study.optimize(
      (t) => {
        const x = t.suggestFloat('x', -2, 2);
        const y = t.suggestFloat('y', -2, 2);
        t.setConstraints([1 - x - y]);
        return x * x + y * y;
      },
      { nTrials: 40 },
    );
    const trials = await study.getTrials();
    const feasible = trials.filter((t) => 1 - (t.params.x as number) - (t.params.y as number) <= 0);
    const best = Math.min(...feasible.map((t) => t.value as number));
    expect(best).toBeLessThan(0.55);
    // Once modelled, most suggestions are feasible.
    const late = trials.slice(20);
    expect(late.filter((t) => 1 - (t.params.x as number) - (t.params.y as number) <= 0.05).length).toBeGreaterThanOrEqual(15);
  });

  it('gives concurrent workers different points (constant liar)', async () => {
    const study = await createStudy({ storage: new MemoryStorage(), sampler: new GpSampler({ seed: 5, nStartupTrials: 5 }) });
    const objective = async (t: Trial) => {
      const v = (t.suggestFloat('x', 0, 1) - 0.3) ** 2 + (t.suggestFloat('y', 0, 1) - 0.6) ** 2;
      await new Promise((r) => setTimeout(r, 5));
      return v;
    };
    await study.optimize(objective, { nTrials: 8 });
    await study.optimize(objective, { nTrials: 16, concurrency: 4 });
    const trials = await study.getTrials();
    const keys = trials.map((t) => `${(t.params.x as number).toFixed(6)},${(t.params.y as number).toFixed(6)}`);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('suggests grid values and categorical choices exactly, and uses the categorical that matters', async () => {
    const study = await createStudy({ storage: new MemoryStorage(), sampler: new GpSampler({ seed: 2 }) });
    await study.optimize(
      (t) => {
        const n = t.suggestInt('n', 1, 40);
        const q = t.suggestFloat('q', 0, 1, { step: 0.1 });
        const b = t.suggestInt('b', 8, 1024, { log: true });
        const c = t.suggestCategorical('c', ['a', 'b', 'c', 'd']);
        return ((n - 13) / 10) ** 2 + (q - 0.7) ** 2 + (Math.log2(b) - 5) ** 2 / 10 + (c === 'c' ? 0 : 1);
      },
      { nTrials: 40 },
    );
    const best = await study.bestTrial();
    expect(best.params.c).toBe('c');
    expect(best.value as number).toBeLessThan(0.2);
  });

  it('models conditional parameters within the trials that have them', async () => {
    // Each model has its own parameters; the best is "b" with u = 0.8.
    const objective = (t: Trial): number => {
      const model = t.suggestCategorical('model', ['a', 'b']);
      if (model === 'a') return 1 + (t.suggestFloat('a_x', 0, 1) - 0.2) ** 2;
      const u = t.suggestFloat('b_u', 0, 1);
      const k = t.suggestInt('b_k', 1, 8);
      return (u - 0.8) ** 2 + ((k - 5) / 8) ** 2;
    };
    const gp = await createStudy({ storage: new MemoryStorage(), sampler: new GpSampler({ seed: 4 }) });
    await gp.optimize(objective, { nTrials: 40 });
    const off = await createStudy({ storage: new MemoryStorage(), sampler: new GpSampler({ seed: 4, conditionalSubspaces: false }) });
    await off.optimize(objective, { nTrials: 40 });
    const best = await gp.bestTrial();
    expect(best.params.model).toBe('b');
    expect(best.params.b_k).toBe(5);
    expect(Math.abs((best.params.b_u as number) - 0.8)).toBeLessThan(0.02);
    expect(await gp.bestValue()).toBeLessThan(await off.bestValue());
  });

  it('spreads two objectives along the Pareto front (log EHVI), better than random', async () => {
    // f1 = x² + y², f2 = (x − 1)² + y²: the front is y = 0, x ∈ [0, 1]; reference point (1.5, 1.5).
    const hv = (points: number[][]): number => {
      const front = points.filter((p) => (p[0] as number) < 1.5 && (p[1] as number) < 1.5).sort((a, b) => (a[0] as number) - (b[0] as number));
      let area = 0;
      let prevF2 = 1.5;
      for (const p of front) {
        if ((p[1] as number) < prevF2) {
          area += (1.5 - (p[0] as number)) * (prevF2 - (p[1] as number));
          prevF2 = p[1] as number;
        }
      }
      return area;
    };
    const run = async (sampler: Sampler): Promise<number> => {
      const study = await createStudy({ storage: new MemoryStorage(), sampler, directions: ['minimize', 'minimize'] });
      await study.optimize(
        (t) => {
          const x = t.suggestFloat('x', -1, 2);
          const y = t.suggestFloat('y', -1, 1);
          return [x * x + y * y, (x - 1) ** 2 + y * y];
        },
        { nTrials: 30 },
      );
      return hv((await study.getTrials()).map((t) => [...(t.values as number[])]));
    };
    for (const seed of [1, 2]) {
      const gp = await run(new GpSampler({ seed }));
      const random = await run(new RandomSampler({ seed }));
      // The ideal front's hypervolume is about 1.92.
      expect(gp, `seed ${seed}`).toBeGreaterThan(random);
      expect(gp).toBeGreaterThan(1.85);
    }
  });

  it('handles three objectives (log EHVI over a thinned front), better than random', async () => {
    // Three paraboloids centred at the corners of a triangle: the front is the triangle.
    const centres = [
      [0, 0],
      [1, 0],
      [0, 1],
    ];
    const run = async (sampler: Sampler): Promise<number> => {
      const study = await createStudy({ storage: new MemoryStorage(), sampler, directions: ['minimize', 'minimize', 'minimize'] });
      await study.optimize(
        (t) => {
          const x = t.suggestFloat('x', -1, 2);
          const y = t.suggestFloat('y', -1, 2);
          return centres.map(([a, b]) => (x - (a as number)) ** 2 + (y - (b as number)) ** 2);
        },
        { nTrials: 30 },
      );
      return hypervolume(
        (await study.getTrials()).map((t) => t.values as number[]),
        [2.5, 2.5, 2.5],
      );
    };
    for (const seed of [1, 2]) expect(await run(new GpSampler({ seed })), `seed ${seed}`).toBeGreaterThan(await run(new RandomSampler({ seed })));
  });

  it('runs in deterministic-objective mode', async () => {
    const r = (await bestOf(new GpSampler({ seed: 1, deterministicObjective: true }), branin, 30)) - BRANIN_MIN;
    expect(r).toBeLessThan(0.05);
  });

  it('with a deterministic objective never evaluates a grid point twice until the grid is used up', async () => {
    // A 6 × 5 grid whose best cell is an edge of a flat ridge (as an SVM's C × γ grid): without the exclusion, the GP
    // re-proposed the best trial's cell once log EI was flat everywhere (breast cancer's grid: 42-52 distinct cells in 100 trials).
    const study = await createStudy({ storage: new MemoryStorage(), sampler: new GpSampler({ seed: 3, deterministicObjective: true }) });
    await study.optimize(
      (t) => {
        const c = t.suggestFloat('c', 0, 1.25, { step: 0.25 });
        const g = t.suggestInt('g', 0, 4);
        return g === 2 ? (c >= 0.5 ? 0.1 : 0.3) - (c === 0.5 ? 0.01 : 0) : 1 + Math.abs(g - 2);
      },
      { nTrials: 34 },
    );
    const keys = (await study.getTrials()).map((t) => `${t.params.c},${t.params.g}`);
    expect(new Set(keys.slice(0, 30)).size).toBe(30);
    expect(keys.slice(0, 30)).toContain('0.5,2');
    // With every cell evaluated, it proposes again rather than failing.
    expect(keys).toHaveLength(34);
  });

  it('validates its options', () => {
    expect(() => new GpSampler({ nStartupTrials: -1 })).toThrow(/nStartupTrials/);
    expect(() => new GpSampler({ nPreliminarySamples: 0 })).toThrow(/nPreliminarySamples/);
    expect(() => new GpSampler({ seed: 1.5 })).toThrow(/seed/);
    // Any seed gives a valid seed to the default independent sampler (the high bit set included).
    for (const seed of [0, 0x80000000, 0xffffffff]) expect(() => new GpSampler({ seed })).not.toThrow();
    for (let i = 0; i < 20; i++) expect(() => new GpSampler()).not.toThrow();
  });

  it('scales its effort with the history', () => {
    expect(preliminarySamples(2048, 10)).toBe(2048);
    expect(preliminarySamples(2048, 100)).toBe(983);
    expect(preliminarySamples(2048, 500)).toBe(256);
    expect(preliminarySamples(2048, 5000)).toBe(256);
    expect(localSearches(10, 30)).toBe(20);
    expect(localSearches(10, 100)).toBe(10);
    expect(localSearches(10, 1000)).toBe(4);
    expect(needsRefit(50, 49)).toBe(true);
    expect(needsRefit(100, 99)).toBe(false);
    expect(needsRefit(100, 98)).toBe(true);
    expect(needsRefit(300, 290)).toBe(false);
    expect(needsRefit(305, 290)).toBe(true);
    const n = 400;
    const y = Float64Array.from({ length: n }, (_, i) => Math.sin(i));
    const data = { x: Float64Array.from({ length: 2 * n }, (_, i) => i), y, n, d: 2, isCategorical: new Uint8Array(2) };
    const sub = fitSubset(data);
    expect(sub.n).toBe(300);
    expect(Math.max(...sub.y)).toBe(Math.max(...y));
    expect(fitSubset({ ...data, n: 200 }).n).toBe(200);
  });
});
