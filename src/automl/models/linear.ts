/**
 * Linear models: multinomial logistic regression for classification and
 * ridge regression for regression.
 *
 * Logistic: as scikit-learn's LogisticRegression (lbfgs), minimise
 *   (1/n) Σᵢ −log softmax(W xᵢ + b)_{yᵢ} + ‖W‖² / (2·C·n)
 * (b not penalised) by L-BFGS (Nocedal, 1980, "Updating quasi-Newton
 * matrices with limited storage": the two-loop recursion with m = 10 pairs
 * and a backtracking Armijo line search), for at most maxIter iterations.
 * Ridge, solved exactly: with X and y centred, w = (XᵀX + αI)⁻¹ Xᵀy by
 * Cholesky, b = ȳ − x̄ᵀw. Models saved from the earlier one-vs-rest
 * gradient-descent classifier (ml-logistic-regression) still load.
 */
import type LogisticRegressionType from 'ml-logistic-regression';
import { InvalidArgumentError } from '../../errors.js';
import { cholesky, choleskySolve } from '../../math/linalg.js';
import { argmax, cjsDefault, type FitContext, type FittedModel, type HyperParam, importOptional, type ModelFamily, num } from './model.js';

export interface RidgeState {
  readonly kind: 'ridge';
  readonly weights: number[];
  readonly intercept: number;
}

/** Ridge regression by the normal equations. */
export function fitRidge(x: readonly (readonly number[])[], y: readonly number[], alpha: number): RidgeState {
  const n = x.length;
  const d = n > 0 ? (x[0] as readonly number[]).length : 0;
  const xm = new Float64Array(d);
  for (const row of x) for (let j = 0; j < d; j++) xm[j] = (xm[j] as number) + (row[j] as number) / n;
  const ym = y.reduce((a, b) => a + b, 0) / n;
  const a = new Float64Array(d * d);
  const b = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    const row = x[i] as readonly number[];
    const yi = (y[i] as number) - ym;
    for (let j = 0; j < d; j++) {
      const xj = (row[j] as number) - (xm[j] as number);
      b[j] = (b[j] as number) + xj * yi;
      for (let k = 0; k <= j; k++) a[j * d + k] = (a[j * d + k] as number) + xj * ((row[k] as number) - (xm[k] as number));
    }
  }
  for (let j = 0; j < d; j++) {
    for (let k = 0; k < j; k++) a[k * d + j] = a[j * d + k] as number;
    a[j * d + j] = (a[j * d + j] as number) + alpha;
  }
  const l = new Float64Array(d * d);
  if (!cholesky(a, d, l)) throw new InvalidArgumentError(`ridge regression: XᵀX + αI is not positive definite (alpha=${alpha}); use a larger alpha`);
  const w = choleskySolve(l, d, b);
  let intercept = ym;
  for (let j = 0; j < d; j++) intercept -= (xm[j] as number) * (w[j] as number);
  return { kind: 'ridge', weights: Array.from(w), intercept };
}

function ridgeModel(s: RidgeState): FittedModel {
  return {
    predict: (x) => x.map((row) => row.reduce((acc, v, j) => acc + v * (s.weights[j] as number), s.intercept)),
    toJSON: () => s,
  };
}

export interface SoftmaxState {
  readonly kind: 'softmax-regression';
  /** K × d, row-major. */
  readonly weights: number[];
  readonly intercepts: number[];
}

