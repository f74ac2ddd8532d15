/**
 * Ensemble selection (Caruana et al. 2004, "Ensemble selection from
 * libraries of models"; as in auto-sklearn, Feurer et al. 2015): from the
 * out-of-fold predictions of the pipelines a search completed, greedy
 * forward selection with replacement builds the weighted average that
 * scores best by the search's CV metric.
 *
 * Notation: P_c ∈ ℝ^{n×w} is candidate c's out-of-fold prediction (w = the
 * number of classes, class probabilities; w = 1 for regression, values).
 * The ensemble after m steps is the mean of the m chosen P's (a candidate
 * chosen j times has weight j / m). Step m + 1 adds the candidate whose
 * addition scores best; ties are broken by the Brier score (classification),
 * so that a discrete metric such as accuracy still moves toward better
 * probabilities. Sorted initialisation: the k best candidates start the
 * ensemble, k ≤ `init` the one whose average scores best. The result is the best ensemble seen along the path.
 */

import { summarize } from '../cv/cross-validate.js';
import { InvalidArgumentError } from '../errors.js';
import { Rng } from '../math/rng.js';
import type { Frame } from './csv.js';
import { frameFromRecords } from './csv.js';
import type { PipelineConfig } from './families.js';
import { checkMetric, defaultMetric, type MetricName, metricDirection, score } from './metrics.js';
import { argmax, oneHot, type Task } from './models/model.js';
import { encodeTarget, type FittedPipeline, fitPipeline, predictPipeline, targetFolds } from './pipeline.js';
import { configKey } from './warm-start.js';

/** Out-of-fold predictions of one pipeline: row-major, `width` numbers per frame row (rows without a target are unused). */
export type OutOfFold = Float64Array;

export interface EnsembleSelectionInput {
  /** One per candidate, each of length nRows × width. */
  readonly predictions: readonly OutOfFold[];
  /** Encoded target per frame row (class index or value). */
  readonly truth: ArrayLike<number>;
  /** The CV folds the predictions are out of (frame rows); the score is the mean over folds, as the search's. */
  readonly folds: readonly { readonly testIndex: readonly number[] }[];
  readonly task: Task;
  readonly nClasses: number;
  readonly metric: MetricName;
  /** Selection steps (ensemble size, default 25). */
  readonly size?: number;
  /** Bagged selection: this many selections, each from a random half of the candidates, averaged (default 1: one selection from all). */
  readonly bags?: number;
  /** Seed of the bags' draws. */
  readonly seed?: number;
  /** At most this many best candidates (by their score on `folds`) start the ensemble (sorted initialisation; default 3). */
  readonly init?: number;
}

export interface EnsembleSelection {
  /** Weight of each candidate (sums to 1; 0 for those never chosen). */
  readonly weights: number[];
  /** The ensemble's CV score on the given predictions (mean over folds) and the folds' sample standard deviation. */
  readonly score: number;
  readonly std: number;
  /** Each candidate's own CV score. */
  readonly memberScores: number[];
  /** The selected ensemble's mean gain per fold over the best single candidate, on the predictions it was selected on (in the metric's better direction; optimistic), and its standard error. */
  readonly gain: number;
  readonly gainStdErr: number;
}

export const DEFAULT_ENSEMBLE_SIZE = 25;
export const DEFAULT_ENSEMBLE_INIT = 3;

/** Mean over folds of the metric of a prediction matrix (sum of chosen members / m). */
function cvScore(sum: Float64Array, m: number, o: EnsembleSelectionInput, width: number): { score: number; brier: number } {
  let total = 0;
  let brier = 0;
  let rows = 0;
  for (const f of o.folds) {
    const truth = f.testIndex.map((i) => o.truth[i] as number);
    if (o.task === 'regression') {
      total += score(
        o.metric,
        truth,
        f.testIndex.map((i) => (sum[i] as number) / m),
      );
      continue;
    }
    // Class probabilities as rows only for the metric that reads them (log loss): this runs size × candidates times per selection, on every stacked row.
    const proba: number[][] | undefined = o.metric === 'log_loss' ? [] : undefined;
    const pred = new Array<number>(truth.length);
    for (const [r, i] of f.testIndex.entries()) {
      const row = proba ? new Array<number>(width) : undefined;
      let best = 0;
      let top = Number.NaN;
      for (let c = 0; c < width; c++) {
        const p = (sum[i * width + c] as number) / m;
        if (row) row[c] = p;
        // argmax: the first largest.
        if (c === 0 || p > top) {
          best = c;
          top = p;
        }
        brier += (p - (c === truth[r] ? 1 : 0)) ** 2;
      }
      pred[r] = best;
      if (proba && row) proba.push(row);
    }
    total += score(o.metric, truth, pred, proba, o.nClasses);
    rows += truth.length;
  }
  return { score: total / o.folds.length, brier: rows > 0 ? brier / rows : 0 };
}

