/**
 * L-BFGS-B: bound-constrained limited-memory quasi-Newton minimization.
 * Byrd, Lu, Nocedal & Zhu (1995), "A limited memory algorithm for bound
 * constrained optimization", SIAM J. Sci. Comput. 16(5):1190-1208, with the
 * subspace step of Morales & Nocedal (2011), ACM TOMS 38(1):7.
 *
 * Notation: minimize f(x) subject to l ≤ x ≤ u (bounds may be infinite), g =
 * ∇f. At iterate x_k the model is m(x) = f + gᵀ(x − x_k) + ½(x − x_k)ᵀB(x − x_k),
 * B the L-BFGS matrix: θI updated by the last m pairs s_i = x_{i+1} − x_i,
 * y_i = g_{i+1} − g_i (θ = yᵀy / sᵀy of the newest pair). One iteration:
 *   1. generalized Cauchy point x^c: the first local minimizer of m along the
 *      projected steepest-descent path P(x_k − t·g), breakpoint by breakpoint;
 *   2. subspace minimization: minimize m over the variables free at x^c (the
 *      others stay at their bounds), giving x̄; the step is P(x̄) if that is a
 *      descent direction, otherwise x^c + α(x̄ − x^c) truncated to the box;
 *   3. a line search along d = x̄ − x_k satisfying the strong Wolfe
 *      conditions (c1 = 1e-3, c2 = 0.9, as scipy's L-BFGS-B).
 * It stops when the projected gradient ‖P(x − g) − x‖∞ ≤ pgtol, or the
 * relative decrease of f falls below factr·ε (scipy's defaults).
 *
 * B is formed densely (n² memory, O(m·n²) per iteration), which suits the
 * few-to-hundreds of variables of a Gaussian process; the paper's compact
 * representation would be needed for very large n.
 */
import { cholesky } from './linalg.js';

/** Returns f(x) and writes ∇f(x) into `grad`. */
export type ObjectiveWithGradient = (x: Float64Array, grad: Float64Array) => number;

export interface LbfgsbOptions {
  /** Lower bounds (−Infinity for none); default all −Infinity. */
  readonly lower?: ArrayLike<number>;
  /** Upper bounds (Infinity for none); default all Infinity. */
  readonly upper?: ArrayLike<number>;
  /** Correction pairs kept (m), default 10. */
  readonly memory?: number;
  readonly maxIterations?: number;
  readonly maxEvaluations?: number;
  /** Stop when the projected gradient's largest component is at most this (default 1e-5). */
  readonly pgtol?: number;
  /** Stop when (f_k − f_{k+1}) / max(|f_k|, |f_{k+1}|, 1) ≤ factr·ε (default 1e7). */
  readonly factr?: number;
}

export type LbfgsbStatus = 'pgtol' | 'ftol' | 'max-iterations' | 'max-evaluations' | 'line-search' | 'non-finite';

export interface LbfgsbResult {
  readonly x: Float64Array;
  readonly f: number;
  readonly grad: Float64Array;
  readonly iterations: number;
  readonly evaluations: number;
  readonly status: LbfgsbStatus;
}

const EPS = 2.220446049250313e-16;
const C1 = 1e-3;
const C2 = 0.9;
const MAX_LINE_SEARCH_EVALS = 20;

function dot(a: Float64Array, b: Float64Array, n: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += (a[i] as number) * (b[i] as number);
  return s;
}

function allFinite(a: Float64Array): boolean {
  for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i] as number)) return false;
  return true;
}

/** ‖P(x − g) − x‖∞. */
export function projectedGradientNorm(x: Float64Array, g: Float64Array, lo: ArrayLike<number>, hi: ArrayLike<number>): number {
  let norm = 0;
  for (let i = 0; i < x.length; i++) {
    let gi = g[i] as number;
    if (gi < 0) gi = Math.max((x[i] as number) - (hi[i] as number), gi);
    else gi = Math.min((x[i] as number) - (lo[i] as number), gi);
    norm = Math.max(norm, Math.abs(gi));
  }
  return norm;
}