/** Minimises f from x0 in place by L-BFGS; fg returns f and writes the gradient. */
function lbfgs(fg: (x: Float64Array, g: Float64Array) => number, x: Float64Array, maxIter: number, gtol: number): void {
  const n = x.length;
  const m = 10;
  const g = new Float64Array(n);
  let f = fg(x, g);
  const ss: Float64Array[] = [];
  const ys: Float64Array[] = [];
  const rho: number[] = [];
  const alpha = new Float64Array(m);
  const dir = new Float64Array(n);
  const xNew = new Float64Array(n);
  const gNew = new Float64Array(n);
  const dot = (a: Float64Array, b: Float64Array): number => {
    let s = 0;
    for (let i = 0; i < n; i++) s += (a[i] as number) * (b[i] as number);
    return s;
  };
  for (let it = 0; it < maxIter; it++) {
    let gmax = 0;
    for (let i = 0; i < n; i++) gmax = Math.max(gmax, Math.abs(g[i] as number));
    if (gmax <= gtol) return;
    // Two-loop recursion: dir = −H g.
    for (let i = 0; i < n; i++) dir[i] = -(g[i] as number);
    for (let j = ss.length - 1; j >= 0; j--) {
      const a = (rho[j] as number) * dot(ss[j] as Float64Array, dir);
      alpha[j] = a;
      const y = ys[j] as Float64Array;
      for (let i = 0; i < n; i++) dir[i] = (dir[i] as number) - a * (y[i] as number);
    }
    if (ss.length > 0) {
      const last = ss.length - 1;
      const gamma = dot(ss[last] as Float64Array, ys[last] as Float64Array) / dot(ys[last] as Float64Array, ys[last] as Float64Array);
      for (let i = 0; i < n; i++) dir[i] = (dir[i] as number) * gamma;
    } else {
      const norm = Math.sqrt(dot(g, g));
      for (let i = 0; i < n; i++) dir[i] = (dir[i] as number) / Math.max(1, norm);
    }
    for (let j = 0; j < ss.length; j++) {
      const b = (rho[j] as number) * dot(ys[j] as Float64Array, dir);
      const s = ss[j] as Float64Array;
      for (let i = 0; i < n; i++) dir[i] = (dir[i] as number) + ((alpha[j] as number) - b) * (s[i] as number);
    }
    let slope = dot(g, dir);
    if (!(slope < 0)) {
      // Not a descent direction: restart from steepest descent.
      ss.length = 0;
      ys.length = 0;
      rho.length = 0;
      for (let i = 0; i < n; i++) dir[i] = -(g[i] as number);
      slope = dot(g, dir);
    }
    let step = 1;
    let fNew = Number.POSITIVE_INFINITY;
    for (let tries = 0; tries < 30; tries++) {
      for (let i = 0; i < n; i++) xNew[i] = (x[i] as number) + step * (dir[i] as number);
      fNew = fg(xNew, gNew);
      if (fNew <= f + 1e-4 * step * slope) break;
      step /= 2;
    }
    if (!(fNew < f)) return;
    const s = new Float64Array(n);
    const y = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      s[i] = (xNew[i] as number) - (x[i] as number);
      y[i] = (gNew[i] as number) - (g[i] as number);
    }
    const sy = dot(s, y);
    if (sy > 1e-12) {
      if (ss.length === m) {
        ss.shift();
        ys.shift();
        rho.shift();
      }
      ss.push(s);
      ys.push(y);
      rho.push(1 / sy);
    }
    x.set(xNew);
    g.set(gNew);
    const decrease = f - fNew;
    f = fNew;
    if (decrease <= 1e-10 * Math.max(1, Math.abs(f))) return;
  }
}

/** Multinomial logistic regression with an L2 penalty of strength 1/C (see the notation block). */
export function fitSoftmax(x: readonly (readonly number[])[], y: readonly number[], nClasses: number, C: number, maxIter: number): SoftmaxState {
  const n = x.length;
  const d = n > 0 ? (x[0] as readonly number[]).length : 0;
  const K = nClasses;
  const flat = new Float64Array(n * d);
  x.forEach((row, i) => {
    for (let j = 0; j < d; j++) flat[i * d + j] = row[j] as number;
  });
  const p = new Float64Array(K);
  const penalty = 1 / (C * n);
  // θ = [W (K × d), b (K)].
  const fg = (theta: Float64Array, grad: Float64Array): number => {
    grad.fill(0);
    let loss = 0;
    for (let i = 0; i < n; i++) {
      let zmax = Number.NEGATIVE_INFINITY;
      for (let k = 0; k < K; k++) {
        let z = theta[K * d + k] as number;
        for (let j = 0; j < d; j++) z += (theta[k * d + j] as number) * (flat[i * d + j] as number);
        p[k] = z;
        if (z > zmax) zmax = z;
      }
      let sum = 0;
      for (let k = 0; k < K; k++) {
        const e = Math.exp((p[k] as number) - zmax);
        p[k] = e;
        sum += e;
      }
      const yi = y[i] as number;
      loss -= Math.log(Math.max((p[yi] as number) / sum, 1e-300));
      for (let k = 0; k < K; k++) {
        const r = ((p[k] as number) / sum - (k === yi ? 1 : 0)) / n;
        grad[K * d + k] = (grad[K * d + k] as number) + r;
        for (let j = 0; j < d; j++) grad[k * d + j] = (grad[k * d + j] as number) + r * (flat[i * d + j] as number);
      }
    }
    loss /= n;
    for (let q = 0; q < K * d; q++) {
      const w = theta[q] as number;
      loss += 0.5 * penalty * w * w;
      grad[q] = (grad[q] as number) + penalty * w;
    }
    return loss;
  };
  const theta = new Float64Array(K * d + K);
  lbfgs(fg, theta, maxIter, 1e-5);
  return { kind: 'softmax-regression', weights: Array.from(theta.subarray(0, K * d)), intercepts: Array.from(theta.subarray(K * d)) };
}

