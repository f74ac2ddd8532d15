/**
 * fANOVA: functional analysis of variance of a random forest's prediction
 * (Hutter, Hoos & Leyton-Brown 2014, "An efficient approach for assessing
 * hyperparameter importance", ICML).
 *
 * Notation: a tree ŷ is constant (v_l) on each leaf l, a box of the encoded
 * space Θ with measure μ (uniform per parameter, product over parameters;
 * |l| = μ(l), |l_d| its measure along parameter d). For a set U of parameters
 * the marginal is â_U(θ_U) = ∫ ŷ(θ) dμ(θ_{−U}) = Σ_l [θ_U ∈ l_U] v_l |l| / |l_U|.
 * With f₀ = Σ_l |l| v_l and V = Σ_l |l| (v_l − f₀)², the variance of the main
 * effect of d is V_d = Var(â_d) and of the pair (d, e)
 * V_de = Var(â_de) − V_d − V_e (the effects are orthogonal). Both are exact:
 * â_d is constant between consecutive split points of d, so each variance is
 * a finite sum over those "atoms" (over categories for a categorical split).
 * A parameter's importance is V_d / V, a pair's share V_de / V, averaged over
 * the trees whose V is positive (Hutter et al., Sec. 4).
 */
import type { ImportanceData, ImportanceFeature } from './dataset.js';
import type { ImportanceEvaluator } from './evaluator.js';
import { type ForestOptions, fitForest, type RegressionTree } from './forest.js';

/** How a parameter's domain is measured: a numeric line [lo, hi] with its cdf, or weighted categories. */
export type FeatureMeasure =
  | { readonly kind: 'numeric'; readonly lo: number; readonly hi: number; readonly cdf: (t: number) => number }
  | { readonly kind: 'categorical'; readonly weights: Float64Array };

export function featureMeasure(f: ImportanceFeature): FeatureMeasure {
  return f.kind === 'numeric' ? { kind: 'numeric', lo: f.lo, hi: 1, cdf: (t) => f.cdf(t) } : { kind: 'categorical', weights: f.categoryWeights };
}

/** The variance decomposition of one tree. */
export interface TreeDecomposition {
  /** Total variance V of the tree over the measured domain. */
  readonly total: number;
  /** Mean prediction f₀. */
  readonly mean: number;
  /** V_d for each feature. */
  readonly main: Float64Array;
  /** V_de for d < e at pairs[d * D + e] (null unless asked for). */
  readonly pairs: Float64Array | null;
}

interface FeatureAtoms {
  /** Numeric: sorted atom boundaries; categorical: null. */
  readonly bounds: Float64Array | null;
  /** Measure of each atom. */
  readonly weights: Float64Array;
}

