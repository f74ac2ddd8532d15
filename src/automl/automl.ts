/**
 * automl(): searches pipelines (preprocessing + model family + the family's
 * hyperparameters) by cross-validation in a Dials study, within a time or
 * trial budget, then refits the best pipeline on all the data.
 *
 * - One study per run (memory by default), seeded multivariate TPE over the
 *   conditional space of families.ts. Each family's default configuration
 *   is enqueued first (cheapest first), then the portfolio of families.ts,
 *   the slow families' (gbdt, mlp) defaults and portfolio last; after
 *   those, trials focus on the leading families (focusFamily).
 * - Meta-learning (warm-start.ts): each study records its dataset's
 *   meta-features; with earlier automl studies of the task in the storage,
 *   the nearest ones' best configurations go first, the defaults and
 *   portfolio follow in the order they ranked there, and the TPE is seeded
 *   with their trials.
 * - Each trial runs k-fold CV (stratified for classification) through
 *   crossValidate, which reports every fold: the pruner (median over folds
 *   by default, or Wilcoxon) races configurations and stops losers early.
 * - Once a trial has completed, a trial whose folds so far project past the
 *   per-trial time cap (a third of the time budget by default) stops
 *   (PRUNED): one slow configuration cannot eat the budget.
 * - Preprocessing is fitted inside each training fold only.
 * - With a time budget, the search stops early enough to confirm its
 *   leaders: up to sixteen distinct leading configurations (the three
 *   leading families' best first, at most six of a family, the other
 *   families' best last) are scored again on fresh fold splits (seed + 1,
 *   seed + 2, …, at most ten) until the deadline, and the best is chosen by
 *   the mean over all splits that every one of them finished. One 5-fold
 *   split is noisy on small data, and the best of hundreds of noisy
 *   estimates is mostly luck; more splits make the choice rest on the
 *   configuration.
 * - No trial starts after the search's end; one in flight stops at its next
 *   fold (PRUNED) once some trial has completed, else it finishes.
 * - Ensemble selection (option `ensemble`, on by default): greedy forward
 *   selection with replacement (ensemble.ts) weights out-of-fold
 *   predictions (class probabilities or values) to maximize the CV metric
 *   of their average. When the confirmation finished two or more fresh
 *   splits of five or more candidates, it selects among the confirmed
 *   configurations on their out-of-fold predictions there: splits the
 *   search did not select them on, and the mean over several splits, which
 *   a row or two decide less
 *   than one split (on one split, wine's ensemble scored 0.994 there and
 *   0.979-0.987 on fresh folds). Otherwise it selects among the best
 *   ENSEMBLE_POOL distinct completed pipelines of the search, whose
 *   predictions on the search's folds are kept in memory. The members are
 *   refitted on all rows and saved as an ensemble model. When the ensemble
 *   does not beat the best single pipeline on those predictions (on the
 *   fresh splits: also held out, selected on half the splits and scored on
 *   the other half, both ways, with a positive mean gain), the single
 *   pipeline is saved.
 */

import { type CrossValidationRecord, crossValidate, summarize } from '../cv/cross-validate.js';
import type { Fold } from '../cv/splitter.js';
import { DialsError, InvalidArgumentError, TrialPruned } from '../errors.js';
import { MedianPruner } from '../pruners/percentile-pruner.js';
import { NopPruner, type Pruner } from '../pruners/pruner.js';
import { WilcoxonPruner } from '../pruners/wilcoxon-pruner.js';
import { TpeSampler } from '../samplers/tpe/tpe-sampler.js';
import type { ParamValue } from '../space/distributions.js';
import type { Storage } from '../storage/storage.js';
import { createStudy } from '../study/create-study.js';
import type { Trial } from '../study/trial.js';
import { META_FEATURES_ATTR } from '../transfer/meta-features.js';
import type { FrozenTrial } from '../trial/frozen-trial.js';
import { cell, type Frame, frameFromRecords } from './csv.js';
import { DEFAULT_ENSEMBLE_SIZE, heldOutEnsembleGain, type OutOfFold, OutOfFoldPool, poolLimits, selectEnsemble } from './ensemble.js';
import {
  defaultConfig,
  familiesFor,
  IMPUTE_CHOICES,
  type ImputeChoice,
  type PipelineConfig,
  portfolioConfigs,
  suggestPipeline,
  toTrialParams,
} from './families.js';
import { checkMetric, defaultMetric, type MetricName, metricDirection, score } from './metrics.js';
import { type AutomlModelFile, ensembleModelFile, modelFile, readCsvFile } from './model-file.js';
import { FAMILY_NAMES, type FamilyName, FitTimeoutError, type Task } from './models/model.js';
import { encodeTarget, fitPipeline, predictPipeline, type TargetEncoding, targetFolds } from './pipeline.js';
import {
  AUTOML_ATTR,
  AUTOML_WARM_START_ATTR,
  type AutomlStudyInfo,
  type AutomlWarmStart,
  type AutomlWarmStartInfo,
  configKey,
  frameMetaFeatures,
  isFamilyDefault,
  planAutomlWarmStart,
} from './warm-start.js';

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
  /**
   * Per-trial time cap in milliseconds: a trial stops after the fold at which
   * its projected time (time so far × folds / folds done) exceeds it. Default
   * a third of timeMs; none without a time budget.
   */
  readonly trialTimeMs?: number;
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
  /**
   * Ensemble selection over out-of-fold predictions: the confirmed leaders'
   * on the confirmation's fresh splits (when it finished two or more; the
   * ensemble must also beat the best of them on splits it was not selected
   * on), else the search's completed pipelines' on its folds (default true;
   * `size`: selection steps, default 25). false: the best single pipeline is
   * the model.
   */
  readonly ensemble?: boolean | { readonly size?: number };
  /** Called after each trial with its leaderboard row. */
  readonly onTrial?: (entry: LeaderboardEntry) => void;
  /**
   * Learn from earlier automl studies of the same task in `storage`, the
   * nearest by dataset meta-features (see warm-start.ts): true (the default
   * when `storage` is given; a no-op without earlier studies), false (the
   * default with the default in-process memory storage), or { studies, k }
   * to name them or take the k nearest (default 3).
   */
  readonly warmStart?: AutomlWarmStart;
  /** Called once before the search with the earlier studies used (not called without a warm start). */
  readonly onWarmStart?: (info: AutomlWarmStartInfo) => void;
}

