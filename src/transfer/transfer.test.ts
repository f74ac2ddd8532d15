import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { regretCurve, taskObjective, transferTask } from '../../bench/transfer-tasks.js';
import { CmaEsSampler } from '../samplers/cmaes/cmaes-sampler.js';
import { GpSampler } from '../samplers/gp/gp-sampler.js';
import type { SearchBox } from '../samplers/gp/optimize-acqf.js';
import { GpSearchSpace } from '../samplers/gp/search-space.js';
import type { GpTransferModel } from '../samplers/gp/transfer-model.js';
import { RandomSampler } from '../samplers/random/random-sampler.js';
import type { Sampler } from '../samplers/sampler.js';
import { TpeSampler } from '../samplers/tpe/tpe-sampler.js';
import { createStudy } from '../study/create-study.js';
import { type FrozenTrial, frozenTrial } from '../trial/frozen-trial.js';
import { mapTrials } from './mapping.js';
import { computeMetaFeatures, META_FEATURE_KEYS, scaledMetaFeature, suggestWarmStart } from './meta-features.js';
import { RankingWeightedEnsemble } from './rgpe.js';
import { type GpWarmStartModel, WARM_START_ATTR, warmStartCmaEs } from './warm-start.js';

function trial(number: number, params: Record<string, number | string>, value: number, dists: FrozenTrial['distributions'] = {}): FrozenTrial {
  return frozenTrial({ number, values: [value], params, distributions: dists });
}

describe('mapping', () => {
  it('renames, drops, adds defaults and rescales ranges (linear and log)', () => {
    const t = trial(0, { lr: 0.01, units: 64, depth: 3, old: 'x' }, 1.5, {
      lr: { kind: 'float', low: 1e-4, high: 1, log: true, step: null },
      units: { kind: 'int', low: 16, high: 128, log: false, step: 1 },
    });
    const [m] = mapTrials([t], {
      rename: { lr: 'learningRate', units: 'width' },
      drop: ['old'],
      defaults: { dropout: 0 },
      rescale: { learningRate: { to: [1e-5, 1e-1] }, width: { to: [32, 256] }, depth: { from: [1, 5], to: [2, 10] } },
    });
    // lr 0.01 is halfway (in log) in [1e-4, 1] → halfway in [1e-5, 1e-1]: 1e-3.
    expect(m?.params.learningRate).toBeCloseTo(1e-3, 12);
    // 64 in [16, 128] is at 3/7 → 32 + 3/7·224 = 128.
    expect(m?.params.width).toBe(128);
    expect(m?.params.depth).toBe(6);
    expect(m?.params.dropout).toBe(0);
    expect(Object.keys(m?.params ?? {}).sort()).toEqual(['depth', 'dropout', 'learningRate', 'width']);
    expect(m?.distributions.width).toEqual({ kind: 'int', low: 32, high: 256, log: false, step: 1 });
    expect(m?.value).toBe(1.5);
    expect(() => mapTrials([t], { rescale: { lr: { to: [1, 0] } } })).toThrow(/low < high/);
    expect(mapTrials([{ ...t, state: 'FAIL', values: null, value: null }], undefined)).toHaveLength(0);
  });
});

/** Earlier tasks of a family, each tuned for 40 trials. */
async function sources(family: string, n = 3): Promise<FrozenTrial[][]> {
  const out: FrozenTrial[][] = [];
  for (let k = 1; k <= n; k++) {
    const s = await createStudy({ sampler: new TpeSampler({ seed: 1000 + k }) });
    await s.optimize(taskObjective(transferTask(family, k)), { nTrials: 40 });
    out.push(await s.getTrials());
  }
  return out;
}

async function regrets(family: string, sampler: Sampler, nTrials: number, from?: FrozenTrial[][], gpModel?: GpWarmStartModel): Promise<number[]> {
  const task = transferTask(family, 0);
  const study = await createStudy({ sampler, ...(from ? { warmStart: { from, ...(gpModel ? { gpModel } : {}) } } : {}) });
  if (gpModel) expect((await study.systemAttrs())[WARM_START_ATTR]).toMatchObject({ sampler: 'GpSampler', gpModel });
  await study.optimize(taskObjective(task), { nTrials });
  if (from) expect((await study.systemAttrs())[WARM_START_ATTR]).toMatchObject({ sources: from.map((_, i) => ({ study: `trials[${i}]`, trials: 40 })) });
  return regretCurve(
    task,
    (await study.getTrials()).map((t) => t.value as number),
  );
}

const median = (xs: number[]): number => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

