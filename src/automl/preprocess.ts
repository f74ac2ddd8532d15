/**
 * The preprocessing half of a pipeline: imputation (mean or median for
 * numeric columns, the most frequent value for categorical ones; or from the
 * nearest training rows, `knn`), one-hot encoding of categorical columns
 * (categories unseen in training encode as all zeros), and optional
 * standard scaling of numeric columns. Fitted on the rows it is given — a
 * training fold — and nothing else; the state is plain JSON so a saved model
 * carries it.
 *
 * `knn` is scikit-learn's KNNImputer (Troyanskaya et al. 2001): a missing
 * value is the mean (numeric) or the most frequent value (categorical) of
 * that feature over the K_IMPUTE nearest training rows that have it, by the
 * nan-Euclidean distance over the features both rows have (standardized
 * numbers, one-hot categories), scaled up by all/present coordinates. One
 * difference: rows tied with the k-th nearest all count, where
 * scikit-learn takes the first in row order. A row whose only known
 * feature is a category (penguins: an island, every measurement missing)
 * is then imputed from every row of that category, not from the first five
 * in the file. A row sharing no known feature with any training row gets
 * the mean or most frequent value.
 */
import { InvalidArgumentError } from '../errors.js';
import { cell, type Frame } from './csv.js';

export type ImputeStrategy = 'mean' | 'median' | 'knn';

/** Neighbours a `knn` imputation averages (scikit-learn's n_neighbors default). */
export const K_IMPUTE = 5;
/** Training rows a `knn` state keeps as donors, at most (evenly spaced over the rows): a saved model stays small. */
export const MAX_IMPUTE_DONORS = 2000;

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
  /**
   * `knn` only: training rows, one value per feature (the number, or the
   * category's index in `categories`; null when missing or not kept).
   */
  readonly donors?: readonly (readonly (number | null)[])[];
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
  if (options.impute !== 'knn') return { impute: options.impute, scale: options.scale, features: states };
  return { impute: 'knn', scale: options.scale, features: states, donors: donorRows(frame, states, rows) };
}

/** Up to MAX_IMPUTE_DONORS training rows, encoded for the distance (see PreprocessorState.donors). */
function donorRows(frame: Frame, states: readonly (NumericFeatureState | CategoricalFeatureState)[], rows: ArrayLike<number>): (number | null)[][] {
  const step = Math.max(1, rows.length / MAX_IMPUTE_DONORS);
  const picked: number[] = [];
  for (let t = 0; Math.floor(t) < rows.length && picked.length < MAX_IMPUTE_DONORS; t += step) picked.push(rows[Math.floor(t)] as number);
  const cols = states.map((f) => frame.names.indexOf(f.name));
  const lookups = states.map((f) => (f.kind === 'categorical' ? new Map(f.categories.map((c, k) => [c, k])) : null));
  return picked.map((i) =>
    states.map((f, k) => {
      const v = cell(frame, cols[k] as number, i);
      if (v === null) return null;
      if (f.kind === 'numeric') {
        const num = typeof v === 'number' ? v : Number(v);
        return Number.isFinite(num) ? num : null;
      }
      return (lookups[k] as Map<string, number>).get(String(v)) ?? null;
    }),
  );
}

/**
 * Fills the missing values (null) of one row, encoded as the donors are,
 * from its nearest donors (see the module comment); a feature no neighbour
 * can give keeps null (the caller fills it with the mean or most frequent
 * value).
 */
function knnFill(state: PreprocessorState, row: (number | null)[]): void {
  const donors = state.donors ?? [];
  const f = state.features;
  // Coordinates per feature as one-hot encoding counts them; squared distance per feature in the standardized space.
  const width = f.map((x) => (x.kind === 'numeric' ? 1 : Math.max(1, x.categories.length)));
  const total = width.reduce((a, b) => a + b, 0);
  const dist = donors.map((d) => {
    let ss = 0;
    let present = 0;
    for (let k = 0; k < f.length; k++) {
      const a = row[k];
      const b = d[k];
      if (a === null || a === undefined || b === null || b === undefined) continue;
      const feat = f[k] as NumericFeatureState | CategoricalFeatureState;
      if (feat.kind === 'numeric') ss += ((a - b) / feat.std) ** 2;
      else if (a !== b) ss += 2;
      present += width[k] as number;
    }
    return present === 0 ? Number.POSITIVE_INFINITY : Math.sqrt((ss * total) / present);
  });
  for (let k = 0; k < f.length; k++) {
    if (row[k] !== null) continue;
    const have = donors.map((_, i) => i).filter((i) => donors[i]?.[k] !== null && Number.isFinite(dist[i] as number));
    if (have.length === 0) continue;
    have.sort((a, b) => (dist[a] as number) - (dist[b] as number));
    const kth = dist[have[Math.min(K_IMPUTE, have.length) - 1] as number] as number;
    const near = have.filter((i) => (dist[i] as number) <= kth);
    const values = near.map((i) => (donors[i] as (number | null)[])[k] as number);
    const feat = f[k] as NumericFeatureState | CategoricalFeatureState;
    if (feat.kind === 'numeric') row[k] = values.reduce((a, b) => a + b, 0) / values.length;
    else {
      const counts = new Map<number, number>();
      for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
      row[k] = [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0] - b[0])[0]?.[0] ?? null;
    }
  }
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
  const knn = state.impute === 'knn' && (state.donors?.length ?? 0) > 0;
  const nOut = rows === undefined ? frame.nRows : rows.length;
  const out: number[][] = new Array(nOut);
  for (let r = 0; r < nOut; r++) {
    const i = rows === undefined ? r : (rows[r] as number);
    const x = new Array<number>(width).fill(0);
    const filled = knn ? knnRow(state, frame, index, lookups, i) : undefined;
    let o = 0;
    state.features.forEach((f, k) => {
      const v = cell(frame, index[k] as number, i);
      const near = v === null ? filled?.[k] : undefined;
      if (f.kind === 'numeric') {
        let num = v === null ? (near ?? f.fill) : typeof v === 'number' ? v : Number(v);
        if (!Number.isFinite(num)) {
          throw new InvalidArgumentError(
            `column ${JSON.stringify(f.name)} row ${i + 1}: ${JSON.stringify(v)} is not a number (the model was trained on numbers here)`,
          );
        }
        if (state.scale) num = (num - f.mean) / f.std;
        x[o++] = num;
      } else {
        const c = v === null ? (near === undefined || near === null ? f.fill : (f.categories[near] ?? f.fill)) : String(v);
        const at = (lookups[k] as Map<string, number>).get(c);
        if (at !== undefined) x[o + at] = 1;
        o += f.categories.length;
      }
    });
    out[r] = x;
  }
  return out;
}

/** Row i encoded as the donors are, its missing values filled from its nearest donors; undefined when nothing is missing. */
function knnRow(
  state: PreprocessorState,
  frame: Frame,
  index: readonly number[],
  lookups: readonly (Map<string, number> | null)[],
  i: number,
): (number | null)[] | undefined {
  let missing = false;
  const row = state.features.map((f, k) => {
    const v = cell(frame, index[k] as number, i);
    if (v === null) {
      missing = true;
      return null;
    }
    if (f.kind === 'numeric') {
      const num = typeof v === 'number' ? v : Number(v);
      return Number.isFinite(num) ? num : null;
    }
    return (lookups[k] as Map<string, number>).get(String(v)) ?? null;
  });
  if (!missing) return undefined;
  knnFill(state, row);
  return row;
}
