/**
 * npm run bench:pruning — what pruning saves, and what it costs.
 *
 *   npx tsx bench/pruning.ts [--seeds 10] [--configs 100] [--race-configs 30] [--tfjs-configs 50] [--cached-curves] [--only curves,tfjs,racing] [--quick]
 *
 * (a) Learning curves. The simulated curves of src/pruners/learning-curves.ts
 *     (power laws whose asymptote and rate depend on the configuration, with
 *     1% relative noise), 81 epochs each. For each seed, `configs`
 *     configurations from RandomSampler({ seed }) are trained without pruning
 *     and with each pruner; the same trial number gets the same configuration
 *     in every run. Reported: best final loss with the pruner / best final loss
 *     without (aim ≤ 1.01) and the share of epochs trained (aim ≤ 35%).
 * (c) Recorded TensorFlow.js curves. Pools of Adam-MLP learning curves on
 *     the digits and the breast cancer data (bench/tfjs-curves.ts records
 *     what bench/results/tfjs-curves-<task>.json lacks; --cached-curves only
 *     reads), plus the first 40-curve digits recording
 *     (bench/results/tfjs-curves.json). Each seed replays `tfjs-configs`
 *     configurations drawn from a pool in a seeded order, once per metric:
 *     validation accuracy, validation loss, and the best validation loss so
 *     far. Reported: the relative shortfall of the best final value with the
 *     pruner (aim ≤ 1%), the share of epochs (aim ≤ 35%), and Spearman's
 *     correlation between early and final values over each pool.
 *     (a) and (c) also run the options against short-horizon bias:
 *     rankBy 'extrapolated' (successive halving, Hyperband) and Hyperband's
 *     nBrackets.
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
import { rankData } from '../src/pruners/wilcoxon-test.js';
import { CURVE_TASKS, curveFilePath, readCurveFile, recordCurves } from './tfjs-curves.js';

const here = dirname(fileURLToPath(import.meta.url));
const { values: args } = parseArgs({
  options: {
    seeds: { type: 'string', default: '10' },
    configs: { type: 'string', default: '100' },
    'race-configs': { type: 'string', default: '30' },
    'tfjs-configs': { type: 'string', default: '50' },
    'cached-curves': { type: 'boolean', default: false },
    only: { type: 'string', default: 'curves,tfjs,racing' },
    quick: { type: 'boolean', default: false },
  },
});
const SEEDS = Array.from({ length: Number(args.seeds) }, (_, i) => i);
const CONFIGS = args.quick ? 30 : Number(args.configs);
const EPOCHS = 81;
const TFJS_CONFIGS = Number(args['tfjs-configs']);

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
  "SuccessiveHalvingPruner({ minResource: 1, reductionFactor: 3, rankBy: 'extrapolated', maxResource: 81 })": () =>
    new SuccessiveHalvingPruner({ minResource: 1, reductionFactor: 3, rankBy: 'extrapolated', maxResource: EPOCHS }),
  "SuccessiveHalvingPruner({ minResource: 3, reductionFactor: 3, rankBy: 'extrapolated', maxResource: 81 })": () =>
    new SuccessiveHalvingPruner({ minResource: 3, reductionFactor: 3, rankBy: 'extrapolated', maxResource: EPOCHS }),
  "HyperbandPruner({ minResource: 1, maxResource: 81, reductionFactor: 3, rankBy: 'extrapolated' })": () =>
    new HyperbandPruner({ minResource: 1, maxResource: EPOCHS, reductionFactor: 3, rankBy: 'extrapolated' }),
  'HyperbandPruner({ minResource: 1, maxResource: 81, reductionFactor: 3, nBrackets: 2 })': () =>
    new HyperbandPruner({ minResource: 1, maxResource: EPOCHS, reductionFactor: 3, nBrackets: 2 }),
  'HyperbandPruner({ minResource: 1, maxResource: 81, reductionFactor: 3, nBrackets: 3 })': () =>
    new HyperbandPruner({ minResource: 1, maxResource: EPOCHS, reductionFactor: 3, nBrackets: 3 }),
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

/** A pool of recorded curves; each seed replays `perSeed` of them, drawn without replacement in a seeded order. */
interface CurveTask {
  readonly name: string;
  readonly file: string;
  readonly epochs: number;
  readonly configs: readonly { readonly valLoss: readonly number[]; readonly valAccuracy: readonly number[] }[];
  readonly perSeed: number;
}