/** Sample standard deviation over folds of the metric (one fold at a time through cvScore). */
function foldStd(sum: Float64Array, m: number, o: EnsembleSelectionInput, width: number): number {
  return summarize(
    o.folds.map((f) => cvScore(sum, m, { ...o, folds: [f] }, width).score),
    o.folds.length,
    false,
  ).std;
}

/** Σ_c counts_c P_c. */
function weighted(predictions: readonly OutOfFold[], counts: readonly number[], len: number): Float64Array {
  const sum = new Float64Array(len);
  predictions.forEach((p, c) => {
    const k = counts[c] as number;
    if (k > 0) for (let i = 0; i < len; i++) sum[i] = (sum[i] as number) + k * (p[i] as number);
  });
  return sum;
}

/**
 * Greedy forward selection with replacement over candidates given best
 * first; returns their weights.
 * @example
 * const { weights } = selectEnsemble({ predictions, truth, folds, task: 'classification', nClasses: 3, metric: 'accuracy' });
 */
export function selectEnsemble(o: EnsembleSelectionInput): EnsembleSelection {
  const n = o.predictions.length;
  if (n === 0) throw new InvalidArgumentError('ensemble selection needs at least one candidate');
  const size = o.size ?? DEFAULT_ENSEMBLE_SIZE;
  if (!Number.isSafeInteger(size) || size < 1) throw new InvalidArgumentError(`ensemble size must be a positive integer, got ${o.size}`, ['ensemble', 'size']);
  const bags = o.bags ?? 1;
  if (!Number.isSafeInteger(bags) || bags < 1) throw new InvalidArgumentError(`ensemble bags must be a positive integer, got ${o.bags}`, ['ensemble', 'bags']);
  const width = o.task === 'classification' ? o.nClasses : 1;
  const len = (o.predictions[0] as OutOfFold).length;
  for (const p of o.predictions) if (p.length !== len) throw new InvalidArgumentError('ensemble candidates must have predictions of the same length');
  const sign = metricDirection(o.metric) === 'maximize' ? 1 : -1;
  const better = (a: Scored, b: Scored): boolean => sign * (a.score - b.score) > 1e-12 || (Math.abs(a.score - b.score) <= 1e-12 && a.brier < b.brier - 1e-12);
  const memberScores = o.predictions.map((p) => cvScore(p, 1, o, width).score);
  // Best first by their own score on these folds (sorted initialisation starts from the first), ties in the given order.
  const all = Array.from({ length: n }, (_, c) => c).sort((a, b) => sign * ((memberScores[b] as number) - (memberScores[a] as number)) || a - b);
  let weights: number[];
  if (bags === 1 || n < 4) weights = hillClimb(o, all, size, width, better);
  else {
    // Bagged ensemble selection (Caruana et al. 2004, section 2.3): each bag selects from a random half of the candidates; the weights are averaged.
    const rng = new Rng(o.seed ?? 0);
    weights = new Array<number>(n).fill(0);
    for (let b = 0; b < bags; b++) {
      const half = all.filter(() => rng.random() < 0.5);
      const w = hillClimb(o, half.length > 0 ? half : all, size, width, better);
      w.forEach((v, c) => {
        weights[c] = (weights[c] as number) + v / bags;
      });
    }
  }
  const averaged = weighted(o.predictions, weights, len);
  const ensemble = cvScore(averaged, 1, o, width);
  // The best single candidate is an ensemble too (sorted initialisation and bagging may end worse than it).
  const top = memberScores.reduce((a, s, c) => (sign * (s - (memberScores[a] as number)) > 0 ? c : a), 0);
  const single = cvScore(o.predictions[top] as OutOfFold, 1, o, width);
  const { gain, stdErr } = meanGain(foldGains(averaged, o.predictions[top] as OutOfFold, o, width, sign));
  if (better(single, ensemble)) {
    const only = new Array<number>(n).fill(0);
    only[top] = 1;
    return { weights: only, score: single.score, std: foldStd(o.predictions[top] as OutOfFold, 1, o, width), memberScores, gain, gainStdErr: stdErr };
  }
  return { weights, score: ensemble.score, std: foldStd(averaged, 1, o, width), memberScores, gain, gainStdErr: stdErr };
}

