/**
 * A regression random forest of CART trees (Breiman 2001), the surrogate
 * fANOVA and mean-decrease-impurity read.
 *
 * Notation: n rows, D features, x feature-major (x[d * n + i]), y targets.
 * Each tree: a bootstrap sample (each row drawn n times with replacement,
 * kept as a weight = its count), then greedy splits that minimise the
 * weighted squared error of the two children. A numeric split sends
 * x <= threshold left; a categorical split sends a subset of categories left,
 * found exactly by ordering the categories present by their mean target and
 * scanning the prefixes (Breiman et al. 1984, Thm 4.5); categories absent
 * from the node go with the heavier child. At each node `maxFeatures` of the
 * features are tried in random order, and more if none of them splits.
 * A conditional feature's gain is scaled by (1 − 1e−9), so that when it and
 * an always-present feature split the rows the same way (a parameter active
 * exactly when its parent has some value), the parent takes the split.
 * Rows are presorted once per feature and stably partitioned down the tree,
 * so a level of a tree costs O(D · n).
 */
import { Rng } from '../math/rng.js';
import type { ImportanceFeature } from './dataset.js';

export type SplitFeature = Pick<ImportanceFeature, 'kind' | 'nCategories' | 'splitPoint' | 'inactiveShare'>;

export interface ForestOptions {
  /** Trees in the forest. Default 32 (Optuna uses 64, the original fANOVA 16; 32 ranks as well in bench/importance.ts at half Optuna's cost). */
  readonly nTrees?: number;
  /** Deepest level a tree grows to. Default 64. */
  readonly maxDepth?: number;
  /** Fewest distinct rows a node needs to be split. Default 2. */
  readonly minSamplesSplit?: number;
  /** Fewest distinct rows in each child. Default 1. */
  readonly minSamplesLeaf?: number;
  /** Share of the features tried at each node, in (0, 1]. Default 1 (all of them). */
  readonly maxFeatures?: number;
  /** Draw a bootstrap sample for each tree. Default true. */
  readonly bootstrap?: boolean;
  /** Seed of the forest. Default 0, so that a study's importances do not change between calls. */
  readonly seed?: number;
}

/** A fitted tree as flat arrays; node 0 is the root. */
export interface RegressionTree {
  /** Split feature of each node, -1 for a leaf. */
  readonly feature: Int32Array;
  /** Numeric splits: rows with x <= threshold go left. */
  readonly threshold: Float64Array;
  /** Categorical splits: 1 for each category that goes left (null for numeric splits and leaves). */
  readonly categoriesLeft: readonly (Uint8Array | null)[];
  readonly left: Int32Array;
  readonly right: Int32Array;
  /** Mean target of the node's rows (the prediction at a leaf). */
  readonly value: Float64Array;
  /** Weighted squared error the node's split removed (0 at leaves): mean decrease impurity. */
  readonly impurityDecrease: Float64Array;
}

export function resolveForestOptions(o: ForestOptions): Required<ForestOptions> {
  const r = {
    nTrees: o.nTrees ?? 32,
    maxDepth: o.maxDepth ?? 64,
    minSamplesSplit: o.minSamplesSplit ?? 2,
    minSamplesLeaf: o.minSamplesLeaf ?? 1,
    maxFeatures: o.maxFeatures ?? 1,
    bootstrap: o.bootstrap ?? true,
    seed: o.seed ?? 0,
  };
  const int = (name: keyof typeof r, min: number) => {
    const v = r[name] as number;
    if (!Number.isSafeInteger(v) || v < min) throw new RangeError(`${name} must be an integer >= ${min}, got ${v}`);
  };
  int('nTrees', 1);
  int('maxDepth', 1);
  int('minSamplesSplit', 2);
  int('minSamplesLeaf', 1);
  if (!Number.isInteger(r.seed)) throw new RangeError(`seed must be an integer, got ${r.seed}`);
  if (!(r.maxFeatures > 0 && r.maxFeatures <= 1)) throw new RangeError(`maxFeatures must be a share in (0, 1], got ${r.maxFeatures}`);
  return r;
}