/**
 * What a user of a classifier reports each epoch: the validation loss
 * (minimize), the validation accuracy (maximize), or the validation loss of
 * the best epoch so far (minimize; what training with early stopping and
 * "restore best weights" ends with).
 */
const TFJS_METRICS = {
  valLoss: 'minimize',
  valAccuracy: 'maximize',
  bestValLoss: 'minimize',
} as const;
type TfjsMetric = keyof typeof TFJS_METRICS;

function metricCurve(config: CurveTask['configs'][number], metric: TfjsMetric): readonly number[] {
  if (metric !== 'bestValLoss') return config[metric];
  let best = Number.POSITIVE_INFINITY;
  return config.valLoss.map((v) => (best = Math.min(best, v)));
}

/**
 * Replays recorded curves (trial k trains configuration order[k]) and returns
 * the best final value (the best COMPLETE trial, which ran every epoch), its
 * configuration, the epochs used, and the epochs each trial trained.
 */
async function replayRun(
  task: CurveTask,
  metric: TfjsMetric,
  order: readonly number[],
  seed: number,
  pruner: Pruner,
): Promise<{ best: number; bestConfig: number; epochs: number; trialEpochs: number[] }> {
  const study = await createStudy({
    studyName: `tfjs-${task.name}-${seed}`,
    storage: new MemoryStorage(),
    direction: TFJS_METRICS[metric],
    sampler: new RandomSampler({ seed }),
    pruner,
  });
  let epochs = 0;
  const trialEpochs: number[] = [];
  await study.optimize(
    (trial) => {
      const curve = metricCurve(task.configs[order[trial.number] as number] as CurveTask['configs'][number], metric);
      for (let e = 0; e < task.epochs; e++) {
        epochs++;
        trialEpochs[trial.number] = e + 1;
        trial.report(curve[e] as number, e);
        if (trial.shouldPrune()) throw new TrialPruned();
      }
      return curve[task.epochs - 1] as number;
    },
    { nTrials: order.length },
  );
  const best = await study.bestTrial();
  await study.close();
  return { best: best.value as number, bestConfig: order[best.number] as number, epochs, trialEpochs };
}

const TFJS_PRUNERS: Record<string, (epochs: number) => Pruner> = {
  'SuccessiveHalvingPruner({ minResource: 1, reductionFactor: 3 })': () => new SuccessiveHalvingPruner({ minResource: 1, reductionFactor: 3 }),
  'SuccessiveHalvingPruner({ minResource: 3, reductionFactor: 3 })': () => new SuccessiveHalvingPruner({ minResource: 3, reductionFactor: 3 }),
  'SuccessiveHalvingPruner({ minResource: 9, reductionFactor: 3 })': () => new SuccessiveHalvingPruner({ minResource: 9, reductionFactor: 3 }),
  'HyperbandPruner({ minResource: 1, maxResource: 27, reductionFactor: 3 })': (epochs) =>
    new HyperbandPruner({ minResource: 1, maxResource: epochs, reductionFactor: 3 }),
  'HyperbandPruner({ minResource: 3, maxResource: 27, reductionFactor: 3 })': (epochs) =>
    new HyperbandPruner({ minResource: 3, maxResource: epochs, reductionFactor: 3 }),
  'MedianPruner({ nWarmupSteps: 3 })': () => new MedianPruner({ nWarmupSteps: 3 }),
  'MedianPruner({ nWarmupSteps: 10 })': () => new MedianPruner({ nWarmupSteps: 10 }),
  "SuccessiveHalvingPruner({ minResource: 1, reductionFactor: 3, rankBy: 'extrapolated', maxResource: 27 })": (epochs) =>
    new SuccessiveHalvingPruner({ minResource: 1, reductionFactor: 3, rankBy: 'extrapolated', maxResource: epochs }),
  "SuccessiveHalvingPruner({ minResource: 3, reductionFactor: 3, rankBy: 'extrapolated', maxResource: 27 })": (epochs) =>
    new SuccessiveHalvingPruner({ minResource: 3, reductionFactor: 3, rankBy: 'extrapolated', maxResource: epochs }),
  "HyperbandPruner({ minResource: 1, maxResource: 27, reductionFactor: 3, rankBy: 'extrapolated' })": (epochs) =>
    new HyperbandPruner({ minResource: 1, maxResource: epochs, reductionFactor: 3, rankBy: 'extrapolated' }),
  'HyperbandPruner({ minResource: 1, maxResource: 27, reductionFactor: 3, nBrackets: 2 })': (epochs) =>
    new HyperbandPruner({ minResource: 1, maxResource: epochs, reductionFactor: 3, nBrackets: 2 }),
  'HyperbandPruner({ minResource: 1, maxResource: 27, reductionFactor: 3, nBrackets: 3 })': (epochs) =>
    new HyperbandPruner({ minResource: 1, maxResource: epochs, reductionFactor: 3, nBrackets: 3 }),
};