/**
 * Whether ensemble selection beats the best single candidate on folds it did
 * not select on: the folds are `groups` of `groupSize` (the fresh splits of
 * 5 folds each), cut into two halves of groups; selection on one half (the
 * ensemble's weights, and the best single candidate there) is scored fold by
 * fold on the other, both ways (2-fold cross-validation of the selection
 * procedure itself). Returns the mean gain per held-out fold in the metric's
 * better direction and its standard error. The gain on the folds selection
 * ran on is optimistic: greedy selection picks the members that fit those
 * very rows, which on a few hundred rows is one or two of them (penguins:
 * +0.0015 ± 0.0015 there, 0.9945 against the single pipeline's 0.9959 on
 * fresh folds).
 */
export function heldOutEnsembleGain(o: EnsembleSelectionInput, groupSize: number): { gain: number; stdErr: number } {
  const groups = Math.floor(o.folds.length / groupSize);
  if (groups < 2) throw new InvalidArgumentError(`held-out ensemble selection needs two groups of ${groupSize} folds, got ${o.folds.length} folds`);
  const cut = Math.ceil(groups / 2) * groupSize;
  const halves = [o.folds.slice(0, cut), o.folds.slice(cut, groups * groupSize)];
  const width = o.task === 'classification' ? o.nClasses : 1;
  const len = (o.predictions[0] as OutOfFold).length;
  const sign = metricDirection(o.metric) === 'maximize' ? 1 : -1;
  const d: number[] = [];
  for (const [a, b] of [
    [0, 1],
    [1, 0],
  ] as const) {
    const sel = selectEnsemble({ ...o, folds: halves[a] as EnsembleSelectionInput['folds'] });
    const top = sel.memberScores.reduce((best, v, c) => (sign * (v - (sel.memberScores[best] as number)) > 0 ? c : best), 0);
    const ensemble = weighted(o.predictions, sel.weights, len);
    d.push(...foldGains(ensemble, o.predictions[top] as OutOfFold, { ...o, folds: halves[b] as EnsembleSelectionInput['folds'] }, width, sign));
  }
  return meanGain(d);
}

/** Per fold, ensemble − single in the metric's better direction. */
function foldGains(ensemble: Float64Array, single: OutOfFold, o: EnsembleSelectionInput, width: number, sign: number): number[] {
  return o.folds.map((f) => sign * (cvScore(ensemble, 1, { ...o, folds: [f] }, width).score - cvScore(single, 1, { ...o, folds: [f] }, width).score));
}

/** The mean of per-fold gains and its standard error (sample standard deviation / √folds). */
function meanGain(d: readonly number[]): { gain: number; stdErr: number } {
  const { mean, std } = summarize(d, d.length, false);
  return { gain: mean, stdErr: std / Math.sqrt(d.length) };
}

interface Scored {
  readonly score: number;
  readonly brier: number;
}