/** Rows of each feature sorted by value (ties by row), computed once for all trees. */
function presort(x: Float64Array, n: number, D: number): Int32Array {
  const out = new Int32Array(D * n);
  const idx = new Array<number>(n);
  for (let d = 0; d < D; d++) {
    const off = d * n;
    for (let i = 0; i < n; i++) idx[i] = i;
    idx.sort((a, b) => (x[off + a] as number) - (x[off + b] as number) || a - b);
    for (let i = 0; i < n; i++) out[off + i] = idx[i] as number;
  }
  return out;
}

/** Fits `nTrees` trees; the same inputs and seed give the same trees. */
export function fitForest(x: Float64Array, y: Float64Array, features: readonly SplitFeature[], options: ForestOptions = {}): RegressionTree[] {
  const o = resolveForestOptions(options);
  const n = y.length;
  const D = features.length;
  if (x.length !== n * D) throw new RangeError(`x has ${x.length} values; expected ${n} rows × ${D} features`);
  const sorted = presort(x, n, D);
  const rng = new Rng(o.seed);
  const trees: RegressionTree[] = [];
  const weights = new Float64Array(n);
  for (let t = 0; t < o.nTrees; t++) {
    const treeRng = new Rng(rng.deriveSeed());
    weights.fill(0);
    if (o.bootstrap) for (let k = 0; k < n; k++) (weights[treeRng.int(n)] as number) += 1;
    else weights.fill(1);
    trees.push(growTree(x, y, weights, sorted, features, o, treeRng));
  }
  return trees;
}

interface PendingNode {
  id: number;
  start: number;
  end: number;
  depth: number;
}