function lowerBound(a: Float64Array, v: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((a[mid] as number) < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Reused pair grid (the largest is (atoms of d + 1) × (atoms of e + 1)). */
let scratch = new Float64Array(0);

/**
 * Exact main-effect (and, with `pairs`, pairwise) variances of one tree over
 * the product measure of `measures`.
 */
export function decomposeTree(tree: RegressionTree, measures: readonly FeatureMeasure[], pairs = false): TreeDecomposition {
  const D = measures.length;
  const nNodes = tree.feature.length;
  // Split points used by each numeric feature in this tree.
  const used = new Uint8Array(D);
  const points: number[][] = measures.map(() => []);
  for (let k = 0; k < nNodes; k++) {
    const d = tree.feature[k] as number;
    if (d < 0) continue;
    used[d] = 1;
    if (measures[d]?.kind === 'numeric') (points[d] as number[]).push(tree.threshold[k] as number);
  }
  const atoms: FeatureAtoms[] = measures.map((m, d) => {
    if (m.kind === 'categorical') return { bounds: null, weights: m.weights };
    const b = Float64Array.from(new Set([m.lo, ...(points[d] as number[]), m.hi])).sort();
    const w = new Float64Array(b.length - 1);
    for (let a = 0; a < w.length; a++) w[a] = m.cdf(b[a + 1] as number) - m.cdf(b[a] as number);
    return { bounds: b, weights: w };
  });

  // Leaves: value, measure, and per feature its extent (atom range or category mask) and measure.
  let L = 0;
  for (let k = 0; k < nNodes; k++) if ((tree.feature[k] as number) < 0) L++;
  const leafValue = new Float64Array(L);
  const leafVol = new Float64Array(L);
  const leafLo = new Int32Array(D * L);
  const leafHi = new Int32Array(D * L);
  const leafWidth = new Float64Array(D * L).fill(1);
  const nCats = measures.map((m) => (m.kind === 'categorical' ? m.weights.length : 0));
  const leafMask: (Uint8Array | null)[] = measures.map((m, d) => (m.kind === 'categorical' && used[d] ? new Uint8Array(L * (nCats[d] as number)) : null));
  // The extent of the current node along each numeric feature, as atom indices [lo, hi).
  const lo = new Int32Array(D);
  const hi = new Int32Array(D);
  const cum: (Float64Array | null)[] = atoms.map((a) => {
    if (a.bounds === null) return null;
    const c = new Float64Array(a.weights.length + 1);
    for (let k = 0; k < a.weights.length; k++) c[k + 1] = (c[k] as number) + (a.weights[k] as number);
    return c;
  });
  for (let d = 0; d < D; d++) hi[d] = (atoms[d] as FeatureAtoms).weights.length;
  const masks: (Uint8Array | null)[] = measures.map((m) => (m.kind === 'categorical' ? new Uint8Array(m.weights.length).fill(1) : null));
  const usedList: number[] = [];
  for (let d = 0; d < D; d++) if (used[d]) usedList.push(d);
  // Atom boundary index of each numeric split.
  const splitAtom = new Int32Array(nNodes);
  for (let k = 0; k < nNodes; k++) {
    const d = tree.feature[k] as number;
    if (d >= 0 && tree.categoriesLeft[k] == null) splitAtom[k] = lowerBound((atoms[d] as FeatureAtoms).bounds as Float64Array, tree.threshold[k] as number);
  }
  let leaf = 0;
  const visit = (node: number): void => {
    const d = tree.feature[node] as number;
    if (d < 0) {
      let vol = 1;
      for (const e of usedList) {
        let width = 0;
        const c = cum[e];
        if (c) {
          const a0 = lo[e] as number;
          const a1 = hi[e] as number;
          width = (c[a1] as number) - (c[a0] as number);
          leafLo[e * L + leaf] = a0;
          leafHi[e * L + leaf] = a1;
        } else {
          const mask = masks[e] as Uint8Array;
          const w = (atoms[e] as FeatureAtoms).weights;
          for (let k = 0; k < mask.length; k++) if (mask[k]) width += w[k] as number;
          (leafMask[e] as Uint8Array).set(mask, leaf * mask.length);
        }
        leafWidth[e * L + leaf] = width;
        vol *= width;
      }
      leafValue[leaf] = tree.value[node] as number;
      leafVol[leaf] = vol;
      leaf++;
      return;
    }
    const l = tree.left[node] as number;
    const r = tree.right[node] as number;
    const cats = tree.categoriesLeft[node];
    if (cats) {
      const mask = masks[d] as Uint8Array;
      const saved = mask.slice();
      for (let c = 0; c < mask.length; c++) mask[c] = saved[c] && cats[c] ? 1 : 0;
      visit(l);
      for (let c = 0; c < mask.length; c++) mask[c] = saved[c] && !cats[c] ? 1 : 0;
      visit(r);
      mask.set(saved);
    } else {
      const t = splitAtom[node] as number;
      const savedHi = hi[d] as number;
      const savedLo = lo[d] as number;
      hi[d] = Math.min(savedHi, t);
      visit(l);
      hi[d] = savedHi;
      lo[d] = Math.max(savedLo, t);
      visit(r);
      lo[d] = savedLo;
    }
  };
  visit(0);

  let f0 = 0;
  for (let l = 0; l < L; l++) f0 += (leafVol[l] as number) * (leafValue[l] as number);
  let total = 0;
  for (let l = 0; l < L; l++) total += (leafVol[l] as number) * ((leafValue[l] as number) - f0) ** 2;
  // v_l |l|, divided below by the leaf's measure along the marginal's features.
  const mass = new Float64Array(L);
  for (let l = 0; l < L; l++) mass[l] = (leafValue[l] as number) * (leafVol[l] as number);

  const main = new Float64Array(D);
  for (let d = 0; d < D; d++) {
    if (!used[d]) continue;
    const A = (atoms[d] as FeatureAtoms).weights.length;
    const mg = new Float64Array(A + 1);
    const base = d * L;
    if (measures[d]?.kind === 'numeric') {
      for (let l = 0; l < L; l++) {
        const wdl = leafWidth[base + l] as number;
        const c = wdl > 0 ? (mass[l] as number) / wdl : 0;
        const a0 = leafLo[base + l] as number;
        const a1 = leafHi[base + l] as number;
        mg[a0] = (mg[a0] as number) + c;
        mg[a1] = (mg[a1] as number) - c;
      }
      for (let a = 1; a < A; a++) mg[a] = (mg[a] as number) + (mg[a - 1] as number);
    } else {
      const ms = leafMask[d] as Uint8Array;
      for (let l = 0; l < L; l++) {
        const wdl = leafWidth[base + l] as number;
        const c = wdl > 0 ? (mass[l] as number) / wdl : 0;
        for (let a = 0; a < A; a++) if (ms[l * A + a]) mg[a] = (mg[a] as number) + c;
      }
    }
    const w = (atoms[d] as FeatureAtoms).weights;
    let v = 0;
    for (let a = 0; a < A; a++) v += (w[a] as number) * ((mg[a] as number) - f0) ** 2;
    main[d] = v;
  }

  let pairValues: Float64Array | null = null;
  if (pairs) {
    pairValues = new Float64Array(D * D);
    let maxGrid = 0;
    for (let d = 0; d < D; d++) {
      for (let e = d + 1; e < D; e++) {
        if (used[d] && used[e]) maxGrid = Math.max(maxGrid, ((atoms[d] as FeatureAtoms).weights.length + 1) * ((atoms[e] as FeatureAtoms).weights.length + 1));
      }
    }
    if (scratch.length < maxGrid) scratch = new Float64Array(maxGrid);
    const grid = scratch;
    for (let d = 0; d < D; d++) {
      if (!used[d]) continue;
      for (let e = d + 1; e < D; e++) {
        if (!used[e]) continue;
        const v = pairVariance(d, e, grid);
        pairValues[d * D + e] = Math.max(0, v - (main[d] as number) - (main[e] as number));
      }
    }
  }

  /** Var(â_de): the pair marginal on the grid of atoms of d × atoms of e. */
  function pairVariance(d: number, e: number, grid: Float64Array): number {
    const wd = (atoms[d] as FeatureAtoms).weights;
    const we = (atoms[e] as FeatureAtoms).weights;
    const Ad = wd.length;
    const Ae = we.length;
    const stride = Ae + 1;
    grid.fill(0, 0, (Ad + 1) * stride);
    const numD = measures[d]?.kind === 'numeric';
    const numE = measures[e]?.kind === 'numeric';
    const bd = d * L;
    const be = e * L;
    const md = leafMask[d];
    const me = leafMask[e];
    for (let l = 0; l < L; l++) {
      const denom = (leafWidth[bd + l] as number) * (leafWidth[be + l] as number);
      if (!(denom > 0)) continue;
      const c = (mass[l] as number) / denom;
      if (c === 0) continue;
      if (numD && numE) {
        // 2-D difference array over the leaf's box of atoms.
        const a0 = leafLo[bd + l] as number;
        const a1 = leafHi[bd + l] as number;
        const b0 = leafLo[be + l] as number;
        const b1 = leafHi[be + l] as number;
        grid[a0 * stride + b0] = (grid[a0 * stride + b0] as number) + c;
        grid[a1 * stride + b0] = (grid[a1 * stride + b0] as number) - c;
        grid[a0 * stride + b1] = (grid[a0 * stride + b1] as number) - c;
        grid[a1 * stride + b1] = (grid[a1 * stride + b1] as number) + c;
      } else if (numE) {
        // Categorical d: a 1-D difference along e in each category row.
        const b0 = leafLo[be + l] as number;
        const b1 = leafHi[be + l] as number;
        for (let a = 0; a < Ad; a++) {
          if (!(md as Uint8Array)[l * Ad + a]) continue;
          grid[a * stride + b0] = (grid[a * stride + b0] as number) + c;
          grid[a * stride + b1] = (grid[a * stride + b1] as number) - c;
        }
      } else if (numD) {
        const a0 = leafLo[bd + l] as number;
        const a1 = leafHi[bd + l] as number;
        for (let b = 0; b < Ae; b++) {
          if (!(me as Uint8Array)[l * Ae + b]) continue;
          grid[a0 * stride + b] = (grid[a0 * stride + b] as number) + c;
          grid[a1 * stride + b] = (grid[a1 * stride + b] as number) - c;
        }
      } else {
        for (let a = 0; a < Ad; a++) {
          if (!(md as Uint8Array)[l * Ad + a]) continue;
          for (let b = 0; b < Ae; b++) if ((me as Uint8Array)[l * Ae + b]) grid[a * stride + b] = (grid[a * stride + b] as number) + c;
        }
      }
    }
    // Prefix sums turn the differences into values (along d when d is numeric, along e when e is).
    if (numD)
      for (let a = 1; a < Ad; a++)
        for (let b = 0; b < Ae; b++) grid[a * stride + b] = (grid[a * stride + b] as number) + (grid[(a - 1) * stride + b] as number);
    if (numE)
      for (let a = 0; a < Ad; a++) for (let b = 1; b < Ae; b++) grid[a * stride + b] = (grid[a * stride + b] as number) + (grid[a * stride + b - 1] as number);
    let v = 0;
    for (let a = 0; a < Ad; a++) {
      const wa = wd[a] as number;
      if (wa === 0) continue;
      for (let b = 0; b < Ae; b++) v += wa * (we[b] as number) * ((grid[a * stride + b] as number) - f0) ** 2;
    }
    return v;
  }

  return { total, mean: f0, main, pairs: pairValues };
}

export interface FanovaOptions extends ForestOptions {}

/** Main effects and pairwise interactions as shares of the forest's variance. */
export interface FanovaResult {
  /** V_d / V for each feature, averaged over trees. */
  readonly main: Float64Array;
  /** V_de / V at pairs[d * D + e] for d < e, averaged over trees (null unless asked for). */
  readonly pairs: Float64Array | null;
  /** Trees with a positive variance (the others explain nothing and are left out of the averages). */
  readonly nTrees: number;
}

/**
 * fANOVA importance: a random forest fitted to the trials, each parameter's
 * share of the variance of the prediction, averaged over the trees.
 * @example getParamImportances(study, { evaluator: new FanovaEvaluator({ seed: 1 }) })
 */
export class FanovaEvaluator implements ImportanceEvaluator {
  readonly name = 'fanova';
  readonly supportsInteractions = true;
  private readonly options: FanovaOptions;

  constructor(options: FanovaOptions = {}) {
    this.options = { ...options };
  }

  evaluate(data: ImportanceData): Float64Array {
    return this.decompose(data, false).main;
  }

  /** Main effects and, with `pairs`, every pairwise interaction, from one forest. */
  decompose(data: ImportanceData, pairs: boolean): FanovaResult {
    const D = data.features.length;
    if (D === 0) return { main: new Float64Array(0), pairs: pairs ? new Float64Array(0) : null, nTrees: 0 };
    const trees = fitForest(data.x, data.y, data.features, this.options);
    const measures = data.features.map(featureMeasure);
    const main = new Float64Array(D);
    const pairSum = pairs ? new Float64Array(D * D) : null;
    let counted = 0;
    for (const tree of trees) {
      const dec = decomposeTree(tree, measures, pairs);
      if (!(dec.total > 0)) continue;
      counted++;
      for (let d = 0; d < D; d++) main[d] = (main[d] as number) + Math.min(1, (dec.main[d] as number) / dec.total);
      if (pairSum && dec.pairs) for (let k = 0; k < D * D; k++) pairSum[k] = (pairSum[k] as number) + (dec.pairs[k] as number) / dec.total;
    }
    if (counted > 0) {
      for (let d = 0; d < D; d++) main[d] = (main[d] as number) / counted;
      if (pairSum) for (let k = 0; k < D * D; k++) pairSum[k] = (pairSum[k] as number) / counted;
    }
    return { main, pairs: pairSum, nTrees: counted };
  }
}
