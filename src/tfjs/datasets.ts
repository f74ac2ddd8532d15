/**
 * The small datasets in the repository's data/ folder (see data/README.md
 * for their sources and licences), as rows of numbers, plus a seeded,
 * stratified train/validation split and feature standardization.
 */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { InvalidArgumentError } from '../errors.js';
import { Rng } from '../math/rng.js';

export type DatasetName = 'breast_cancer' | 'digits';

export interface Dataset {
  readonly name: string;
  /** One Float32Array of features per row. */
  readonly x: readonly Float32Array[];
  /** Class label per row, 0 … nClasses − 1. */
  readonly y: readonly number[];
  readonly nFeatures: number;
  readonly nClasses: number;
}

/** The repository's data/ folder (two levels above this file, from src/tfjs or dist/tfjs). */
export function dataDir(): string {
  return resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'data');
}

/**
 * Reads breast_cancer (569 × 30, 2 classes) or digits (1797 × 64, 10 classes).
 * @example const ds = loadDataset('breast_cancer');
 */
export function loadDataset(name: DatasetName, dir = dataDir()): Dataset {
  const read = (file: string): Buffer => {
    try {
      return readFileSync(join(dir, file));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      throw new InvalidArgumentError(
        `${join(dir, file)} does not exist; the datasets are in the repository's data/ folder (not in the npm package): pass its path as dir`,
        ['dir'],
      );
    }
  };
  if (name === 'breast_cancer') {
    const lines = read('breast_cancer.csv').toString('utf8').trim().split('\n');
    return parseRows('breast_cancer', lines.slice(1), 2);
  }
  if (name === 'digits') {
    const lines = gunzipSync(read('digits.csv.gz')).toString('utf8').trim().split('\n');
    return parseRows('digits', lines, 10);
  }
  throw new InvalidArgumentError(`unknown dataset ${JSON.stringify(name)}; use 'breast_cancer' or 'digits'`, ['name']);
}

function parseRows(name: string, lines: readonly string[], nClasses: number): Dataset {
  const x: Float32Array[] = [];
  const y: number[] = [];
  for (const line of lines) {
    const cells = line.split(',').map(Number);
    const label = cells.pop() as number;
    if (!Number.isInteger(label) || label < 0 || label >= nClasses || cells.some((c) => !Number.isFinite(c))) {
      throw new InvalidArgumentError(`dataset ${name}: malformed row ${JSON.stringify(line.slice(0, 60))}`);
    }
    x.push(Float32Array.from(cells));
    y.push(label);
  }
  return { name, x, y, nFeatures: (x[0] as Float32Array).length, nClasses };
}

export interface Split {
  readonly train: Dataset;
  readonly validation: Dataset;
}

/** A stratified split (each class split in the same proportion), shuffled by `seed`. */
export function trainValidationSplit(ds: Dataset, options: { validationFraction: number; seed: number }): Split {
  const f = options.validationFraction;
  if (!(f > 0 && f < 1)) throw new InvalidArgumentError(`validationFraction must be in (0, 1), got ${f}`, ['validationFraction']);
  const rng = new Rng(options.seed);
  const trainIdx: number[] = [];
  const valIdx: number[] = [];
  for (let c = 0; c < ds.nClasses; c++) {
    const rows = rng.shuffled(ds.y.flatMap((label, i) => (label === c ? [i] : [])));
    const nVal = Math.round(rows.length * f);
    valIdx.push(...rows.slice(0, nVal));
    trainIdx.push(...rows.slice(nVal));
  }
  const pick = (idx: number[], suffix: string): Dataset => {
    const order = rng.shuffled(idx);
    return { ...ds, name: `${ds.name}:${suffix}`, x: order.map((i) => ds.x[i] as Float32Array), y: order.map((i) => ds.y[i] as number) };
  };
  return { train: pick(trainIdx, 'train'), validation: pick(valIdx, 'validation') };
}

/** Scales every feature to zero mean and unit variance, with the training rows' statistics. */
export function standardize(split: Split): Split {
  const d = split.train.nFeatures;
  const mean = new Float64Array(d);
  const sd = new Float64Array(d);
  for (const row of split.train.x) for (let j = 0; j < d; j++) mean[j] = (mean[j] as number) + (row[j] as number);
  for (let j = 0; j < d; j++) mean[j] = (mean[j] as number) / split.train.x.length;
  for (const row of split.train.x) for (let j = 0; j < d; j++) sd[j] = (sd[j] as number) + ((row[j] as number) - (mean[j] as number)) ** 2;
  for (let j = 0; j < d; j++) sd[j] = Math.sqrt((sd[j] as number) / split.train.x.length) || 1;
  const scale = (ds: Dataset): Dataset => ({
    ...ds,
    x: ds.x.map((row) => Float32Array.from(row, (v, j) => (v - (mean[j] as number)) / (sd[j] as number))),
  });
  return { train: scale(split.train), validation: scale(split.validation) };
}