/** The recorded pools (recording what the cache lacks: slow, once). */
async function loadCurveTasks(): Promise<CurveTask[]> {
  const tasks: CurveTask[] = [];
  for (const [name, spec] of Object.entries(CURVE_TASKS)) {
    const f = args['cached-curves'] ? readCurveFile(name) : await recordCurves(name, spec.pool, (line) => process.stderr.write(`recording ${line}\n`));
    if (f === null) throw new Error(`${curveFilePath(name)} does not exist: run without --cached-curves to record it`);
    tasks.push({ name, file: curveFilePath(name), epochs: f.epochs, configs: f.configs, perSeed: Math.min(TFJS_CONFIGS, f.configs.length) });
  }
  // The first recording (a wider space, lr up to 0.3, hidden units from 8): all 40 configurations in every seed.
  const legacy = resolve(here, 'results/tfjs-curves.json');
  if (existsSync(legacy)) {
    const f = JSON.parse(readFileSync(legacy, 'utf8')) as Omit<CurveTask, 'name' | 'file' | 'perSeed'>;
    tasks.push({ name: 'digits-wide', file: legacy, epochs: f.epochs, configs: f.configs, perSeed: f.configs.length });
  }
  return tasks;
}

/** Spearman's rank correlation (ties get their mean rank). */
function spearman(x: readonly number[], y: readonly number[]): number {
  const rx = rankData(x);
  const ry = rankData(y);
  const n = x.length;
  const mx = rx.reduce((a, b) => a + b, 0) / n;
  const my = ry.reduce((a, b) => a + b, 0) / n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    sxy += ((rx[i] as number) - mx) * ((ry[i] as number) - my);
    sxx += ((rx[i] as number) - mx) ** 2;
    syy += ((ry[i] as number) - my) ** 2;
  }
  return sxy / Math.sqrt(sxx * syy);
}

/** Over a pool: how well the value after 2, 4 and 10 epochs (the rungs of minResource 1, η 3) ranks the configurations as the final value does. */
function rungCorrelations(task: CurveTask, metric: TfjsMetric): Record<string, number> {
  const curves = task.configs.map((c) => metricCurve(c, metric));
  const final = curves.map((c) => c[task.epochs - 1] as number);
  return Object.fromEntries(
    [1, 3, 9].map((step) => [
      `epoch ${step + 1}`,
      spearman(
        curves.map((c) => c[step] as number),
        final,
      ),
    ]),
  );
}

