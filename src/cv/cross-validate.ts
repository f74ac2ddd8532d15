/**
 * Cross-validation inside a trial, fold by fold. Each fold's score is
 * reported with its fold number, so the study's pruner (median, percentile or
 * Wilcoxon) can stop a configuration that trails after a few folds — racing,
 * as in SMAC's intensification or Optuna's WilcoxonPruner — instead of paying
 * for every fold. The fold scores, their mean and spread are kept on the
 * trial as the user attribute `cv` (or the name given).
 */
import { InvalidArgumentError, TrialPruned } from '../errors.js';
import type { Trial } from '../study/trial.js';
import type { Fold, SplitInput, Splitter } from './splitter.js';

/** What crossValidate needs of a trial. */
export type CrossValidationTrial = Pick<Trial, 'number' | 'report' | 'shouldPrune' | 'setUserAttr'>;

export interface CrossValidateOptions {
  /** Folds to evaluate, in order; or give `splitter` and `data`. */
  readonly folds?: readonly Fold[];
  readonly splitter?: Splitter;
  /** What the splitter splits: a sample count, or { labels } / { groups }. */
  readonly data?: number | SplitInput;
  /** The score of the model trained on `trainIndex` and evaluated on `testIndex`. */
  readonly evaluate: (foldIndex: number, trainIndex: readonly number[], testIndex: readonly number[]) => number | Promise<number>;
  /** The step at which fold scores are reported (default 0); use another if `evaluate` reports epochs itself. */
  readonly step?: number;
  /** The user attribute that keeps the scores (default 'cv'). */
  readonly attr?: string;
  /** Ask the pruner after each fold (default true). */
  readonly prune?: boolean;
}

/** What is kept on the trial. */
export interface CrossValidationRecord {
  readonly scores: readonly number[];
  readonly mean: number;
  /** Sample standard deviation of the scores (0 for one fold). */
  readonly std: number;
  readonly min: number;
  readonly max: number;
  readonly foldsDone: number;
  readonly nFolds: number;
  readonly pruned: boolean;
}

/**
 * Evaluates the folds in order, reporting each, and returns the mean score;
 * throws TrialPruned when the pruner stops the trial between folds.
 * @example
 * const acc = await crossValidate(trial, {
 *   splitter: new StratifiedKFold({ nSplits: 5, seed: 0 }), data: { labels: y },
 *   evaluate: (k, train, test) => fitAndScore(train, test, lr),
 * });
 */
export async function crossValidate(trial: CrossValidationTrial, options: CrossValidateOptions): Promise<number> {
  if (options === null || typeof options !== 'object' || typeof options.evaluate !== 'function') {
    throw new InvalidArgumentError('crossValidate() needs { evaluate(foldIndex, trainIndex, testIndex) } and folds or a splitter', ['evaluate']);
  }
  let folds: readonly Fold[];
  if (options.folds !== undefined) {
    if (options.splitter !== undefined) throw new InvalidArgumentError('crossValidate(): give folds or splitter, not both', ['folds']);
    folds = options.folds;
  } else if (options.splitter !== undefined) {
    if (options.data === undefined) {
      throw new InvalidArgumentError('crossValidate(): a splitter needs data: the number of samples, or { labels } / { groups }', ['data']);
    }
    folds = options.splitter.split(options.data);
  } else {
    throw new InvalidArgumentError('crossValidate() needs folds or a splitter', ['folds']);
  }
  if (folds.length === 0) throw new InvalidArgumentError('crossValidate(): there are no folds to evaluate', ['folds']);
  const step = options.step ?? 0;
  const attr = options.attr ?? 'cv';
  const scores: number[] = [];
  for (let k = 0; k < folds.length; k++) {
    const fold = folds[k] as Fold;
    let score: number;
    try {
      score = await options.evaluate(k, fold.trainIndex, fold.testIndex);
    } catch (e) {
      // evaluate() may stop the trial itself (a time limit): the folds done stay on record, as when the pruner stops it.
      if (e instanceof TrialPruned && scores.length > 0) trial.setUserAttr(attr, summarize(scores, folds.length, true));
      throw e;
    }
    if (typeof score !== 'number') {
      throw new InvalidArgumentError(`crossValidate(): evaluate() returned ${JSON.stringify(score)} for fold ${k}; it must return a number`, ['evaluate']);
    }
    scores.push(score);
    trial.report(score, step, { fold: k });
    if (options.prune !== false && k < folds.length - 1 && trial.shouldPrune()) {
      trial.setUserAttr(attr, summarize(scores, folds.length, true));
      throw new TrialPruned(`trial ${trial.number} pruned after ${k + 1} of ${folds.length} folds`);
    }
  }
  const record = summarize(scores, folds.length, false);
  trial.setUserAttr(attr, record);
  return record.mean;
}

export function summarize(scores: readonly number[], nFolds: number, pruned: boolean): CrossValidationRecord {
  const n = scores.length;
  const mean = scores.reduce((a, b) => a + b, 0) / n;
  const std = n > 1 ? Math.sqrt(scores.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1)) : 0;
  return { scores: scores.slice(), mean, std, min: Math.min(...scores), max: Math.max(...scores), foldsDone: n, nFolds, pruned };
}
