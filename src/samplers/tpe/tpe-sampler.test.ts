import { describe, expect, it } from 'vitest';
import { hypervolume } from '../../math/hypervolume.js';
import { MemoryStorage } from '../../storage/memory/memory-storage.js';
import { createStudy } from '../../study/create-study.js';
import type { Trial } from '../../study/trial.js';
import { paretoFront } from '../../study/pareto.js';
import { runSamplerConformance } from '../conformance.js';
import { RandomSampler } from '../random/random-sampler.js';
import type { Sampler } from '../sampler.js';
import { TpeSampler } from './tpe-sampler.js';

runSamplerConformance({ describe, it }, { name: 'TpeSampler', make: (seed) => new TpeSampler({ seed }) });
runSamplerConformance(
  { describe, it },
  { name: 'TpeSampler (independent, no liar)', make: (seed) => new TpeSampler({ seed, multivariate: false, constantLiar: false }) },
);

function branin(t: Trial): number {
  const x1 = t.suggestFloat('x0', -5, 10);
  const x2 = t.suggestFloat('x1', 0, 15);
  const b = 5.1 / (4 * Math.PI ** 2);
  const c = 5 / Math.PI;
  return (x2 - b * x1 * x1 + c * x1 - 6) ** 2 + 10 * (1 - 1 / (8 * Math.PI)) * Math.cos(x1) + 10;
}
const BRANIN_MIN = 5 / (4 * Math.PI);

async function best(sampler: Sampler, objective: (t: Trial) => number, nTrials: number): Promise<number> {
  const study = await createStudy({ storage: new MemoryStorage(), sampler });
  await study.optimize(objective, { nTrials });
  return study.bestValue();
}

const median = (xs: number[]) => {
  const s = xs.slice().sort((a, b) => a - b);
  return s.length % 2 ? (s[(s.length - 1) / 2] as number) : 0.5 * ((s[s.length / 2 - 1] as number) + (s[s.length / 2] as number));
};

