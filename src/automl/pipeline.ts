/**
 * A pipeline is preprocessing + one model family. This module encodes the
 * target, fits a pipeline on chosen rows of a Frame, and predicts; the
 * model file (model-file.ts) stores what it fitted.
 */
import { KFold } from '../cv/k-fold.js';
import type { Fold } from '../cv/splitter.js';
import { StratifiedKFold } from '../cv/stratified-k-fold.js';
import { InvalidArgumentError } from '../errors.js';
import type { Frame } from './csv.js';
import { MODEL_FAMILIES, type PipelineConfig } from './families.js';
import type { FittedModel, Task } from './models/model.js';
import { fitPreprocessor, type PreprocessorState, transform } from './preprocess.js';

export interface TargetEncoding {
  readonly name: string;
  readonly task: Task;
  /** Class labels in index order (classification); numbers when the column was numeric. */
  readonly classes: readonly (string | number)[];
  /** Encoded target per frame row: class index or value; NaN where the target is missing. */
  readonly y: Float64Array;
  /** Frame rows with a target. */
  readonly rows: number[];
}

/** A numeric column of few distinct integers is taken for class labels. */
const MAX_INFERRED_CLASSES = 20;

export function inferTask(frame: Frame, target: string): Task {
  const j = frame.names.indexOf(target);
  if (frame.kinds[j] === 'categorical') return 'classification';
  const col = frame.columns[j] as Float64Array;
  const distinct = new Set<number>();
  for (const v of col) {
    if (Number.isNaN(v)) continue;
    if (!Number.isInteger(v)) return 'regression';
    distinct.add(v);
  }
  return distinct.size <= MAX_INFERRED_CLASSES ? 'classification' : 'regression';
}

export function encodeTarget(frame: Frame, target: string, task?: Task): TargetEncoding {
  const j = frame.names.indexOf(target);
  if (j < 0) {
    const shown = frame.names.slice(0, 12).map((n) => JSON.stringify(n));
    throw new InvalidArgumentError(
      `the target column ${JSON.stringify(target)} is not in the data; its columns are ${shown.join(', ')}${frame.names.length > 12 ? ', …' : ''}`,
      ['target'],
    );
  }
  if (frame.names.length < 2) throw new InvalidArgumentError('the data has only the target column; it needs at least one feature column', ['target']);
  const t = task ?? inferTask(frame, target);
  const numeric = frame.kinds[j] === 'numeric';
  const y = new Float64Array(frame.nRows).fill(Number.NaN);
  const rows: number[] = [];
  if (t === 'regression') {
    if (!numeric)
      throw new InvalidArgumentError(`the target ${JSON.stringify(target)} has non-numeric values, so it cannot be regressed; use --task classification`, [
        'task',
      ]);
    const col = frame.columns[j] as Float64Array;
    for (let i = 0; i < frame.nRows; i++) {
      if (!Number.isNaN(col[i] as number)) {
        y[i] = col[i] as number;
        rows.push(i);
      }
    }
    if (rows.length < 2) throw new InvalidArgumentError(`the target ${JSON.stringify(target)} has fewer than 2 values`, ['target']);
    return { name: target, task: t, classes: [], y, rows };
  }
  const raw: (string | number | null)[] = numeric
    ? Array.from(frame.columns[j] as Float64Array, (v) => (Number.isNaN(v) ? null : v))
    : (frame.columns[j] as (string | null)[]).slice();
  const distinct = [...new Set(raw.filter((v): v is string | number => v !== null))];
  distinct.sort((a, b) => (typeof a === 'number' && typeof b === 'number' ? a - b : String(a) < String(b) ? -1 : 1));
  if (distinct.length < 2) {
    throw new InvalidArgumentError(
      `the target ${JSON.stringify(target)} has ${distinct.length === 0 ? 'no values' : `only one class (${JSON.stringify(distinct[0])})`}; classification needs at least two`,
      ['target'],
    );
  }
  const index = new Map(distinct.map((c, k) => [c, k]));
  raw.forEach((v, i) => {
    if (v !== null) {
      y[i] = index.get(v) as number;
      rows.push(i);
    }
  });
  return { name: target, task: t, classes: distinct, y, rows };
}

/** The k CV folds (frame row indices) of the rows with a target: stratified for classification, split with `seed`. */
export function targetFolds(target: TargetEncoding, nFolds: number, seed: number): Fold[] {
  const rows = target.rows;
  if (rows.length < nFolds)
    throw new InvalidArgumentError(`${rows.length} rows with a target are too few for ${nFolds}-fold cross-validation; lower folds`, ['folds']);
  const local =
    target.task === 'classification'
      ? new StratifiedKFold({ nSplits: nFolds, seed }).split({ labels: rows.map((i) => target.y[i] as number) })
      : new KFold({ nSplits: nFolds, seed }).split(rows.length);
  return local.map((f) => ({ trainIndex: f.trainIndex.map((i) => rows[i] as number), testIndex: f.testIndex.map((i) => rows[i] as number) }));
}

export interface FittedPipeline {
  readonly config: PipelineConfig;
  readonly preprocessing: PreprocessorState;
  readonly model: FittedModel;
}

export interface PipelineContext {
  readonly task: Task;
  readonly nClasses: number;
  readonly seed: number;
  readonly needProba?: boolean;
  /** Date.now() after which the fit (the knn imputation's and the model's) gives up with a FitTimeoutError (FitContext.deadline). */
  readonly deadline?: number;
}

/** Fits preprocessing and the model on `rows` of `frame` only. */
export async function fitPipeline(
  frame: Frame,
  features: readonly string[],
  y: ArrayLike<number>,
  rows: readonly number[],
  config: PipelineConfig,
  ctx: PipelineContext,
): Promise<FittedPipeline> {
  const family = MODEL_FAMILIES[config.family];
  const preprocessing = fitPreprocessor(frame, features, rows, { impute: config.impute, scale: family.scale });
  const x = transform(preprocessing, frame, rows, ctx.deadline);
  const target = rows.map((i) => y[i] as number);
  const model = await family.fit(x, target, config.params, ctx);
  return { config, preprocessing, model };
}

export interface PipelinePrediction {
  readonly pred: number[];
  readonly proba?: number[][];
}

export async function predictPipeline(p: FittedPipeline, frame: Frame, rows?: readonly number[], withProba = false): Promise<PipelinePrediction> {
  const x = transform(p.preprocessing, frame, rows);
  const pred = await p.model.predict(x);
  if (withProba && p.model.predictProba) return { pred, proba: await p.model.predictProba(x) };
  return { pred };
}
