/**
 * Gaussian-process regression: the posterior, and the kernel hyperparameters
 * by maximum a posteriori (marginal likelihood plus log priors).
 *
 * Notation (Rasmussen & Williams 2006, ch. 2 and 5): X is n×d (rows are
 * encoded trials), y the n standardized targets (to be maximized),
 * K = k(X, X) + σ_n²·I = L·Lᵀ, α = K⁻¹y. For a point x with k* = k(X, x):
 *   μ(x) = k*ᵀα,  σ²(x) = σ² − vᵀv with v = L⁻¹k*.
 * The log marginal likelihood is
 *   log p(y | ψ) = −½ yᵀα − Σ log L_ii − (n/2) log 2π,
 * with gradient ∂/∂ψ = ½ tr((ααᵀ − K⁻¹) ∂K/∂ψ) (eq. 5.9). The
 * hyperparameters are searched as ψ = (log θ_1…θ_d, log σ², log(σ_n² − σ_min²)),
 * with Optuna's priors (`optuna/_gp/prior.py`): −Σ(0.1/θ_j + 0.1·θ_j) on
 * the inverse squared lengthscales, Gamma(2, 1) on σ² and Gamma(1.1, 30) on
 * σ_n², by L-BFGS-B from several starts.
 */
import { choleskyInverse, choleskyWithJitter, IncrementalCholesky } from '../../math/linalg.js';
import { minimizeLbfgsb } from '../../math/lbfgsb.js';
import { type KernelParams, matern52, squaredDistance } from './kernel.js';

const LOG_2PI = Math.log(2 * Math.PI);
const SQRT5 = Math.sqrt(5);

/** Smallest noise variance (on standardized targets), as Optuna's DEFAULT_MINIMUM_NOISE_VAR. */
export const MINIMUM_NOISE_VAR = 1e-6;

/** Training data on the encoded cube: x is n×d row-major. */
export interface GpData {
  readonly x: Float64Array;
  readonly y: Float64Array;
  readonly n: number;
  readonly d: number;
  readonly isCategorical: Uint8Array;
}

export interface FitOptions {
  /** Fix σ_n² at the minimum (a noise-free objective). */
  readonly deterministic?: boolean;
  readonly minNoise?: number;
  /** Starting points besides the default (θ = 1, σ² = 1, σ_n² = 1): typically the previous fit. */
  readonly warmStarts?: readonly KernelParams[];
  /** Also start from the default (true unless warm starts are given and this is false). */
  readonly defaultStart?: boolean;
  /** L-BFGS-B's projected-gradient tolerance (Optuna: 1e-2). */
  readonly pgtol?: number;
  readonly maxIterations?: number;
}

/** Bounds on ψ keep the search away from overflow; the priors keep it well inside them. */
const LOG_THETA_BOUNDS = [Math.log(1e-4), Math.log(1e4)] as const;
const LOG_SIGNAL_BOUNDS = [Math.log(1e-3), Math.log(1e3)] as const;
const LOG_NOISE_BOUNDS = [Math.log(1e-10), Math.log(10)] as const;

export function paramsToPsi(p: KernelParams, minNoise: number): Float64Array {
  const d = p.invSqLengthscales.length;
  const psi = new Float64Array(d + 2);
  for (let j = 0; j < d; j++) psi[j] = Math.log(p.invSqLengthscales[j] as number);
  psi[d] = Math.log(p.signalVar);
  psi[d + 1] = Math.log(Math.max(p.noiseVar - minNoise, 1e-10));
  return psi;
}

export function psiToParams(psi: Float64Array, d: number, minNoise: number, deterministic: boolean): KernelParams {
  const theta = new Float64Array(d);
  for (let j = 0; j < d; j++) theta[j] = Math.exp(psi[j] as number);
  return { invSqLengthscales: theta, signalVar: Math.exp(psi[d] as number), noiseVar: deterministic ? minNoise : minNoise + Math.exp(psi[d + 1] as number) };
}

export function defaultKernelParams(d: number): KernelParams {
  return { invSqLengthscales: new Float64Array(d).fill(1), signalVar: 1, noiseVar: 1 };
}