/** The ensemble automl built: members (search trials) and their weights. */
export interface AutomlEnsemble {
  readonly members: readonly { readonly trial: number; readonly weight: number; readonly config: PipelineConfig }[];
  /**
   * CV score of the weighted average on the predictions it was selected on
   * (optimistic): the confirmation's fresh splits (`splits` of them), or the
   * search's folds (`splits` 1).
   */
  readonly score: number;
  /** Fold splits whose out-of-fold predictions the selection used. */
  readonly splits: number;
  /** The best member's own score on the same predictions. */
  readonly bestMemberScore: number;
  /** Candidates it was selected from, and the seconds selection and the members' refit took. */
  readonly candidates: number;
  readonly selectSeconds: number;
  readonly refitSeconds: number;
}

export interface LeaderboardEntry {
  readonly trial: number;
  readonly family: FamilyName;
  readonly impute: ImputeChoice;
  readonly params: Readonly<Record<string, ParamValue>>;
  readonly state: 'COMPLETE' | 'PRUNED' | 'FAIL';
  /**
   * Mean and sample standard deviation of the fold scores (over the folds
   * done when pruned; over the search's folds and the confirmation's
   * repeated splits for a confirmed entry).
   */
  readonly mean: number;
  readonly std: number;
  readonly foldsDone: number;
  /** Fold splits the entry was scored on: 1, or more when confirmation re-scored it on fresh splits. */
  readonly splits: number;
  readonly seconds: number;
  /** Where the configuration came from: a family's default (the established baseline), the portfolio, an earlier study (warm start), or the sampler. */
  readonly source: 'default' | 'portfolio' | 'warm_start' | 'search';
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
  /** The model refitted on all rows (the ensemble, or the best pipeline), ready for saveModel / modelFromJson. */
  readonly model: AutomlModelFile;
  /** The best single pipeline (the leaderboard's first). */
  readonly bestConfig: PipelineConfig;
  /** Present when the model is an ensemble. */
  readonly ensemble?: AutomlEnsemble;
  /**
   * Present when ensemble selection ran: the ensemble's mean gain per fold
   * over the best single pipeline and its standard error, the splits and
   * candidates it used. On the confirmation's fresh splits (`heldOut`) the
   * gain is on splits the selection did not see (heldOutEnsembleGain), and
   * the ensemble is kept only when it is positive; on the
   * search's folds it is the gain on the predictions it was selected on.
   */
  readonly ensembleGain?: {
    readonly gain: number;
    readonly stdErr: number;
    readonly heldOut: boolean;
    readonly splits: number;
    readonly candidates: number;
    /** Candidates left out because the members chosen with them would not refit before the deadline (selectWithinTime). */
    readonly leftOutForTime: number;
    /** False when no ensemble's members refit in the time left: the single best pipeline is kept. */
    readonly fitsBudget: boolean;
    /**
     * The weighted average selection chose (on all the splits), kept or not: when the held-out check rejects it,
     * its members say which ensemble lost to the single pipeline (to score it elsewhere, or to build it by hand).
     */
    readonly selected: AutomlEnsemble['members'];
    /** Whether the model is that ensemble (false: the single best pipeline was kept). */
    readonly kept: boolean;
    /**
     * Why the single pipeline was kept over the selected ensemble: its members would not refit in the time left;
     * with candidates left out for time it does not beat the best candidate, left out or not, on the predictions
     * it was selected on; or its held-out gain is not positive.
     */
    readonly rejected?: EnsembleRejection;
  };
  readonly searchSeconds: number;
  /** Wall time of the whole call: preparation, search, confirmation, ensemble selection and the final refit. */
  readonly totalSeconds: number;
}

const CV_ATTR = 'cv';
/** Defaults are enqueued cheapest first, so that racing has scores to compare the slow ones with. */
const DEFAULT_ORDER: readonly FamilyName[] = ['naive_bayes', 'decision_tree', 'knn', 'linear', 'random_forest', 'svm', 'gbdt', 'mlp'];
/** Families whose trials cost the most (boosting rounds × classes, tfjs epochs): their defaults and portfolio come after the others' portfolio. */
const SLOW_FAMILIES: readonly FamilyName[] = ['gbdt', 'mlp'];
const SECONDS_ATTR = 'seconds';

function loadFrame(o: AutomlOptions): Frame {
  if (o.data !== undefined && o.csvPath !== undefined) throw new InvalidArgumentError('automl(): give data or csvPath, not both', ['data']);
  if (o.csvPath !== undefined) return readCsvFile(o.csvPath);
  if (o.data === undefined) throw new InvalidArgumentError('automl() needs data (rows as objects) or csvPath', ['data']);
  return Array.isArray(o.data) ? frameFromRecords(o.data) : (o.data as Frame);
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
    splits: 1,
    seconds: (t.userAttrs[SECONDS_ATTR] as number | undefined) ?? 0,
    source: t.userAttrs.default === true ? 'default' : t.userAttrs.portfolio === true ? 'portfolio' : t.userAttrs.warm_start === true ? 'warm_start' : 'search',
    ...(t.failReason ? { error: t.failReason } : {}),
  };
}

/** Whether any feature of the rows has a missing value. */
function hasMissing(frame: Frame, features: readonly string[], rows: readonly number[]): boolean {
  for (const name of features) {
    const j = frame.names.indexOf(name);
    for (const i of rows) if (cell(frame, j, i) === null) return true;
  }
  return false;
}