/** One forward selection with replacement over the candidates `among` (ascending: best first); weights over all candidates. */
function hillClimb(o: EnsembleSelectionInput, among: readonly number[], size: number, width: number, better: (a: Scored, b: Scored) => boolean): number[] {
  const n = o.predictions.length;
  const len = (o.predictions[0] as OutOfFold).length;
  const init = Math.min(o.init ?? DEFAULT_ENSEMBLE_INIT, among.length, size);
  const counts = new Array<number>(n).fill(0);
  const sum = new Float64Array(len);
  const add = (c: number): void => {
    const p = o.predictions[c] as OutOfFold;
    for (let i = 0; i < len; i++) sum[i] = (sum[i] as number) + (p[i] as number);
    counts[c] = (counts[c] as number) + 1;
  };
  // Sorted initialisation: the first k candidates, k ≤ init chosen by the score of their average (Caruana et al. 2004, section 2.1).
  let k0 = 1;
  let k0Score: Scored = { score: Number.NaN, brier: Number.NaN };
  for (let k = 1; k <= init; k++) {
    const p = o.predictions[among[k - 1] as number] as OutOfFold;
    for (let i = 0; i < len; i++) sum[i] = (sum[i] as number) + (p[i] as number);
    const s = cvScore(sum, k, o, width);
    if (k === 1 || better(s, k0Score)) {
      k0 = k;
      k0Score = s;
    }
  }
  sum.fill(0);
  for (let k = 0; k < k0; k++) add(among[k] as number);
  let m = k0;
  let best = { ...k0Score, counts: counts.slice(), m };
  const trial = new Float64Array(len);
  while (m < size) {
    let pick = -1;
    let pickScore: Scored = { score: Number.NaN, brier: Number.NaN };
    for (const c of among) {
      const p = o.predictions[c] as OutOfFold;
      for (let i = 0; i < len; i++) trial[i] = (sum[i] as number) + (p[i] as number);
      const s = cvScore(trial, m + 1, o, width);
      if (pick < 0 || better(s, pickScore)) {
        pick = c;
        pickScore = s;
      }
    }
    add(pick);
    m++;
    if (better(pickScore, best)) best = { ...pickScore, counts: counts.slice(), m };
  }
  return best.counts.map((k) => k / best.m);
}

export interface EnsembleMemberConfig {
  readonly weight: number;
  readonly config: PipelineConfig;
}

/** The weighted average prediction of fitted pipelines: class indices and probabilities (classification) or values. */
export async function predictEnsemble(
  members: readonly { readonly weight: number; readonly pipeline: FittedPipeline }[],
  frame: Frame,
  rows: readonly number[] | undefined,
  task: Task,
  nClasses: number,
): Promise<{ pred: number[]; proba?: number[][] }> {
  let acc: number[][] | undefined;
  let total = 0;
  for (const { weight, pipeline } of members) {
    const { pred, proba } = await predictPipeline(pipeline, frame, rows, task === 'classification');
    const rowsOf = task === 'classification' ? (proba ?? oneHot(pred, nClasses)) : pred.map((v) => [v]);
    acc ??= rowsOf.map((r) => r.map(() => 0));
    rowsOf.forEach((r, i) => {
      const a = acc?.[i] as number[];
      r.forEach((v, c) => {
        a[c] = (a[c] as number) + weight * v;
      });
    });
    total += weight;
  }
  const avg = (acc ?? []).map((r) => r.map((v) => v / total));
  if (task === 'regression') return { pred: avg.map((r) => r[0] as number) };
  return { pred: avg.map(argmax), proba: avg };
}

export interface EnsembleCvOptions {
  readonly data: readonly Readonly<Record<string, unknown>>[] | Frame;
  readonly target: string;
  readonly task?: Task;
  readonly members: readonly EnsembleMemberConfig[];
  readonly metric?: MetricName;
  readonly folds?: number;
  readonly seed?: number;
}

/**
 * k-fold CV of an ensemble: on each fold every member is refitted on the
 * training rows and the weighted average scored on the held-out rows; the
 * folds are those crossValidatePipeline makes with the same seed, so the
 * two compare on the same rows.
 */
