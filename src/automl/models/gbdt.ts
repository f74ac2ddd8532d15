/**
 * Histogram-based gradient-boosted trees, written from Friedman (2001),
 * "Greedy function approximation: a gradient boosting machine", with the
 * second-order leaf values and split gain of XGBoost (Chen & Guestrin, 2016)
 * and the binned features of LightGBM (Ke et al., 2017).
 *
 * Notation: F(x) the raw score (one per class for softmax); per row i,
 * gᵢ = ∂ℓ/∂F and hᵢ = ∂²ℓ/∂F²; for a node with G = Σg, H = Σh the optimal
 * leaf value is w* = −G/(H + λ), and a split into L and R gains
 *   ½ [G_L²/(H_L+λ) + G_R²/(H_R+λ) − G²/(H+λ)] − γ.
 * Features are cut into at most `maxBins` quantile bins once; a split is
 * "bin ≤ b", stored as the raw threshold x ≤ t_b. Each round fits one tree
 * per output on a row subsample (and a column subsample), and adds
 * η·w* at its leaves.
 */
import { Rng } from '../../math/rng.js';
import { binFeatures, leafNode, splitRows } from './binning.js';
import { argmax, checkDeadline, type FitContext, type FittedModel, type HyperParam, type ModelFamily, type ModelParams, num } from './model.js';

export type GbdtLoss = 'squared' | 'logistic' | 'softmax';

export interface GbdtOptions {
  readonly loss: GbdtLoss;
  /** Classes for softmax (≥ 3); ignored otherwise. */
  readonly nClasses?: number;
  readonly nRounds: number;
  readonly learningRate: number;
  readonly maxDepth: number;
  /** Minimum Σh in a child (XGBoost's min_child_weight). */
  readonly minChildWeight: number;
  /** L2 penalty λ on leaf values. */
  readonly lambda: number;
  /** Minimum split gain γ. */
  readonly gamma?: number;
  /** Fraction of rows each round sees. */
  readonly subsample?: number;
  /** Fraction of features each tree may split on. */
  readonly colsample?: number;
  readonly maxBins?: number;
  readonly seed?: number;
  /** Called before each round (rounds done, rounds in all); may throw to stop the training (a time limit). */
  readonly beforeRound?: (done: number, total: number) => void;
}

/** A tree in flat arrays; feature −1 marks a leaf whose output is value. */
export interface GbdtTree {
  readonly feature: number[];
  readonly threshold: number[];
  readonly left: number[];
  readonly right: number[];
  readonly value: number[];
}

export interface GbdtState {
  readonly loss: GbdtLoss;
  /** Outputs per row: classes for softmax, else 1. */
  readonly nOutputs: number;
  readonly base: number[];
  /** trees[round][output]. */
  readonly trees: GbdtTree[][];
}

export interface GbdtTraining {
  readonly state: GbdtState;
  /** Mean training loss after each round (squared error / 2, or cross-entropy). */
  readonly trainLoss: number[];
}

