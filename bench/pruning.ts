/**
 * npm run bench:pruning — what pruning saves, and what it costs.
 *
 *   npx tsx bench/pruning.ts [--seeds 10] [--configs 100] [--race-configs 30] [--only curves,tfjs,racing] [--quick]
 *
 * (a) Learning curves. The simulated curves of src/pruners/learning-curves.ts
 *     (power laws whose asymptote and rate depend on the configuration, with
 *     1% relative noise), 81 epochs each. For each seed, `configs`
 *     configurations from RandomSampler({ seed }) are trained without pruning
 *     and with each pruner; the same trial number gets the same configuration
 *     in every run. Reported: best final loss with the pruner / best final loss
 *     without (aim ≤ 1.01) and the share of epochs trained (aim ≤ 35%).
 * (c) Recorded TensorFlow.js curves. bench/results/tfjs-curves.json (written by
 *     bench/pbt.ts: 40 configurations of a digits MLP, validation loss after
 *     each of 27 epochs) replayed through the pruners, in 10 seeded orders.
 * (b) Fold racing. L2-regularized logistic regression (full-batch gradient
 *     descent on standardized features) on the Wisconsin breast cancer data
 *     (bench/data/breast_cancer.csv), 30 configurations of (learning rate,
 *     L2, epochs), stratified 10-fold CV, test log-loss. Full CV vs
 *     crossValidate with a pruner: same best configuration in how many seeds
 *     (aim ≥ 9 of 10) with what share of the fold evaluations (aim ≤ 50%).
 *
 * Results go to bench/results/pruning.json. A benchmark, not a test.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  createStudy,
  crossValidate,
  HyperbandPruner,
  MedianPruner,
  MemoryStorage,
  NopPruner,
  PercentilePruner,
  type Pruner,
  RandomSampler,
  StratifiedKFold,
  SuccessiveHalvingPruner,
  TrialPruned,
  WilcoxonPruner,
} from '../src/index.js';
import { hypervolume } from '../src/math/hypervolume.js';
import { Rng } from '../src/math/rng.js';
import { learningCurve } from '../src/pruners/learning-curves.js';

const here = dirname(fileURLToPath(import.meta.url));
const { values: args } = parseArgs({
  options: {
    seeds: { type: 'string', default: '10' },
    configs: { type: 'string', default: '100' },
    'race-configs': { type: 'string', default: '30' },
    only: { type: 'string', default: 'curves,tfjs,racing' },
    quick: { type: 'boolean', default: false },
  },
});
const SEEDS = Array.from({ length: Number(args.seeds) }, (_, i) => i);
const CONFIGS = args.quick ? 30 : Number(args.configs);
const EPOCHS = 81;

// ---------------------------------------------------------------- (a) curves

interface CurveRun {
  best: number;
  epochs: number;
  bestTrial: number;
}

async function curveRun(seed: number, pruner: Pruner): Promise<CurveRun> {
  // A fixed study name: Hyperband assigns brackets by hashing it with the trial number.
  const study = await createStudy({ studyName: `curves-${seed}`, storage: new MemoryStorage(), sampler: new RandomSampler({ seed }), pruner });
  let epochs = 0;
  await study.optimize(
    (trial) => {
      const curve = learningCurve(
        { lr: trial.suggestFloat('lr', 1e-4, 1, { log: true }), width: trial.suggestFloat('width', 0, 1), reg: trial.suggestFloat('reg', 0, 1) },
        seed,
        trial.number,
      );
      let loss = Number.NaN;
      for (let t = 0; t < EPOCHS; t++) {
        epochs++;
        loss = curve(t);
        trial.report(loss, t);
        if (trial.shouldPrune()) throw new TrialPruned();
      }
      return loss;
    },
    { nTrials: CONFIGS },
  );
  const best = await study.bestTrial();
  await study.close();
  return { best: best.value as number, epochs, bestTrial: best.number };
}

const CURVE_PRUNERS: Record<string, () => Pruner> = {
  'SuccessiveHalvingPruner({ minResource: 1, reductionFactor: 3 })': () => new SuccessiveHalvingPruner({ minResource: 1, reductionFactor: 3 }),
  'SuccessiveHalvingPruner({ minResource: 3, reductionFactor: 3 })': () => new SuccessiveHalvingPruner({ minResource: 3, reductionFactor: 3 }),
  'HyperbandPruner({ minResource: 1, maxResource: 81, reductionFactor: 3 })': () =>
    new HyperbandPruner({ minResource: 1, maxResource: EPOCHS, reductionFactor: 3 }),
  'HyperbandPruner({ minResource: 3, maxResource: 81, reductionFactor: 3 })': () =>
    new HyperbandPruner({ minResource: 3, maxResource: EPOCHS, reductionFactor: 3 }),
  'MedianPruner({ nWarmupSteps: 5 })': () => new MedianPruner({ nWarmupSteps: 5 }),
};

/** Two objectives per epoch: the simulated loss, and a cost that grows with width and falls as training settles. */
async function moCurveRun(seed: number, pruner: Pruner): Promise<{ front: number[][]; epochs: number }> {
  const study = await createStudy({
    studyName: `mo-curves-${seed}`,
    storage: new MemoryStorage(),
    directions: ['minimize', 'minimize'],
    sampler: new RandomSampler({ seed }),
    pruner,
  });
  let epochs = 0;
  await study.optimize(
    (trial) => {
      const width = trial.suggestFloat('width', 0, 1);
      const curve = learningCurve({ lr: trial.suggestFloat('lr', 1e-4, 1, { log: true }), width, reg: trial.suggestFloat('reg', 0, 1) }, seed, trial.number);
      let values: number[] = [];
      for (let t = 0; t < EPOCHS; t++) {
        epochs++;
        values = [curve(t), 0.2 + width + 1 / (t + 2)];
        trial.report(values, t);
        if (trial.shouldPrune()) throw new TrialPruned();
      }
      return values;
    },
    { nTrials: CONFIGS },
  );
  const front = (await study.bestTrials()).map((t) => t.values as number[]);
  await study.close();
  return { front, epochs };
}

