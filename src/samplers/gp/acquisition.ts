/**
 * Acquisition functions on a fitted Gaussian process, to be maximized.
 *
 * Notation: μ(x), σ²(x) the posterior of the (maximized, standardized)
 * objective, f* the best observed target, z = (μ − f*)/σ, and
 * h(z) = E[max(0, Z + z)] = z·Φ(z) + φ(z) for Z ~ N(0, 1). Then
 *   log EI(x) = log σ(x) + log h(z)
 * (Ament et al. 2023, "Unexpected improvements to expected improvement for
 * Bayesian optimization", NeurIPS, eq. 9). For z ≪ 0, h underflows and z·Φ(z)
 * cancels against φ(z); with t = −z and the Mills ratio R(t) = Φ(−t)/φ(t)
 * = 1/(t + c), where c = 1/(t + 2/(t + 3/(t + …))) (Laplace's continued
 * fraction), h(z) = φ(z)·(1 − t·R(t)) = φ(z)·c·R(t) has no cancellation:
 *   log h(z) = −z²/2 − log √(2π) + log c − log(t + c),  d log h/dz = Φ/h = 1/c.
 * A constraint c_i(x) ≤ 0 modelled by its own process (on −c_i, so that
 * feasible is high) contributes log P(feasible) = log Φ((μ_i − t_i)/σ_i).
 */
import { greedyHypervolumeSubset } from '../../math/hypervolume.js';
import { erfcx, logNormalCdf, logNormalCdfGrad, normalCdf, normalPdf } from '../../math/special.js';
import type { GaussianProcess } from './gp.js';

const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);
const SQRT_HALF_PI = Math.sqrt(0.5 * Math.PI);