describe('warm start', () => {
  it('TPE reaches a good region sooner on shifted Hartmann-3 tasks (8 seeds, 15 trials)', async () => {
    const from = await sources('hartmann3');
    const cold: number[] = [];
    const warm: number[] = [];
    for (let seed = 0; seed < 8; seed++) {
      cold.push((await regrets('hartmann3', new TpeSampler({ seed }), 15))[14] as number);
      warm.push((await regrets('hartmann3', new TpeSampler({ seed }), 15, from))[14] as number);
    }
    // Warm-started TPE at 15 trials: median regret at least 3x lower, and better on at least 6 of 8 seeds.
    expect(median(warm) * 3).toBeLessThan(median(cold));
    expect(warm.filter((w, i) => w < (cold[i] as number)).length).toBeGreaterThanOrEqual(6);
  }, 30_000);

  it('the GP, with the ranking-weighted ensemble or a prior mean, reaches a good region sooner on shifted Branin tasks (3 seeds, 8 trials)', async () => {
    const from = await sources('branin');
    const gp = (seed: number) => new GpSampler({ seed, deterministicObjective: true, nPreliminarySamples: 256, nLocalSearch: 3 });
    const cold: number[] = [];
    for (let seed = 0; seed < 3; seed++) cold.push((await regrets('branin', gp(seed), 8))[7] as number);
    for (const model of ['rgpe', 'prior-mean'] as const) {
      const warm: number[] = [];
      for (let seed = 0; seed < 3; seed++) warm.push((await regrets('branin', gp(seed), 8, from, model))[7] as number);
      expect(
        warm.every((w, i) => w < (cold[i] as number)),
        model,
      ).toBe(true);
      expect(median(warm) * 5, model).toBeLessThan(median(cold));
    }
  }, 60_000);

  it('the warm GP searches inside the ensemble’s trust region, centred on the best trial; same seed, same suggestions (Hartmann-3, 24 trials)', async () => {
    const from = await sources('hartmann3');
    const run = async () => {
      const rgpe = new RankingWeightedEnsemble(from);
      const boxes = new Map<number, SearchBox>();
      // The ensemble, recording the box it gives for each model-chosen trial (the n-th finished trial precedes trial n).
      const model: GpTransferModel = {
        name: 'recorded',
        initialPoint: (space, sign, k) => rgpe.initialPoint(space, sign, k),
        prepare: (input) => rgpe.prepare(input),
        region: (input) => {
          const box = rgpe.region(input) as SearchBox;
          boxes.set(input.n, box);
          return box;
        },
      };
      const sampler = new GpSampler({ seed: 4, deterministicObjective: true, nPreliminarySamples: 256, nLocalSearch: 3, transferModel: model });
      const study = await createStudy({ sampler });
      await study.optimize(taskObjective(transferTask('hartmann3', 0)), { nTrials: 24 });
      return { trials: await study.getTrials(), boxes };
    };
    const { trials, boxes } = await run();
    const space = new GpSearchSpace(trials[0]?.distributions ?? {});
    const u = new Float64Array(3);
    for (let n = 2; n < trials.length; n++) {
      const box = boxes.get(n) as SearchBox;
      expect(box, `trial ${n}`).toBeDefined();
      space.encode((trials[n] as FrozenTrial).params, u);
      for (let j = 0; j < 3; j++) {
        expect(u[j] as number, `trial ${n}, x${j}`).toBeGreaterThanOrEqual((box.lower[j] as number) - 1e-12);
        expect(u[j] as number, `trial ${n}, x${j}`).toBeLessThanOrEqual((box.upper[j] as number) + 1e-12);
      }
    }
    // Each box holds the best trial so far (its centre, unless cut by the cube); the first has side 0.4, so volume at most 0.4³.
    for (let n = 2; n < trials.length; n++) {
      const best = trials.slice(0, n).reduce((p, q) => ((q.value as number) < (p.value as number) ? q : p));
      space.encode(best.params, u);
      const box = boxes.get(n) as SearchBox;
      for (let j = 0; j < 3; j++)
        expect(Math.abs(((box.lower[j] as number) + (box.upper[j] as number)) / 2 - (u[j] as number)) < 1e-12 || box.lower[j] === 0 || box.upper[j] === 1).toBe(
          true,
        );
    }
    const first = boxes.get(2) as SearchBox;
    expect(first.lower.reduce((v, lo, j) => v * ((first.upper[j] as number) - lo), 1)).toBeLessThanOrEqual(0.4 ** 3 + 1e-12);
    expect((await run()).trials.map((t) => t.params)).toEqual(trials.map((t) => t.params));
  }, 60_000);

  it('without warmStart nothing changes: same seed, same suggestions as a sampler never given priors', async () => {
    const run = async (s: Sampler) => {
      const study = await createStudy({ sampler: s });
      await study.optimize(taskObjective(transferTask('branin', 0)), { nTrials: 14 });
      return (await study.getTrials()).map((t) => t.params);
    };
    const digest = (params: unknown): string => createHash('sha256').update(JSON.stringify(params)).digest('hex');
    // SHA-256 of the suggestions of the samplers as they were before warm starting existed (commit 20c64b6~1).
    expect(digest(await run(new TpeSampler({ seed: 3 })))).toBe('34b0599ecd7cb6eb30aa061d741d93e578c5ac448fa23abf741a4b942a0a920e');
    expect(digest(await run(new GpSampler({ seed: 3, nPreliminarySamples: 256 })))).toBe('bda6d6275f37b4650243650fd47eff19bce97bce7aaa62bc994b00c9831cf5e5');
    expect(await run(new TpeSampler({ seed: 3 }))).toEqual(await run(new TpeSampler({ seed: 3, priorTrials: [] })));
    expect(await run(new GpSampler({ seed: 3, nPreliminarySamples: 256 }))).toEqual(
      await run(new GpSampler({ seed: 3, nPreliminarySamples: 256, priorTrials: [] })),
    );
  }, 30_000);

  it('reads earlier studies by name, maps them, records them; CMA-ES via warmStartCmaEs; clear errors', async () => {
    const storage = 'memory:';
    const { openStorage } = await import('../storage/open-storage.js');
    const st = await openStorage(storage);
    const a = await createStudy({ studyName: 'earlier-a', storage: st, sampler: new RandomSampler({ seed: 1 }) });
    await a.optimize((t) => (t.suggestFloat('learning_rate', 0, 1) - 0.3) ** 2, { nTrials: 20 });
    const study = await createStudy({
      studyName: 'later',
      storage: st,
      warmStart: { from: ['earlier-a'], mapping: { rename: { learning_rate: 'lr' }, rescale: { lr: { to: [0, 10] } } } },
    });
    expect(study.sampler.name).toBe('TpeSampler');
    expect((await study.systemAttrs())[WARM_START_ATTR]).toEqual({
      sources: [{ study: 'earlier-a', trials: 20 }],
      sampler: 'TpeSampler',
      mapping: { rename: { learning_rate: 'lr' }, rescale: { lr: { to: [0, 10] } } },
    });
    await study.optimize((t) => (t.suggestFloat('lr', 0, 10) - 3) ** 2, { nTrials: 6 });
    // The prior (optimum 0.3 in [0, 1] → 3 in [0, 10]) makes the first TPE suggestions land near 3.
    expect(Math.abs(((await study.bestParams()).lr as number) - 3)).toBeLessThan(1);

    await expect(createStudy({ storage: st, warmStart: { from: ['missing'] } })).rejects.toThrow(/missing/);
    await expect(createStudy({ storage: st, sampler: new CmaEsSampler(), warmStart: { from: ['earlier-a'] } })).rejects.toThrow(/warmStartCmaEs/);
    await expect(createStudy({ storage: st, sampler: new RandomSampler(), warmStart: { from: ['earlier-a'] } })).rejects.toThrow(/cannot seed RandomSampler/);
    await expect(createStudy({ storage: st, sampler: new GpSampler(), warmStart: { from: ['earlier-a'], gpModel: 'ensemble' as never } })).rejects.toThrow(
      /gpModel must be 'rgpe' or 'prior-mean'/,
    );
    const cma = warmStartCmaEs([await a.getTrials()], ['minimize'], { seed: 1 });
    const c = await createStudy({ storage: st, sampler: cma, warmStart: { from: ['earlier-a'] } });
    expect((await c.systemAttrs())[WARM_START_ATTR]).toMatchObject({ sampler: 'CmaEsSampler' });
    await st.close();
  });
});