const MO_PRUNERS: Record<string, () => Pruner> = {
  'SuccessiveHalvingPruner({ minResource: 3, reductionFactor: 3 })': () => new SuccessiveHalvingPruner({ minResource: 3, reductionFactor: 3 }),
  'HyperbandPruner({ minResource: 1, maxResource: 81, reductionFactor: 3 })': () =>
    new HyperbandPruner({ minResource: 1, maxResource: EPOCHS, reductionFactor: 3 }),
  'MedianPruner({ nWarmupSteps: 5 })': () => new MedianPruner({ nWarmupSteps: 5 }),
};
const MO_REFERENCE = [2, 2.5];

// ---------------------------------------------------------------- (c) recorded tfjs curves

interface RecordedCurves {
  readonly epochs: number;
  readonly configs: readonly { readonly valLoss: readonly number[] }[];
}

/** Replays recorded curves (trial k trains configuration order[k]); returns the best final loss and the epochs used. */
async function replayRun(curves: RecordedCurves, order: readonly number[], seed: number, pruner: Pruner): Promise<{ best: number; epochs: number }> {
  const study = await createStudy({ studyName: `tfjs-${seed}`, storage: new MemoryStorage(), sampler: new RandomSampler({ seed }), pruner });
  let epochs = 0;
  await study.optimize(
    (trial) => {
      const loss = (curves.configs[order[trial.number] as number] as { valLoss: readonly number[] }).valLoss;
      for (let e = 0; e < curves.epochs; e++) {
        epochs++;
        trial.report(loss[e] as number, e);
        if (trial.shouldPrune()) throw new TrialPruned();
      }
      return loss[curves.epochs - 1] as number;
    },
    { nTrials: order.length },
  );
  const best = (await study.bestValue()) as number;
  await study.close();
  return { best, epochs };
}

const TFJS_PRUNERS: Record<string, (epochs: number) => Pruner> = {
  'SuccessiveHalvingPruner({ minResource: 1, reductionFactor: 3 })': () => new SuccessiveHalvingPruner({ minResource: 1, reductionFactor: 3 }),
  'SuccessiveHalvingPruner({ minResource: 3, reductionFactor: 3 })': () => new SuccessiveHalvingPruner({ minResource: 3, reductionFactor: 3 }),
  'SuccessiveHalvingPruner({ minResource: 9, reductionFactor: 3 })': () => new SuccessiveHalvingPruner({ minResource: 9, reductionFactor: 3 }),
  'HyperbandPruner({ minResource: 1, maxResource: 27, reductionFactor: 3 })': (epochs) =>
    new HyperbandPruner({ minResource: 1, maxResource: epochs, reductionFactor: 3 }),
  'MedianPruner({ nWarmupSteps: 3 })': () => new MedianPruner({ nWarmupSteps: 3 }),
  'MedianPruner({ nWarmupSteps: 10 })': () => new MedianPruner({ nWarmupSteps: 10 }),
};

