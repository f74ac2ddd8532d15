/**
 * The "one model on different datasets" transfer family, precomputed: an
 * RBF support vector machine (src/automl's svm family, libsvm) with two
 * hyperparameters, log10 C ∈ [−2, 3] and log10 γ-scale ∈ [−3, 2] (γ =
 * γ-scale / d on standardized features), on a 21 × 21 grid (step 0.25 in
 * log10), scored by 5-fold cross-validation (features standardized with each
 * training fold's statistics) on five datasets from data/:
 *   iris, wine, breast_cancer — C-SVC, CV misclassification rate;
 *   digits360 — a stratified 360-row subsample of digits (36 per class;
 *     all 1,797 rows cost 20-40 s per fit on the shared machine), C-SVC;
 *   diabetes — ε-SVR (ε = 0.1 on the standardized target), CV 1 − R².
 * The benchmark (transfer-datasets.ts) looks the objective up on this grid
 * (the studies suggest grid points: floats with step 0.25), so its 10-seed
 * runs cost no model fits.
 *
 *   npx tsx bench/transfer-datasets-grid.ts [--datasets iris,wine] [--out data/transfer-svm-grid.json]
 *
 * Datasets already in the output file are kept (run several in parallel with
 * different --out files and merge, or run them in turn).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadAutomlDataset } from '../src/automl/datasets.js';
import { svmFamily } from '../src/automl/models/svm.js';
import { KFold } from '../src/cv/k-fold.js';
import { StratifiedKFold } from '../src/cv/stratified-k-fold.js';
import { Rng } from '../src/math/rng.js';

export const SVM_DATASETS = ['iris', 'wine', 'breast_cancer', 'digits360', 'diabetes'] as const;
export type SvmDataset = (typeof SVM_DATASETS)[number];
/** log10 C and log10 γ-scale: low, high, step. */
export const LOG_C = [-2, 3, 0.25] as const;
export const LOG_GAMMA = [-3, 2, 0.25] as const;
export const GRID_FILE = resolve(dirname(fileURLToPath(import.meta.url)), 'data', 'transfer-svm-grid.json');

export interface SvmGrid {
  readonly logC: readonly number[];
  readonly logGamma: readonly number[];
  /** Per dataset, errors[i][j] at (logC[i], logGamma[j]). */
  readonly errors: Readonly<Record<string, readonly (readonly number[])[]>>;
  readonly seconds: Readonly<Record<string, number>>;
}

export function axis([lo, hi, step]: readonly [number, number, number]): number[] {
  return Array.from({ length: Math.round((hi - lo) / step) + 1 }, (_, i) => lo + i * step);
}

interface Data {
  readonly x: number[][];
  readonly y: number[];
  readonly task: 'classification' | 'regression';
  readonly nClasses: number;
}

function load(name: SvmDataset): Data {
  const frame = loadAutomlDataset(name === 'digits360' ? 'digits' : name);
  const t = frame.names.indexOf('target');
  const cols = frame.names.map((_, j) => j).filter((j) => j !== t);
  let rows = Array.from({ length: frame.nRows }, (_, r) => r);
  const target = frame.columns[t] as Float64Array;
  if (name === 'digits360') {
    const rng = new Rng(360);
    rows = [];
    for (let c = 0; c < 10; c++) rows.push(...rng.shuffled(Array.from({ length: frame.nRows }, (_, r) => r).filter((r) => target[r] === c)).slice(0, 36));
    rows.sort((a, b) => a - b);
  }
  const x = rows.map((r) => cols.map((j) => (frame.columns[j] as Float64Array)[r] as number));
  if (name === 'diabetes') return { x, y: rows.map((r) => target[r] as number), task: 'regression', nClasses: 0 };
  const classes = [...new Set(rows.map((r) => target[r] as number))].sort((a, b) => a - b);
  return { x, y: rows.map((r) => classes.indexOf(target[r] as number)), task: 'classification', nClasses: classes.length };
}