/** Fits the boosted ensemble; y holds targets (squared) or class indices (logistic: 0/1, softmax: 0…K−1). */
export function trainGbdt(x: readonly (readonly number[])[], y: readonly number[], options: GbdtOptions): GbdtTraining {
  const n = x.length;
  const d = n > 0 ? (x[0] as readonly number[]).length : 0;
  const maxBins = Math.min(256, options.maxBins ?? 255);
  const lambda = options.lambda;
  const gamma = options.gamma ?? 0;
  const mcw = options.minChildWeight;
  const subsample = options.subsample ?? 1;
  const colsample = options.colsample ?? 1;
  const rng = new Rng(options.seed ?? 0);
  const K = options.loss === 'softmax' ? (options.nClasses as number) : 1;

  const binned = binFeatures(x, maxBins);
  const { thresholds, bins } = binned;

  // Initial scores.
  const base = new Array<number>(K).fill(0);
  if (options.loss === 'squared') base[0] = y.reduce((a, b) => a + b, 0) / Math.max(1, n);
  else if (options.loss === 'logistic') {
    const p = Math.min(1 - 1e-6, Math.max(1e-6, y.reduce((a, b) => a + b, 0) / Math.max(1, n)));
    base[0] = Math.log(p / (1 - p));
  } else {
    const counts = new Array<number>(K).fill(0);
    for (const c of y) (counts[c] as number)++;
    for (let k = 0; k < K; k++) base[k] = Math.log(Math.max(1e-6, (counts[k] as number) / Math.max(1, n)));
  }
  const F = new Float64Array(n * K);
  for (let i = 0; i < n; i++) for (let k = 0; k < K; k++) F[i * K + k] = base[k] as number;

  const g = new Float64Array(n);
  const h = new Float64Array(n);
  const prob = new Float64Array(n * K);
  const histG = new Float64Array(maxBins);
  const histH = new Float64Array(maxBins);
  const trees: GbdtTree[][] = [];
  const trainLoss: number[] = [];

  const gradients = (k: number): void => {
    for (let i = 0; i < n; i++) {
      const yi = y[i] as number;
      if (options.loss === 'squared') {
        g[i] = (F[i] as number) - yi;
        h[i] = 1;
      } else if (options.loss === 'logistic') {
        const p = 1 / (1 + Math.exp(-(F[i] as number)));
        g[i] = p - yi;
        h[i] = Math.max(p * (1 - p), 1e-16);
      } else {
        const p = prob[i * K + k] as number;
        g[i] = p - (yi === k ? 1 : 0);
        h[i] = Math.max(p * (1 - p), 1e-16);
      }
    }
  };

  const buildTree = (rows: Int32Array, features: readonly number[]): GbdtTree => {
    const tree: GbdtTree = { feature: [], threshold: [], left: [], right: [], value: [] };
    const grow = (idx: Int32Array, depth: number): number => {
      const node = tree.feature.length;
      tree.feature.push(-1);
      tree.threshold.push(0);
      tree.left.push(-1);
      tree.right.push(-1);
      let G = 0;
      let H = 0;
      for (const i of idx) {
        G += g[i] as number;
        H += h[i] as number;
      }
      tree.value.push((-G / (H + lambda)) * options.learningRate);
      if (depth >= options.maxDepth || idx.length < 2 || H < 2 * mcw) return node;
      const parent = (G * G) / (H + lambda);
      let bestGain = 0;
      let bestF = -1;
      let bestB = -1;
      for (const f of features) {
        const nb = (thresholds[f] as number[]).length + 1;
        if (nb < 2) continue;
        histG.fill(0, 0, nb);
        histH.fill(0, 0, nb);
        const off = f * n;
        for (const i of idx) {
          const b = bins[off + i] as number;
          histG[b] = (histG[b] as number) + (g[i] as number);
          histH[b] = (histH[b] as number) + (h[i] as number);
        }
        let GL = 0;
        let HL = 0;
        for (let b = 0; b < nb - 1; b++) {
          GL += histG[b] as number;
          HL += histH[b] as number;
          if (HL < mcw) continue;
          const HR = H - HL;
          if (HR < mcw) break;
          const GR = G - GL;
          const gain = 0.5 * ((GL * GL) / (HL + lambda) + (GR * GR) / (HR + lambda) - parent) - gamma;
          if (gain > bestGain) {
            bestGain = gain;
            bestF = f;
            bestB = b;
          }
        }
      }
      if (bestF < 0) return node;
      const { left: li, right: ri } = splitRows(binned, idx, bestF, bestB);
      tree.feature[node] = bestF;
      tree.threshold[node] = (thresholds[bestF] as number[])[bestB] as number;
      const l = grow(li, depth + 1);
      const r = grow(ri, depth + 1);
      tree.left[node] = l;
      tree.right[node] = r;
      return node;
    };
    grow(rows, 0);
    return tree;
  };

  const allFeatures = Array.from({ length: d }, (_, f) => f);
  for (let round = 0; round < options.nRounds; round++) {
    options.beforeRound?.(round, options.nRounds);
    let rows: Int32Array;
    if (subsample < 1) {
      const keep: number[] = [];
      for (let i = 0; i < n; i++) if (rng.random() < subsample) keep.push(i);
      rows = Int32Array.from(keep.length > 0 ? keep : [0]);
    } else rows = Int32Array.from({ length: n }, (_, i) => i);
    if (options.loss === 'softmax') softmaxInto(F, prob, n, K);
    const roundTrees: GbdtTree[] = [];
    for (let k = 0; k < K; k++) {
      let features = allFeatures;
      if (colsample < 1 && d > 1) {
        const m = Math.max(1, Math.round(colsample * d));
        features = rng
          .shuffled(allFeatures)
          .slice(0, m)
          .sort((a, b) => a - b);
      }
      gradients(k);
      roundTrees.push(buildTree(rows, features));
    }
    for (let i = 0; i < n; i++) {
      const xi = x[i] as readonly number[];
      for (let k = 0; k < K; k++) F[i * K + k] = (F[i * K + k] as number) + treeOutput(roundTrees[k] as GbdtTree, xi);
    }
    trees.push(roundTrees);
    trainLoss.push(meanLoss(options.loss, F, y, n, K, prob));
  }
  return { state: { loss: options.loss, nOutputs: K, base, trees }, trainLoss };
}

function treeOutput(tree: GbdtTree, x: readonly number[]): number {
  return tree.value[leafNode(tree, x)] as number;
}

