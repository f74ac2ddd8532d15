/**
 * Random forests (Breiman, 2001, "Random forests") and extremely randomized
 * trees (Geurts, Ernst & Wehenkel, 2006, "Extremely randomized trees") on
 * the binned features of binning.ts; a single CART tree (Breiman et al.,
 * 1984) is a forest of one tree without bootstrap or feature sampling.
 *
 * Notation: a node holds rows i with weights wᵢ (bootstrap multiplicities,
 * else 1) and total N = Σw. Classification: class totals N_k, impurity
 * gini 1 − Σ(N_k/N)² or entropy −Σ(N_k/N) log(N_k/N); regression: the
 * variance of y. A split into L and R minimises N_L·I(L) + N_R·I(R), which
 * is maximising
 *   gini:     Σ L_k²/N_L + Σ R_k²/N_R
 *   entropy:  Σ L_k log L_k − N_L log N_L + (the same for R)
 *   variance: S_L²/N_L + S_R²/N_R      (S = Σ w·y)
 * over the cuts "bin ≤ b" of features drawn at random per node, until
 * `maxFeatures` features that vary in the node have been looked at
 * (scikit-learn's rule). 'best' scans every cut of each feature (random
 * forest); 'random' scores one cut drawn uniformly between the feature's
 * lowest and highest bin in the node (extra-trees). Leaves hold the class
 * shares or the mean; the forest averages its trees.
 */
import { Rng } from '../../math/rng.js';
import { binFeatures, leafNode, splitRows } from './binning.js';
import type { Task } from './model.js';

export type ForestCriterion = 'gini' | 'entropy';
export type ForestSplitter = 'best' | 'random';

export interface ForestOptions {
  readonly task: Task;
  /** Classes (classification). */
  readonly nClasses?: number;
  readonly nEstimators: number;
  /** Features looked at per split, 1 … d. */
  readonly maxFeatures: number;
  readonly maxDepth: number;
  /** Least total weight in a leaf. */
  readonly minSamplesLeaf: number;
  /** Classification impurity (default gini); regression uses the variance. */
  readonly criterion?: ForestCriterion;
  /** Each tree on a bootstrap sample (n draws with replacement) instead of all rows. */
  readonly bootstrap: boolean;
  readonly splitter: ForestSplitter;
  readonly maxBins?: number;
  readonly seed?: number;
  /** Called before each tree (trees grown, trees in all); may throw to stop the training (a time limit). */
  readonly beforeTree?: (done: number, total: number) => void;
}

/**
 * One tree in flat arrays. An inner node sends x[feature] ≤ threshold left;
 * a leaf has feature −1 and its output at values[left …] (nOutputs numbers).
 */
export interface ForestTree {
  readonly feature: number[];
  readonly threshold: number[];
  readonly left: number[];
  readonly right: number[];
  readonly values: number[];
}

export interface ForestState {
  readonly kind: 'histogram-forest';
  readonly task: Task;
  /** Classes (classification) or 1 (regression). */
  readonly nOutputs: number;
  readonly trees: ForestTree[];
}

/** Relative gain below which a split is not worth making. */
const MIN_GAIN = 1e-12;

const xlogx = (v: number): number => (v > 0 ? v * Math.log(v) : 0);