describe('meta-features', () => {
  const rows = (n: number, f: (i: number) => number[]) => Array.from({ length: n }, (_, i) => f(i));
  it('computes counts, class entropy, categorical share and landmarkers', () => {
    const X = rows(100, (i) => [i % 10, (i * 7) % 13]);
    const y = X.map((r) => ((r[0] as number) < 5 ? 'a' : 'b'));
    const mf = computeMetaFeatures({ X, y });
    expect(mf.task).toBe('classification');
    expect(mf.logRows).toBeCloseTo(Math.log(100), 12);
    expect(mf.nClasses).toBe(2);
    expect(mf.classEntropy).toBeCloseTo(1, 12);
    expect(mf.landmarkMajority).toBe(0.5);
    // One threshold on feature 0 separates the classes.
    expect(mf.landmarkStump).toBe(1);
    expect(mf.landmark1nn).toBe(1);
    const cat = computeMetaFeatures({
      X: [
        ['r', 1],
        ['g', null],
        ['b', 3],
        ['r', 4],
      ],
      y: [0, 0, 0, 1],
    });
    expect(cat.categoricalShare).toBe(0.5);
    expect(cat.missingShare).toBe(1 / 8);
    expect(cat.minorityClassShare).toBe(0.25);
  });

  // The class is read off the first feature, so the landmarkers (1-NN, stump) measure the same kind of problem in every dataset.
  const make = (n: number, p: number, classes: number) => {
    const X = rows(n, (i) => Array.from({ length: p }, (_, j) => Math.sin(i * (j + 1) + 0.5)));
    return computeMetaFeatures({ X, y: X.map((r) => `c${Math.min(classes - 1, Math.floor((((r[0] as number) + 1) / 2) * classes))}`) });
  };

  it('ranks earlier studies by meta-feature distance', () => {
    const target = make(150, 4, 3);
    const ranked = suggestWarmStart(target, [
      { studyName: 'far', metaFeatures: make(5000, 300, 20) },
      { studyName: 'near', metaFeatures: make(140, 4, 3) },
      { studyName: 'middle', metaFeatures: make(600, 12, 3) },
    ]);
    expect(ranked.map((r) => r.studyName)).toEqual(['near', 'middle', 'far']);
    expect(suggestWarmStart(target, [{ studyName: 'near', metaFeatures: make(140, 4, 3) }], { k: 0 })).toEqual([]);
  });

  it('keeps a distance meaningful when the storage holds a single earlier study (fixed scales, not min-max over the studies)', () => {
    const target = make(150, 4, 3);
    // Min-max over the target and one study put every differing meta-feature at 0 and 1: both distances were the same maximum.
    const [near] = suggestWarmStart(target, [{ studyName: 'near', metaFeatures: make(140, 4, 3) }]);
    const [far] = suggestWarmStart(target, [{ studyName: 'far', metaFeatures: make(5000, 200, 20) }]);
    expect(near?.distance).toBeLessThan(0.5);
    expect(far?.distance).toBeGreaterThan(4 * (near?.distance as number));
    // Each meta-feature is clamped to [0, 1] on its reference range, so a distance is at most the number of meta-features.
    const huge = make(200_000, 3, 2);
    for (const key of META_FEATURE_KEYS) {
      expect(scaledMetaFeature(huge, key)).toBeGreaterThanOrEqual(0);
      expect(scaledMetaFeature(huge, key)).toBeLessThanOrEqual(1);
    }
    expect(scaledMetaFeature(huge, 'logRows')).toBe(1);
  });
});