function softmaxInto(F: Float64Array, out: Float64Array, n: number, K: number): void {
  for (let i = 0; i < n; i++) {
    let m = Number.NEGATIVE_INFINITY;
    for (let k = 0; k < K; k++) m = Math.max(m, F[i * K + k] as number);
    let s = 0;
    for (let k = 0; k < K; k++) {
      const e = Math.exp((F[i * K + k] as number) - m);
      out[i * K + k] = e;
      s += e;
    }
    for (let k = 0; k < K; k++) out[i * K + k] = (out[i * K + k] as number) / s;
  }
}

function meanLoss(loss: GbdtLoss, F: Float64Array, y: readonly number[], n: number, K: number, scratch: Float64Array): number {
  let total = 0;
  if (loss === 'squared') for (let i = 0; i < n; i++) total += 0.5 * ((F[i] as number) - (y[i] as number)) ** 2;
  else if (loss === 'logistic') {
    for (let i = 0; i < n; i++) {
      const f = F[i] as number;
      // log(1 + e^f) − y·f, computed stably.
      total += Math.max(f, 0) + Math.log1p(Math.exp(-Math.abs(f))) - (y[i] as number) * f;
    }
  } else {
    softmaxInto(F, scratch, n, K);
    for (let i = 0; i < n; i++) total -= Math.log(Math.max(1e-15, scratch[i * K + (y[i] as number)] as number));
  }
  return total / Math.max(1, n);
}

/** Raw scores, n × nOutputs, row-major. */
export function gbdtRaw(state: GbdtState, x: readonly (readonly number[])[]): Float64Array {
  const K = state.nOutputs;
  const out = new Float64Array(x.length * K);
  x.forEach((xi, i) => {
    for (let k = 0; k < K; k++) {
      let s = state.base[k] as number;
      for (const round of state.trees) s += treeOutput(round[k] as GbdtTree, xi);
      out[i * K + k] = s;
    }
  });
  return out;
}

/** Class probabilities (logistic, softmax). */
export function gbdtProba(state: GbdtState, x: readonly (readonly number[])[]): number[][] {
  const raw = gbdtRaw(state, x);
  const K = state.nOutputs;
  if (state.loss === 'logistic') {
    return x.map((_, i) => {
      const p = 1 / (1 + Math.exp(-(raw[i] as number)));
      return [1 - p, p];
    });
  }
  const p = new Float64Array(raw.length);
  softmaxInto(raw, p, x.length, K);
  return x.map((_, i) => Array.from(p.subarray(i * K, (i + 1) * K)));
}

class FittedGbdt implements FittedModel {
  constructor(readonly state: GbdtState) {}
  predict(x: readonly (readonly number[])[]): number[] {
    if (this.state.loss === 'squared') return Array.from(gbdtRaw(this.state, x));
    return this.predictProba(x).map(argmax);
  }
  predictProba(x: readonly (readonly number[])[]): number[][] {
    return gbdtProba(this.state, x);
  }
  toJSON(): unknown {
    return this.state;
  }
}

const SPACE: readonly HyperParam[] = [
  { kind: 'int', name: 'nRounds', low: 20, high: 500, log: true },
  { kind: 'float', name: 'learningRate', low: 0.01, high: 0.3, log: true },
  { kind: 'int', name: 'maxDepth', low: 2, high: 10 },
  { kind: 'float', name: 'minChildWeight', low: 1e-3, high: 10, log: true },
  { kind: 'float', name: 'lambda', low: 1e-3, high: 10, log: true },
  { kind: 'float', name: 'subsample', low: 0.5, high: 1 },
  { kind: 'float', name: 'colsample', low: 0.3, high: 1 },
];

export const gbdtFamily: ModelFamily = {
  name: 'gbdt',
  tasks: ['classification', 'regression'],
  scale: false,
  space: () => SPACE,
  async fit(x: number[][], y: number[], p: ModelParams, ctx: FitContext): Promise<FittedModel> {
    const loss: GbdtLoss = ctx.task === 'regression' ? 'squared' : ctx.nClasses === 2 ? 'logistic' : 'softmax';
    const { state } = trainGbdt(x, y, {
      loss,
      nClasses: ctx.nClasses,
      nRounds: num(p, 'nRounds'),
      learningRate: num(p, 'learningRate'),
      maxDepth: num(p, 'maxDepth'),
      minChildWeight: num(p, 'minChildWeight'),
      lambda: num(p, 'lambda'),
      subsample: num(p, 'subsample'),
      colsample: num(p, 'colsample'),
      seed: ctx.seed,
      beforeRound: (done, total) => checkDeadline(ctx, 'gbdt', () => `after ${done} of ${total} rounds`),
    });
    return new FittedGbdt(state);
  },
  async load(state: unknown): Promise<FittedModel> {
    return new FittedGbdt(state as GbdtState);
  },
};
