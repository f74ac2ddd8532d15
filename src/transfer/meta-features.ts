/**
 * Dataset meta-features for choosing which earlier studies to learn from
 * (Feurer, Springenberg & Hutter 2015, "Initializing Bayesian Hyperparameter
 * Optimization via Meta-Learning"; auto-sklearn's set, shortened): simple
 * counts, class statistics, and landmarkers — the accuracy of cheap learners
 * (Pfahringer, Bensusan & Giraud-Carrier 2000). Earlier studies are ranked by
 * the L1 distance between meta-features scaled to [0, 1] by fixed reference
 * ranges (META_FEATURE_RANGES). auto-sklearn min-max-scales over its metadata
 * base of 140 datasets; over the few studies one storage holds, min-max puts
 * every meta-feature of two studies at 0 and 1 (distance 12, the maximum,
 * whatever the datasets), so fixed ranges keep a distance's meaning.
 */
import { InvalidArgumentError } from '../errors.js';
import { Rng } from '../math/rng.js';

export type Cell = number | string | boolean | null | undefined;

export interface TabularDataset {
  /** Rows of feature values; strings and booleans are categorical, null/undefined/NaN missing. */
  readonly X: readonly (readonly Cell[])[];
  /** Targets: strings (or few distinct numbers) for classification, numbers for regression. */
  readonly y: readonly (number | string | boolean)[];
  /** Default: 'classification' when y holds a string, a boolean, or at most 20 distinct integers. */
  readonly task?: 'classification' | 'regression';
}

export interface MetaFeatures {
  readonly task: 'classification' | 'regression';
  readonly logRows: number;
  readonly logFeatures: number;
  /** log(features / rows). */
  readonly logDimensionality: number;
  readonly categoricalShare: number;
  readonly missingShare: number;
  /** Classification: number of classes (regression: 0). */
  readonly nClasses: number;
  /** Shannon entropy of the classes over log(nClasses), in [0, 1] (regression: 0). */
  readonly classEntropy: number;
  readonly minorityClassShare: number;
  /** Mean absolute skewness of the numeric features. */
  readonly meanAbsSkewness: number;
  /** Landmarker: accuracy of the majority class (regression: R² of the mean, 0). */
  readonly landmarkMajority: number;
  /** Landmarker: leave-one-out 1-nearest-neighbour accuracy (regression: R²), ≤ 300 rows. */
  readonly landmark1nn: number;
  /** Landmarker: best decision stump's training accuracy (regression: R²). */
  readonly landmarkStump: number;
}

/** Names of the numeric meta-features used for distances. */
export const META_FEATURE_KEYS = [
  'logRows',
  'logFeatures',
  'logDimensionality',
  'categoricalShare',
  'missingShare',
  'nClasses',
  'classEntropy',
  'minorityClassShare',
  'meanAbsSkewness',
  'landmarkMajority',
  'landmark1nn',
  'landmarkStump',
] as const;

/**
 * The span each meta-feature is scaled by, [lo, hi] → [0, 1] (values outside
 * are clamped): the spans of typical tabular benchmarks (OpenML-CC18: 500 to
 * 100,000 rows, 4 to 3,000 features, 2 to 46 classes), widened to 100 rows.
 * Counts are on a log scale, as computed; shares, entropies and landmarker
 * accuracies span [0, 1]; the minority share at most 0.5; mean absolute
 * skewness up to 5 (a log-normal feature is about 6).
 */
export const META_FEATURE_RANGES: Readonly<Record<(typeof META_FEATURE_KEYS)[number], readonly [number, number]>> = {
  logRows: [Math.log(100), Math.log(100_000)],
  logFeatures: [0, Math.log(3000)],
  logDimensionality: [Math.log(1e-4), 0],
  categoricalShare: [0, 1],
  missingShare: [0, 1],
  nClasses: [0, 46],
  classEntropy: [0, 1],
  minorityClassShare: [0, 0.5],
  meanAbsSkewness: [0, 5],
  landmarkMajority: [0, 1],
  landmark1nn: [0, 1],
  landmarkStump: [0, 1],
};

/** A meta-feature on META_FEATURE_RANGES' [0, 1] scale. */
export function scaledMetaFeature(m: MetaFeatures, key: (typeof META_FEATURE_KEYS)[number]): number {
  const [lo, hi] = META_FEATURE_RANGES[key];
  return Math.min(1, Math.max(0, (m[key] - lo) / (hi - lo)));
}

function missing(v: Cell): boolean {
  return v === null || v === undefined || (typeof v === 'number' && Number.isNaN(v)) || v === '';
}

/**
 * Meta-features of a tabular dataset (deterministic: the 1-NN landmarker
 * subsamples with a fixed seed).
 * @example computeMetaFeatures({ X: [[5.1, 3.5], [6.2, 2.9]], y: ['a', 'b'] })
 */