/** c(t) = 1/(t + 2/(t + 3/(t + …))) by the modified Lentz algorithm; for t ≥ 4. */
function millsTail(t: number): number {
  // Continued fraction b0 + a1/(b1 + a2/(b2 + …)) with b_k = t and a_k = k + 1 (a1 = 2), times 1/·.
  const tiny = 1e-300;
  let f = t;
  let cc = t;
  let dd = 0;
  for (let k = 1; k < 500; k++) {
    const a = k + 1;
    dd = t + a * dd;
    if (dd === 0) dd = tiny;
    cc = t + a / cc;
    if (cc === 0) cc = tiny;
    dd = 1 / dd;
    const delta = cc * dd;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return 1 / f;
}

/** Below this z, log h(z) uses the continued fraction. */
const TAIL = -4;

/** log h(z) = log(z·Φ(z) + φ(z)), accurate for every finite z. */
export function standardLogEi(z: number): number {
  if (z >= -1) return Math.log(z * normalCdf(z) + normalPdf(z));
  if (z >= TAIL) {
    // h = φ(z)·(1 + z·R(−z)), R(t) = √(π/2)·erfcx(t/√2).
    const r = SQRT_HALF_PI * erfcx(-z * Math.SQRT1_2);
    return -0.5 * z * z - LOG_SQRT_2PI + Math.log1p(z * r);
  }
  const t = -z;
  const c = millsTail(t);
  return -0.5 * z * z - LOG_SQRT_2PI + Math.log(c) - Math.log(t + c);
}

/** d log h(z)/dz = Φ(z)/h(z). */
export function standardLogEiGrad(z: number): number {
  if (z >= -1) return normalCdf(z) / (z * normalCdf(z) + normalPdf(z));
  if (z >= TAIL) {
    const r = SQRT_HALF_PI * erfcx(-z * Math.SQRT1_2);
    return r / (1 + z * r);
  }
  return 1 / millsTail(-z);
}

/** A function of the encoded point to maximize. */
export interface Acquisition {
  readonly dim: number;
  /** Values at m points (rows of xs). */
  values(xs: Float64Array, m: number, out: Float64Array): void;
  /** Value at x, writing the gradient (zero on categorical coordinates) into grad. */
  valueAndGrad(x: Float64Array, grad: Float64Array): number;
}

/** Variance added before taking σ, as Optuna's stabilizing noise, so log σ stays finite. */
const STABILIZING_NOISE = 1e-12;

/**
 * An acquisition of the form w·log σ(x) + f(z(x)), z = (μ(x) − threshold)/σ(x),
 * over one GP's posterior: the posterior plumbing and the chain rule are
 * here, the subclass gives f, f′ and w.
 */
abstract class PosteriorScore implements Acquisition {
  readonly dim: number;
  private readonly post = { mean: 0, variance: 0 };
  private readonly gm: Float64Array;
  private readonly gv: Float64Array;
  private means = new Float64Array(0);
  private vars = new Float64Array(0);
  /** w: the weight of log σ in the score. */
  protected abstract readonly logSigmaWeight: number;
  protected abstract f(z: number): number;
  protected abstract fGrad(z: number): number;

  constructor(
    private readonly gp: GaussianProcess,
    private readonly threshold: number,
  ) {
    this.dim = gp.d;
    this.gm = new Float64Array(gp.d);
    this.gv = new Float64Array(gp.d);
  }

  values(xs: Float64Array, m: number, out: Float64Array): void {
    if (this.means.length < m) {
      this.means = new Float64Array(m);
      this.vars = new Float64Array(m);
    }
    this.gp.posteriorBatch(xs, m, this.means, this.vars);
    const w = this.logSigmaWeight;
    for (let i = 0; i < m; i++) {
      const sigma = Math.sqrt((this.vars[i] as number) + STABILIZING_NOISE);
      const z = ((this.means[i] as number) - this.threshold) / sigma;
      out[i] = w === 0 ? this.f(z) : w * Math.log(sigma) + this.f(z);
    }
  }

  valueAndGrad(x: Float64Array, grad: Float64Array): number {
    this.gp.posteriorWithGrad(x, this.post, this.gm, this.gv);
    const sigma = Math.sqrt(this.post.variance + STABILIZING_NOISE);
    const z = (this.post.mean - this.threshold) / sigma;
    const df = this.fGrad(z);
    const w = this.logSigmaWeight;
    // ∂/∂x [w·log σ + f(z)] with ∂σ = ∂σ²/(2σ) and ∂z = (∂μ − z·∂σ)/σ.
    for (let j = 0; j < this.dim; j++) {
      const dSigma = (this.gv[j] as number) / (2 * sigma);
      grad[j] = (w * dSigma) / sigma + (df * ((this.gm[j] as number) - z * dSigma)) / sigma;
    }
    return w === 0 ? this.f(z) : w * Math.log(sigma) + this.f(z);
  }
}

/** log EI over the threshold f* (the best target so far): log σ + log h(z). */
export class LogEi extends PosteriorScore {
  protected readonly logSigmaWeight = 1;
  protected f(z: number): number {
    return standardLogEi(z);
  }
  protected fGrad(z: number): number {
    return standardLogEiGrad(z);
  }
}

/** log P(g(x) ≥ threshold) for a process g (a constraint's negation, standardized): log Φ(z). */
export class LogProbabilityOfFeasibility extends PosteriorScore {
  protected readonly logSigmaWeight = 0;
  protected f(z: number): number {
    return logNormalCdf(z);
  }
  protected fGrad(z: number): number {
    return logNormalCdfGrad(z);
  }
}

/** The sum of acquisitions (log EI + Σ log P(feasible) for constrained problems). */
export class SumAcquisition implements Acquisition {
  readonly dim: number;
  private buf = new Float64Array(0);
  private readonly g: Float64Array;

  constructor(private readonly terms: readonly Acquisition[]) {
    if (terms.length === 0) throw new RangeError('SumAcquisition needs at least one term');
    this.dim = (terms[0] as Acquisition).dim;
    this.g = new Float64Array(this.dim);
  }

  values(xs: Float64Array, m: number, out: Float64Array): void {
    if (this.buf.length < m) this.buf = new Float64Array(m);
    out.fill(0, 0, m);
    for (const t of this.terms) {
      t.values(xs, m, this.buf);
      for (let i = 0; i < m; i++) out[i] = (out[i] as number) + (this.buf[i] as number);
    }
  }

  valueAndGrad(x: Float64Array, grad: Float64Array): number {
    grad.fill(0, 0, this.dim);
    let v = 0;
    for (const t of this.terms) {
      v += t.valueAndGrad(x, this.g);
      for (let j = 0; j < this.dim; j++) grad[j] = (grad[j] as number) + (this.g[j] as number);
    }
    return v;
  }
}

/**
 * log EHVI (Daulton et al. 2020, "Differentiable expected hypervolume
 * improvement for parallel multi-objective Bayesian optimization", eq. 1, in
 * log space as Ament et al. 2023). Notation: Y the standardized targets of
 * the m objectives (all maximized), r a reference point a little below the
 * worst of each, and P the Pareto front. The region above r that P does not
 * dominate is split into boxes [L_b, U_b): a grid over the first m − 1
 * objectives from P's coordinates, each column open upwards in the last
 * objective from the highest Pareto value that dominates the column (for
 * m = 2, the |P| + 1 boxes between consecutive Pareto points). Then
 *   HVI(y) = Σ_b Π_k clamp(y_k − L_bk, ε, U_bk − L_bk),
 *   log EHVI(x) ≈ log (1/S) Σ_s HVI(μ(x) + σ(x) ⊙ ξ_s)
 * over S fixed quasi-random normal draws ξ_s (deterministic in x, so L-BFGS-B
 * applies); the clamp at ε keeps the sum from underflowing. The grid has (|P| + 1)^(m−1) boxes,
 * so for m ≥ 3 the front is thinned first (see `maxParetoPoints`).
 */
export class LogEhvi implements Acquisition {
  readonly dim: number;
  private readonly m: number;
  private readonly lower: Float64Array;
  private readonly width: Float64Array;
  private readonly nBoxes: number;
  private readonly post: { mean: number; variance: number }[];
  private readonly gm: Float64Array[];
  private readonly gv: Float64Array[];
  private means: Float64Array[];
  private vars: Float64Array[];
  private readonly terms: Float64Array;
  private readonly mu: Float64Array;
  private readonly sigma: Float64Array;
  private readonly partial: Float64Array;

  /**
   * @param y the Pareto-optimal (or all) observed targets, row-major with m columns, all to maximize
   * @param xi S×m standard normal draws
   */
  constructor(
    private readonly gps: readonly GaussianProcess[],
    y: Float64Array,
    private readonly xi: Float64Array,
  ) {
    const m = gps.length;
    if (m < 2) throw new RangeError('LogEhvi needs at least two objectives');
    this.m = m;
    this.dim = (gps[0] as GaussianProcess).d;
    const n = y.length / m;
    // Reference point: a little below the worst observed value of each objective (Optuna's rule).
    const ref = new Float64Array(m).fill(Number.POSITIVE_INFINITY);
    for (let i = 0; i < n; i++) for (let k = 0; k < m; k++) ref[k] = Math.min(ref[k] as number, y[m * i + k] as number);
    for (let k = 0; k < m; k++) {
      const w = -(ref[k] as number);
      ref[k] = -Math.max(1.1 * w, 0.9 * w) - 1e-12;
    }
    let front = paretoRows(y, m);
    const cap = maxParetoPoints(m);
    if (front.length > cap) {
      // Keep the greedy hypervolume subset (computed as minimization, on −y).
      const keep = greedyHypervolumeSubset(
        front.map((p) => p.map((v) => -v)),
        Array.from(ref, (v) => -v),
        cap,
      );
      front = keep.map((i) => front[i] as number[]);
    }
    const boxes = nonDominatedBoxes(front, ref);
    this.nBoxes = boxes.count;
    this.lower = boxes.lower;
    this.width = new Float64Array(m * this.nBoxes);
    for (let i = 0; i < m * this.nBoxes; i++) this.width[i] = Math.max((boxes.upper[i] as number) - (boxes.lower[i] as number), EHVI_EPS);
    this.post = gps.map(() => ({ mean: 0, variance: 0 }));
    this.gm = gps.map(() => new Float64Array(this.dim));
    this.gv = gps.map(() => new Float64Array(this.dim));
    this.means = gps.map(() => new Float64Array(0));
    this.vars = gps.map(() => new Float64Array(0));
    this.terms = new Float64Array((xi.length / m) * this.nBoxes);
    this.mu = new Float64Array(m);
    this.sigma = new Float64Array(m);
    this.partial = new Float64Array(2 * m);
  }

  /**
   * log EHVI at posterior means mu and deviations sigma; with `grad`, ∂/∂μ_k
   * into grad[2k] and ∂/∂σ_k into grad[2k+1]. Every clamped factor is at
   * least ε, so each product is at least ε^m (no underflow for m ≤ 20) and
   * the sum can be formed directly, with one logarithm at the end.
   */
  private evaluate(mu: Float64Array, sigma: Float64Array, grad: Float64Array | null): number {
    const { xi, m, lower, width } = this;
    const S = xi.length / m;
    const B = this.nBoxes;
    const terms = this.terms;
    let sum = 0;
    for (let s = 0; s < S; s++) {
      for (let b = 0; b < B; b++) {
        let t = 1;
        for (let k = 0; k < m; k++) {
          const v = (mu[k] as number) + (sigma[k] as number) * (xi[m * s + k] as number) - (lower[m * b + k] as number);
          t *= v < EHVI_EPS ? EHVI_EPS : Math.min(v, width[m * b + k] as number);
        }
        terms[s * B + b] = t;
        sum += t;
      }
    }
    if (grad !== null) {
      grad.fill(0, 0, 2 * m);
      for (let s = 0; s < S; s++) {
        for (let b = 0; b < B; b++) {
          const w = (terms[s * B + b] as number) / sum;
          for (let k = 0; k < m; k++) {
            const x = xi[m * s + k] as number;
            const v = (mu[k] as number) + (sigma[k] as number) * x - (lower[m * b + k] as number);
            if (v > EHVI_EPS && v < (width[m * b + k] as number)) {
              grad[2 * k] = (grad[2 * k] as number) + w / v;
              grad[2 * k + 1] = (grad[2 * k + 1] as number) + (w * x) / v;
            }
          }
        }
      }
    }
    return Math.log(sum) - Math.log(S);
  }

  values(xs: Float64Array, count: number, out: Float64Array): void {
    const m = this.m;
    for (let k = 0; k < m; k++) {
      if ((this.means[k] as Float64Array).length < count) {
        this.means[k] = new Float64Array(count);
        this.vars[k] = new Float64Array(count);
      }
      (this.gps[k] as GaussianProcess).posteriorBatch(xs, count, this.means[k] as Float64Array, this.vars[k] as Float64Array);
    }
    for (let i = 0; i < count; i++) {
      for (let k = 0; k < m; k++) {
        this.mu[k] = (this.means[k] as Float64Array)[i] as number;
        this.sigma[k] = Math.sqrt(((this.vars[k] as Float64Array)[i] as number) + STABILIZING_NOISE);
      }
      out[i] = this.evaluate(this.mu, this.sigma, null);
    }
  }

  valueAndGrad(x: Float64Array, grad: Float64Array): number {
    const m = this.m;
    for (let k = 0; k < m; k++) {
      const post = this.post[k] as { mean: number; variance: number };
      (this.gps[k] as GaussianProcess).posteriorWithGrad(x, post, this.gm[k] as Float64Array, this.gv[k] as Float64Array);
      this.mu[k] = post.mean;
      this.sigma[k] = Math.sqrt(post.variance + STABILIZING_NOISE);
    }
    const p = this.partial;
    const v = this.evaluate(this.mu, this.sigma, p);
    for (let j = 0; j < this.dim; j++) {
      let g = 0;
      for (let k = 0; k < m; k++) {
        const dSigma = ((this.gv[k] as Float64Array)[j] as number) / (2 * (this.sigma[k] as number));
        g += (p[2 * k] as number) * ((this.gm[k] as Float64Array)[j] as number) + (p[2 * k + 1] as number) * dSigma;
      }
      grad[j] = g;
    }
    return v;
  }
}

/**
 * Boxes [lower, upper) (row-major, m columns) covering the part of the region
 * above `ref` that no point of `front` dominates (all objectives maximized):
 * a grid over the first m − 1 objectives cut at every front coordinate, each
 * column open upwards from the highest last coordinate of a front point that
 * dominates the column's upper corner.
 */
export function nonDominatedBoxes(front: readonly (readonly number[])[], ref: ArrayLike<number>): { lower: Float64Array; upper: Float64Array; count: number } {
  const m = ref.length;
  const cuts: number[][] = [];
  for (let k = 0; k < m - 1; k++) {
    const v = [ref[k] as number, ...front.map((p) => p[k] as number).filter((x) => x > (ref[k] as number))].sort((a, b) => a - b);
    cuts.push(v.filter((x, i) => i === 0 || x !== v[i - 1]));
  }
  const lower: number[] = [];
  const upper: number[] = [];
  const index = new Array<number>(m - 1).fill(0);
  for (;;) {
    const hi: number[] = [];
    for (let k = 0; k < m - 1; k++) {
      const c = cuts[k] as number[];
      const t = index[k] as number;
      lower.push(c[t] as number);
      const u = t + 1 < c.length ? (c[t + 1] as number) : Number.POSITIVE_INFINITY;
      hi.push(u);
      upper.push(u);
    }
    let floor = ref[m - 1] as number;
    for (const p of front) {
      let above = true;
      for (let k = 0; k < m - 1 && above; k++) if ((p[k] as number) < (hi[k] as number)) above = false;
      if (above) floor = Math.max(floor, p[m - 1] as number);
    }
    lower.push(floor);
    upper.push(Number.POSITIVE_INFINITY);
    let k = 0;
    while (k < m - 1) {
      index[k] = (index[k] as number) + 1;
      if ((index[k] as number) < (cuts[k] as number[]).length) break;
      index[k] = 0;
      k++;
    }
    if (k === m - 1) break;
  }
  return { lower: Float64Array.from(lower), upper: Float64Array.from(upper), count: lower.length / m };
}

/** Pareto front cap for m objectives so that the (|P| + 1)^(m−1) boxes stay near 150. */
export function maxParetoPoints(m: number): number {
  return m <= 2 ? Number.POSITIVE_INFINITY : Math.max(1, Math.floor(150 ** (1 / (m - 1))) - 1);
}

/** The non-dominated rows (all objectives maximized), duplicates kept once. */
function paretoRows(y: Float64Array, m: number): number[][] {
  const n = y.length / m;
  const rows = Array.from({ length: n }, (_, i) => Array.from(y.subarray(m * i, m * i + m)));
  const out: number[][] = [];
  for (let i = 0; i < n; i++) {
    const a = rows[i] as number[];
    let dominated = false;
    for (let j = 0; j < n && !dominated; j++) {
      if (j === i) continue;
      const b = rows[j] as number[];
      let ge = true;
      let gt = false;
      for (let k = 0; k < m; k++) {
        if ((b[k] as number) < (a[k] as number)) ge = false;
        else if ((b[k] as number) > (a[k] as number)) gt = true;
      }
      if (ge && (gt || j < i)) dominated = true;
    }
    if (!dominated) out.push(a);
  }
  return out;
}

const EHVI_EPS = 1e-12;
