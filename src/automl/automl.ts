/**
 * automl(): searches pipelines (preprocessing + model family + the family's
 * hyperparameters) by cross-validation in a Dials study, within a time or
 * trial budget, then refits the best pipeline on all the data.
 *
 * - One study per run (memory by default), seeded TPE over the conditional
 *   space of families.ts; each family's default configuration is enqueued
 *   first (cheapest first), so the search starts from every family's default.
 * - Each trial runs k-fold CV (stratified for classification) through
 *   crossValidate, which reports every fold: the pruner (median over folds
 *   by default, or Wilcoxon) races configurations and stops losers early.
 * - Preprocessing is fitted inside each training fold only.
 * - No trial starts after the budget; one in flight stops at its next fold
 *   (PRUNED) once some trial has completed, else it finishes.
 */

import { type CrossValidationRecord, crossValidate } from '../cv/cross-validate.js';
import { KFold } from '../cv/k-fold.js';
import type { Fold } from '../cv/splitter.js';
import { StratifiedKFold } from '../cv/stratified-k-fold.js';
import { DialsError, InvalidArgumentError, TrialPruned } from '../errors.js';
import { MedianPruner } from '../pruners/percentile-pruner.js';
import { NopPruner, type Pruner } from '../pruners/pruner.js';
import { WilcoxonPruner } from '../pruners/wilcoxon-pruner.js';
import { TpeSampler } from '../samplers/tpe/tpe-sampler.js';
import type { ParamValue } from '../space/distributions.js';
import type { Storage } from '../storage/storage.js';
import { createStudy } from '../study/create-study.js';
import type { Trial } from '../study/trial.js';
import type { FrozenTrial } from '../trial/frozen-trial.js';
import { type Frame, frameFromRecords } from './csv.js';
import { defaultConfig, familiesFor, type ImputeChoice, type PipelineConfig, suggestPipeline, toTrialParams } from './families.js';
import { checkMetric, defaultMetric, type MetricName, metricDirection, score } from './metrics.js';
import { type AutomlModelFile, modelFile, readCsvFile } from './model-file.js';
import { FAMILY_NAMES, type FamilyName, type Task } from './models/model.js';
import { encodeTarget, fitPipeline, predictPipeline, type TargetEncoding } from './pipeline.js';

export type AutomlPruner = 'median' | 'wilcoxon' | 'none';

export interface AutomlOptions {
  /** Rows as objects, or a Frame; or give csvPath. */
  readonly data?: readonly Readonly<Record<string, unknown>>[] | Frame;
  readonly csvPath?: string;
  /** The column to predict. */
  readonly target: string;
  /** Inferred when absent: text or few distinct integers → classification, else regression. */
  readonly task?: Task;
  /** Time budget for the search in milliseconds (default 60 000 when trials is not given). */
  readonly timeMs?: number;
  /** Trial budget. */
  readonly trials?: number;
  /** Default accuracy (classification) or r2 (regression). */
  readonly metric?: MetricName;
  /** Cross-validation folds (default 5). */
  readonly folds?: number;
  readonly seed?: number;
  /** Storage URL or Storage (default memory:). */
  readonly storage?: string | Storage;
  /** Default `automl-<target>-<time>`. */
  readonly studyName?: string;
  /** Families to search (default: all that can do the task). */
  readonly families?: readonly FamilyName[];
  /** Fold racing (default 'median'). */
  readonly pruner?: AutomlPruner;
  /** Called after each trial with its leaderboard row. */
  readonly onTrial?: (entry: LeaderboardEntry) => void;
}

export interface LeaderboardEntry {
  readonly trial: number;
  readonly family: FamilyName;
  readonly impute: ImputeChoice;
  readonly params: Readonly<Record<string, ParamValue>>;
  readonly state: 'COMPLETE' | 'PRUNED' | 'FAIL';
  /** Mean and sample standard deviation of the fold scores (over the folds done when pruned). */
  readonly mean: number;
  readonly std: number;
  readonly foldsDone: number;
  readonly seconds: number;
  readonly error?: string;
}

export interface AutomlResult {
  readonly task: Task;
  readonly metric: MetricName;
  readonly direction: 'maximize' | 'minimize';
  readonly studyName: string;
  readonly folds: number;
  /** Best first: COMPLETE trials by score, then PRUNED, then FAIL. */
  readonly leaderboard: readonly LeaderboardEntry[];
  readonly best: LeaderboardEntry;
  /** CV score of predicting the majority class (classification) or the mean (regression) on the same folds. */
  readonly baselineScore: number;
  /** The best pipeline refitted on all rows, ready for saveModel / modelFromJson. */
  readonly model: AutomlModelFile;
  readonly searchSeconds: number;
}

