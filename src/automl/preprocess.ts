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
import { FitTimeoutError } from './models/model.js';

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
  const lookups = categoryLookups(states);
  return picked.map((i) => states.map((f, k) => encodeCell(f, cell(frame, cols[k] as number, i), lookups[k] ?? null)));
}

/** Per feature, category → its index in `categories` (null for a numeric feature). */
function categoryLookups(states: readonly (NumericFeatureState | CategoricalFeatureState)[]): (Map<string, number> | null)[] {
  return states.map((f) => (f.kind === 'categorical' ? new Map(f.categories.map((c, k) => [c, k])) : null));
}

/** A cell encoded as the donors are: the number, or the category's index; null when missing, not a number, or a category not kept. */
function encodeCell(f: NumericFeatureState | CategoricalFeatureState, v: number | string | null, lookup: Map<string, number> | null): number | null {
  if (v === null) return null;
  if (f.kind === 'numeric') {
    const num = typeof v === 'number' ? v : Number(v);
    return Number.isFinite(num) ? num : null;
  }
  return (lookup as Map<string, number>).get(String(v)) ?? null;
}

/**
 * The `knn` imputation of frame rows (see the module comment): for row i,
 * its values encoded as the donors are with the missing ones (null cells)
 * filled from its nearest donors, or undefined when nothing is missing. A
 * feature no neighbour can give stays null (the caller fills it with the mean
 * or most frequent value). The returned row is reused by the next call. Cost
 * per row with a missing value: one distance per donor, then one pass over
 * the donors per missing value (the K_IMPUTE smallest distances, no sort).
 */
function knnImputer(
  state: PreprocessorState,
  frame: Frame,
  index: readonly number[],
  lookups: readonly (Map<string, number> | null)[],
): (i: number) => (number | null)[] | undefined {
  const donors = state.donors ?? [];
  const f = state.features;
  // Coordinates per feature as one-hot encoding counts them; squared distance per feature in the standardized space.
  const width = f.map((x) => (x.kind === 'numeric' ? 1 : Math.max(1, x.categories.length)));
  const total = width.reduce((a, b) => a + b, 0);
  const row = new Array<number | null>(f.length).fill(null);
  const missing = new Array<boolean>(f.length).fill(false);
  const dist = new Float64Array(donors.length);
  const smallest = new Float64Array(K_IMPUTE);
  const near: number[] = [];
  return (i) => {
    let any = false;
    for (let k = 0; k < f.length; k++) {
      const v = cell(frame, index[k] as number, i);
      missing[k] = v === null;
      any ||= v === null;
      row[k] = encodeCell(f[k] as NumericFeatureState | CategoricalFeatureState, v, lookups[k] ?? null);
    }
    if (!any) return undefined;
    for (let d = 0; d < donors.length; d++) {
      const donor = donors[d] as readonly (number | null)[];
      let ss = 0;
      let present = 0;
      for (let k = 0; k < f.length; k++) {
        const a = row[k];
        const b = donor[k];
        if (a === null || a === undefined || b === null || b === undefined) continue;
        const feat = f[k] as NumericFeatureState | CategoricalFeatureState;
        if (feat.kind === 'numeric') ss += ((a - b) / feat.std) ** 2;
        else if (a !== b) ss += 2;
        present += width[k] as number;
      }
      dist[d] = present === 0 ? Number.POSITIVE_INFINITY : Math.sqrt((ss * total) / present);
    }
    for (let k = 0; k < f.length; k++) {
      if (!missing[k]) continue;
      // The K_IMPUTE smallest distances of the donors that have feature k, ascending (insertion into a short sorted buffer).
      let m = 0;
      for (let d = 0; d < donors.length; d++) {
        const x = dist[d] as number;
        if (!Number.isFinite(x) || (donors[d] as readonly (number | null)[])[k] === null) continue;
        if (m === K_IMPUTE && x >= (smallest[m - 1] as number)) continue;
        if (m < K_IMPUTE) m++;
        let at = m - 1;
        while (at > 0 && (smallest[at - 1] as number) > x) {
          smallest[at] = smallest[at - 1] as number;
          at--;
        }
        smallest[at] = x;
      }
      if (m === 0) continue;
      // Every donor within the k-th smallest distance, nearest first (ties in donor order).
      const kth = smallest[m - 1] as number;
      near.length = 0;
      for (let d = 0; d < donors.length; d++) if ((dist[d] as number) <= kth && (donors[d] as readonly (number | null)[])[k] !== null) near.push(d);
      near.sort((a, b) => (dist[a] as number) - (dist[b] as number) || a - b);
      const feat = f[k] as NumericFeatureState | CategoricalFeatureState;
      if (feat.kind === 'numeric') {
        let sum = 0;
        for (const d of near) sum += (donors[d] as readonly (number | null)[])[k] as number;
        row[k] = sum / near.length;
      } else {
        const counts = new Map<number, number>();
        for (const d of near) {
          const v = (donors[d] as readonly (number | null)[])[k] as number;
          counts.set(v, (counts.get(v) ?? 0) + 1);
        }
        let pick = -1;
        let most = 0;
        for (const [v, c] of counts) if (c > most || (c === most && v < pick)) [pick, most] = [v, c];
        row[k] = pick;
      }
    }
    return row;
  };
}

/** Number of model inputs the state produces. */
export function outputWidth(state: PreprocessorState): number {
  return state.features.reduce((w, f) => w + (f.kind === 'numeric' ? 1 : f.categories.length), 0);
}

/** Rows the `knn` imputation fills between two looks at the deadline. */
const KNN_DEADLINE_ROWS = 64;

/**
 * Applies a fitted state to `rows` of `frame` (all rows by default); columns are found by name. With a `deadline`
 * (Date.now() ms), the `knn` imputation, the one costly step (each row against up to MAX_IMPUTE_DONORS donors), gives
 * up with a FitTimeoutError once it has passed.
 */
export function transform(state: PreprocessorState, frame: Frame, rows?: ArrayLike<number>, deadline?: number): number[][] {
  const index = state.features.map((f) => {
    const j = frame.names.indexOf(f.name);
    if (j < 0) throw new InvalidArgumentError(`the data has no column ${JSON.stringify(f.name)}, which the model was trained with; give every feature column`);
    return j;
  });
  const lookups = categoryLookups(state.features);
  const width = outputWidth(state);
  const knn = state.impute === 'knn' && (state.donors?.length ?? 0) > 0 ? knnImputer(state, frame, index, lookups) : undefined;
  const nOut = rows === undefined ? frame.nRows : rows.length;
  const out: number[][] = new Array(nOut);
  for (let r = 0; r < nOut; r++) {
    const i = rows === undefined ? r : (rows[r] as number);
    if (knn !== undefined && deadline !== undefined && r % KNN_DEADLINE_ROWS === 0 && Date.now() > deadline) {
      throw new FitTimeoutError('knn imputation', `after ${r} of ${nOut} rows`, deadline);
    }
    const x = new Array<number>(width).fill(0);
    const filled = knn?.(i);
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
