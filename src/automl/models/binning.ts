/**
 * Feature binning shared by the histogram trees (gbdt.ts, forest.ts), as in
 * LightGBM (Ke et al., 2017): each feature is cut once into at most
 * `maxBins` quantile bins; a split "bin ≤ b" is stored as the raw threshold
 * x ≤ t_b, so prediction needs no bins.
 */

/** Quantile bin thresholds of one feature: at most maxBins − 1 cut points, midway between neighbouring values. */
export function binThresholds(values: Float64Array, maxBins: number): number[] {
  const sorted = Float64Array.from(values).sort();
  const uniq: number[] = [];
  for (const v of sorted) if (uniq.length === 0 || v !== uniq[uniq.length - 1]) uniq.push(v);
  if (uniq.length <= 1) return [];
  if (uniq.length <= maxBins) return uniq.slice(0, -1).map((v, k) => (v + (uniq[k + 1] as number)) / 2);
  const cuts: number[] = [];
  const n = sorted.length;
  for (let b = 1; b < maxBins; b++) {
    const pos = Math.floor((b * n) / maxBins);
    const lo = sorted[pos - 1] as number;
    const hi = sorted[pos] as number;
    if (lo === hi) continue;
    const t = (lo + hi) / 2;
    if (cuts.length === 0 || t > (cuts[cuts.length - 1] as number)) cuts.push(t);
  }
  return cuts;
}

/** The bin of v: the number of thresholds below it. */
export function binOf(thresholds: readonly number[], v: number): number {
  let lo = 0;
  let hi = thresholds.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (v <= (thresholds[mid] as number)) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

export interface BinnedFeatures {
  readonly n: number;
  readonly d: number;
  /** thresholds[f]: the cut points of feature f (its bins are 0 … length). */
  readonly thresholds: readonly number[][];
  /** Column-major bins: bins[f·n + i] is row i's bin of feature f. */
  readonly bins: Uint8Array;
}

/** Bins every feature of the rows x (at most 256 bins a feature). */
export function binFeatures(x: readonly (readonly number[])[], maxBins: number): BinnedFeatures {
  const n = x.length;
  const d = n > 0 ? (x[0] as readonly number[]).length : 0;
  const nb = Math.min(256, maxBins);
  const thresholds: number[][] = [];
  const bins = new Uint8Array(n * d);
  const col = new Float64Array(n);
  for (let f = 0; f < d; f++) {
    for (let i = 0; i < n; i++) col[i] = (x[i] as readonly number[])[f] as number;
    const t = binThresholds(col, nb);
    thresholds.push(t);
    for (let i = 0; i < n; i++) bins[f * n + i] = binOf(t, col[i] as number);
  }
  return { n, d, thresholds, bins };
}

/** The rows `idx` split by feature f at bin b: those with bin ≤ b (left) and the rest (right), in their order. */
export function splitRows(binned: BinnedFeatures, idx: Int32Array | readonly number[], f: number, b: number): { left: Int32Array; right: Int32Array } {
  const { bins, n } = binned;
  const off = f * n;
  let nl = 0;
  for (const i of idx) if ((bins[off + i] as number) <= b) nl++;
  const left = new Int32Array(nl);
  const right = new Int32Array(idx.length - nl);
  let a = 0;
  let c = 0;
  for (const i of idx) {
    if ((bins[off + i] as number) <= b) left[a++] = i;
    else right[c++] = i;
  }
  return { left, right };
}

/** The split nodes of a histogram tree (feature −1 at a leaf), as forest.ts and gbdt.ts store them. */
export interface SplitNodes {
  readonly feature: readonly number[];
  readonly threshold: readonly number[];
  readonly left: readonly number[];
  readonly right: readonly number[];
}

/** The leaf node x falls into: left when x[feature] ≤ threshold. */
export function leafNode(tree: SplitNodes, x: readonly number[]): number {
  let node = 0;
  while ((tree.feature[node] as number) >= 0) {
    node = (x[tree.feature[node] as number] as number) <= (tree.threshold[node] as number) ? (tree.left[node] as number) : (tree.right[node] as number);
  }
  return node;
}