/** B = θI followed by the BFGS updates of the stored pairs, oldest first (dense, n×n). */
function lbfgsMatrix(n: number, theta: number, ss: Float64Array[], ys: Float64Array[], b: Float64Array, bs: Float64Array): void {
  b.fill(0);
  for (let i = 0; i < n; i++) b[i * n + i] = theta;
  for (let p = 0; p < ss.length; p++) {
    const s = ss[p] as Float64Array;
    const y = ys[p] as Float64Array;
    for (let i = 0; i < n; i++) {
      let v = 0;
      const ri = i * n;
      for (let j = 0; j < n; j++) v += (b[ri + j] as number) * (s[j] as number);
      bs[i] = v;
    }
    const sbs = dot(s, bs, n);
    const sy = dot(s, y, n);
    if (!(sbs > 0) || !(sy > 0)) continue;
    for (let i = 0; i < n; i++) {
      const ri = i * n;
      const a = (bs[i] as number) / sbs;
      const c = (y[i] as number) / sy;
      for (let j = 0; j < n; j++) b[ri + j] = (b[ri + j] as number) - a * (bs[j] as number) + c * (y[j] as number);
    }
  }
}

/**
 * The generalized Cauchy point (Byrd et al., algorithm CP). Writes x^c into
 * `xc` and marks in `free` the variables not at a bound there.
 */
function cauchyPoint(
  n: number,
  x: Float64Array,
  g: Float64Array,
  lo: Float64Array,
  hi: Float64Array,
  b: Float64Array,
  xc: Float64Array,
  free: Uint8Array,
): void {
  const t = new Float64Array(n);
  const d = new Float64Array(n);
  const order: number[] = [];
  for (let i = 0; i < n; i++) {
    const gi = g[i] as number;
    let ti = Number.POSITIVE_INFINITY;
    if (gi < 0 && (hi[i] as number) < Number.POSITIVE_INFINITY) ti = ((x[i] as number) - (hi[i] as number)) / gi;
    else if (gi > 0 && (lo[i] as number) > Number.NEGATIVE_INFINITY) ti = ((x[i] as number) - (lo[i] as number)) / gi;
    t[i] = ti;
    d[i] = ti <= 0 ? 0 : -gi;
    free[i] = ti <= 0 ? 0 : 1;
    if (ti > 0 && ti < Number.POSITIVE_INFINITY) order.push(i);
  }
  order.sort((p, q) => (t[p] as number) - (t[q] as number));
  const bd = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let v = 0;
    const ri = i * n;
    for (let j = 0; j < n; j++) v += (b[ri + j] as number) * (d[j] as number);
    bd[i] = v;
  }
  const bz = new Float64Array(n);
  let f1 = -dot(d, d, n);
  let f2 = dot(d, bd, n);
  let tOld = 0;
  let dtMin = 0;
  xc.set(x);
  let k = 0;
  for (;;) {
    dtMin = f2 > 0 ? -f1 / f2 : f1 < 0 ? Number.POSITIVE_INFINITY : 0;
    if (k >= order.length) break;
    const bi = order[k] as number;
    const dt = (t[bi] as number) - tOld;
    if (dtMin < dt) break;
    k++;
    for (let i = 0; i < n; i++) bz[i] = (bz[i] as number) + dt * (bd[i] as number);
    tOld = t[bi] as number;
    const db = d[bi] as number;
    xc[bi] = db > 0 ? (hi[bi] as number) : (lo[bi] as number);
    d[bi] = 0;
    free[bi] = 0;
    for (let i = 0; i < n; i++) bd[i] = (bd[i] as number) - (b[i * n + bi] as number) * db;
    f1 = dot(g, d, n) + dot(d, bz, n);
    f2 = dot(d, bd, n);
    if (f1 >= 0) {
      dtMin = 0;
      break;
    }
  }
  if (!(dtMin > 0)) dtMin = 0;
  if (!Number.isFinite(dtMin)) dtMin = 0;
  const tFinal = tOld + dtMin;
  for (let i = 0; i < n; i++) {
    if (d[i] !== 0) {
      const v = (x[i] as number) + tFinal * (d[i] as number);
      xc[i] = Math.min(hi[i] as number, Math.max(lo[i] as number, v));
    }
  }
}