// ---------------------------------------------------------------- (b) fold racing

function loadBreastCancer(): { X: Float64Array[]; y: Uint8Array } {
  const lines = readFileSync(resolve(here, 'data/breast_cancer.csv'), 'utf8').trim().split('\n').slice(1);
  const X: Float64Array[] = [];
  const y = new Uint8Array(lines.length);
  lines.forEach((line, i) => {
    const cells = line.split(',').map(Number);
    y[i] = cells.pop() as number;
    X.push(Float64Array.from(cells));
  });
  return { X, y };
}

interface LogRegConfig {
  lr: number;
  l2: number;
  epochs: number;
}

/** Test log-loss of L2 logistic regression trained by full-batch gradient descent on the train fold (features standardized on it). */
function logRegLogLoss(X: Float64Array[], y: Uint8Array, train: readonly number[], test: readonly number[], c: LogRegConfig): number {
  const d = (X[0] as Float64Array).length;
  const mean = new Float64Array(d);
  const sd = new Float64Array(d);
  for (const i of train) for (let j = 0; j < d; j++) mean[j] = (mean[j] as number) + (X[i] as Float64Array)[j]! / train.length;
  for (const i of train) for (let j = 0; j < d; j++) sd[j] = (sd[j] as number) + ((X[i] as Float64Array)[j]! - mean[j]!) ** 2 / train.length;
  for (let j = 0; j < d; j++) sd[j] = Math.sqrt(sd[j] as number) || 1;
  const z = (i: number) => (X[i] as Float64Array).map((v, j) => (v - mean[j]!) / sd[j]!);
  const Ztr = train.map(z);
  const w = new Float64Array(d);
  let b = 0;
  const g = new Float64Array(d);
  for (let e = 0; e < c.epochs; e++) {
    g.fill(0);
    let gb = 0;
    for (let k = 0; k < Ztr.length; k++) {
      const x = Ztr[k] as Float64Array;
      let s = b;
      for (let j = 0; j < d; j++) s += w[j]! * x[j]!;
      const r = 1 / (1 + Math.exp(-s)) - y[train[k] as number]!;
      for (let j = 0; j < d; j++) g[j] = g[j]! + r * x[j]!;
      gb += r;
    }
    for (let j = 0; j < d; j++) w[j] = w[j]! - c.lr * (g[j]! / Ztr.length + c.l2 * w[j]!);
    b -= (c.lr * gb) / Ztr.length;
  }
  let loss = 0;
  for (const i of test) {
    const x = z(i);
    let s = b;
    for (let j = 0; j < d; j++) s += w[j]! * x[j]!;
    const p = Math.min(Math.max(1 / (1 + Math.exp(-s)), 1e-12), 1 - 1e-12);
    loss -= y[i] ? Math.log(p) : Math.log(1 - p);
  }
  return loss / test.length;
}

const N_FOLDS = 10;
const RACE_CONFIGS = Number(args['race-configs']);

interface RaceRun {
  bestTrial: number;
  foldEvaluations: number;
}

async function raceRun(seed: number, pruner: Pruner, data: { X: Float64Array[]; y: Uint8Array }, cache: Map<string, number>): Promise<RaceRun> {
  const folds = new StratifiedKFold({ nSplits: N_FOLDS, seed }).split({ labels: Array.from(data.y) });
  const study = await createStudy({ studyName: `racing-${seed}`, storage: new MemoryStorage(), sampler: new RandomSampler({ seed }), pruner });
  let foldEvaluations = 0;
  await study.optimize(
    (trial) => {
      const c = {
        lr: trial.suggestFloat('lr', 1e-3, 3, { log: true }),
        l2: trial.suggestFloat('l2', 1e-5, 1, { log: true }),
        epochs: trial.suggestInt('epochs', 5, 60),
      };
      return crossValidate(trial, {
        folds,
        evaluate: (k, train, test) => {
          foldEvaluations++;
          const key = `${seed}:${trial.number}:${k}`;
          let v = cache.get(key);
          if (v === undefined) cache.set(key, (v = logRegLogLoss(data.X, data.y, train, test, c)));
          return v;
        },
      });
    },
    { nTrials: RACE_CONFIGS },
  );
  const best = await study.bestTrial();
  await study.close();
  return { bestTrial: best.number, foldEvaluations };
}