/** Families by their best COMPLETE score, best first. */
function rankFamilies(trials: readonly FrozenTrial[], direction: 'maximize' | 'minimize'): FamilyName[] {
  const best = new Map<FamilyName, number>();
  const sign = direction === 'maximize' ? 1 : -1;
  for (const t of trials) {
    const f = t.params.family as FamilyName;
    if (t.state !== 'COMPLETE' || t.value === null || !Number.isFinite(t.value)) continue;
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

/** Fits the pipeline on trainIndex (frame rows) and scores it on testIndex. */
async function scoreFold(
  frame: Frame,
  features: readonly string[],
  target: TargetEncoding,
  config: PipelineConfig,
  trainIndex: readonly number[],
  testIndex: readonly number[],
  o: { metric: MetricName; seed: number; needProba: boolean; oof?: OutOfFold | undefined; deadline?: number | undefined },
): Promise<number> {
  const nClasses = target.classes.length;
  const p = await fitPipeline(frame, features, target.y, trainIndex, config, {
    task: target.task,
    nClasses,
    seed: o.seed,
    needProba: o.needProba,
    ...(o.deadline !== undefined && Number.isFinite(o.deadline) ? { deadline: o.deadline } : {}),
  });
  try {
    const classifier = target.task === 'classification';
    const { pred, proba } = await predictPipeline(p, frame, testIndex, o.needProba || (o.oof !== undefined && classifier));
    if (o.oof) keepOutOfFold(o.oof, testIndex, pred, proba, classifier ? nClasses : 0);
    const truth = testIndex.map((i) => target.y[i] as number);
    const s = score(o.metric, truth, pred, proba, nClasses);
    if (!Number.isFinite(s)) throw new DialsError('INVALID_ARGUMENT', `${config.family} gave a non-finite ${o.metric} on a fold`);
    return s;
  } finally {
    p.model.dispose?.();
  }
}

/** Writes a fold's predictions into the out-of-fold buffer: class probabilities (one-hot labels for a family without them), or values. */
function keepOutOfFold(
  oof: OutOfFold,
  testIndex: readonly number[],
  pred: readonly number[],
  proba: readonly (readonly number[])[] | undefined,
  nClasses: number,
): void {
  testIndex.forEach((row, r) => {
    if (nClasses === 0) {
      oof[row] = pred[r] as number;
      return;
    }
    const p = proba?.[r];
    for (let c = 0; c < nClasses; c++) oof[row * nClasses + c] = p ? (p[c] as number) : c === pred[r] ? 1 : 0;
  });
}

/** A configuration the confirmation re-scored: its scores and out-of-fold predictions on each fresh split it finished. */
interface Confirmed {
  readonly trial: number;
  readonly config: PipelineConfig;
  readonly scores: number[];
  readonly oof: OutOfFold[];
}

/**
 * The confirmed candidates' out-of-fold predictions on the fresh splits as
 * one selection problem: split r's rows are rows r·n … r·n + n − 1 of a
 * stacked prediction (and its truth and folds), so that ensemble selection
 * maximizes the mean of the metric over every fold of every split.
 * Candidates best first by their mean over those folds. The per-split
 * predictions are moved, not copied: each candidate's `oof` is emptied once
 * stacked, so that the stacked copies do not double the memory they take
 * (up to 16 candidates × 10 splits × rows × classes numbers).
 */
function stackSplits(
  confirmed: readonly Confirmed[],
  splits: readonly (readonly Fold[])[],
  y: ArrayLike<number>,
  nRows: number,
  direction: 'maximize' | 'minimize',
): { candidates: { trial: number; config: PipelineConfig; oof: OutOfFold }[]; truth: Float64Array; folds: { testIndex: number[] }[]; splits: number } {
  const truth = new Float64Array(nRows * splits.length);
  for (let r = 0; r < splits.length; r++) for (let i = 0; i < nRows; i++) truth[r * nRows + i] = y[i] as number;
  const folds = splits.flatMap((split, r) => split.map((f) => ({ testIndex: f.testIndex.map((i) => r * nRows + i) })));
  const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
  const sign = direction === 'maximize' ? -1 : 1;
  const candidates = confirmed
    .filter((c) => c.oof.length === splits.length)
    .map((c) => {
      const width = (c.oof[0] as OutOfFold).length;
      const oof = new Float64Array(width * splits.length);
      for (const [r, o] of c.oof.entries()) oof.set(o, r * width);
      c.oof.length = 0;
      return { trial: c.trial, config: c.config, oof, mean: mean(c.scores) };
    })
    .sort((a, b) => sign * (a.mean - b.mean) || a.trial - b.trial)
    .map(({ trial, config, oof }) => ({ trial, config, oof }));
  return { candidates, truth, folds, splits: splits.length };
}

/**
 * The k folds (frame row indices) that automl() and crossValidatePipeline
 * use for this data, target and seed: stratified for classification.
 */
export function cvFolds(frame: Frame, targetName: string, o: { readonly task?: Task; readonly folds?: number; readonly seed?: number } = {}): Fold[] {
  return targetFolds(encodeTarget(frame, targetName, o.task), o.folds ?? 5, o.seed ?? 0);
}

export interface PipelineCvOptions {
  readonly data: readonly Readonly<Record<string, unknown>>[] | Frame;
  readonly target: string;
  readonly task?: Task;
  readonly config: PipelineConfig;
  readonly metric?: MetricName;
  /** Folds (default 5), stratified for classification, split with `seed` as automl() splits. */
  readonly folds?: number;
  readonly seed?: number;
}

/**
 * The k-fold CV scores of one pipeline configuration, on the folds automl()
 * makes with the same seed (or fresh folds with another seed): for scoring
 * a chosen pipeline apart from the search that chose it.
 * @example
 * const { mean } = await crossValidatePipeline({ data, target: 'y', config: result.model.config, seed: 1 });
 */
export async function crossValidatePipeline(o: PipelineCvOptions): Promise<{ readonly scores: number[]; readonly mean: number; readonly std: number }> {
  const frame = Array.isArray(o.data) ? frameFromRecords(o.data) : (o.data as Frame);
  const target = encodeTarget(frame, o.target, o.task);
  const metric = o.metric === undefined ? defaultMetric(target.task) : checkMetric(o.metric, target.task);
  const seed = o.seed ?? 0;
  const features = frame.names.filter((n) => n !== o.target);
  const folds = targetFolds(target, o.folds ?? 5, seed);
  const scores: number[] = [];
  for (const [k, f] of folds.entries()) {
    scores.push(await scoreFold(frame, features, target, o.config, f.trainIndex, f.testIndex, { metric, seed: seed + k, needProba: metric === 'log_loss' }));
  }
  const { mean, std } = summarize(scores, scores.length, false);
  return { scores, mean, std };
}

/** Best first: COMPLETE, then PRUNED, then FAIL; entries scored on more fold splits (confirmed) first; then by mean. */
export function rankLeaderboard(entries: readonly LeaderboardEntry[], direction: 'maximize' | 'minimize'): LeaderboardEntry[] {
  const order = { COMPLETE: 0, PRUNED: 1, FAIL: 2 } as const;
  const sign = direction === 'maximize' ? -1 : 1;
  return entries.slice().sort((a, b) => order[a.state] - order[b.state] || b.splits - a.splits || sign * (a.mean - b.mean) || a.trial - b.trial);
}

/** Leading configurations re-scored on fresh fold splits at the end of a timed search (and, with an ensemble, its candidates). */
const CONFIRM_TOP = 16;
/** Leading families whose best configuration is always among the candidates. */
const CONFIRM_FAMILIES = 3;
/** At most this many candidates of one family (a search focused on one family would otherwise fill the list with it). */
const CONFIRM_PER_FAMILY = 6;
/**
 * Confirmed candidates the fresh-split ensemble selection needs; with fewer
 * (slow data: digits confirmed 2 SVMs once, their ensemble 0.982 on fresh
 * folds against 0.986 for the search pool's 8 members), the search's pool of
 * 50 is the library.
 */
const ENSEMBLE_MIN_CONFIRMED = 5;
/**
 * Standard errors by which an ensemble must beat the best single pipeline on fresh splits it was not selected on.
 * 0: any positive held-out gain. One standard error (the one-standard-error rule, chosen on the seven benchmark
 * datasets) was tested on five datasets no rule was chosen on (bench/automl-ensemble-rule.ts, 11 runs): every
 * selected ensemble scored at least its single pipeline on fresh evaluation folds, and the 1-s.e. rule kept the
 * worse model in 4 of 11 runs against 1 for a positive gain (mean +0.0063 against +0.0068 over the single pipeline).
 */
const ENSEMBLE_MIN_GAIN_STD_ERRS = 0;
/** Fresh splits after which confirmation stops (the mean over 5 × this many folds is precise enough to choose by). */
export const CONFIRM_MAX_SPLITS = 10;
/** The most memory the confirmation's out-of-fold predictions take (candidates × splits × rows × classes × 8 bytes). */
const CONFIRM_OOF_BYTES = 512 * 2 ** 20;
/**
 * Fresh splits the candidates after the first two must leave room for: an
 * ensemble selected on two splits of costly candidates overfits them (penguins:
 * 0.999 on the two, 0.995 on fresh folds), so fewer candidates on more splits.
 */
const CONFIRM_SPLITS_WANTED = 4;
/** The most of the time budget that confirmation may take, and the least it gets when it runs (more splits where they are cheap). */
const CONFIRM_SHARE = 0.4;
const CONFIRM_MIN_SHARE = 0.25;
/**
 * The most of a time budget kept for the final refit on all rows (the
 * ensemble's members, or the best pipeline): the search and confirmation end
 * early enough for it, and an ensemble whose members would not refit in the
 * time left leaves its costliest members out (selectWithinTime).
 */
const REFIT_SHARE = 0.15;
/**
 * The least of it, for ensemble selection and its held-out check (which grow
 * with candidates × rows × classes × splits: 0.1-0.3 s on digits' search pool,
 * about 7 s at 10,000 rows × 10 classes on 10 splits).
 */
const SELECT_SHARE = 0.05;
/** A refit on all rows, as a multiple of one fold's fit and prediction: a fifth more rows, and fits that grow faster than the rows. */
const REFIT_PER_FOLD = 1.5;
/** Selections selectWithinTime may run. */
const REFIT_MAX_ROUNDS = 6;

/** The estimated refit on all rows of a pipeline whose folds took `foldMs` each. */
function refitEstimateMs(foldMs: number): number {
  return REFIT_PER_FOLD * foldMs;
}

/** One fold's fit and prediction of a search trial, from its seconds over the folds it did. */
function entryFoldMs(e: LeaderboardEntry): number {
  return e.foldsDone > 0 ? (e.seconds * 1000) / e.foldsDone : 0;
}

/**
 * Time kept for ensemble selection and the final refit, at most REFIT_SHARE of
 * the budget: SELECT_SHARE of it (with an ensemble) plus the estimated refits
 * of the ensemble's possible members (the confirmation's candidates when
 * there are enough to select on, else the CONFIRM_TOP best completed
 * pipelines, as the search's pool is the library then), or of the leader
 * alone without an ensemble.
 */
function refitReserveMs(ranked: readonly LeaderboardEntry[], confirming: readonly LeaderboardEntry[], timeMs: number, ensemble: boolean): number {
  const members = !ensemble
    ? ranked.slice(0, 1)
    : confirming.length >= ENSEMBLE_MIN_CONFIRMED
      ? confirming
      : ranked.filter((e) => e.state === 'COMPLETE').slice(0, CONFIRM_TOP);
  let sum = ensemble ? SELECT_SHARE * timeMs : 0;
  for (const e of members) sum += refitEstimateMs(entryFoldMs(e));
  return Math.min(REFIT_SHARE * timeMs, sum);
}

/**
 * Ensemble selection whose members refit in the time left: `select` weighs
 * a pool of candidates; while the members it picks (weight > 0) would take
 * longer to refit (the sum of `costMs`) than `leftMs()` (asked after each
 * selection), the costliest member leaves the pool and selection runs again,
 * at most `maxRounds` times. The pool and selection of the last round, and
 * how many candidates were left out; when the members still do not fit,
 * `fits` is false (the caller keeps the single best pipeline, whose refit is
 * the least a search can end with).
 */
export function selectWithinTime<T, S extends { readonly weights: ArrayLike<number> }>(
  candidates: readonly T[],
  costMs: (c: T) => number,
  leftMs: () => number,
  select: (pool: readonly T[]) => S,
  maxRounds = REFIT_MAX_ROUNDS,
): { pool: T[]; selection: S; dropped: number; fits: boolean } {
  let pool = candidates.slice();
  for (let round = 1; ; round++) {
    const selection = select(pool);
    const weights = selection.weights;
    let cost = 0;
    let costliest = -1;
    for (const [k, c] of pool.entries()) {
      if (!((weights[k] as number) > 0)) continue;
      cost += costMs(c);
      if (costliest < 0 || costMs(c) > costMs(pool[costliest] as T)) costliest = k;
    }
    const fits = cost <= leftMs();
    if (fits || round >= maxRounds || pool.length <= 2 || costliest < 0) return { pool, selection, dropped: candidates.length - pool.length, fits };
    pool = pool.filter((_, k) => k !== costliest);
  }
}

/**
 * Which leaders to confirm, and the time kept for it. Candidates: the best
 * configuration of each of the CONFIRM_FAMILIES leading families (one split
 * ranks families no more reliably than configurations), then the best
 * family default (the established baseline, so that the improvement over
 * it is measured on the same splits), then the best of each remaining
 * family (the ensemble needs different models more than near-copies of the
 * leader: breast cancer's confirmation held six similar forests and no
 * boosted trees), then the other leaders in rank order (at most
 * CONFIRM_PER_FAMILY of a family); distinct COMPLETE configurations, up to
 * CONFIRM_TOP, skipping those that would not fit in CONFIRM_SHARE of the
 * budget: two more splits of the first two (from their search times), and
 * CONFIRM_SPLITS_WANTED splits of all once there are more. None when the
 * leader does not fit or fewer than two do (nothing to choose between). The
 * time kept is that many splits of each, and at least CONFIRM_MIN_SHARE of
 * the budget unless CONFIRM_MAX_SPLITS splits take less.
 */
export function confirmationPlan(
  ranked: readonly LeaderboardEntry[],
  timeMs: number,
  task?: Task,
): { readonly candidates: LeaderboardEntry[]; readonly reserveMs: number } {
  const complete = ranked.filter((e) => e.state === 'COMPLETE');
  const firsts: LeaderboardEntry[] = [];
  for (const e of complete) if (!firsts.some((f) => f.family === e.family)) firsts.push(e);
  // The best family default (the established baseline) right after the leading families' best, so that the improvement
  // over it is stated on the same splits as the best pipeline's score.
  const baseline = complete.find((e) => e.source === 'default' || (task !== undefined && isFamilyDefault(e, task)));
  const lead = firsts.slice(0, CONFIRM_FAMILIES);
  const order = [
    ...lead,
    ...(baseline && !lead.includes(baseline) ? [baseline] : []),
    ...firsts.slice(CONFIRM_FAMILIES).filter((e) => e !== baseline),
    ...complete.filter((e) => !firsts.includes(e) && e !== baseline),
  ];
  const candidates: LeaderboardEntry[] = [];
  const seen = new Set<string>();
  const perFamily = new Map<FamilyName, number>();
  let costMs = 0;
  for (const e of order) {
    if (candidates.length >= CONFIRM_TOP) break;
    const key = configKey(e);
    if (seen.has(key) || (perFamily.get(e.family) ?? 0) >= CONFIRM_PER_FAMILY) continue;
    const splits = candidates.length < 2 ? 2 : CONFIRM_SPLITS_WANTED;
    if (splits * (costMs + e.seconds * 1000) > CONFIRM_SHARE * timeMs) {
      if (candidates.length === 0) break;
      continue;
    }
    seen.add(key);
    perFamily.set(e.family, (perFamily.get(e.family) ?? 0) + 1);
    candidates.push(e);
    costMs += e.seconds * 1000;
  }
  if (candidates.length < 2) return { candidates: [], reserveMs: 0 };
  const reserveMs = Math.min(
    CONFIRM_SHARE * timeMs,
    Math.max((candidates.length > 2 ? CONFIRM_SPLITS_WANTED : 2) * costMs, Math.min(CONFIRM_MAX_SPLITS * costMs, CONFIRM_MIN_SHARE * timeMs)),
  );
  return { candidates, reserveMs };
}

export type EnsembleRejection = 'refit time' | 'below a candidate left out' | 'held-out gain';

/**
 * Why the single pipeline is kept over the selected ensemble, or undefined to keep the ensemble: its members would
 * not refit in the time left (`fits` false); with candidates left out for time (`dropped`), its score on the
 * predictions it was selected on does not beat the best candidate's before any was left out (scores in the metric's
 * better direction); or its held-out gain does not exceed ENSEMBLE_MIN_GAIN_STD_ERRS standard errors (0: is not positive).
 */
export function ensembleRejection(o: {
  readonly fits: boolean;
  readonly dropped: number;
  readonly score: number;
  readonly bestCandidate: number;
  readonly heldOut?: { readonly gain: number; readonly stdErr: number } | undefined;
}): EnsembleRejection | undefined {
  if (!o.fits) return 'refit time';
  if (o.dropped > 0 && !(o.score > o.bestCandidate)) return 'below a candidate left out';
  if (o.heldOut !== undefined && !(o.heldOut.gain > ENSEMBLE_MIN_GAIN_STD_ERRS * o.heldOut.stdErr)) return 'held-out gain';
  return undefined;
}

/**
 * Why a search trial stops before fold k (k ≥ 1) of nFolds, or null: the search's time is spent (leftMs < 0), or
 * its projected time (elapsedMs × nFolds / k) exceeds the per-trial cap. The caller asks only once a trial has
 * completed, so that a search always ends with one.
 */
export function stopBeforeFold(k: number, nFolds: number, elapsedMs: number, capMs: number, leftMs: number): string | null {
  if (k <= 0) return null;
  if (leftMs < 0) return 'the time budget is spent';
  const projected = (elapsedMs * nFolds) / k;
  if (projected > capMs)
    return `its ${nFolds} folds would take about ${(projected / 1000).toFixed(0)} s, over the per-trial cap of ${(capMs / 1000).toFixed(0)} s`;
  return null;
}

/**
 * Searches model families and their hyperparameters by cross-validation and
 * returns the leaderboard and the best pipeline refitted on all rows.
 * @example
 * const result = await automl({ csvPath: 'iris.csv', target: 'species', timeMs: 30_000 });
 * saveModel(result.model, 'model.json');
 */
export async function automl(options: AutomlOptions): Promise<AutomlResult> {
  const callStarted = Date.now();
  if (options === null || typeof options !== 'object') throw new InvalidArgumentError('automl() needs an options object');
  if (typeof options.target !== 'string' || options.target === '')
    throw new InvalidArgumentError('automl() needs target: the name of the column to predict', ['target']);
  if (options.task !== undefined && options.task !== 'classification' && options.task !== 'regression') {
    throw new InvalidArgumentError(`task must be 'classification' or 'regression', got ${JSON.stringify(options.task)}`, ['task']);
  }
  const nFolds = options.folds ?? 5;
  if (!Number.isSafeInteger(nFolds) || nFolds < 2) throw new InvalidArgumentError(`folds must be an integer ≥ 2, got ${options.folds}`, ['folds']);
  if (options.timeMs !== undefined && !(options.timeMs > 0)) throw new InvalidArgumentError(`timeMs must be positive, got ${options.timeMs}`, ['timeMs']);
  if (options.trialTimeMs !== undefined && !(options.trialTimeMs > 0)) {
    throw new InvalidArgumentError(`trialTimeMs must be positive, got ${options.trialTimeMs}`, ['trialTimeMs']);
  }
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
  const folds = targetFolds(target, nFolds, seed);
  // Imputation is searched only when some feature has a missing value.
  const imputeChoices: readonly ImputeChoice[] = hasMissing(frame, features, target.rows) ? IMPUTE_CHOICES : ['mean'];
  const baselineScore = baseline(target, folds, metric);
  const needProba = metric === 'log_loss';
  const ensembleSize =
    options.ensemble === false ? 0 : typeof options.ensemble === 'object' ? (options.ensemble.size ?? DEFAULT_ENSEMBLE_SIZE) : DEFAULT_ENSEMBLE_SIZE;
  if (!Number.isSafeInteger(ensembleSize) || ensembleSize < 0 || (typeof options.ensemble === 'object' && ensembleSize < 1))
    throw new InvalidArgumentError(`ensemble.size must be a positive integer, got ${JSON.stringify(options.ensemble)}`, ['ensemble', 'size']);
  // Out-of-fold predictions of the best completed pipelines, for ensemble selection after the search.
  const oofWidth = task === 'classification' ? nClasses : 1;
  const oofBytes = frame.nRows * oofWidth * Float64Array.BYTES_PER_ELEMENT;
  const limits = poolLimits(oofBytes, families.length);
  const pool = ensembleSize > 1 ? new OutOfFoldPool(direction, limits.capacity, limits.perFamily) : undefined;

  const prunerKind = options.pruner ?? 'median';
  const pruner: Pruner =
    prunerKind === 'median'
      ? new MedianPruner({ nStartupTrials: Math.min(4, families.length), nWarmupFolds: 1 })
      : prunerKind === 'wilcoxon'
        ? new WilcoxonPruner({ pThreshold: 0.1 })
        : new NopPruner();
  const studyName = options.studyName ?? `automl-${options.target}-${new Date().toISOString().replace(/[:.]/g, '-')}`;
  const storage = options.storage ?? 'memory:';
  // Meta-learning: the nearest earlier automl studies (by dataset meta-features) choose the first trials and seed the TPE.
  const metaFeatures = frameMetaFeatures(frame, features, target);
  // Off by default with the default in-process memory storage: runs of one process (a benchmark, nested CV) must not learn from each other unasked.
  const warmStart = options.warmStart ?? options.storage !== undefined;
  const warm = await planAutomlWarmStart({ storage, warmStart, metaFeatures, task, families, imputeChoices, studyName });
  const study = await createStudy({
    studyName,
    storage,
    direction,
    sampler: new TpeSampler({ seed, nStartupTrials: families.length + 5, multivariate: true, group: true }),
    pruner,
    ...(warm === null ? {} : { warmStart: { from: warm.info.studies.map((s) => s.study) } }),
  });
  try {
    const info: AutomlStudyInfo = { task, metric, direction, target: options.target, rows: target.rows.length, features: features.length };
    await study.setSystemAttr(AUTOML_ATTR, info);
    await study.setSystemAttr(META_FEATURES_ATTR, metaFeatures);
    if (warm !== null) {
      await study.setSystemAttr(AUTOML_WARM_START_ATTR, warm.info);
      options.onWarmStart?.(warm.info);
    }
    // Defaults and portfolio, the slow families' last (on large data they may not fit the budget, and should not delay the rest).
    const defaults = [...families]
      .sort((a, b) => DEFAULT_ORDER.indexOf(a) - DEFAULT_ORDER.indexOf(b))
      .map((f) => defaultConfig(f, task))
      .filter((c): c is PipelineConfig => c !== undefined);
    // Not more queued than a trial budget runs (a queued trial left over would stay WAITING in the study); defaults go first.
    const portfolio = portfolioConfigs(task, families)
      .sort((a, b) => Number(SLOW_FAMILIES.includes(a.family)) - Number(SLOW_FAMILIES.includes(b.family)))
      .slice(0, Math.max(0, (options.trials ?? Number.POSITIVE_INFINITY) - defaults.length));
    const slow = (c: PipelineConfig): boolean => SLOW_FAMILIES.includes(c.family);
    const coldQueue = [
      ...defaults.filter((c) => !slow(c)).map((c) => ({ c, kind: 'default' })),
      ...portfolio.filter((c) => !slow(c)).map((c) => ({ c, kind: 'portfolio' })),
      ...defaults.filter(slow).map((c) => ({ c, kind: 'default' })),
      ...portfolio.filter(slow).map((c) => ({ c, kind: 'portfolio' })),
    ];
    // Warm start: the nearest earlier studies' best configurations first, then the rest by how they ranked there; no more than a trial budget runs.
    const queue = (warm === null ? coldQueue : [...warm.first.map((c) => ({ c, kind: 'warm_start' })), ...warm.order(coldQueue)]).slice(
      0,
      options.trials ?? Number.POSITIVE_INFINITY,
    );
    for (const { c, kind } of queue) await study.enqueueTrial(toTrialParams(c), { userAttrs: { [kind]: true } });
    const nDefaults = queue.length;
    const started = Date.now();
    const timeMs = options.timeMs ?? (options.trials === undefined ? 60_000 : undefined);
    const deadline = timeMs === undefined ? Number.POSITIVE_INFINITY : started + timeMs;
    const trialCapMs = options.trialTimeMs ?? (timeMs === undefined ? Number.POSITIVE_INFINITY : timeMs / 3);
    // The search ends early enough to confirm its leaders (confirmationPlan) and refit the final model before the deadline.
    let searchDeadline = deadline;
    let completed = 0;
    const objective = async (trial: Trial): Promise<number> => {
      const t0 = Date.now();
      const config = suggestPipeline(trial, task, families, imputeChoices);
      const oof = pool ? new Float64Array(frame.nRows * oofWidth) : undefined;
      try {
        const value = await crossValidate(trial, {
          folds,
          attr: CV_ATTR,
          // A family default is the established baseline every report compares with: racing never stops it (the time cap
          // and the budget still do). With a warm start its first folds often trail the earlier studies' best.
          prune: !isFamilyDefault(config, task),
          evaluate: async (k, trainIndex, testIndex) => {
            const stop = completed > 0 ? stopBeforeFold(k, folds.length, Date.now() - t0, trialCapMs, searchDeadline - Date.now()) : null;
            if (stop !== null) throw new TrialPruned(`trial ${trial.number} stopped after ${k} folds: ${stop}`);
            // A fold's fit stops at the trial's cap or the search's end (once a trial has completed, so that one always does):
            // a single fit can outlast a whole budget (libsvm's linear kernel at a large cost iterates for minutes).
            const fitDeadline = completed > 0 ? Math.min(searchDeadline, t0 + trialCapMs) : undefined;
            try {
              return await scoreFold(frame, features, target, config, trainIndex, testIndex, { metric, seed: seed + k, needProba, oof, deadline: fitDeadline });
            } catch (e) {
              if (!(e instanceof FitTimeoutError)) throw e;
              const why = Date.now() - t0 >= trialCapMs ? `the per-trial cap of ${(trialCapMs / 1000).toFixed(0)} s` : 'the end of the search';
              // With folds done the trial is pruned (their scores stand); with none it fails, saying why.
              if (k > 0) throw new TrialPruned(`trial ${trial.number} stopped in fold ${k + 1} at ${why} (${e.message})`);
              throw new DialsError('INVALID_ARGUMENT', `trial ${trial.number}: its first fold did not finish by ${why} (${e.message})`);
            }
          },
        });
        if (pool && oof) pool.keep(trial.number, value, config, oof);
        return value;
      } finally {
        trial.setUserAttr(SECONDS_ATTR, (Date.now() - t0) / 1000);
      }
    };
    const run = async (nTrials: number): Promise<void> => {
      const left = searchDeadline - Date.now();
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
    const entries = (trials: readonly FrozenTrial[]): LeaderboardEntry[] =>
      rankLeaderboard(
        trials.map(entryOf).filter((e): e is LeaderboardEntry => e !== null),
        direction,
      );
    // One read of the trials per step: the time kept for the confirmation and the final refit (from the trials so far)
    // moves the search's end, and the leading families come from the same read.
    const step = async (): Promise<FrozenTrial[]> => {
      const trials = await study.getTrials();
      if (timeMs !== undefined) {
        const ranked = entries(trials);
        const plan = confirmationPlan(ranked, timeMs, task);
        searchDeadline = deadline - plan.reserveMs - refitReserveMs(ranked, plan.candidates, timeMs, pool !== undefined);
      }
      return trials;
    };
    // One trial at a time. Phase 1: the queued defaults and portfolio (on large data they alone can fill the budget, and
    // the search's end must move with them: movies' portfolio forests ran the search to 60.0 s of 60 and the final
    // refit to 63.2 when they ran as one batch). Phase 2: trials focused on the families that lead (see focusFamily).
    for (;;) {
      const trials = await step();
      if (ran >= budget || Date.now() >= searchDeadline) break;
      if (ran >= nDefaults) {
        const family = focusFamily(rankFamilies(trials, direction), ran - nDefaults);
        if (family !== null) await study.enqueueTrial({ family });
      }
      const before = ran;
      await run(1);
      if (ran === before) break;
    }
    let leaderboard = entries(await study.getTrials());
    // Phase 3 (timed searches): the leaders again on fresh fold splits, so that the choice among them rests on more than one split;
    // their out-of-fold predictions there are what the ensemble is selected on.
    const confirmed: Confirmed[] = [];
    const freshFolds: Fold[][] = [];
    let oofSplits = 0;
    // One fold's fit and prediction per trial: from the search, then as measured on the fresh splits.
    const foldMs = new Map(leaderboard.map((e) => [e.trial, entryFoldMs(e)]));
    if (timeMs !== undefined) {
      const { candidates } = confirmationPlan(leaderboard, timeMs, task);
      const confirmDeadline = deadline - refitReserveMs(leaderboard, candidates, timeMs, pool !== undefined);
      for (const e of candidates) confirmed.push({ trial: e.trial, config: { family: e.family, impute: e.impute, params: e.params }, scores: [], oof: [] });
      // The fresh splits' out-of-fold predictions are kept for ensemble selection while they fit CONFIRM_OOF_BYTES.
      oofSplits = Math.min(CONFIRM_MAX_SPLITS, Math.floor(CONFIRM_OOF_BYTES / (Math.max(1, candidates.length) * oofBytes)));
      if (oofSplits < 2) oofSplits = 0;
      confirm: for (let r = 1; candidates.length > 0 && r <= CONFIRM_MAX_SPLITS; r++) {
        const splitFolds = targetFolds(target, nFolds, seed + r);
        const scores = new Map<number, number[]>();
        const oofs = new Map<number, OutOfFold>();
        for (const c of confirmed) {
          const got: number[] = [];
          const oof = pool && r <= oofSplits ? new Float64Array(frame.nRows * oofWidth) : undefined;
          const t0 = Date.now();
          for (const [k, f] of splitFolds.entries()) {
            if (Date.now() >= confirmDeadline) break confirm;
            try {
              got.push(
                await scoreFold(frame, features, target, c.config, f.trainIndex, f.testIndex, {
                  metric,
                  seed: seed + k,
                  needProba,
                  oof,
                  deadline: confirmDeadline,
                }),
              );
            } catch (e) {
              // A fit still running at the confirmation's end: this split stays unfinished, as when the deadline falls between folds.
              if (e instanceof FitTimeoutError) break confirm;
              throw e;
            }
          }
          foldMs.set(c.trial, (Date.now() - t0) / splitFolds.length);
          scores.set(c.trial, got);
          if (oof) oofs.set(c.trial, oof);
        }
        // Only splits every candidate finished count, so that all are compared on the same folds.
        for (const c of confirmed) {
          c.scores.push(...(scores.get(c.trial) as number[]));
          const oof = oofs.get(c.trial);
          if (oof) c.oof.push(oof);
        }
        freshFolds.push(splitFolds);
      }
      if (freshFolds.length > 0) {
        const searchScores = new Map<number, readonly number[]>();
        for (const t of await study.getTrials({ states: ['COMPLETE'] })) {
          const cv = t.userAttrs[CV_ATTR] as unknown as CrossValidationRecord | undefined;
          if (cv) searchScores.set(t.number, cv.scores);
        }
        const byTrial = new Map(confirmed.map((c) => [c.trial, c]));
        leaderboard = rankLeaderboard(
          leaderboard.map((e) => {
            const more = byTrial.get(e.trial)?.scores;
            if (more === undefined) return e;
            const all = summarize([...(searchScores.get(e.trial) ?? []), ...more], 0, false);
            return { ...e, mean: all.mean, std: all.std, foldsDone: all.foldsDone, splits: 1 + freshFolds.length };
          }),
          direction,
        );
      }
    }
    const searchSeconds = (Date.now() - started) / 1000;
    const best = leaderboard[0];
    if (best === undefined || best.state !== 'COMPLETE') {
      const why = leaderboard.find((e) => e.error)?.error;
      throw new DialsError('INVALID_ARGUMENT', `no pipeline completed cross-validation${why ? `; the first error: ${why}` : ''}; give a larger time budget`);
    }
    const config: PipelineConfig = { family: best.family, impute: best.impute, params: best.params };
    const fileInfo = {
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
    };
    const fitCtx = { task, nClasses, seed, needProba };
    // Ensemble selection: on the confirmation's fresh splits when there are two or more and five or more candidates
    // (out-of-fold predictions the search did not select on, and several splits of them), else on the search folds'
    // out-of-fold predictions of its pool.
    // An ensemble of one pipeline is that pipeline.
    const stacked =
      Math.min(freshFolds.length, oofSplits) >= 2 && confirmed.length >= ENSEMBLE_MIN_CONFIRMED && pool !== undefined
        ? stackSplits(confirmed, freshFolds.slice(0, oofSplits), target.y, frame.nRows, direction)
        : undefined;
    const candidates = stacked?.candidates ?? pool?.best() ?? [];
    let ensembleGain: AutomlResult['ensembleGain'];
    const result = (model: AutomlModelFile, ensemble?: AutomlEnsemble): AutomlResult => ({
      task,
      metric,
      direction,
      studyName,
      folds: nFolds,
      leaderboard,
      best,
      baselineScore,
      model,
      bestConfig: config,
      ...(ensemble ? { ensemble } : {}),
      ...(ensembleGain ? { ensembleGain } : {}),
      searchSeconds,
      totalSeconds: (Date.now() - callStarted) / 1000,
    });
    if (candidates.length > 1) {
      const t0 = Date.now();
      const truth = stacked?.truth ?? target.y;
      const selFolds = stacked?.folds ?? folds;
      // The members must refit before the deadline: a pool whose selected members would not leaves its costliest out
      // (the held-out check below costs about two more selections).
      let selectMs = 0;
      // The best candidate's own score on these predictions (in the better direction), before any is left out for time.
      const better = (v: number): number => (direction === 'maximize' ? v : -v);
      let bestCandidate = Number.NEGATIVE_INFINITY;
      const within = selectWithinTime(
        candidates,
        (c) => refitEstimateMs(foldMs.get(c.trial) ?? 0),
        () => deadline - Date.now() - (stacked ? 2 * selectMs : 0),
        (poolNow) => {
          const s0 = Date.now();
          const selection = selectEnsemble({ predictions: poolNow.map((c) => c.oof), truth, folds: selFolds, task, nClasses, metric, size: ensembleSize });
          selectMs = Date.now() - s0;
          if (poolNow.length === candidates.length) bestCandidate = Math.max(...selection.memberScores.map(better));
          return selection;
        },
      );
      const { pool: library, selection: selected } = within;
      // On the fresh splits the ensemble must also win on splits it was not selected on (selected on one half, scored on the
      // other): a positive mean gain there (ENSEMBLE_MIN_GAIN_STD_ERRS).
      const heldOut =
        stacked && within.fits
          ? heldOutEnsembleGain(
              { predictions: library.map((c) => c.oof), truth: stacked.truth, folds: stacked.folds, task, nClasses, metric, size: ensembleSize },
              nFolds,
            )
          : undefined;
      const selectedMembers = library.map((c, k) => ({ trial: c.trial, weight: selected.weights[k] as number, config: c.config })).filter((c) => c.weight > 0);
      // Why the single pipeline is kept instead: the members would not refit in time; the ensemble left out for time a
      // candidate that alone scores at least as well on these predictions (movies: the forests were left out and linear
      // models with a tree remained, 0.564 against the forest's 0.632 r2 on fresh folds); or the held-out gain is too small.
      const rejected = ensembleRejection({ fits: within.fits, dropped: within.dropped, score: better(selected.score), bestCandidate, heldOut });
      const keep = rejected === undefined && selectedMembers.length > 1;
      ensembleGain = {
        gain: heldOut?.gain ?? selected.gain,
        stdErr: heldOut?.stdErr ?? selected.gainStdErr,
        heldOut: heldOut !== undefined,
        splits: stacked ? stacked.splits : 1,
        candidates: library.length,
        leftOutForTime: within.dropped,
        fitsBudget: within.fits,
        selected: selectedMembers,
        kept: keep,
        ...(rejected !== undefined ? { rejected } : {}),
      };
      const selectSeconds = (Date.now() - t0) / 1000;
      if (keep) {
        const t1 = Date.now();
        const members: { weight: number; pipeline: Awaited<ReturnType<typeof fitPipeline>>; trialNumber: number }[] = [];
        try {
          for (const c of selectedMembers)
            members.push({ weight: c.weight, pipeline: await fitPipeline(frame, features, target.y, target.rows, c.config, fitCtx), trialNumber: c.trial });
          const model = ensembleModelFile(members, { ...fileInfo, metadata: { ...fileInfo.metadata, cvMean: selected.score, cvStd: selected.std } });
          const ensemble: AutomlEnsemble = {
            members: selectedMembers,
            score: selected.score,
            // `better` is its own inverse: the best member's score in the metric's own direction.
            bestMemberScore: better(Math.max(...selected.memberScores.map(better))),
            candidates: library.length,
            splits: stacked ? stacked.splits : 1,
            selectSeconds,
            refitSeconds: (Date.now() - t1) / 1000,
          };
          return result(model, ensemble);
        } finally {
          for (const m of members) m.pipeline.model.dispose?.();
        }
      }
    }
    const fitted = await fitPipeline(frame, features, target.y, target.rows, config, fitCtx);
    const model = modelFile(fitted, fileInfo);
    fitted.model.dispose?.();
    return result(model);
  } finally {
    await study.close();
  }
}