describe('TpeSampler', () => {
  it('reaches regret < 1e-2 on a 2-d quadratic in 100 trials (seed 1)', async () => {
    const v = await best(new TpeSampler({ seed: 1 }), (t) => (t.suggestFloat('x', -5, 5) - 1.5) ** 2 + (t.suggestFloat('y', -5, 5) + 0.5) ** 2, 100);
    expect(v, 'seed 1').toBeLessThan(1e-2);
  });

  it('beats random search on Branin: median regret over seeds 0-4 at least 10x lower', async () => {
    const seeds = [0, 1, 2, 3, 4];
    const tpe = await Promise.all(seeds.map(async (seed) => (await best(new TpeSampler({ seed }), branin, 100)) - BRANIN_MIN));
    const random = await Promise.all(seeds.map(async (seed) => (await best(new RandomSampler({ seed }), branin, 100)) - BRANIN_MIN));
    expect(median(tpe), `tpe ${tpe} random ${random}`).toBeLessThan(median(random) / 10);
  });

  it('models each branch of a conditional space on its own (group)', async () => {
    const study = await createStudy({ storage: new MemoryStorage(), sampler: new TpeSampler({ seed: 5 }) });
    await study.optimize(
      (t) => {
        // Alternate the branches so both get trials to model.
        if (t.number % 2 === 0) return (t.suggestFloat('xa', 0, 1) - 0.8) ** 2 + (t.suggestInt('na', 0, 20) - 15) ** 2 / 400;
        return (t.suggestFloat('xb', 0, 1) - 0.2) ** 2 + (t.suggestFloat('yb', 0, 1) - 0.7) ** 2;
      },
      { nTrials: 120 },
    );
    const late = (await study.getTrials()).slice(60);
    const a = late.filter((t) => 'xa' in t.params);
    const b = late.filter((t) => 'xb' in t.params);
    expect(median(a.map((t) => Math.abs((t.params.xa as number) - 0.8)))).toBeLessThan(0.1);
    expect(median(a.map((t) => Math.abs((t.params.na as number) - 15)))).toBeLessThanOrEqual(2);
    expect(median(b.map((t) => Math.abs((t.params.xb as number) - 0.2)))).toBeLessThan(0.1);
    expect(median(b.map((t) => Math.abs((t.params.yb as number) - 0.7)))).toBeLessThan(0.1);
  });

  it('constant liar: four trials asked before any is told get clearly different points', async () => {
    const objective = (x: number, y: number) => (x - 0.3) ** 2 + (y - 0.6) ** 2;
    const spread = async (constantLiar: boolean) => {
      const study = await createStudy({ storage: new MemoryStorage(), sampler: new TpeSampler({ seed: 8, constantLiar }) });
      await study.optimize((t) => objective(t.suggestFloat('x', 0, 1), t.suggestFloat('y', 0, 1)), { nTrials: 30 });
      const trials = [];
      for (let i = 0; i < 4; i++) trials.push(await study.ask());
      const pts = trials.map((t) => [t.suggestFloat('x', 0, 1), t.suggestFloat('y', 0, 1)] as const);
      let min = Number.POSITIVE_INFINITY;
      for (let i = 0; i < 4; i++) for (let j = i + 1; j < 4; j++) min = Math.min(min, Math.hypot(pts[i]![0] - pts[j]![0], pts[i]![1] - pts[j]![1]));
      for (const [i, t] of trials.entries()) await study.tell(t, objective(...pts[i]!));
      return min;
    };
    const withLiar = await spread(true);
    const without = await spread(false);
    expect(withLiar, `min distance ${withLiar} (without the liar ${without})`).toBeGreaterThan(0.05);
    expect(withLiar).toBeGreaterThan(2 * without);
  });

  it('multi-objective: a larger hypervolume than random search after 100 trials (seeds 0-4)', async () => {
    // ZDT1 with 4 variables; reference point (1.1, 11).
    const zdt1 = (t: Trial) => {
      const x = [0, 1, 2, 3].map((i) => t.suggestFloat(`x${i}`, 0, 1));
      const g = 1 + (9 * (x[1]! + x[2]! + x[3]!)) / 3;
      return [x[0]!, g * (1 - Math.sqrt(x[0]! / g))];
    };
    const hv = async (sampler: Sampler) => {
      const study = await createStudy({ storage: new MemoryStorage(), sampler, directions: ['minimize', 'minimize'] });
      await study.optimize(zdt1, { nTrials: 100 });
      return hypervolume(
        paretoFront(await study.getTrials(), study.directions).map((t) => t.values as number[]),
        [1.1, 11],
      );
    };
    const seeds = [0, 1, 2, 3, 4];
    const tpe = await Promise.all(seeds.map((seed) => hv(new TpeSampler({ seed }))));
    const random = await Promise.all(seeds.map((seed) => hv(new RandomSampler({ seed }))));
    expect(median(tpe), `tpe ${tpe} random ${random}`).toBeGreaterThan(median(random));
    expect(
      tpe.reduce((a, b) => a + b),
      `tpe ${tpe} random ${random}`,
    ).toBeGreaterThan(random.reduce((a, b) => a + b));
  });

  it('samples a parameter outside the relative space the same way whatever the order of suggestions', async () => {
    const run = async (order: 'ab' | 'ba') => {
      const study = await createStudy({ storage: new MemoryStorage(), sampler: new TpeSampler({ seed: 4, multivariate: false }) });
      await study.optimize(
        (t) => {
          const [a, b] =
            order === 'ab' ? [t.suggestFloat('a', 0, 1), t.suggestFloat('b', 0, 1)] : [0, 0].map((_, i) => t.suggestFloat(i === 0 ? 'b' : 'a', 0, 1)).reverse();
          return (a! - 0.2) ** 2 + (b! - 0.7) ** 2;
        },
        { nTrials: 25 },
      );
      return (await study.getTrials()).map((t) => [t.params.a, t.params.b]);
    };
    expect(await run('ab')).toEqual(await run('ba'));
  });

  it('copes with infinite values, pruned trials with and without reports, and a maximized objective', async () => {
    const study = await createStudy({ storage: new MemoryStorage(), sampler: new TpeSampler({ seed: 6 }), direction: 'maximize' });
    for (let i = 0; i < 40; i++) {
      const t = await study.ask();
      const x = t.suggestFloat('x', -1, 1);
      const n = t.suggestInt('n', 1, 100, { log: true });
      if (i % 5 === 0) {
        await study.tell(t, Number.POSITIVE_INFINITY);
      } else if (i % 7 === 0) {
        await study.tell(t, Number.NEGATIVE_INFINITY);
      } else if (i % 4 === 0) {
        t.report(-x * x, 1);
        await study.tell(t, { state: 'PRUNED' });
      } else if (i % 9 === 0) {
        await study.tell(t, { state: 'PRUNED' });
      } else {
        await study.tell(t, -(x * x) - Math.log(n));
      }
    }
    const trials = await study.getTrials();
    expect(trials.length).toBe(40);
    for (const t of trials) {
      expect(Math.abs(t.params.x as number)).toBeLessThanOrEqual(1);
      expect(Number.isInteger(t.params.n)).toBe(true);
    }
  });

  it('constraints: prefers feasible points and finds the constrained optimum', async () => {
    // Minimize x² + y² subject to x + y ≥ 1: the optimum 0.5 is at (0.5, 0.5); the unconstrained one is infeasible.
    const study = await createStudy({ storage: new MemoryStorage(), sampler: new TpeSampler({ seed: 2 }) });
    await study.optimize(
      (t) => {
        const x = t.suggestFloat('x', -2, 2);
        const y = t.suggestFloat('y', -2, 2);
        t.setConstraints([1 - x - y]);
        return x * x + y * y;
      },
      { nTrials: 100 },
    );
    const trials = await study.getTrials();
    const feasible = (t: (typeof trials)[number]) => (t.params.x as number) + (t.params.y as number) >= 1;
    const best = Math.min(...trials.filter(feasible).map((t) => t.value as number));
    expect(best).toBeLessThan(0.55);
    // Without setConstraints, about 5 of these 50 are feasible.
    expect(trials.slice(50).filter(feasible).length).toBeGreaterThan(20);
  });

  it('rejects bad options', () => {
    expect(() => new TpeSampler({ nStartupTrials: -1 })).toThrow(/nStartupTrials/);
    expect(() => new TpeSampler({ nEiCandidates: 0 })).toThrow(/nEiCandidates/);
    expect(() => new TpeSampler({ priorWeight: 0 })).toThrow(/priorWeight/);
    expect(() => new TpeSampler({ categoricalPriorWeight: 1 })).toThrow(/categoricalPriorWeight/);
    expect(() => new TpeSampler({ seed: -1 })).toThrow(/seed/);
  });
});