const CV_ATTR = 'cv';
/** Defaults are enqueued cheapest first, so that racing has scores to compare the slow ones with. */
const DEFAULT_ORDER: readonly FamilyName[] = ['naive_bayes', 'decision_tree', 'knn', 'linear', 'svm', 'gbdt', 'mlp', 'random_forest'];
const SECONDS_ATTR = 'seconds';

function loadFrame(o: AutomlOptions): Frame {
  if (o.data !== undefined && o.csvPath !== undefined) throw new InvalidArgumentError('automl(): give data or csvPath, not both', ['data']);
  if (o.csvPath !== undefined) return readCsvFile(o.csvPath);
  if (o.data === undefined) throw new InvalidArgumentError('automl() needs data (rows as objects) or csvPath', ['data']);
  return Array.isArray(o.data) ? frameFromRecords(o.data) : (o.data as Frame);
}

function makeFolds(target: TargetEncoding, nFolds: number, seed: number): Fold[] {
  const rows = target.rows;
  if (rows.length < nFolds)
    throw new InvalidArgumentError(`${rows.length} rows with a target are too few for ${nFolds}-fold cross-validation; lower folds`, ['folds']);
  const local =
    target.task === 'classification'
      ? new StratifiedKFold({ nSplits: nFolds, seed }).split({ labels: rows.map((i) => target.y[i] as number) })
      : new KFold({ nSplits: nFolds, seed }).split(rows.length);
  return local.map((f) => ({ trainIndex: f.trainIndex.map((i) => rows[i] as number), testIndex: f.testIndex.map((i) => rows[i] as number) }));
}

/** CV score of the constant predictor: the majority class, or the training mean. */
function baseline(target: TargetEncoding, folds: readonly Fold[], metric: MetricName): number {
  const k = target.classes.length;
  const scores = folds.map((f) => {
    const train = f.trainIndex.map((i) => target.y[i] as number);
    const truth = f.testIndex.map((i) => target.y[i] as number);
    if (target.task === 'regression') {
      const m = train.reduce((a, b) => a + b, 0) / train.length;
      return score(
        metric,
        truth,
        truth.map(() => m),
      );
    }
    const counts = new Array<number>(k).fill(0);
    for (const c of train) (counts[c] as number)++;
    const major = counts.indexOf(Math.max(...counts));
    const prior = counts.map((c) => c / train.length);
    return score(
      metric,
      truth,
      truth.map(() => major),
      truth.map(() => prior),
      k,
    );
  });
  return scores.reduce((a, b) => a + b, 0) / scores.length;
}

function configOf(params: Readonly<Record<string, ParamValue>>): PipelineConfig {
  const family = params.family as FamilyName;
  const own: Record<string, ParamValue> = {};
  for (const [k, v] of Object.entries(params)) if (k.startsWith(`${family}.`)) own[k.slice(family.length + 1)] = v;
  return { family, impute: (params.impute as ImputeChoice) ?? 'mean', params: own };
}

function entryOf(t: FrozenTrial): LeaderboardEntry | null {
  if (t.state !== 'COMPLETE' && t.state !== 'PRUNED' && t.state !== 'FAIL') return null;
  if (typeof t.params.family !== 'string') return null;
  const cv = t.userAttrs[CV_ATTR] as unknown as CrossValidationRecord | undefined;
  const config = configOf(t.params);
  return {
    trial: t.number,
    family: config.family,
    impute: config.impute,
    params: config.params,
    state: t.state,
    mean: cv?.mean ?? Number.NaN,
    std: cv?.std ?? Number.NaN,
    foldsDone: cv?.foldsDone ?? 0,
    seconds: (t.userAttrs[SECONDS_ATTR] as number | undefined) ?? 0,
    ...(t.failReason ? { error: t.failReason } : {}),
  };
}

/** Families by their best COMPLETE score, best first. */
function rankFamilies(trials: readonly FrozenTrial[], direction: 'maximize' | 'minimize'): FamilyName[] {
  const best = new Map<FamilyName, number>();
  const sign = direction === 'maximize' ? 1 : -1;
  for (const t of trials) {
    const f = t.params.family as FamilyName;
    if (t.value === null || !Number.isFinite(t.value)) continue;
    if (!best.has(f) || sign * t.value > sign * (best.get(f) as number)) best.set(f, t.value);
  }
  return [...best.entries()].sort((a, b) => sign * (b[1] - a[1])).map(([f]) => f);
}