export function computeMetaFeatures(ds: TabularDataset): MetaFeatures {
  if (ds === null || typeof ds !== 'object' || !Array.isArray(ds.X) || !Array.isArray(ds.y)) {
    throw new InvalidArgumentError('computeMetaFeatures() takes { X: rows of features, y: targets }');
  }
  const n = ds.X.length;
  if (n === 0 || ds.y.length !== n) throw new InvalidArgumentError(`X has ${n} rows and y ${ds.y.length}; give at least one row and one target per row`);
  const p = (ds.X[0] as readonly Cell[]).length;
  const distinctY = new Set(ds.y.map(String));
  const task =
    ds.task ?? (ds.y.some((v) => typeof v !== 'number') || (distinctY.size <= 20 && ds.y.every((v) => Number.isInteger(v))) ? 'classification' : 'regression');

  // Columns: numeric (standardized, missing → mean) or categorical.
  let missingCells = 0;
  const categorical: boolean[] = [];
  const cols: Float64Array[] = [];
  const skews: number[] = [];
  for (let j = 0; j < p; j++) {
    const raw = ds.X.map((r) => r[j]);
    const isCat = raw.some((v) => !missing(v) && typeof v !== 'number');
    categorical.push(isCat);
    const col = new Float64Array(n);
    if (isCat) {
      const codes = new Map<string, number>();
      raw.forEach((v, i) => {
        if (missing(v)) {
          missingCells++;
          col[i] = -1;
          return;
        }
        const k = String(v);
        if (!codes.has(k)) codes.set(k, codes.size);
        col[i] = codes.get(k) as number;
      });
    } else {
      let sum = 0;
      let cnt = 0;
      for (const v of raw)
        if (!missing(v)) {
          sum += v as number;
          cnt++;
        }
      missingCells += n - cnt;
      const mean = cnt > 0 ? sum / cnt : 0;
      raw.forEach((v, i) => {
        col[i] = missing(v) ? mean : (v as number);
      });
      let m2 = 0;
      let m3 = 0;
      for (const v of col) {
        m2 += (v - mean) ** 2 / n;
        m3 += (v - mean) ** 3 / n;
      }
      const sd = Math.sqrt(m2);
      if (sd > 1e-12) {
        skews.push(Math.abs(m3 / sd ** 3));
        for (let i = 0; i < n; i++) col[i] = ((col[i] as number) - mean) / sd;
      } else col.fill(0);
    }
    cols.push(col);
  }

  const yCodes = new Map<string, number>();
  const yNum = new Float64Array(n);
  ds.y.forEach((v, i) => {
    if (task === 'classification') {
      const k = String(v);
      if (!yCodes.has(k)) yCodes.set(k, yCodes.size);
      yNum[i] = yCodes.get(k) as number;
    } else yNum[i] = Number(v);
  });

  let nClasses = 0;
  let classEntropy = 0;
  let minority = 0;
  let majority = 0;
  if (task === 'classification') {
    nClasses = yCodes.size;
    const counts = new Array<number>(nClasses).fill(0);
    for (const c of yNum) counts[c] = (counts[c] as number) + 1;
    for (const c of counts) if (c > 0) classEntropy -= (c / n) * Math.log(c / n);
    classEntropy = nClasses > 1 ? classEntropy / Math.log(nClasses) : 0;
    minority = Math.min(...counts) / n;
    majority = Math.max(...counts) / n;
  }

  return {
    task,
    logRows: Math.log(n),
    logFeatures: Math.log(Math.max(1, p)),
    logDimensionality: Math.log(Math.max(1, p) / n),
    categoricalShare: p > 0 ? categorical.filter(Boolean).length / p : 0,
    missingShare: p > 0 ? missingCells / (n * p) : 0,
    nClasses,
    classEntropy,
    minorityClassShare: minority,
    meanAbsSkewness: skews.length > 0 ? skews.reduce((a, b) => a + b, 0) / skews.length : 0,
    landmarkMajority: task === 'classification' ? majority : 0,
    landmark1nn: oneNearestNeighbour(cols, categorical, yNum, task),
    landmarkStump: stump(cols, yNum, task, nClasses),
  };
}

/** Leave-one-out 1-NN on at most 300 rows (a seeded subsample): accuracy, or R² for regression. */
function oneNearestNeighbour(cols: readonly Float64Array[], categorical: readonly boolean[], y: Float64Array, task: string): number {
  const n = y.length;
  if (n < 2) return 0;
  let rows = Array.from({ length: n }, (_, i) => i);
  if (n > 300) rows = new Rng(12345).shuffled(rows).slice(0, 300);
  let correct = 0;
  let sse = 0;
  let mean = 0;
  for (const i of rows) mean += (y[i] as number) / rows.length;
  let sst = 0;
  for (const i of rows) {
    let best = -1;
    let bestD = Number.POSITIVE_INFINITY;
    for (const k of rows) {
      if (k === i) continue;
      let d = 0;
      for (let j = 0; j < cols.length; j++) {
        const c = cols[j] as Float64Array;
        d += categorical[j] ? (c[i] === c[k] ? 0 : 1) : ((c[i] as number) - (c[k] as number)) ** 2;
      }
      if (d < bestD) {
        bestD = d;
        best = k;
      }
    }
    if (task === 'classification') correct += y[best] === y[i] ? 1 : 0;
    else {
      sse += ((y[best] as number) - (y[i] as number)) ** 2;
      sst += ((y[i] as number) - mean) ** 2;
    }
  }
  return task === 'classification' ? correct / rows.length : sst > 0 ? 1 - sse / sst : 0;
}