/** How far the pruned best is behind the best without pruning, relative (0 = as good; the aim is ≤ 0.01). */
function shortfall(metric: TfjsMetric, pruned: number, full: number): number {
  return TFJS_METRICS[metric] === 'minimize' ? (pruned - full) / Math.abs(full) : (full - pruned) / Math.abs(full);
}

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

  // (c) Per task, metric and pruner: the shortfall of the pruned best, whether the same configuration won, the epochs used.
  // winnerEpochs: how long the pruned run trained the configuration that wins without pruning (its bracket for Hyperband).
  type TfjsEntry = { shortfall: number[]; share: number[]; sameBest: number; winnerEpochs: number[]; winnerBracket: number[] };
  const tfjs: Record<string, Record<string, Record<string, TfjsEntry>>> = {};
  const tasks = args.only.includes('tfjs') ? await loadCurveTasks() : [];
  for (const task of tasks) {
    for (const metric of Object.keys(TFJS_METRICS) as TfjsMetric[]) {
      const byPruner: Record<string, TfjsEntry> = {};
      for (const seed of SEEDS) {
        // Asynchronous pruning depends on the order trials arrive in: each seed draws its configurations in its own order.
        const order = new Rng(seed).shuffled(task.configs.map((_, i) => i)).slice(0, task.perSeed);
        const full = await replayRun(task, metric, order, seed, new NopPruner());
        for (const [name, make] of Object.entries(TFJS_PRUNERS)) {
          const pruner = make(task.epochs);
          const r = await replayRun(task, metric, order, seed, pruner);
          const entry = (byPruner[name] ??= { shortfall: [], share: [], sameBest: 0, winnerEpochs: [], winnerBracket: [] });
          const winnerTrial = order.indexOf(full.bestConfig);
          entry.winnerEpochs.push(r.trialEpochs[winnerTrial] as number);
          if (pruner instanceof HyperbandPruner) entry.winnerBracket.push(pruner.bracketOf(`tfjs-${task.name}-${seed}`, winnerTrial));
          entry.shortfall.push(shortfall(metric, r.best, full.best));
          entry.share.push(r.epochs / full.epochs);
          if (r.bestConfig === full.bestConfig) entry.sameBest++;
        }
      }
      (tfjs[task.name] ??= {})[metric] = byPruner;
    }
    process.stderr.write(`tfjs curves: ${task.name} done\n`);
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
    tfjsCurves: Object.fromEntries(
      tasks.map((task) => [
        task.name,
        {
          file: task.file.slice(here.length - 'bench'.length),
          pool: task.configs.length,
          configsPerSeed: task.perSeed,
          epochs: task.epochs,
          rankCorrelationWithFinal: Object.fromEntries((Object.keys(TFJS_METRICS) as TfjsMetric[]).map((m) => [m, rungCorrelations(task, m)])),
          metrics: Object.fromEntries(
            Object.entries(tfjs[task.name] ?? {}).map(([metric, byPruner]) => [
              metric,
              Object.fromEntries(
                Object.entries(byPruner).map(([k, v]) => [
                  k,
                  {
                    meanShortfall: mean(v.shortfall),
                    worstShortfall: Math.max(...v.shortfall),
                    seedsWithin1Percent: v.shortfall.filter((x) => x <= 0.01).length,
                    sameBest: v.sameBest,
                    meanEpochShare: mean(v.share),
                    maxEpochShare: Math.max(...v.share),
                    winnerEpochs: v.winnerEpochs,
                    ...(v.winnerBracket.length > 0 ? { winnerBracket: v.winnerBracket } : {}),
                  },
                ]),
              ),
            ]),
          ),
        },
      ]),
    ),
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
  for (const [name, t] of Object.entries(result.tfjsCurves)) {
    console.log(`\n(c) recorded tfjs curves, ${name} (${t.file}): ${t.configsPerSeed} of ${t.pool} configurations x ${t.epochs} epochs, ${SEEDS.length} seeds`);
    for (const [metric, byPruner] of Object.entries(t.metrics)) {
      const rho = Object.entries(t.rankCorrelationWithFinal[metric as TfjsMetric])
        .map(([k, v]) => `${k} ${v.toFixed(2)}`)
        .join(', ');
      console.log(`${metric}: Spearman correlation of the value after ... with the final value, over the pool: ${rho}`);
      console.log(`| pruner, ${metric} | shortfall of the best final value (mean, worst) | within 1% | same best config | epochs trained (mean, max) |`);
      console.log('|---|---:|---:|---:|---:|');
      for (const [k, v] of Object.entries(byPruner)) {
        console.log(
          `| \`${k}\` | ${pct(v.meanShortfall)}, ${pct(v.worstShortfall)} | ${v.seedsWithin1Percent}/${SEEDS.length} | ${v.sameBest}/${SEEDS.length} | ${pct(v.meanEpochShare)}, ${pct(v.maxEpochShare)} |`,
        );
      }
      for (const [k, v] of Object.entries(byPruner)) {
        const where = v.winnerBracket ? ` (brackets ${v.winnerBracket.join(' ')})` : '';
        console.log(`  ${k}: epochs given to the unpruned winner, by seed: ${v.winnerEpochs.join(' ')}${where}`);
      }
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