/**
 * Which family the i-th trial after the defaults searches: a fixed cycle
 * that gives the leading family half the trials, the second and third the
 * rest, and leaves one trial in eight to the sampler's own choice of family
 * (null), so a family that started badly can still come back. The family is
 * enqueued alone: the sampler still chooses its parameters.
 */
function focusFamily(leaders: readonly FamilyName[], i: number): FamilyName | null {
  const cycle = [0, 1, 0, 2, 0, 1, 0, -1];
  const rank = cycle[((i % cycle.length) + cycle.length) % cycle.length] as number;
  if (rank < 0) return null;
  return leaders[Math.min(rank, leaders.length - 1)] ?? null;
}

export function rankLeaderboard(entries: readonly LeaderboardEntry[], direction: 'maximize' | 'minimize'): LeaderboardEntry[] {
  const order = { COMPLETE: 0, PRUNED: 1, FAIL: 2 } as const;
  const sign = direction === 'maximize' ? -1 : 1;
  return entries.slice().sort((a, b) => order[a.state] - order[b.state] || sign * (a.mean - b.mean) || a.trial - b.trial);
}

/**
 * Searches model families and their hyperparameters by cross-validation and
 * returns the leaderboard and the best pipeline refitted on all rows.
 * @example
 * const result = await automl({ csvPath: 'iris.csv', target: 'species', timeMs: 30_000 });
 * saveModel(result.model, 'model.json');
 */