describe('TpeSampler caches', () => {
  it('suggest exactly what fresh samplers suggest (the history-derived caches change nothing)', async () => {
    const objective = (t: Trial) => {
      const kind = t.suggestCategorical('kind', ['lin', 'log', 'int']);
      const x = t.suggestFloat('x', -3, 3);
      if (kind === 'lin') return (x - 1) ** 2 + t.suggestFloat('a', 0, 1, { step: 0.1 });
      if (kind === 'log') return x * x + Math.log10(t.suggestFloat('b', 1e-4, 1, { log: true })) ** 2;
      return (x + 1) ** 2 + (t.suggestInt('c', 1, 64, { log: true }) - 8) ** 2 / 50;
    };
    // The reference: a new sampler for every trial, so nothing is carried from one trial to the next.
    const fresh = new Map<number, TpeSampler>();
    const forTrial = (n: number) => {
      let s = fresh.get(n);
      if (s === undefined) fresh.set(n, (s = new TpeSampler({ seed: 3 })));
      return s;
    };
    const reference: Sampler = {
      name: 'fresh',
      usesHistory: true,
      inferRelativeSearchSpace: (study, trial) => forTrial(trial.number).inferRelativeSearchSpace(study, trial),
      sampleRelative: (study, trial, space) => forTrial(trial.number).sampleRelative(study, trial, space),
      sampleIndependent: (study, trial, name, d) => forTrial(trial.number).sampleIndependent(study, trial, name, d),
    };
    const run = async (sampler: Sampler) => {
      const study = await createStudy({ storage: new MemoryStorage(), sampler });
      await study.optimize(objective, { nTrials: 80 });
      return (await study.getTrials()).map((t) => t.params);
    };
    expect(await run(new TpeSampler({ seed: 3 }))).toEqual(await run(reference));
  });
});

describe('TpeSampler warm start over many parameter groups', () => {
  it('suggests the same as a fresh sampler when its bounded cache of earlier-study models has evicted groups', async () => {
    // 40 conditional branches, each its own parameter group: more than the cache keeps, visited round robin.
    const objective = (t: Trial): number => {
      const b = t.suggestCategorical(
        'branch',
        Array.from({ length: 40 }, (_, i) => `b${i}`),
      );
      const x = t.suggestFloat(`x_${b}`, 0, 1);
      return (x - 0.3) ** 2 + Number(b.slice(1)) / 100;
    };
    const earlier = await createStudy({ storage: new MemoryStorage(), sampler: new RandomSampler({ seed: 1 }) });
    await earlier.optimize(objective, { nTrials: 200 });
    const from = [await earlier.getTrials()];
    const make = (): TpeSampler => new TpeSampler({ seed: 7, multivariate: false });
    const long = await createStudy({ storage: new MemoryStorage(), sampler: make(), warmStart: { from } });
    const replayStorage = new MemoryStorage();
    for (let i = 0; i < 50; i++) {
      const branch = `b${i % 40}`;
      await long.enqueueTrial({ branch });
      const t = await long.ask();
      const v = objective(t);
      await long.tell(t, v);
      // The same step by a sampler that starts with nothing cached.
      const replay = await createStudy({ storage: replayStorage, studyName: 'replay', sampler: make(), warmStart: { from }, loadIfExists: true });
      await replay.enqueueTrial({ branch });
      const r = await replay.ask();
      expect(r.suggestFloat(`x_${branch}`, 0, 1)).toBe(t.params[`x_${branch}`]);
      await replay.tell(r, v);
    }
  });
});