export async function crossValidateEnsemble(o: EnsembleCvOptions): Promise<{ readonly scores: number[]; readonly mean: number; readonly std: number }> {
  if (o.members.length === 0) throw new InvalidArgumentError('an ensemble needs at least one member', ['members']);
  const frame = Array.isArray(o.data) ? frameFromRecords(o.data) : (o.data as Frame);
  const target = encodeTarget(frame, o.target, o.task);
  const metric = o.metric === undefined ? defaultMetric(target.task) : checkMetric(o.metric, target.task);
  const seed = o.seed ?? 0;
  const features = frame.names.filter((n) => n !== o.target);
  const nClasses = target.classes.length;
  const folds = targetFolds(target, o.folds ?? 5, seed);
  const scores: number[] = [];
  for (const [k, f] of folds.entries()) {
    const fitted: { weight: number; pipeline: FittedPipeline }[] = [];
    try {
      for (const m of o.members) {
        fitted.push({
          weight: m.weight,
          pipeline: await fitPipeline(frame, features, target.y, f.trainIndex, m.config, {
            task: target.task,
            nClasses,
            seed: seed + k,
            needProba: metric === 'log_loss',
          }),
        });
      }
      const { pred, proba } = await predictEnsemble(fitted, frame, f.testIndex, target.task, nClasses);
      scores.push(
        score(
          metric,
          f.testIndex.map((i) => target.y[i] as number),
          pred,
          proba,
          nClasses,
        ),
      );
    } finally {
      for (const m of fitted) m.pipeline.model.dispose?.();
    }
  }
  const { mean, std } = summarize(scores, scores.length, false);
  return { scores, mean, std };
}

/** Candidates kept for ensemble selection (auto-sklearn keeps the 50 best). */
export const ENSEMBLE_POOL = 50;
/** The best of each family are kept besides: a search focused on one family would otherwise leave the pool without diversity. */
export const ENSEMBLE_POOL_PER_FAMILY = 5;
/** The most memory the pool's out-of-fold predictions take at their peak (just before a trim). */
export const ENSEMBLE_POOL_BYTES = 256 * 2 ** 20;

/**
 * The pool's capacity and per-family count for predictions of `rowBytes`
 * each (rows × classes × 8): ENSEMBLE_POOL and ENSEMBLE_POOL_PER_FAMILY
 * while their peak — 2 × capacity entries, or capacity plus every family's
 * best, whichever is more — fits ENSEMBLE_POOL_BYTES; fewer for large data
 * (at least 2 and 1). At 100,000 rows × 10 classes (8 MB per pipeline): 16
 * and 2, 256 MB, where 50 and 5 peaked at 800 MB.
 */
export function poolLimits(rowBytes: number, families: number): { capacity: number; perFamily: number } {
  const capacity = Math.max(2, Math.min(ENSEMBLE_POOL, Math.floor(ENSEMBLE_POOL_BYTES / (2 * rowBytes))));
  const perFamily = Math.max(1, Math.min(ENSEMBLE_POOL_PER_FAMILY, Math.floor(capacity / Math.max(1, families))));
  return { capacity, perFamily };
}

/**
 * The out-of-fold predictions of the best `capacity` distinct pipelines
 * and the best `perFamily` of each family (by CV score; a configuration
 * seen twice keeps its first), held in memory during a search.
 */
export class OutOfFoldPool {
  private readonly entries = new Map<string, { trial: number; value: number; config: PipelineConfig; oof: OutOfFold }>();
  constructor(
    private readonly direction: 'maximize' | 'minimize',
    private readonly capacity = ENSEMBLE_POOL,
    private readonly perFamily = ENSEMBLE_POOL_PER_FAMILY,
  ) {}

  keep(trial: number, value: number, config: PipelineConfig, oof: OutOfFold): void {
    if (!Number.isFinite(value)) return;
    const key = configKey(config);
    if (this.entries.has(key)) return;
    this.entries.set(key, { trial, value, config, oof });
    // Trim only now and then, so that keeping stays cheap.
    if (this.entries.size >= 2 * this.capacity) {
      const keep = new Set(this.best().map((e) => e.trial));
      for (const [k, e] of this.entries) if (!keep.has(e.trial)) this.entries.delete(k);
    }
  }

  /** Best first: the best `capacity`, and the best `perFamily` of each family. */
  best(): { trial: number; value: number; config: PipelineConfig; oof: OutOfFold }[] {
    const sign = this.direction === 'maximize' ? -1 : 1;
    const sorted = [...this.entries.values()].sort((a, b) => sign * (a.value - b.value) || a.trial - b.trial);
    const perFamily = new Map<string, number>();
    return sorted.filter((e, rank) => {
      const n = (perFamily.get(e.config.family) ?? 0) + 1;
      perFamily.set(e.config.family, n);
      return rank < this.capacity || n <= this.perFamily;
    });
  }
}
