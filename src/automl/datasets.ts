/**
 * The benchmark and test datasets as Frames: the scikit-learn copies in the
 * repository's data/ folder (iris, wine, breast cancer, digits, diabetes)
 * and penguins and cars from the vega-datasets package (categorical columns
 * and missing values). The target column is named `target`.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { InvalidArgumentError } from '../errors.js';
import { dataDir } from '../tfjs/datasets.js';
import { type Frame, frameFromRecords } from './csv.js';

export const AUTOML_DATASETS = ['iris', 'wine', 'breast_cancer', 'digits', 'diabetes', 'penguins', 'cars'] as const;
export type AutomlDatasetName = (typeof AUTOML_DATASETS)[number];

function read(dir: string, file: string): string {
  try {
    const buf = readFileSync(join(dir, file));
    return file.endsWith('.gz') ? gunzipSync(buf).toString('utf8') : buf.toString('utf8');
  } catch (e) {
    throw new InvalidArgumentError(`cannot read ${join(dir, file)} (the datasets live in the repository's data/ folder): ${(e as Error).message}`);
  }
}

function numericRows(text: string, split: RegExp): number[][] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.length > 0)
    .map((l) => l.split(split).map(Number));
}

/** scikit-learn's layout: an optional "n,d,class names…" line, then rows with the label last. */
function sklearnCsv(text: string, header: boolean): Record<string, unknown>[] {
  const rows = numericRows(text, /,/);
  return (header ? rows.slice(1) : rows).map((r) => {
    const rec: Record<string, unknown> = {};
    r.slice(0, -1).forEach((v, j) => {
      rec[`x${j}`] = v;
    });
    rec.target = r[r.length - 1];
    return rec;
  });
}

export function loadAutomlDataset(name: AutomlDatasetName, dir = dataDir()): Frame {
  switch (name) {
    case 'iris':
      return frameFromRecords(sklearnCsv(read(dir, 'iris.csv'), true));
    case 'wine':
      return frameFromRecords(sklearnCsv(read(dir, 'wine_data.csv'), true));
    case 'breast_cancer':
      return frameFromRecords(sklearnCsv(read(dir, 'breast_cancer.csv'), true));
    case 'digits':
      return frameFromRecords(sklearnCsv(read(dir, 'digits.csv.gz'), false));
    case 'diabetes': {
      const x = numericRows(read(dir, 'diabetes_data_raw.csv.gz'), /\s+/);
      const y = numericRows(read(dir, 'diabetes_target.csv.gz'), /\s+/);
      const names = ['age', 'sex', 'bmi', 'bp', 's1', 's2', 's3', 's4', 's5', 's6'];
      return frameFromRecords(x.map((r, i) => ({ ...Object.fromEntries(names.map((n, j) => [n, r[j]])), target: (y[i] as number[])[0] })));
    }
    case 'penguins': {
      const rows = vegaRows('penguins.json');
      return frameFromRecords(
        rows.map(({ Species, ...rest }) => {
          const rec: Record<string, unknown> = { ...rest, target: Species };
          // vega-datasets marks an unknown sex with ".".
          if (rec.Sex === '.') rec.Sex = null;
          return rec;
        }),
      );
    }
    case 'cars': {
      // Auto MPG (UCI): miles per gallon from the engine, weight, model year and origin; the 8 cars without a
      // value are left out, and the model name (an identifier) is not a feature. Horsepower has missing values.
      return frameFromRecords(
        vegaRows('cars.json')
          .filter((r) => typeof r.Miles_per_Gallon === 'number')
          .map(({ Name: _name, Miles_per_Gallon, Year, ...rest }) => ({ ...rest, Year: Number(String(Year).slice(0, 4)), target: Miles_per_Gallon })),
      );
    }
  }
}

/** A JSON dataset of the vega-datasets package, as records. */
function vegaRows(file: string): Record<string, unknown>[] {
  const require = createRequire(import.meta.url);
  // The package exports only its entry (build/index.js); the data folder sits beside build/.
  const path = join(dirname(require.resolve('vega-datasets')), '..', 'data', file);
  return JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>[];
}