/**
 * −(log p(y | ψ) + log prior(ψ)) and its gradient in ψ, with workspaces
 * reused across evaluations (n² each).
 */
export class NegLogPosterior {
  private readonly k: Float64Array;
  private readonly dm: Float64Array;
  private readonly kinv: Float64Array;
  private readonly work: Float64Array;
  private readonly alpha: Float64Array;
  private readonly gTheta: Float64Array;

  constructor(
    private readonly data: GpData,
    private readonly minNoise: number,
    private readonly deterministic: boolean,
  ) {
    const n = data.n;
    this.k = new Float64Array(n * n);
    this.dm = new Float64Array(n * n);
    this.kinv = new Float64Array(n * n);
    this.work = new Float64Array(n * n);
    this.alpha = new Float64Array(n);
    this.gTheta = new Float64Array(data.d);
  }

  /** The loss at ψ; writes its gradient into `grad` (length d + 2). Infinity when K does not factor. */
  evaluate(psi: Float64Array, grad: Float64Array): number {
    const { x, y, n, d, isCategorical } = this.data;
    const p = psiToParams(psi, d, this.minNoise, this.deterministic);
    const theta = p.invSqLengthscales;
    const s2 = p.signalVar;
    const noise = p.noiseVar;
    const k = this.k;
    const dm = this.dm;
    // K (kernel part) and σ²·M'(r²) in the lower triangle.
    for (let a = 0; a < n; a++) {
      for (let b = 0; b < a; b++) {
        const r2 = squaredDistance(x, a, x, b, d, theta, isCategorical);
        const s = SQRT5 * Math.sqrt(r2);
        const e = Math.exp(-s);
        k[a * n + b] = s2 * (1 + s + (s * s) / 3) * e;
        dm[a * n + b] = s2 * (-5 / 6) * (1 + s) * e;
      }
      k[a * n + a] = s2 + noise;
    }
    const chol = choleskyWithJitter(k, n, { maxTries: 3 });
    if (chol === null) {
      grad.fill(0);
      return Number.POSITIVE_INFINITY;
    }
    const l = chol.l;
    // α = K⁻¹y by two triangular solves.
    const alpha = this.alpha;
    for (let i = 0; i < n; i++) {
      let s = y[i] as number;
      for (let j = 0; j < i; j++) s -= (l[i * n + j] as number) * (alpha[j] as number);
      alpha[i] = s / (l[i * n + i] as number);
    }
    let quad = 0;
    let logDet = 0;
    for (let i = 0; i < n; i++) {
      quad += (alpha[i] as number) * (alpha[i] as number);
      logDet += Math.log(l[i * n + i] as number);
    }
    for (let i = n - 1; i >= 0; i--) {
      const ai = (alpha[i] as number) / (l[i * n + i] as number);
      alpha[i] = ai;
      for (let j = 0; j < i; j++) alpha[j] = (alpha[j] as number) - (l[i * n + j] as number) * ai;
    }
    const nll = 0.5 * quad + logDet + 0.5 * n * LOG_2PI;
    const kinv = choleskyInverse(l, n, this.kinv, n, this.work);
    // ∂(log p)/∂ψ = ½ tr(W ∂K/∂ψ) with W = ααᵀ − K⁻¹, summed over the lower triangle twice.
    const gTheta = this.gTheta.fill(0);
    let gSignal = 0;
    let trW = 0;
    for (let a = 0; a < n; a++) {
      const aa = alpha[a] as number;
      const oa = a * d;
      for (let b = 0; b < a; b++) {
        const w = aa * (alpha[b] as number) - (kinv[a * n + b] as number);
        gSignal += w * (k[a * n + b] as number);
        const c = w * (dm[a * n + b] as number);
        const ob = b * d;
        for (let j = 0; j < d; j++) {
          const diff = (x[oa + j] as number) - (x[ob + j] as number);
          gTheta[j] = (gTheta[j] as number) + c * (isCategorical[j] ? (diff === 0 ? 0 : 1) : diff * diff);
        }
      }
      const waa = aa * aa - (kinv[a * n + a] as number);
      trW += waa;
      gSignal += 0.5 * waa * s2;
    }
    // Log prior and its gradient.
    let logPrior = 0;
    for (let j = 0; j < d; j++) {
      const t = theta[j] as number;
      logPrior -= 0.1 / t + 0.1 * t;
      grad[j] = -(gTheta[j] as number) * t - (0.1 / t - 0.1 * t);
    }
    logPrior += Math.log(s2) - s2;
    grad[d] = -gSignal - (1 - s2);
    logPrior += 0.1 * Math.log(noise) - 30 * noise;
    if (this.deterministic) {
      grad[d + 1] = 0;
    } else {
      const e = noise - this.minNoise;
      grad[d + 1] = -0.5 * trW * e - (0.1 / noise - 30) * e;
    }
    return nll - logPrior;
  }
}