export async function automl(options: AutomlOptions): Promise<AutomlResult> {
  if (options === null || typeof options !== 'object') throw new InvalidArgumentError('automl() needs an options object');
  if (typeof options.target !== 'string' || options.target === '')
    throw new InvalidArgumentError('automl() needs target: the name of the column to predict', ['target']);
  if (options.task !== undefined && options.task !== 'classification' && options.task !== 'regression') {
    throw new InvalidArgumentError(`task must be 'classification' or 'regression', got ${JSON.stringify(options.task)}`, ['task']);
  }
  const nFolds = options.folds ?? 5;
  if (!Number.isSafeInteger(nFolds) || nFolds < 2) throw new InvalidArgumentError(`folds must be an integer ≥ 2, got ${options.folds}`, ['folds']);
  if (options.timeMs !== undefined && !(options.timeMs > 0)) throw new InvalidArgumentError(`timeMs must be positive, got ${options.timeMs}`, ['timeMs']);
  if (options.trials !== undefined && (!Number.isSafeInteger(options.trials) || options.trials < 1)) {
    throw new InvalidArgumentError(`trials must be a positive integer, got ${options.trials}`, ['trials']);
  }
  const seed = options.seed ?? 0;
  const frame = loadFrame(options);
  const target = encodeTarget(frame, options.target, options.task);
  const task = target.task;
  const metric = options.metric === undefined ? defaultMetric(task) : checkMetric(options.metric, task);
  const direction = metricDirection(metric);
  const features = frame.names.filter((n) => n !== options.target);
  const nClasses = target.classes.length;
  if (task === 'classification') {
    const counts = new Map<number, number>();
    for (const i of target.rows) counts.set(target.y[i] as number, (counts.get(target.y[i] as number) ?? 0) + 1);
    const largest = Math.max(...counts.values());
    if (largest < nFolds)
      throw new InvalidArgumentError(`no class has ${nFolds} rows, too few for ${nFolds}-fold stratified cross-validation; lower folds`, ['folds']);
  }
  const available = familiesFor(task);
  const families = options.families ?? available;
  for (const f of families) {
    if (!(FAMILY_NAMES as readonly string[]).includes(f))
      throw new InvalidArgumentError(`unknown model family ${JSON.stringify(f)}; use ${FAMILY_NAMES.join(', ')}`, ['families']);
    if (!available.includes(f)) throw new InvalidArgumentError(`the ${f} family does not do ${task}`, ['families']);
  }
  if (families.length === 0) throw new InvalidArgumentError('families is empty', ['families']);
  const folds = makeFolds(target, nFolds, seed);
  const baselineScore = baseline(target, folds, metric);
  const needProba = metric === 'log_loss';

  const prunerKind = options.pruner ?? 'median';
  const pruner: Pruner =
    prunerKind === 'median'
      ? new MedianPruner({ nStartupTrials: Math.min(4, families.length), nWarmupFolds: 1 })
      : prunerKind === 'wilcoxon'
        ? new WilcoxonPruner({ pThreshold: 0.1 })
        : new NopPruner();
  const studyName = options.studyName ?? `automl-${options.target}-${new Date().toISOString().replace(/[:.]/g, '-')}`;
  const study = await createStudy({
    studyName,
    storage: options.storage ?? 'memory:',
    direction,
    sampler: new TpeSampler({ seed, nStartupTrials: families.length + 5 }),
    pruner,
  });
  try {
    let nDefaults = 0;
    for (const f of [...families].sort((a, b) => DEFAULT_ORDER.indexOf(a) - DEFAULT_ORDER.indexOf(b))) {
      const config = defaultConfig(f, task);
      if (config) {
        await study.enqueueTrial(toTrialParams(config), { userAttrs: { default: true } });
        nDefaults++;
      }
    }
    const started = Date.now();
    const timeMs = options.timeMs ?? (options.trials === undefined ? 60_000 : undefined);
    const deadline = timeMs === undefined ? Number.POSITIVE_INFINITY : started + timeMs;
    let completed = 0;
    const objective = async (trial: Trial): Promise<number> => {
      const t0 = Date.now();
      const config = suggestPipeline(trial, task, families);
      try {
        return await crossValidate(trial, {
          folds,
          attr: CV_ATTR,
          evaluate: async (k, trainIndex, testIndex) => {
            // Past the budget, a trial still in flight stops between folds once another has completed.
            if (k > 0 && Date.now() > deadline && completed > 0)
              throw new TrialPruned(`trial ${trial.number} stopped after ${k} folds: the time budget is spent`);
            const p = await fitPipeline(frame, features, target.y, trainIndex, config, { task, nClasses, seed: seed + k, needProba });
            try {
              const { pred, proba } = await predictPipeline(p, frame, testIndex, needProba);
              const truth = testIndex.map((i) => target.y[i] as number);
              const s = score(metric, truth, pred, proba, nClasses);
              if (!Number.isFinite(s)) throw new DialsError('INVALID_ARGUMENT', `${config.family} gave a non-finite ${metric} on fold ${k}`);
              return s;
            } finally {
              p.model.dispose?.();
            }
          },
        });
      } finally {
        trial.setUserAttr(SECONDS_ATTR, (Date.now() - t0) / 1000);
      }
    };
    const run = async (nTrials: number): Promise<void> => {
      const left = deadline - Date.now();
      if (nTrials <= 0 || left <= 0) return;
      await study.optimize(objective, {
        nTrials,
        ...(Number.isFinite(left) ? { timeoutMs: left } : {}),
        catch: true,
        callbacks: [
          (_s, t) => {
            ran++;
            if (t.state === 'COMPLETE') completed++;
            const e = entryOf(t);
            if (e) options.onTrial?.(e);
          },
        ],
      });
    };
    let ran = 0;
    const budget = options.trials ?? Number.POSITIVE_INFINITY;
    // Phase 1: every family's default. Phase 2: trials focused on the families that lead (see focusFamily).
    await run(Math.min(nDefaults, budget));
    while (ran < budget && Date.now() < deadline) {
      const leaders = rankFamilies(await study.getTrials({ states: ['COMPLETE'] }), direction);
      const family = focusFamily(leaders, ran - nDefaults);
      if (family !== null) await study.enqueueTrial({ family });
      const before = ran;
      await run(1);
      if (ran === before) break;
    }
    const searchSeconds = (Date.now() - started) / 1000;
    const leaderboard = rankLeaderboard(
      (await study.getTrials()).map(entryOf).filter((e): e is LeaderboardEntry => e !== null),
      direction,
    );
    const best = leaderboard[0];
    if (best === undefined || best.state !== 'COMPLETE') {
      const why = leaderboard.find((e) => e.error)?.error;
      throw new DialsError('INVALID_ARGUMENT', `no pipeline completed cross-validation${why ? `; the first error: ${why}` : ''}; give a larger time budget`);
    }
    const config: PipelineConfig = { family: best.family, impute: best.impute, params: best.params };
    const fitted = await fitPipeline(frame, features, target.y, target.rows, config, { task, nClasses, seed, needProba });
    const model = modelFile(fitted, {
      task,
      target: options.target,
      features,
      classes: target.classes,
      metadata: {
        createdAt: new Date().toISOString(),
        metric,
        cvMean: best.mean,
        cvStd: best.std,
        folds: nFolds,
        trainingRows: target.rows.length,
        studyName,
        trialNumber: best.trial,
      },
    });
    fitted.model.dispose?.();
    return { task, metric, direction, studyName, folds: nFolds, leaderboard, best, baselineScore, model, searchSeconds };
  } finally {
    await study.close();
  }
}