/** x̄: the minimizer of the model over the variables free at x^c (Morales & Nocedal's projected step). */
function subspaceStep(
  n: number,
  x: Float64Array,
  g: Float64Array,
  lo: Float64Array,
  hi: Float64Array,
  b: Float64Array,
  xc: Float64Array,
  free: Uint8Array,
  xbar: Float64Array,
): void {
  xbar.set(xc);
  const idx: number[] = [];
  for (let i = 0; i < n; i++) if (free[i]) idx.push(i);
  const nf = idx.length;
  if (nf === 0) return;
  // Reduced gradient r = g + B(x^c − x) on the free variables.
  const r = new Float64Array(nf);
  for (let a = 0; a < nf; a++) {
    const i = idx[a] as number;
    let v = g[i] as number;
    const ri = i * n;
    for (let j = 0; j < n; j++) v += (b[ri + j] as number) * ((xc[j] as number) - (x[j] as number));
    r[a] = v;
  }
  const bff = new Float64Array(nf * nf);
  for (let a = 0; a < nf; a++) for (let c = 0; c < nf; c++) bff[a * nf + c] = b[(idx[a] as number) * n + (idx[c] as number)] as number;
  const l = new Float64Array(nf * nf);
  if (!cholesky(bff, nf, l)) return;
  // du = −B_FF⁻¹ r.
  const du = new Float64Array(nf);
  for (let i = 0; i < nf; i++) {
    let s = -(r[i] as number);
    for (let k = 0; k < i; k++) s -= (l[i * nf + k] as number) * (du[k] as number);
    du[i] = s / (l[i * nf + i] as number);
  }
  for (let i = nf - 1; i >= 0; i--) {
    let s = du[i] as number;
    for (let k = i + 1; k < nf; k++) s -= (l[k * nf + i] as number) * (du[k] as number);
    du[i] = s / (l[i * nf + i] as number);
  }
  let descent = 0;
  for (let a = 0; a < nf; a++) {
    const i = idx[a] as number;
    const v = Math.min(hi[i] as number, Math.max(lo[i] as number, (xc[i] as number) + (du[a] as number)));
    xbar[i] = v;
  }
  for (let i = 0; i < n; i++) descent += ((xbar[i] as number) - (x[i] as number)) * (g[i] as number);
  if (descent < 0) return;
  // The projected point is not downhill: truncate the step to the box instead.
  let alpha = 1;
  for (let a = 0; a < nf; a++) {
    const i = idx[a] as number;
    const v = du[a] as number;
    if (v > 0) alpha = Math.min(alpha, ((hi[i] as number) - (xc[i] as number)) / v);
    else if (v < 0) alpha = Math.min(alpha, ((lo[i] as number) - (xc[i] as number)) / v);
  }
  alpha = Math.max(0, alpha);
  for (let a = 0; a < nf; a++) {
    const i = idx[a] as number;
    xbar[i] = Math.min(hi[i] as number, Math.max(lo[i] as number, (xc[i] as number) + alpha * (du[a] as number)));
  }
}

interface Probe {
  step: number;
  f: number;
  dphi: number;
  x: Float64Array;
  g: Float64Array;
}

/**
 * A step along d from x satisfying the strong Wolfe conditions (Nocedal &
 * Wright, "Numerical Optimization", algorithms 3.5 and 3.6, with safeguarded
 * cubic interpolation). Returns null when no step decreases f enough.
 */