/**
 * The maximum a posteriori hyperparameters, the best of L-BFGS-B runs from the
 * default start and the warm starts.
 */
export function fitKernelParams(data: GpData, options: FitOptions = {}): KernelParams {
  const d = data.d;
  const minNoise = options.minNoise ?? MINIMUM_NOISE_VAR;
  const deterministic = options.deterministic ?? false;
  const loss = new NegLogPosterior(data, minNoise, deterministic);
  const lower = new Float64Array(d + 2);
  const upper = new Float64Array(d + 2);
  lower.fill(LOG_THETA_BOUNDS[0], 0, d);
  upper.fill(LOG_THETA_BOUNDS[1], 0, d);
  lower[d] = LOG_SIGNAL_BOUNDS[0];
  upper[d] = LOG_SIGNAL_BOUNDS[1];
  lower[d + 1] = deterministic ? 0 : LOG_NOISE_BOUNDS[0];
  upper[d + 1] = deterministic ? 0 : LOG_NOISE_BOUNDS[1];
  const starts: Float64Array[] = [];
  for (const w of options.warmStarts ?? []) if (w.invSqLengthscales.length === d) starts.push(paramsToPsi(w, minNoise));
  if (options.defaultStart !== false || starts.length === 0) starts.push(paramsToPsi(defaultKernelParams(d), minNoise));
  let best: { f: number; psi: Float64Array } | null = null;
  for (const start of starts) {
    if (deterministic) start[d + 1] = 0;
    for (let i = 0; i < d + 2; i++) start[i] = Math.min(upper[i] as number, Math.max(lower[i] as number, start[i] as number));
    const r = minimizeLbfgsb((psi, g) => loss.evaluate(psi, g), start, {
      lower,
      upper,
      pgtol: options.pgtol ?? 1e-2,
      maxIterations: options.maxIterations ?? 200,
    });
    if (Number.isFinite(r.f) && (best === null || r.f < best.f)) best = { f: r.f, psi: r.x };
  }
  if (best === null) return defaultKernelParams(d);
  return psiToParams(best.psi, d, minNoise, deterministic);
}

/**
 * A fitted Gaussian process: the factor of K, α, and the posterior at new
 * points. Rows can be appended in O(n²) each with the hyperparameters kept.
 */
export class GaussianProcess {
  readonly d: number;
  readonly isCategorical: Uint8Array;
  readonly params: KernelParams;
  /** Training inputs, row-major, with room to grow. */
  private x: Float64Array;
  private y: Float64Array;
  n = 0;
  private chol: IncrementalCholesky;
  /** K(x, x) for a new row: σ² + σ_n² + any jitter the factorization needed. */
  private diag: number;
  alpha: Float64Array;
  private readonly kv: Float64Array[] = [];

  private constructor(d: number, isCategorical: Uint8Array, params: KernelParams, chol: IncrementalCholesky, x: Float64Array, diag: number) {
    this.d = d;
    this.isCategorical = isCategorical;
    this.params = params;
    this.chol = chol;
    this.x = x;
    this.y = new Float64Array(0);
    this.alpha = new Float64Array(0);
    this.diag = diag;
  }