describe('TPE warm start: each earlier study weighted by its agreement with the target', () => {
  const x = { kind: 'float', low: 0, high: 1, log: false, step: null } as const;
  const on = (f: (v: number) => number, xs: readonly number[]): FrozenTrial[] => xs.map((v, i) => trial(i, { x: v }, f(v), { x }));
  const view = (trials: FrozenTrial[]) => ({ studyName: 'target', directions: ['minimize'] as const, getTrials: () => trials });
  const grid = Array.from({ length: 40 }, (_, i) => (i + 0.5) / 40);
  const target = (v: number) => (v - 0.3) ** 2;
  const similar = on((v) => 2 * (v - 0.25) ** 2 + 1, grid);
  const dissimilar = on((v) => (v - 0.9) ** 2, grid);

  it('a dissimilar earlier study gets a lower weight than a similar one after a few target trials; the total fades', () => {
    const tpe = new TpeSampler({ seed: 0, priorTrials: [dissimilar, similar] });
    // No own trial yet: both count as half of one study (τ/(τ + 0)/2).
    expect(tpe.priorStudyWeights(view([]))).toEqual([0.5, 0.5]);
    const own = on(target, [0.05, 0.2, 0.35, 0.5, 0.65, 0.8, 0.95, 0.3]);
    const [wDissimilar, wSimilar] = tpe.priorStudyWeights(view(own)) as [number, number];
    // τ = 10, n = 8: at most 10/18/2 each; the similar study's TPE score ranks most pairs of the target's trials right.
    expect(wSimilar).toBeLessThanOrEqual(10 / 18 / 2);
    expect(wSimilar).toBeGreaterThan(0.6 * (10 / 18 / 2));
    expect(wDissimilar).toBeLessThan(wSimilar / 3);
    // Together they weigh less than one study faded to τ/(τ + n): the dissimilar one has lost most of its share.
    expect(wDissimilar + wSimilar).toBeLessThan(0.75 * (10 / 18));
  });

  it('same seed and history, same suggestions', async () => {
    const run = async (): Promise<unknown[]> => {
      const s = await createStudy({ sampler: new TpeSampler({ seed: 4 }), warmStart: { from: [dissimilar, similar] } });
      await s.optimize((t) => target(t.suggestFloat('x', 0, 1)), { nTrials: 12 });
      return (await s.getTrials()).map((t) => t.params);
    };
    expect(await run()).toEqual(await run());
  });
});