/** Standardizes `rows` of x with the statistics of `fit` rows. */
function scaled(x: readonly number[][], fit: readonly number[], rows: readonly number[]): number[][] {
  const d = (x[0] as number[]).length;
  const mean = new Float64Array(d);
  const sd = new Float64Array(d);
  for (const r of fit) for (let j = 0; j < d; j++) mean[j] = (mean[j] as number) + ((x[r] as number[])[j] as number) / fit.length;
  for (const r of fit) for (let j = 0; j < d; j++) sd[j] = (sd[j] as number) + (((x[r] as number[])[j] as number) - (mean[j] as number)) ** 2 / fit.length;
  for (let j = 0; j < d; j++) sd[j] = Math.sqrt(sd[j] as number) || 1;
  return rows.map((r) => (x[r] as number[]).map((v, j) => (v - (mean[j] as number)) / (sd[j] as number)));
}

/** 5-fold CV error of the RBF SVM at (log10 C, log10 γ-scale). */
async function cvError(data: Data, logC: number, logGamma: number): Promise<number> {
  const folds =
    data.task === 'classification'
      ? new StratifiedKFold({ nSplits: 5, shuffle: true, seed: 0 }).split({ labels: data.y })
      : new KFold({ nSplits: 5, shuffle: true, seed: 0 }).split(data.y.length);
  const params = { kernel: 'rbf', cost: 10 ** logC, gammaScale: 10 ** logGamma, epsilon: 0.1 };
  let wrong = 0;
  let sse = 0;
  for (const f of folds) {
    const model = await svmFamily.fit(
      scaled(data.x, f.trainIndex, f.trainIndex),
      f.trainIndex.map((i) => data.y[i] as number),
      params,
      { task: data.task, nClasses: data.nClasses, seed: 0 },
    );
    const pred = await model.predict(scaled(data.x, f.trainIndex, f.testIndex));
    model.dispose?.();
    f.testIndex.forEach((i, k) => {
      const y = data.y[i] as number;
      if (data.task === 'classification') wrong += pred[k] === y ? 0 : 1;
      else sse += ((pred[k] as number) - y) ** 2;
    });
  }
  const n = data.y.length;
  if (data.task === 'classification') return wrong / n;
  const mean = data.y.reduce((a, b) => a + b, 0) / n;
  const sst = data.y.reduce((a, b) => a + (b - mean) ** 2, 0);
  return sse / sst;
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values: args } = parseArgs({ options: { datasets: { type: 'string', default: SVM_DATASETS.join(',') }, out: { type: 'string' } } });
  const out = args.out ? resolve(args.out) : GRID_FILE;
  const grid: SvmGrid = existsSync(out)
    ? (JSON.parse(readFileSync(out, 'utf8')) as SvmGrid)
    : { logC: axis(LOG_C), logGamma: axis(LOG_GAMMA), errors: {}, seconds: {} };
  for (const name of args.datasets.split(',') as SvmDataset[]) {
    if (!SVM_DATASETS.includes(name)) throw new Error(`unknown dataset ${name}; one of ${SVM_DATASETS.join(', ')}`);
    const data = load(name);
    const t0 = performance.now();
    const errors: number[][] = [];
    for (const c of grid.logC) {
      const row: number[] = [];
      for (const g of grid.logGamma) row.push(await cvError(data, c, g));
      errors.push(row);
      console.log(name, `log10 C = ${c}`, row.map((e) => e.toFixed(3)).join(' '));
    }
    const seconds = (performance.now() - t0) / 1000;
    Object.assign(grid.errors, { [name]: errors });
    Object.assign(grid.seconds, { [name]: seconds });
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, `${JSON.stringify(grid)}\n`);
    console.log(`${name}: ${grid.logC.length * grid.logGamma.length} points in ${seconds.toFixed(0)} s`);
  }
}