  /** Factors K(X, X) + σ_n²I (with jitter if it must). */
  static build(data: GpData, params: KernelParams): GaussianProcess {
    const { n, d } = data;
    const a = new Float64Array(n * n);
    const s2 = params.signalVar;
    for (let i = 0; i < n; i++) {
      a[i * n + i] = s2 + params.noiseVar;
      for (let j = 0; j < i; j++) a[i * n + j] = s2 * matern52(squaredDistance(data.x, i, data.x, j, d, params.invSqLengthscales, data.isCategorical));
    }
    const f = choleskyWithJitter(a, n, { maxTries: 12 });
    if (f === null) throw new Error('the kernel matrix is not positive definite even with jitter');
    const cap = Math.max(16, n + 8);
    const x = new Float64Array(cap * d);
    x.set(data.x.subarray(0, n * d));
    const gp = new GaussianProcess(d, data.isCategorical, params, IncrementalCholesky.fromFactor(f.l, n, cap), x, s2 + params.noiseVar + f.jitter);
    gp.n = n;
    gp.setTargets(data.y.subarray(0, n));
    return gp;
  }

  /** A deep copy that can be appended to without changing this one. */
  clone(extra = 0): GaussianProcess {
    const gp = new GaussianProcess(this.d, this.isCategorical, this.params, this.chol.clone(extra), this.x.slice(), this.diag);
    gp.n = this.n;
    gp.y = this.y.slice();
    gp.alpha = this.alpha.slice();
    return gp;
  }

  /** The targets, in row order. */
  targets(): Float64Array {
    return this.y.slice();
  }

  /** Recomputes α = K⁻¹y for new targets (same inputs), O(n²). */
  setTargets(y: ArrayLike<number>): void {
    if (y.length !== this.n) throw new RangeError(`expected ${this.n} targets, got ${y.length}`);
    this.y = Float64Array.from(y);
    this.alpha = this.chol.solve(this.y);
  }

  /**
   * Appends a training input (row `row` of `xs`) in O(n²), keeping the
   * hyperparameters; α is stale until setTargets. False if K would stop being
   * positive definite (the caller rebuilds).
   */
  appendInput(xs: Float64Array, row: number): boolean {
    const d = this.d;
    const n = this.n;
    const k = this.scratch(n);
    for (let a = 0; a < n; a++)
      k[a] = this.params.signalVar * matern52(squaredDistance(xs, row, this.x, a, d, this.params.invSqLengthscales, this.isCategorical));
    if (!this.chol.append(k.subarray(0, n), this.diag)) return false;
    if ((n + 1) * d > this.x.length) {
      const grown = new Float64Array(Math.max(2 * this.x.length, (n + 1) * d));
      grown.set(this.x);
      this.x = grown;
    }
    this.x.set(xs.subarray(row * d, row * d + d), n * d);
    this.n = n + 1;
    return true;
  }

  private scratch(n: number, slot = 0): Float64Array {
    let s = this.kv[slot];
    if (s === undefined || s.length < n) {
      s = new Float64Array(Math.max(n, 16) * 2);
      this.kv[slot] = s;
    }
    return s;
  }

  /** Posterior mean and variance at row `row` of xs. */
  posterior(xs: Float64Array, row: number, out: { mean: number; variance: number }): void {
    const n = this.n;
    const k = this.scratch(n, 0);
    const theta = this.params.invSqLengthscales;
    const s2 = this.params.signalVar;
    let mean = 0;
    for (let a = 0; a < n; a++) {
      const ka = s2 * matern52(squaredDistance(xs, row, this.x, a, this.d, theta, this.isCategorical));
      k[a] = ka;
      mean += ka * (this.alpha[a] as number);
    }
    const v = this.chol.solveLower(k.subarray(0, n), this.scratch(n, 1).subarray(0, n));
    let vv = 0;
    for (let a = 0; a < n; a++) vv += (v[a] as number) * (v[a] as number);
    out.mean = mean;
    out.variance = Math.max(0, s2 - vv);
  }

