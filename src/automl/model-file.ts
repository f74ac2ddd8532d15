/**
 * The saved form of a fitted pipeline (model.json): a format tag and
 * version, the target and its classes, the preprocessing state, the model
 * family's state, and metadata (metric, CV score, study). `loadModel` reads
 * it back and `predict` applies it to new rows.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { InvalidArgumentError } from '../errors.js';
import { type Frame, frameFromRecords, readCsvText } from './csv.js';
import { MODEL_FAMILIES, type PipelineConfig } from './families.js';
import type { MetricName } from './metrics.js';
import { FAMILY_NAMES, type Task } from './models/model.js';
import { type FittedPipeline, predictPipeline } from './pipeline.js';
import type { PreprocessorState } from './preprocess.js';

export const MODEL_FORMAT = 'dials-automl-model';
export const MODEL_FORMAT_VERSION = 1;

export interface AutomlModelFile {
  readonly format: typeof MODEL_FORMAT;
  readonly version: number;
  readonly task: Task;
  readonly target: string;
  readonly features: readonly string[];
  readonly classes: readonly (string | number)[];
  readonly config: PipelineConfig;
  readonly preprocessing: PreprocessorState;
  readonly model: unknown;
  readonly metadata: {
    readonly createdAt: string;
    readonly metric: MetricName;
    readonly cvMean: number;
    readonly cvStd: number;
    readonly folds: number;
    readonly trainingRows: number;
    readonly studyName?: string;
    readonly trialNumber?: number;
  };
}

/** A model ready to predict. */
export interface LoadedModel {
  readonly file: AutomlModelFile;
  readonly pipeline: FittedPipeline;
}

export function modelFile(pipeline: FittedPipeline, info: Omit<AutomlModelFile, 'format' | 'version' | 'config' | 'preprocessing' | 'model'>): AutomlModelFile {
  return {
    format: MODEL_FORMAT,
    version: MODEL_FORMAT_VERSION,
    ...info,
    config: pipeline.config,
    preprocessing: pipeline.preprocessing,
    model: pipeline.model.toJSON(),
  };
}

export function saveModel(file: AutomlModelFile, path: string): void {
  writeFileSync(path, `${JSON.stringify(file)}\n`);
}

/** Rebuilds a model from its JSON form (as saved by saveModel). */
export async function modelFromJson(json: unknown, source = 'the model'): Promise<LoadedModel> {
  const f = json as Partial<AutomlModelFile> | null;
  if (f === null || typeof f !== 'object' || f.format !== MODEL_FORMAT) {
    throw new InvalidArgumentError(`${source} is not a dials automl model (no "format": "${MODEL_FORMAT}"); make one with dials automl --out`);
  }
  if (f.version !== MODEL_FORMAT_VERSION) {
    throw new InvalidArgumentError(`${source} has format version ${f.version}; this dials reads version ${MODEL_FORMAT_VERSION}: refit it with this version`);
  }
  const config = f.config as PipelineConfig;
  if (!(FAMILY_NAMES as readonly string[]).includes(config?.family))
    throw new InvalidArgumentError(`${source} names an unknown model family ${JSON.stringify(config?.family)}`);
  const file = f as AutomlModelFile;
  const model = await MODEL_FAMILIES[config.family].load(file.model, { task: file.task, nClasses: file.classes.length, seed: 0 });
  return { file, pipeline: { config, preprocessing: file.preprocessing, model } };
}

/**
 * Reads a model.json written by automl.
 * @example const model = await loadModel('model.json'); const labels = await predict(model, rows);
 */
export async function loadModel(path: string): Promise<LoadedModel> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new InvalidArgumentError(`cannot read the model ${path}: ${(e as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new InvalidArgumentError(`the model ${path} is not valid JSON: ${(e as Error).message}`);
  }
  return modelFromJson(json, `the model ${path}`);
}

export interface PredictOptions {
  /** Also return class probabilities (classification). */
  readonly proba?: boolean;
}

export interface Predictions {
  /** Class labels (classification) or values (regression), one per row. */
  readonly predictions: (string | number)[];
  /** Probability of each class, in the order of `classes`, when asked for. */
  readonly probabilities?: number[][];
  readonly classes: readonly (string | number)[];
}

/** Predictions for rows given as objects or a Frame (feature columns by name; extra columns are ignored). */
export async function predict(
  model: LoadedModel,
  rows: readonly Readonly<Record<string, unknown>>[] | Frame,
  options: PredictOptions = {},
): Promise<Predictions> {
  const frame = Array.isArray(rows) ? frameFromRecords(rows as readonly Readonly<Record<string, unknown>>[]) : (rows as Frame);
  const { pred, proba } = await predictPipeline(model.pipeline, frame, undefined, options.proba === true && model.file.task === 'classification');
  const classes = model.file.classes;
  const predictions = model.file.task === 'classification' ? pred.map((k) => classes[k] as string | number) : pred;
  return { predictions, classes, ...(proba ? { probabilities: proba } : {}) };
}

/** Reads a CSV file into a Frame, with a message that names the file. */
export function readCsvFile(path: string): Frame {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new InvalidArgumentError(`cannot read ${path}: ${(e as Error).message}`);
  }
  return readCsvText(text, path);
}