/** The best one-split tree on any feature (thresholds at 16 quantiles): training accuracy, or R². */
function stump(cols: readonly Float64Array[], y: Float64Array, task: string, nClasses: number): number {
  const n = y.length;
  let best = 0;
  let mean = 0;
  for (const v of y) mean += v / n;
  let sst = 0;
  for (const v of y) sst += (v - mean) ** 2;
  for (const col of cols) {
    const sorted = Float64Array.from(col).sort();
    const thresholds = new Set<number>();
    for (let q = 1; q < 16; q++) thresholds.add(sorted[Math.floor((q * n) / 16)] as number);
    for (const t of thresholds) {
      if (task === 'classification') {
        const left = new Array<number>(nClasses).fill(0);
        const right = new Array<number>(nClasses).fill(0);
        for (let i = 0; i < n; i++) {
          const side = (col[i] as number) <= t ? left : right;
          side[y[i] as number] = (side[y[i] as number] as number) + 1;
        }
        best = Math.max(best, (Math.max(...left) + Math.max(...right)) / n);
      } else {
        let sl = 0;
        let nl = 0;
        let sr = 0;
        let nr = 0;
        for (let i = 0; i < n; i++) {
          if ((col[i] as number) <= t) {
            sl += y[i] as number;
            nl++;
          } else {
            sr += y[i] as number;
            nr++;
          }
        }
        let sse = 0;
        for (let i = 0; i < n; i++) sse += ((y[i] as number) - ((col[i] as number) <= t ? sl / Math.max(1, nl) : sr / Math.max(1, nr))) ** 2;
        best = Math.max(best, sst > 0 ? 1 - sse / sst : 0);
      }
    }
  }
  return best;
}

export interface WarmStartCandidate {
  readonly studyName: string;
  readonly metaFeatures: MetaFeatures;
}

export interface RankedCandidate {
  readonly studyName: string;
  /** L1 distance of the meta-features on META_FEATURE_RANGES' scale (0 to 12). */
  readonly distance: number;
}

/**
 * Earlier studies ranked by how close their datasets' meta-features are to
 * this dataset's (closest first); studies of another task type are left out.
 * @example suggestWarmStart(dataset, [{ studyName: 'wine-rf', metaFeatures }], { k: 3 })
 */
export function suggestWarmStart(
  dataset: TabularDataset | MetaFeatures,
  candidates: readonly WarmStartCandidate[],
  options: { k?: number } = {},
): RankedCandidate[] {
  const target = 'logRows' in dataset ? (dataset as MetaFeatures) : computeMetaFeatures(dataset as TabularDataset);
  const k = options.k ?? candidates.length;
  if (!Number.isSafeInteger(k) || k < 0) throw new InvalidArgumentError(`k must be a non-negative integer, got ${k}`, ['k']);
  const same = candidates.filter((c) => c.metaFeatures.task === target.task);
  return same
    .map((c) => {
      let d = 0;
      for (const key of META_FEATURE_KEYS) d += Math.abs(scaledMetaFeature(c.metaFeatures, key) - scaledMetaFeature(target, key));
      return { studyName: c.studyName, distance: d };
    })
    .sort((a, b) => a.distance - b.distance || a.studyName.localeCompare(b.studyName))
    .slice(0, k);
}

/** Study system attribute holding the meta-features of the dataset a study tuned on. */
export const META_FEATURES_ATTR = 'dials:meta_features';

/**
 * The studies of a storage that recorded meta-features (system attribute
 * `dials:meta_features`, e.g. `study.setSystemAttr(META_FEATURES_ATTR, computeMetaFeatures(ds))`),
 * as candidates for suggestWarmStart.
 */
export async function metaFeatureCandidates(storage: {
  listStudies(): Promise<readonly { studyName: string }[]>;
  getStudy(name: string): Promise<{ systemAttrs: Readonly<Record<string, unknown>> } | null>;
}): Promise<WarmStartCandidate[]> {
  const out: WarmStartCandidate[] = [];
  for (const s of await storage.listStudies()) {
    const rec = await storage.getStudy(s.studyName);
    const mf = rec?.systemAttrs[META_FEATURES_ATTR];
    if (mf !== null && typeof mf === 'object' && typeof (mf as MetaFeatures).logRows === 'number')
      out.push({ studyName: s.studyName, metaFeatures: mf as MetaFeatures });
  }
  return out;
}