  /**
   * Posterior mean and variance at x (length d) with their gradients in x
   * (zero on categorical coordinates).
   */
  posteriorWithGrad(x: Float64Array, out: { mean: number; variance: number }, gradMean: Float64Array, gradVar: Float64Array): void {
    const n = this.n;
    const d = this.d;
    const k = this.scratch(n, 0);
    const c = this.scratch(n, 2);
    const theta = this.params.invSqLengthscales;
    const s2 = this.params.signalVar;
    const X = this.x;
    let mean = 0;
    for (let a = 0; a < n; a++) {
      const r2 = squaredDistance(x, 0, X, a, d, theta, this.isCategorical);
      const s = SQRT5 * Math.sqrt(r2);
      const e = Math.exp(-s);
      const ka = s2 * (1 + s + (s * s) / 3) * e;
      k[a] = ka;
      // ∂k_a/∂x_j = 2·σ²·M'(r²)·θ_j·(x_j − X_aj); c_a holds 2·σ²·M'(r²).
      c[a] = 2 * s2 * (-5 / 6) * (1 + s) * e;
      mean += ka * (this.alpha[a] as number);
    }
    const v = this.chol.solveLower(k.subarray(0, n), this.scratch(n, 1).subarray(0, n));
    let vv = 0;
    for (let a = 0; a < n; a++) vv += (v[a] as number) * (v[a] as number);
    // w = K⁻¹k*, in place of v.
    const w = this.chol.solveLowerTranspose(v, v);
    gradMean.fill(0, 0, d);
    gradVar.fill(0, 0, d);
    for (let a = 0; a < n; a++) {
      const ca = c[a] as number;
      const am = ca * (this.alpha[a] as number);
      const av = -2 * ca * (w[a] as number);
      const oa = a * d;
      for (let j = 0; j < d; j++) {
        if (this.isCategorical[j]) continue;
        const diff = (x[j] as number) - (X[oa + j] as number);
        gradMean[j] = (gradMean[j] as number) + am * diff;
        gradVar[j] = (gradVar[j] as number) + av * diff;
      }
    }
    for (let j = 0; j < d; j++) {
      gradMean[j] = (gradMean[j] as number) * (theta[j] as number);
      gradVar[j] = (gradVar[j] as number) * (theta[j] as number);
    }
    out.mean = mean;
    const variance = s2 - vv;
    if (variance <= 0) gradVar.fill(0, 0, d);
    out.variance = Math.max(0, variance);
  }

  /** Posterior means and variances at m points (rows of xs), in blocks sized for the cache. */
  posteriorBatch(xs: Float64Array, m: number, means: Float64Array, variances: Float64Array): void {
    const n = this.n;
    const d = this.d;
    const theta = this.params.invSqLengthscales;
    const s2 = this.params.signalVar;
    const block = Math.max(1, Math.min(m, Math.floor(8192 / Math.max(1, n))));
    const kb = new Float64Array(n * block);
    for (let c0 = 0; c0 < m; c0 += block) {
      const bm = Math.min(block, m - c0);
      // Kb[a, c] = k(X_a, x_{c0+c}).
      for (let a = 0; a < n; a++) {
        const oa = a * bm;
        for (let c = 0; c < bm; c++) kb[oa + c] = s2 * matern52(squaredDistance(xs, c0 + c, this.x, a, d, theta, this.isCategorical));
      }
      for (let c = 0; c < bm; c++) means[c0 + c] = 0;
      for (let a = 0; a < n; a++) {
        const al = this.alpha[a] as number;
        const oa = a * bm;
        for (let c = 0; c < bm; c++) means[c0 + c] = (means[c0 + c] as number) + al * (kb[oa + c] as number);
      }
      this.chol.solveLowerMany(kb.subarray(0, n * bm), bm);
      for (let c = 0; c < bm; c++) variances[c0 + c] = s2;
      for (let a = 0; a < n; a++) {
        const oa = a * bm;
        for (let c = 0; c < bm; c++) {
          const v = kb[oa + c] as number;
          variances[c0 + c] = (variances[c0 + c] as number) - v * v;
        }
      }
      for (let c = 0; c < bm; c++) if (!((variances[c0 + c] as number) > 0)) variances[c0 + c] = 0;
    }
  }
}