/** Fits the forest; y holds class indices 0 … nClasses − 1 (classification) or values. */
export function trainForest(x: readonly (readonly number[])[], y: readonly number[], o: ForestOptions): ForestState {
  const binned = binFeatures(x, o.maxBins ?? 255);
  const { n, d, thresholds, bins } = binned;
  const classification = o.task === 'classification';
  const K = classification ? (o.nClasses as number) : 1;
  const entropy = classification && o.criterion === 'entropy';
  const m = Math.max(1, Math.min(d, Math.round(o.maxFeatures)));
  const minLeaf = Math.max(o.minSamplesLeaf, Number.MIN_VALUE);
  const rng = new Rng(o.seed ?? 0);
  // Per bin: class weights (classification), or weight and Σw·y (regression).
  const width = classification ? K : 2;
  const hist = new Float64Array(256 * width);
  const total = new Float64Array(width);
  const cum = new Float64Array(width);
  const featOrder = Int32Array.from({ length: d }, (_, f) => f);
  const w = new Float64Array(n);
  const yy = Float64Array.from(y);
  const yClass = Int32Array.from(classification ? y : []);

  /** The score to maximise (see the notation block) of a part with totals t and weight N. */
  const partScore = (t: Float64Array, N: number): number => {
    if (!classification) return ((t[1] as number) * (t[1] as number)) / N;
    let s = 0;
    if (entropy) {
      for (let k = 0; k < K; k++) s += xlogx(t[k] as number);
      return s - xlogx(N);
    }
    for (let k = 0; k < K; k++) s += (t[k] as number) * (t[k] as number);
    return s / N;
  };
  const right = new Float64Array(width);
  const splitScore = (N: number, NL: number): number => {
    for (let k = 0; k < width; k++) right[k] = (total[k] as number) - (cum[k] as number);
    return partScore(cum, NL) + partScore(right, N - NL);
  };

  /** Grows the subtree of the rows idx (weights w) and returns its node number. */
  const grow = (tree: ForestTree, idx: Int32Array, depth: number): number => {
    const node = tree.feature.length;
    tree.feature.push(-1);
    tree.threshold.push(0);
    tree.left.push(tree.values.length);
    tree.right.push(-1);
    total.fill(0);
    let N = 0;
    for (const i of idx) {
      const wi = w[i] as number;
      N += wi;
      if (classification) total[yClass[i] as number] = (total[yClass[i] as number] as number) + wi;
      else total[1] = (total[1] as number) + wi * (yy[i] as number);
    }
    total[0] = classification ? (total[0] as number) : N;
    if (classification) for (let k = 0; k < K; k++) tree.values.push((total[k] as number) / N);
    else tree.values.push((total[1] as number) / N);
    if (depth >= o.maxDepth || N < 2 * minLeaf || idx.length < 2) return node;
    if (classification) {
      let largest = 0;
      for (let k = 0; k < K; k++) largest = Math.max(largest, total[k] as number);
      if (largest >= N) return node;
    }
    const parent = partScore(total, N);
    let bestScore = parent + MIN_GAIN * Math.max(1, Math.abs(parent));
    let bestF = -1;
    let bestB = -1;
    let looked = 0;
    for (let j = 0; j < d && looked < m; j++) {
      const r = j + rng.int(d - j);
      const f = featOrder[r] as number;
      featOrder[r] = featOrder[j] as number;
      featOrder[j] = f;
      const nb = (thresholds[f] as number[]).length + 1;
      if (nb < 2) continue;
      hist.fill(0, 0, nb * width);
      const off = f * n;
      let lo = 255;
      let hi = 0;
      for (const i of idx) {
        const b = bins[off + i] as number;
        if (b < lo) lo = b;
        if (b > hi) hi = b;
        const wi = w[i] as number;
        if (classification) hist[b * K + (yClass[i] as number)] = (hist[b * K + (yClass[i] as number)] as number) + wi;
        else {
          hist[2 * b] = (hist[2 * b] as number) + wi;
          hist[2 * b + 1] = (hist[2 * b + 1] as number) + wi * (yy[i] as number);
        }
      }
      if (lo === hi) continue; // constant in this node: not counted towards maxFeatures
      looked++;
      cum.fill(0);
      let NL = 0;
      const cut = o.splitter === 'random' ? lo + rng.int(hi - lo) : -1;
      for (let b = lo; b < hi; b++) {
        for (let k = 0; k < width; k++) cum[k] = (cum[k] as number) + (hist[b * width + k] as number);
        if (classification) for (let k = 0; k < K; k++) NL += hist[b * K + k] as number;
        else NL = cum[0] as number;
        if (cut >= 0 && b !== cut) continue;
        if (NL < minLeaf || N - NL < minLeaf) {
          if (N - NL < minLeaf) break;
          continue;
        }
        const score = splitScore(N, NL);
        if (score > bestScore) {
          bestScore = score;
          bestF = f;
          bestB = b;
        }
      }
    }
    if (bestF < 0) return node;
    const { left: li, right: ri } = splitRows(binned, idx, bestF, bestB);
    tree.feature[node] = bestF;
    tree.threshold[node] = (thresholds[bestF] as number[])[bestB] as number;
    // An inner node keeps no output: drop the values pushed for it.
    tree.values.length = tree.left[node] as number;
    tree.left[node] = grow(tree, li, depth + 1);
    tree.right[node] = grow(tree, ri, depth + 1);
    return node;
  };

  const trees: ForestTree[] = [];
  for (let t = 0; t < o.nEstimators; t++) {
    o.beforeTree?.(t, o.nEstimators);
    let rows: Int32Array;
    if (o.bootstrap) {
      w.fill(0);
      for (let s = 0; s < n; s++) {
        const i = rng.int(n);
        w[i] = (w[i] as number) + 1;
      }
      let kept = 0;
      for (let i = 0; i < n; i++) if ((w[i] as number) > 0) kept++;
      rows = new Int32Array(kept);
      kept = 0;
      for (let i = 0; i < n; i++) if ((w[i] as number) > 0) rows[kept++] = i;
    } else {
      w.fill(1);
      rows = Int32Array.from({ length: n }, (_, i) => i);
    }
    const tree: ForestTree = { feature: [], threshold: [], left: [], right: [], values: [] };
    grow(tree, rows, 0);
    trees.push(tree);
  }
  return { kind: 'histogram-forest', task: o.task, nOutputs: K, trees };
}

/** The offset of x's leaf in tree.values. */
function leafOf(tree: ForestTree, x: readonly number[]): number {
  return tree.left[leafNode(tree, x)] as number;
}

/** The trees' mean output per row: class shares (n × classes) or one value. */
export function forestOutputs(state: ForestState, x: readonly (readonly number[])[]): Float64Array {
  const K = state.nOutputs;
  const out = new Float64Array(x.length * K);
  const nTrees = state.trees.length;
  x.forEach((xi, i) => {
    for (const tree of state.trees) {
      const at = leafOf(tree, xi);
      for (let k = 0; k < K; k++) out[i * K + k] = (out[i * K + k] as number) + (tree.values[at + k] as number) / nTrees;
    }
  });
  return out;
}
