/**
 * The preprocessing half of a pipeline: imputation (mean or median for
 * numeric columns, the most frequent value for categorical ones), one-hot
 * encoding of categorical columns (categories unseen in training encode as
 * all zeros), and optional standard scaling of numeric columns. Fitted on
 * the rows it is given — a training fold — and nothing else; the state is
 * plain JSON so a saved model carries it.
 */
import { InvalidArgumentError } from '../errors.js';
import { cell, type Frame } from './csv.js';

export type ImputeStrategy = 'mean' | 'median';

export interface NumericFeatureState {
  readonly kind: 'numeric';
  readonly name: string;
  readonly fill: number;
  readonly mean: number;
  readonly std: number;
}

export interface CategoricalFeatureState {
  readonly kind: 'categorical';
  readonly name: string;
  readonly fill: string;
  readonly categories: readonly string[];
}

export interface PreprocessorState {
  readonly impute: ImputeStrategy;
  readonly scale: boolean;
  readonly features: readonly (NumericFeatureState | CategoricalFeatureState)[];
}

export interface PreprocessOptions {
  readonly impute: ImputeStrategy;
  readonly scale: boolean;
  /** Most frequent categories kept per column (default 50); the rest encode as all zeros. */
  readonly maxCategories?: number;
}

/** Learns imputation values, categories and scaling from `rows` of `frame` only. */
export function fitPreprocessor(frame: Frame, features: readonly string[], rows: ArrayLike<number>, options: PreprocessOptions): PreprocessorState {
  const maxCategories = options.maxCategories ?? 50;
  const states = features.map((name): NumericFeatureState | CategoricalFeatureState => {
    const j = frame.names.indexOf(name);
    if (j < 0) throw new InvalidArgumentError(`no column ${JSON.stringify(name)} in the data`);
    if (frame.kinds[j] === 'numeric') {
      const col = frame.columns[j] as Float64Array;
      const present: number[] = [];
      for (let r = 0; r < rows.length; r++) {
        const v = col[rows[r] as number] as number;
        if (!Number.isNaN(v)) present.push(v);
      }
      if (present.length === 0) return { kind: 'numeric', name, fill: 0, mean: 0, std: 1 };
      const mean = present.reduce((a, b) => a + b, 0) / present.length;
      let fill = mean;
      if (options.impute === 'median') {
        const s = present.slice().sort((a, b) => a - b);
        const m = s.length >> 1;
        fill = s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
      }
      // Scaling statistics after imputation, as a pipeline imputer → scaler computes them.
      const missing = rows.length - present.length;
      const n = rows.length;
      const mu = (mean * present.length + fill * missing) / n;
      let ss = missing * (fill - mu) ** 2;
      for (const v of present) ss += (v - mu) ** 2;
      const std = Math.sqrt(ss / n);
      return { kind: 'numeric', name, fill, mean: mu, std: std > 1e-12 ? std : 1 };
    }
    const col = frame.columns[j] as readonly (string | null)[];
    const counts = new Map<string, number>();
    for (let r = 0; r < rows.length; r++) {
      const v = col[rows[r] as number];
      if (v !== null && v !== undefined) counts.set(v, (counts.get(v) ?? 0) + 1);
    }
    const ranked = [...counts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
    const categories = ranked
      .slice(0, maxCategories)
      .map(([c]) => c)
      .sort();
    return { kind: 'categorical', name, fill: ranked[0]?.[0] ?? '', categories };
  });
  return { impute: options.impute, scale: options.scale, features: states };
}

/** Number of model inputs the state produces. */
export function outputWidth(state: PreprocessorState): number {
  return state.features.reduce((w, f) => w + (f.kind === 'numeric' ? 1 : f.categories.length), 0);
}

/** Applies a fitted state to `rows` of `frame` (all rows by default); columns are found by name. */
export function transform(state: PreprocessorState, frame: Frame, rows?: ArrayLike<number>): number[][] {
  const index = state.features.map((f) => {
    const j = frame.names.indexOf(f.name);
    if (j < 0) throw new InvalidArgumentError(`the data has no column ${JSON.stringify(f.name)}, which the model was trained with; give every feature column`);
    return j;
  });
  const lookups = state.features.map((f) => (f.kind === 'categorical' ? new Map(f.categories.map((c, k) => [c, k])) : null));
  const width = outputWidth(state);
  const nOut = rows === undefined ? frame.nRows : rows.length;
  const out: number[][] = new Array(nOut);
  for (let r = 0; r < nOut; r++) {
    const i = rows === undefined ? r : (rows[r] as number);
    const x = new Array<number>(width).fill(0);
    let o = 0;
    state.features.forEach((f, k) => {
      const v = cell(frame, index[k] as number, i);
      if (f.kind === 'numeric') {
        let num = v === null ? f.fill : typeof v === 'number' ? v : Number(v);
        if (!Number.isFinite(num)) {
          throw new InvalidArgumentError(
            `column ${JSON.stringify(f.name)} row ${i + 1}: ${JSON.stringify(v)} is not a number (the model was trained on numbers here)`,
          );
        }
        if (state.scale) num = (num - f.mean) / f.std;
        x[o++] = num;
      } else {
        const c = v === null ? f.fill : String(v);
        const at = (lookups[k] as Map<string, number>).get(c);
        if (at !== undefined) x[o + at] = 1;
        o += f.categories.length;
      }
    });
    out[r] = x;
  }
  return out;
}