export function softmaxProba(s: SoftmaxState, x: readonly (readonly number[])[]): number[][] {
  const K = s.intercepts.length;
  const d = K > 0 ? s.weights.length / K : 0;
  return x.map((row) => {
    const z = s.intercepts.map((b, k) => {
      let v = b;
      for (let j = 0; j < d; j++) v += (s.weights[k * d + j] as number) * (row[j] as number);
      return v;
    });
    const zmax = Math.max(...z);
    const e = z.map((v) => Math.exp(v - zmax));
    const sum = e.reduce((a, b) => a + b, 0);
    return e.map((v) => v / sum);
  });
}

/** scikit-learn's max_iter. */
export const DEFAULT_MAX_ITER = 100;

function softmaxModel(s: SoftmaxState): FittedModel {
  return {
    predict: (x) => softmaxProba(s, x).map(argmax),
    predictProba: (x) => softmaxProba(s, x),
    toJSON: () => s,
  };
}

interface MlMatrixModule {
  Matrix: { new (rows: number[][]): unknown; columnVector(v: number[]): unknown };
}

/** The legacy (ml-logistic-regression) classifier, for models saved with it. */
async function logistic(): Promise<{ LogisticRegression: typeof LogisticRegressionType; Matrix: MlMatrixModule['Matrix'] }> {
  const LogisticRegression = cjsDefault<typeof LogisticRegressionType>(await importOptional('ml-logistic-regression'));
  const { Matrix } = await importOptional<MlMatrixModule>('ml-matrix');
  return { LogisticRegression, Matrix };
}

const withIntercept = (x: readonly (readonly number[])[]): number[][] => x.map((r) => [...r, 1]);

function logisticModel(model: LogisticRegressionType, Matrix: MlMatrixModule['Matrix'], ctx: FitContext): FittedModel {
  const proba = (x: readonly (readonly number[])[]): number[][] => {
    const m = new Matrix(withIntercept(x));
    // Classifier c scores P(not c); one-vs-rest shares normalised to sum 1.
    const scores = model.classifiers.map((c) => c.testScores(m));
    return x.map((_, i) => {
      const row = Array.from({ length: ctx.nClasses }, (_, c) => 1 - ((scores[c] as number[] | undefined)?.[i] ?? 1) + 1e-12);
      const s = row.reduce((a, b) => a + b, 0);
      return row.map((v) => v / s);
    });
  };
  return {
    predict: (x) => proba(x).map((row) => row.indexOf(Math.max(...row))),
    predictProba: proba,
    toJSON: () => JSON.parse(JSON.stringify(model.toJSON())),
  };
}

export const linearFamily: ModelFamily = {
  name: 'linear',
  tasks: ['classification', 'regression'],
  scale: true,
  space: (task): readonly HyperParam[] =>
    task === 'regression'
      ? [{ kind: 'float', name: 'alpha', low: 1e-4, high: 1e3, log: true }]
      : [{ kind: 'float', name: 'C', low: 1e-3, high: 1e3, log: true }],
  async fit(x, y, p, ctx) {
    if (ctx.task === 'regression') return ridgeModel(fitRidge(x, y, num(p, 'alpha')));
    return softmaxModel(fitSoftmax(x, y, ctx.nClasses, num(p, 'C'), DEFAULT_MAX_ITER));
  },
  async load(state, ctx) {
    if (ctx.task === 'regression') return ridgeModel(state as RidgeState);
    if ((state as { kind?: unknown } | null)?.kind === 'softmax-regression') return softmaxModel(state as SoftmaxState);
    const { LogisticRegression, Matrix } = await logistic();
    return logisticModel(LogisticRegression.load(state), Matrix, ctx);
  },
};