function lineSearch(
  fg: ObjectiveWithGradient,
  x: Float64Array,
  f0: number,
  d: Float64Array,
  dphi0: number,
  step0: number,
  stepMax: number,
  lo: Float64Array,
  hi: Float64Array,
  budget: { evaluations: number; max: number },
): Probe | null {
  const n = x.length;
  let used = 0;
  const probe = (step: number): Probe => {
    const xt = new Float64Array(n);
    for (let i = 0; i < n; i++) xt[i] = Math.min(hi[i] as number, Math.max(lo[i] as number, (x[i] as number) + step * (d[i] as number)));
    const gt = new Float64Array(n);
    let f = fg(xt, gt);
    budget.evaluations++;
    used++;
    if (!Number.isFinite(f) || !allFinite(gt)) f = Number.POSITIVE_INFINITY;
    return { step, f, dphi: Number.isFinite(f) ? dot(gt, d, n) : Number.NaN, x: xt, g: gt };
  };
  const canEvaluate = (): boolean => used < MAX_LINE_SEARCH_EVALS && budget.evaluations < budget.max;
  const sufficient = (p: Probe): boolean => p.f <= f0 + C1 * p.step * dphi0;
  const curvature = (p: Probe): boolean => Math.abs(p.dphi) <= -C2 * dphi0;

  const zoom = (loP: Probe | null, hiP: Probe): Probe | null => {
    // loP === null stands for step 0 (f0, dphi0).
    let lowP = loP;
    let highP = hiP;
    while (canEvaluate()) {
      const aLo = lowP ? lowP.step : 0;
      const fLo = lowP ? lowP.f : f0;
      const gLo = lowP ? lowP.dphi : dphi0;
      const aHi = highP.step;
      const width = aHi - aLo;
      if (Math.abs(width) <= 1e-16 * Math.max(1, Math.abs(aHi))) break;
      let a = aLo + 0.5 * width;
      if (Number.isFinite(highP.f) && Number.isFinite(highP.dphi)) {
        // Minimizer of the cubic through (aLo, fLo, gLo) and (aHi, fHi, gHi).
        const d1 = gLo + highP.dphi - (3 * (fLo - highP.f)) / (aLo - aHi);
        const disc = d1 * d1 - gLo * highP.dphi;
        if (disc >= 0) {
          const d2 = Math.sign(aHi - aLo) * Math.sqrt(disc);
          const c = aHi - (aHi - aLo) * ((highP.dphi + d2 - d1) / (highP.dphi - gLo + 2 * d2));
          if (Number.isFinite(c)) a = c;
        }
      }
      const lower = Math.min(aLo, aHi) + 0.1 * Math.abs(width);
      const upper = Math.max(aLo, aHi) - 0.1 * Math.abs(width);
      if (!(a >= lower && a <= upper)) a = aLo + 0.5 * width;
      const p = probe(a);
      if (!sufficient(p) || p.f >= fLo) {
        highP = p;
      } else {
        if (curvature(p)) return p;
        if (p.dphi * (aHi - aLo) >= 0) highP = lowP ?? { step: 0, f: f0, dphi: dphi0, x, g: new Float64Array(0) };
        lowP = p;
      }
    }
    return lowP;
  };

  let prev: Probe | null = null;
  let step = Math.min(step0, stepMax);
  while (canEvaluate()) {
    const p = probe(step);
    if (!sufficient(p) || (prev !== null && p.f >= prev.f)) return zoom(prev, p);
    if (curvature(p)) return p;
    if (p.dphi >= 0) return zoom(p, prev ?? { step: 0, f: f0, dphi: dphi0, x, g: new Float64Array(0) });
    if (step >= stepMax) return p;
    prev = p;
    step = Math.min(stepMax, 4 * step);
  }
  return prev;
}

/**
 * Minimizes f within the bounds from x0 (clipped into them).
 * @example minimizeLbfgsb((x, g) => { g[0] = 2 * (x[0] - 3); return (x[0] - 3) ** 2; }, [0], { upper: [2] }) // x ≈ [2]
 */
