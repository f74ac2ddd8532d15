/**
 * The saved form of a fitted model (model.json): a format tag and version,
 * the target and its classes, metadata (metric, CV score, study), and
 * either one pipeline (kind 'pipeline', or no kind: version 1 files) with
 * its preprocessing and model state, or an ensemble (kind 'ensemble',
 * version 2) of weighted pipelines whose predictions are averaged.
 * `loadModel` reads it back and `predict` applies it to new rows.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { InvalidArgumentError } from '../errors.js';
import { type Frame, frameFromRecords, readCsvText } from './csv.js';
import { predictEnsemble } from './ensemble.js';
import { MODEL_FAMILIES, type PipelineConfig } from './families.js';
import type { MetricName } from './metrics.js';
import { FAMILY_NAMES, type Task } from './models/model.js';
import { type FittedPipeline, predictPipeline } from './pipeline.js';
import type { PreprocessorState } from './preprocess.js';

export const MODEL_FORMAT = 'dials-automl-model';
/** Version of a single-pipeline file (unchanged since version 1, so older dials read them). */
export const MODEL_FORMAT_VERSION = 1;
/** Version of an ensemble file: older dials, which read version 1 only, refuse it with a message instead of misreading it. */
export const ENSEMBLE_FORMAT_VERSION = 2;

interface ModelFileBase {
  readonly format: typeof MODEL_FORMAT;
  readonly version: number;
  readonly task: Task;
  readonly target: string;
  readonly features: readonly string[];
  readonly classes: readonly (string | number)[];
  readonly metadata: ModelMetadata;
}

/** One fitted pipeline. */
export interface PipelineModelFile extends ModelFileBase {
  /** Absent in files written before ensembles. */
  readonly kind?: 'pipeline';
  readonly config: PipelineConfig;
  readonly preprocessing: PreprocessorState;
  readonly model: unknown;
}

/** A member of a saved ensemble: a fitted pipeline and its weight. */
export interface EnsembleMemberFile {
  readonly weight: number;
  readonly config: PipelineConfig;
  readonly preprocessing: PreprocessorState;
  readonly model: unknown;
  /** The search trial it came from. */
  readonly trialNumber?: number;
}

/** The weighted average of fitted pipelines (ensemble selection; see ensemble.ts). */
export interface EnsembleModelFile extends ModelFileBase {
  readonly kind: 'ensemble';
  /** Weights sum to 1. */
  readonly members: readonly EnsembleMemberFile[];
}

export type AutomlModelFile = PipelineModelFile | EnsembleModelFile;

export interface ModelMetadata {
  readonly createdAt: string;
  readonly metric: MetricName;
  readonly cvMean: number;
  readonly cvStd: number;
  readonly folds: number;
  readonly trainingRows: number;
  readonly studyName?: string;
  readonly trialNumber?: number;
}

/** A model ready to predict. */
export interface LoadedModel {
  readonly file: AutomlModelFile;
  /** Every pipeline with its weight (absent or one of weight 1 for a single pipeline). */
  readonly members?: readonly { readonly weight: number; readonly pipeline: FittedPipeline }[];
  /** The single pipeline, or an ensemble's heaviest member. */
  readonly pipeline: FittedPipeline;
}

type FileInfo = Omit<ModelFileBase, 'format' | 'version'>;

export function modelFile(pipeline: FittedPipeline, info: FileInfo): PipelineModelFile {
  return {
    format: MODEL_FORMAT,
    version: MODEL_FORMAT_VERSION,
    kind: 'pipeline',
    ...info,
    config: pipeline.config,
    preprocessing: pipeline.preprocessing,
    model: pipeline.model.toJSON(),
  };
}

/** The saved form of fitted pipelines with their weights (normalized to sum to 1). */
export function ensembleModelFile(
  members: readonly { readonly weight: number; readonly pipeline: FittedPipeline; readonly trialNumber?: number }[],
  info: FileInfo,
): EnsembleModelFile {
  const total = members.reduce((a, m) => a + m.weight, 0);
  if (members.length === 0 || !(total > 0)) throw new InvalidArgumentError('an ensemble model needs members with positive weights');
  return {
    format: MODEL_FORMAT,
    version: ENSEMBLE_FORMAT_VERSION,
    kind: 'ensemble',
    ...info,
    members: members.map((m) => ({
      weight: m.weight / total,
      config: m.pipeline.config,
      preprocessing: m.pipeline.preprocessing,
      model: m.pipeline.model.toJSON(),
      ...(m.trialNumber !== undefined ? { trialNumber: m.trialNumber } : {}),
    })),
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
  if (f.version !== MODEL_FORMAT_VERSION && f.version !== ENSEMBLE_FORMAT_VERSION) {
    throw new InvalidArgumentError(
      `${source} has format version ${f.version}; this dials reads versions ${MODEL_FORMAT_VERSION} and ${ENSEMBLE_FORMAT_VERSION}: refit it with this version`,
    );
  }
  const file = f as AutomlModelFile;
  const ctx = { task: file.task, nClasses: file.classes.length, seed: 0 };
  const loadPipeline = async (config: PipelineConfig, preprocessing: PreprocessorState, state: unknown, where: string): Promise<FittedPipeline> => {
    if (!(FAMILY_NAMES as readonly string[]).includes(config?.family))
      throw new InvalidArgumentError(`${source} names an unknown model family ${JSON.stringify(config?.family)}${where}`);
    return { config, preprocessing, model: await MODEL_FAMILIES[config.family].load(state, ctx) };
  };
  if (file.kind === 'ensemble') {
    if (!Array.isArray(file.members) || file.members.length === 0) throw new InvalidArgumentError(`${source} is an ensemble without members`);
    const members: { weight: number; pipeline: FittedPipeline }[] = [];
    for (const [k, m] of file.members.entries()) {
      if (!(typeof m.weight === 'number' && m.weight > 0)) throw new InvalidArgumentError(`${source}: ensemble member ${k} has no positive weight`);
      members.push({ weight: m.weight, pipeline: await loadPipeline(m.config, m.preprocessing, m.model, ` (ensemble member ${k})`) });
    }
    const heaviest = members.reduce((a, b) => (b.weight > a.weight ? b : a));
    return { file, members, pipeline: heaviest.pipeline };
  }
  if (file.kind !== undefined && file.kind !== 'pipeline')
    throw new InvalidArgumentError(
      `${source} has an unknown kind ${JSON.stringify((file as { kind: unknown }).kind)}; this dials reads 'pipeline' and 'ensemble'`,
    );
  const pipeline = await loadPipeline(file.config, file.preprocessing, file.model, '');
  return { file, members: [{ weight: 1, pipeline }], pipeline };
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
  const { pred, proba } =
    model.file.kind === 'ensemble'
      ? await predictEnsemble(model.members ?? [{ weight: 1, pipeline: model.pipeline }], frame, undefined, model.file.task, model.file.classes.length)
      : await predictPipeline(model.pipeline, frame, undefined, options.proba === true && model.file.task === 'classification');
  const classes = model.file.classes;
  const predictions = model.file.task === 'classification' ? pred.map((k) => classes[k] as string | number) : pred;
  return { predictions, classes, ...(proba && options.proba === true ? { probabilities: proba } : {}) };
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