function growTree(
  x: Float64Array,
  y: Float64Array,
  w: Float64Array,
  sortedAll: Int32Array,
  features: readonly SplitFeature[],
  o: Required<ForestOptions>,
  rng: Rng,
): RegressionTree {
  const n = y.length;
  const D = features.length;
  // In-bag rows of each feature, in sorted order; node segments [start, end) are contiguous in every feature.
  let m = 0;
  for (let i = 0; i < n; i++) if ((w[i] as number) > 0) m++;
  const order = new Int32Array(D * m);
  for (let d = 0; d < D; d++) {
    let k = d * m;
    for (let j = 0; j < n; j++) {
      const i = sortedAll[d * n + j] as number;
      if ((w[i] as number) > 0) order[k++] = i;
    }
  }
  const rootRows = new Int32Array(m);
  {
    let k = 0;
    for (let i = 0; i < n; i++) if ((w[i] as number) > 0) rootRows[k++] = i;
  }
  // A binary tree over m distinct rows has at most 2m - 1 nodes.
  const cap = Math.max(1, 2 * m - 1);
  const featureOut = new Int32Array(cap).fill(-1);
  const thresholdOut = new Float64Array(cap);
  const catsOut: (Uint8Array | null)[] = [];
  const leftOut = new Int32Array(cap).fill(-1);
  const rightOut = new Int32Array(cap).fill(-1);
  const valueOut = new Float64Array(cap);
  const decreaseOut = new Float64Array(cap);
  let nNodes = 0;
  const newNode = (): number => {
    catsOut.push(null);
    return nNodes++;
  };

  const goLeft = new Uint8Array(n);
  const tmp = new Int32Array(m);
  const featureOrder = new Int32Array(D);
  const nTry = Math.max(1, Math.round(o.maxFeatures * D));
  let maxCats = 0;
  for (const f of features) if (f.kind === 'categorical') maxCats = Math.max(maxCats, f.nCategories);
  const catW = new Float64Array(maxCats);
  const catS = new Float64Array(maxCats);
  const catN = new Int32Array(maxCats);
  const catOrder: number[] = [];

  const stack: PendingNode[] = [{ id: newNode(), start: 0, end: m, depth: 0 }];
  while (stack.length > 0) {
    const node = stack.pop() as PendingNode;
    const { id, start, end, depth } = node;
    const count = end - start;
    // Node statistics from any feature's segment (all hold the same rows).
    let W = 0;
    let S = 0;
    let Q = 0;
    let yMin = Number.POSITIVE_INFINITY;
    let yMax = Number.NEGATIVE_INFINITY;
    const seg = D > 0 ? order : rootRows;
    for (let p = start; p < end; p++) {
      const i = seg[p] as number;
      const wi = w[i] as number;
      const yi = y[i] as number;
      W += wi;
      S += wi * yi;
      Q += wi * yi * yi;
      if (yi < yMin) yMin = yi;
      if (yi > yMax) yMax = yi;
    }
    const mean = S / W;
    valueOut[id] = mean;
    if (D === 0 || depth >= o.maxDepth || count < o.minSamplesSplit || count < 2 * o.minSamplesLeaf || yMin === yMax) continue;

    for (let d = 0; d < D; d++) featureOrder[d] = d;
    if (nTry < D) {
      for (let k = D - 1; k > 0; k--) {
        const j = rng.int(k + 1);
        const t = featureOrder[k] as number;
        featureOrder[k] = featureOrder[j] as number;
        featureOrder[j] = t;
      }
    }
    let bestGain = Number.NEGATIVE_INFINITY;
    let bestFeature = -1;
    let bestPos = -1; // numeric: last position going left
    let bestCats: Uint8Array | null = null;
    for (let r = 0; r < D; r++) {
      if (r >= nTry && bestFeature >= 0) break;
      const d = featureOrder[r] as number;
      const f = features[d] as SplitFeature;
      const off = d * m;
      const xoff = d * n;
      const scale = f.inactiveShare > 0 ? 1 - 1e-9 : 1;
      if (f.kind === 'numeric') {
        if ((x[xoff + (order[off + start] as number)] as number) === (x[xoff + (order[off + end - 1] as number)] as number)) continue;
        let wl = 0;
        let sl = 0;
        for (let p = start; p < end - 1; p++) {
          const i = order[off + p] as number;
          wl += w[i] as number;
          sl += (w[i] as number) * (y[i] as number);
          const nl = p - start + 1;
          if (nl < o.minSamplesLeaf) continue;
          if (count - nl < o.minSamplesLeaf) break;
          if ((x[xoff + i] as number) === (x[xoff + (order[off + p + 1] as number)] as number)) continue;
          const wr = W - wl;
          const sr = S - sl;
          const gain = ((sl * sl) / wl + (sr * sr) / wr) * scale;
          if (gain > bestGain) {
            bestGain = gain;
            bestFeature = d;
            bestPos = p;
            bestCats = null;
          }
        }
      } else {
        const k = f.nCategories;
        catW.fill(0, 0, k);
        catS.fill(0, 0, k);
        catN.fill(0, 0, k);
        for (let p = start; p < end; p++) {
          const i = order[off + p] as number;
          const c = x[xoff + i] as number;
          catW[c] = (catW[c] as number) + (w[i] as number);
          catS[c] = (catS[c] as number) + (w[i] as number) * (y[i] as number);
          catN[c] = (catN[c] as number) + 1;
        }
        catOrder.length = 0;
        for (let c = 0; c < k; c++) if ((catN[c] as number) > 0) catOrder.push(c);
        if (catOrder.length < 2) continue;
        catOrder.sort((a, b) => (catS[a] as number) / (catW[a] as number) - (catS[b] as number) / (catW[b] as number) || a - b);
        let wl = 0;
        let sl = 0;
        let nl = 0;
        let bestPrefix = -1;
        let localBest = Number.NEGATIVE_INFINITY;
        for (let q = 0; q < catOrder.length - 1; q++) {
          const c = catOrder[q] as number;
          wl += catW[c] as number;
          sl += catS[c] as number;
          nl += catN[c] as number;
          if (nl < o.minSamplesLeaf || count - nl < o.minSamplesLeaf) continue;
          const wr = W - wl;
          const sr = S - sl;
          const gain = ((sl * sl) / wl + (sr * sr) / wr) * scale;
          if (gain > localBest) {
            localBest = gain;
            bestPrefix = q;
          }
        }
        if (bestPrefix >= 0 && localBest > bestGain) {
          bestGain = localBest;
          bestFeature = d;
          bestPos = -1;
          const cats = new Uint8Array(k);
          let wLeft = 0;
          for (let q = 0; q <= bestPrefix; q++) {
            cats[catOrder[q] as number] = 1;
            wLeft += catW[catOrder[q] as number] as number;
          }
          // Categories no row of this node holds go with the heavier child.
          if (wLeft >= W - wLeft) for (let c = 0; c < k; c++) if ((catN[c] as number) === 0) cats[c] = 1;
          bestCats = cats;
        }
      }
    }
    if (bestFeature < 0) continue;

    // Mark the rows going left, then partition every feature's segment stably.
    const d = bestFeature;
    const off = d * m;
    const xoff = d * n;
    let nLeft = 0;
    if (bestCats === null) {
      const lowRow = order[off + bestPos] as number;
      const highRow = order[off + bestPos + 1] as number;
      const lower = x[xoff + lowRow] as number;
      const thr = (features[d] as SplitFeature).splitPoint(lower, x[xoff + highRow] as number);
      thresholdOut[id] = thr;
      for (let p = start; p < end; p++) {
        const i = order[off + p] as number;
        const l = (x[xoff + i] as number) <= thr ? 1 : 0;
        goLeft[i] = l;
        nLeft += l;
      }
    } else {
      catsOut[id] = bestCats;
      for (let p = start; p < end; p++) {
        const i = order[off + p] as number;
        const l = bestCats[x[xoff + i] as number] as number;
        goLeft[i] = l;
        nLeft += l;
      }
    }
    if (nLeft === 0 || nLeft === count) continue;
    for (let e = 0; e < D; e++) {
      const eo = e * m;
      let a = start;
      let b = 0;
      for (let p = start; p < end; p++) {
        const i = order[eo + p] as number;
        if (goLeft[i]) order[eo + a++] = i;
        else tmp[b++] = i;
      }
      for (let q = 0; q < b; q++) order[eo + a + q] = tmp[q] as number;
    }
    // Children's squared errors, for the impurity decrease.
    let wl = 0;
    let sl = 0;
    let ql = 0;
    for (let p = start; p < start + nLeft; p++) {
      const i = order[p] as number;
      const wi = w[i] as number;
      wl += wi;
      sl += wi * (y[i] as number);
      ql += wi * (y[i] as number) * (y[i] as number);
    }
    const sse = Q - (S * S) / W;
    const sseL = ql - (sl * sl) / wl;
    const sseR = Q - ql - ((S - sl) * (S - sl)) / (W - wl);
    featureOut[id] = d;
    decreaseOut[id] = Math.max(0, sse - sseL - sseR);
    const li = newNode();
    const ri = newNode();
    leftOut[id] = li;
    rightOut[id] = ri;
    stack.push({ id: ri, start: start + nLeft, end, depth: depth + 1 });
    stack.push({ id: li, start, end: start + nLeft, depth: depth + 1 });
  }
  return {
    feature: featureOut.slice(0, nNodes),
    threshold: thresholdOut.slice(0, nNodes),
    categoriesLeft: catsOut,
    left: leftOut.slice(0, nNodes),
    right: rightOut.slice(0, nNodes),
    value: valueOut.slice(0, nNodes),
    impurityDecrease: decreaseOut.slice(0, nNodes),
  };
}

/** The tree's prediction for one row of encoded values (x[d] for feature d). */
export function predictTree(tree: RegressionTree, row: ArrayLike<number>): number {
  let node = 0;
  for (;;) {
    const d = tree.feature[node] as number;
    if (d < 0) return tree.value[node] as number;
    const cats = tree.categoriesLeft[node];
    const v = row[d] as number;
    const left = cats ? cats[v] === 1 : v <= (tree.threshold[node] as number);
    node = (left ? tree.left[node] : tree.right[node]) as number;
  }
}