const RACE_PRUNERS: Record<string, () => Pruner> = {
  'MedianPruner({ nStartupTrials: 3 })': () => new MedianPruner({ nStartupTrials: 3 }),
  'MedianPruner({ nStartupTrials: 5, nWarmupFolds: 1 })': () => new MedianPruner({ nStartupTrials: 5, nWarmupFolds: 1 }),
  'PercentilePruner(25, { nStartupTrials: 5, nWarmupFolds: 2 })': () => new PercentilePruner(25, { nStartupTrials: 5, nWarmupFolds: 2 }),
  'WilcoxonPruner({ pThreshold: 0.1 })': () => new WilcoxonPruner({ pThreshold: 0.1 }),
  'WilcoxonPruner({ pThreshold: 0.2 })': () => new WilcoxonPruner({ pThreshold: 0.2 }),
  'WilcoxonPruner({ pThreshold: 0.3 })': () => new WilcoxonPruner({ pThreshold: 0.3 }),
};

// ---------------------------------------------------------------- main

async function main(): Promise<void> {
  const started = Date.now();
  const curves: Record<string, { ratio: number[]; share: number[]; sameBest: number }> = {};
  for (const seed of args.only.includes('curves') ? SEEDS : []) {
    const full = await curveRun(seed, new NopPruner());
    for (const [name, make] of Object.entries(CURVE_PRUNERS)) {
      const r = await curveRun(seed, make());
      const entry = (curves[name] ??= { ratio: [], share: [], sameBest: 0 });
      entry.ratio.push(r.best / full.best);
      entry.share.push(r.epochs / full.epochs);
      if (r.bestTrial === full.bestTrial) entry.sameBest++;
    }
    process.stderr.write(`curves: seed ${seed} done\n`);
  }

  const mo: Record<string, { hvRatio: number[]; share: number[] }> = {};
  for (const seed of args.only.includes('curves') ? SEEDS : []) {
    const full = await moCurveRun(seed, new NopPruner());
    const hvFull = hypervolume(full.front, MO_REFERENCE);
    for (const [name, make] of Object.entries(MO_PRUNERS)) {
      const r = await moCurveRun(seed, make());
      const entry = (mo[name] ??= { hvRatio: [], share: [] });
      entry.hvRatio.push(hypervolume(r.front, MO_REFERENCE) / hvFull);
      entry.share.push(r.epochs / full.epochs);
    }
    process.stderr.write(`multi-objective curves: seed ${seed} done\n`);
  }

  const tfjs: Record<string, { ratio: number[]; share: number[] }> = {};
  const curvesFile = resolve(here, 'results/tfjs-curves.json');
  const recorded = args.only.includes('tfjs') && existsSync(curvesFile) ? (JSON.parse(readFileSync(curvesFile, 'utf8')) as RecordedCurves) : null;
  for (const seed of recorded ? SEEDS : []) {
    const rc = recorded as RecordedCurves;
    // Asynchronous pruning depends on the order trials arrive in: each seed replays the configurations in its own order.
    const order = new Rng(seed).shuffled(rc.configs.map((_, i) => i));
    const full = await replayRun(rc, order, seed, new NopPruner());
    for (const [name, make] of Object.entries(TFJS_PRUNERS)) {
      const r = await replayRun(rc, order, seed, make(rc.epochs));
      const entry = (tfjs[name] ??= { ratio: [], share: [] });
      entry.ratio.push(r.best / full.best);
      entry.share.push(r.epochs / full.epochs);
    }
  }

  const data = loadBreastCancer();
  const racing: Record<string, { sameBest: number; share: number[] }> = {};
  for (const seed of args.only.includes('racing') ? SEEDS : []) {
    const cache = new Map<string, number>();
    const full = await raceRun(seed, new NopPruner(), data, cache);
    for (const [name, make] of Object.entries(RACE_PRUNERS)) {
      const r = await raceRun(seed, make(), data, cache);
      const entry = (racing[name] ??= { sameBest: 0, share: [] });
      if (r.bestTrial === full.bestTrial) entry.sameBest++;
      entry.share.push(r.foldEvaluations / full.foldEvaluations);
    }
    process.stderr.write(`racing: seed ${seed} done\n`);
  }

  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const result = {
    seeds: SEEDS.length,
    curves: {
      configs: CONFIGS,
      epochs: EPOCHS,
      pruners: Object.fromEntries(
        Object.entries(curves).map(([k, v]) => [
          k,
          {
            meanBestRatio: mean(v.ratio),
            worstBestRatio: Math.max(...v.ratio),
            meanEpochShare: mean(v.share),
            maxEpochShare: Math.max(...v.share),
            sameBest: v.sameBest,
          },
        ]),
      ),
    },
    multiObjectiveCurves: {
      reference: MO_REFERENCE,
      pruners: Object.fromEntries(
        Object.entries(mo).map(([k, v]) => [
          k,
          {
            meanHypervolumeRatio: mean(v.hvRatio),
            worstHypervolumeRatio: Math.min(...v.hvRatio),
            meanEpochShare: mean(v.share),
            maxEpochShare: Math.max(...v.share),
          },
        ]),
      ),
    },
    tfjsCurves: recorded
      ? {
          configs: recorded.configs.length,
          epochs: recorded.epochs,
          pruners: Object.fromEntries(
            Object.entries(tfjs).map(([k, v]) => [
              k,
              { meanBestRatio: mean(v.ratio), worstBestRatio: Math.max(...v.ratio), meanEpochShare: mean(v.share), maxEpochShare: Math.max(...v.share) },
            ]),
          ),
        }
      : null,
    racing: {
      dataset: 'breast_cancer (569 x 30)',
      configs: RACE_CONFIGS,
      folds: N_FOLDS,
      pruners: Object.fromEntries(
        Object.entries(racing).map(([k, v]) => [k, { sameBest: v.sameBest, meanFoldShare: mean(v.share), maxFoldShare: Math.max(...v.share) }]),
      ),
    },
    seconds: (Date.now() - started) / 1000,
  };
  mkdirSync(resolve(here, 'results'), { recursive: true });
  if (!args.quick && args.only === 'curves,tfjs,racing') writeFileSync(resolve(here, 'results/pruning.json'), `${JSON.stringify(result, null, 2)}\n`);

  const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
  console.log(`\n(a) learning curves: ${CONFIGS} configurations x ${EPOCHS} epochs, ${SEEDS.length} seeds`);
  console.log('| pruner | best final / best without pruning (mean, worst) | same best config | epochs trained (mean, max) |');
  console.log('|---|---:|---:|---:|');
  for (const [k, v] of Object.entries(result.curves.pruners)) {
    console.log(
      `| \`${k}\` | ${v.meanBestRatio.toFixed(4)}, ${v.worstBestRatio.toFixed(4)} | ${v.sameBest}/${SEEDS.length} | ${pct(v.meanEpochShare)}, ${pct(v.maxEpochShare)} |`,
    );
  }
  console.log(`\n(a') two objectives (loss, cost): hypervolume of the final Pareto front, reference ${JSON.stringify(MO_REFERENCE)}`);
  console.log('| pruner | hypervolume / without pruning (mean, worst) | epochs trained (mean, max) |');
  console.log('|---|---:|---:|');
  for (const [k, v] of Object.entries(result.multiObjectiveCurves.pruners)) {
    console.log(
      `| \`${k}\` | ${v.meanHypervolumeRatio.toFixed(4)}, ${v.worstHypervolumeRatio.toFixed(4)} | ${pct(v.meanEpochShare)}, ${pct(v.maxEpochShare)} |`,
    );
  }
  if (result.tfjsCurves) {
    console.log(
      `\n(c) recorded tfjs curves (bench/results/tfjs-curves.json): ${result.tfjsCurves.configs} configurations x ${result.tfjsCurves.epochs} epochs, ${SEEDS.length} orders`,
    );
    console.log('| pruner | best final validation loss / without pruning (mean, worst) | epochs trained (mean, max) |');
    console.log('|---|---:|---:|');
    for (const [k, v] of Object.entries(result.tfjsCurves.pruners)) {
      console.log(`| \`${k}\` | ${v.meanBestRatio.toFixed(4)}, ${v.worstBestRatio.toFixed(4)} | ${pct(v.meanEpochShare)}, ${pct(v.maxEpochShare)} |`);
    }
  }
  console.log(`\n(b) fold racing: ${RACE_CONFIGS} configurations, ${N_FOLDS} folds, ${SEEDS.length} seeds`);
  console.log('| pruner | same best configuration as full CV | fold evaluations (mean, max) |');
  console.log('|---|---:|---:|');
  for (const [k, v] of Object.entries(result.racing.pruners)) {
    console.log(`| \`${k}\` | ${v.sameBest}/${SEEDS.length} | ${pct(v.meanFoldShare)}, ${pct(v.maxFoldShare)} |`);
  }
  console.log(`\n${result.seconds.toFixed(1)} s`);
}

await main();