export function minimizeLbfgsb(fg: ObjectiveWithGradient, x0: ArrayLike<number>, options: LbfgsbOptions = {}): LbfgsbResult {
  const n = x0.length;
  const lo = new Float64Array(n).fill(Number.NEGATIVE_INFINITY);
  const hi = new Float64Array(n).fill(Number.POSITIVE_INFINITY);
  if (options.lower) for (let i = 0; i < n; i++) lo[i] = options.lower[i] as number;
  if (options.upper) for (let i = 0; i < n; i++) hi[i] = options.upper[i] as number;
  for (let i = 0; i < n; i++) {
    if (!((lo[i] as number) <= (hi[i] as number))) throw new RangeError(`bound ${i}: lower ${lo[i]} exceeds upper ${hi[i]}`);
  }
  const m = options.memory ?? 10;
  const maxIterations = options.maxIterations ?? 15000;
  const budget = { evaluations: 0, max: options.maxEvaluations ?? 15000 };
  const pgtol = options.pgtol ?? 1e-5;
  const ftol = (options.factr ?? 1e7) * EPS;

  let x: Float64Array = new Float64Array(n);
  for (let i = 0; i < n; i++) x[i] = Math.min(hi[i] as number, Math.max(lo[i] as number, x0[i] as number));
  let g: Float64Array = new Float64Array(n);
  let f = fg(x, g);
  budget.evaluations++;
  const done = (status: LbfgsbStatus, iterations: number): LbfgsbResult => ({ x, f, grad: g, iterations, evaluations: budget.evaluations, status });
  if (!Number.isFinite(f) || !allFinite(g)) return done('non-finite', 0);

  const ss: Float64Array[] = [];
  const ys: Float64Array[] = [];
  let theta = 1;
  const b = new Float64Array(n * n);
  const bs = new Float64Array(n);
  const xc = new Float64Array(n);
  const xbar = new Float64Array(n);
  const free = new Uint8Array(n);
  const d = new Float64Array(n);
  let iterations = 0;
  for (;;) {
    if (projectedGradientNorm(x, g, lo, hi) <= pgtol) return done('pgtol', iterations);
    if (iterations >= maxIterations) return done('max-iterations', iterations);
    if (budget.evaluations >= budget.max) return done('max-evaluations', iterations);
    lbfgsMatrix(n, theta, ss, ys, b, bs);
    cauchyPoint(n, x, g, lo, hi, b, xc, free);
    subspaceStep(n, x, g, lo, hi, b, xc, free, xbar);
    for (let i = 0; i < n; i++) d[i] = (xbar[i] as number) - (x[i] as number);
    let dphi0 = dot(g, d, n);
    if (!(dphi0 < 0)) {
      if (ss.length > 0) {
        ss.length = 0;
        ys.length = 0;
        theta = 1;
        continue;
      }
      for (let i = 0; i < n; i++) d[i] = Math.min(hi[i] as number, Math.max(lo[i] as number, (x[i] as number) - (g[i] as number))) - (x[i] as number);
      dphi0 = dot(g, d, n);
      if (!(dphi0 < 0)) return done('pgtol', iterations);
    }
    let stepMax = 1e10;
    for (let i = 0; i < n; i++) {
      const di = d[i] as number;
      if (di > 0) stepMax = Math.min(stepMax, ((hi[i] as number) - (x[i] as number)) / di);
      else if (di < 0) stepMax = Math.min(stepMax, ((lo[i] as number) - (x[i] as number)) / di);
    }
    stepMax = Math.max(stepMax, 0);
    const step0 = ss.length === 0 ? Math.min(1 / Math.sqrt(dot(d, d, n)), stepMax) : Math.min(1, stepMax);
    const found = lineSearch(fg, x, f, d, dphi0, step0, stepMax, lo, hi, budget);
    if (found === null || !(found.f < f || (found.f === f && found.step > 0 && dot(found.g, found.g, n) < dot(g, g, n)))) {
      if (ss.length > 0) {
        ss.length = 0;
        ys.length = 0;
        theta = 1;
        continue;
      }
      return done(budget.evaluations >= budget.max ? 'max-evaluations' : 'line-search', iterations);
    }
    iterations++;
    const s = new Float64Array(n);
    const y = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      s[i] = (found.x[i] as number) - (x[i] as number);
      y[i] = (found.g[i] as number) - (g[i] as number);
    }
    const fOld = f;
    x = found.x;
    g = found.g;
    f = found.f;
    const sy = dot(s, y, n);
    const yy = dot(y, y, n);
    if (sy > EPS * yy && sy > 0) {
      ss.push(s);
      ys.push(y);
      if (ss.length > m) {
        ss.shift();
        ys.shift();
      }
      theta = yy / sy;
    }
    if (fOld - f <= ftol * Math.max(Math.abs(fOld), Math.abs(f), 1)) return done('ftol', iterations);
  }
}
