/**
 * The CMA-ES update (Hansen, "The CMA Evolution Strategy: A Tutorial",
 * arXiv:1604.00772, 2016; equation numbers below refer to it), with the
 * separable variant of Ros & Hansen ("A Simple Modification in CMA-ES
 * Achieving Linear Time and Space Complexity", PPSN 2008).
 *
 * Notation:
 *   n          dimension;  λ population size;  μ = ⌊λ/2⌋ parents
 *   m, σ, C    mean, step size, covariance: candidates x ~ m + σ·N(0, C)
 *   C = B D² Bᵀ  eigendecomposition (B orthogonal, D diagonal); sep-CMA keeps C diagonal
 *   w_i        recombination weights, best first (negative for the worse half: active CMA, eq. 53)
 *   μ_eff      variance-effective selection mass
 *   p_σ, p_c   evolution paths of the step size and of the rank-one update
 *   c_σ, d_σ   cumulation and damping of the step size;  c_c, c_1, c_μ of the covariance
 *
 * Plain arrays in and out: no study, no search space. Candidates are drawn
 * with a caller-supplied Rng, so a candidate is a pure function of (state, stream).
 */
import type { Rng } from '../../math/rng.js';
import { symmetricEigen } from './eigen.js';

const EPS = 1e-8;
const SIGMA_MAX = 1e32;

export interface CmaStateOptions {
  readonly mean: ArrayLike<number>;
  readonly sigma: number;
  /** λ; default 4 + ⌊3 ln n⌋ (eq. 48). */
  readonly popsize?: number;
  /** Initial covariance, n×n row-major (default I); sep-CMA uses its diagonal. */
  readonly cov?: ArrayLike<number>;
  /** Diagonal covariance (sep-CMA): O(n) per candidate, faster learning in high dimension. */
  readonly separable?: boolean;
}

/** Default population size 4 + ⌊3 ln n⌋ (eq. 48). */
export function defaultPopsize(n: number): number {
  return 4 + Math.floor(3 * Math.log(n));
}

export class CmaState {
  readonly n: number;
  readonly popsize: number;
  readonly mu: number;
  readonly separable: boolean;
  /** Best first; length λ. */
  readonly weights: Float64Array;
  readonly muEff: number;
  readonly c1: number;
  readonly cmu: number;
  readonly cc: number;
  readonly cSigma: number;
  readonly dSigma: number;
  /** E‖N(0, I)‖. */
  readonly chiN: number;
  readonly sigma0: number;

  readonly mean: Float64Array;
  sigma: number;
  /** n×n (full) or n (separable). */
  readonly C: Float64Array;
  readonly pSigma: Float64Array;
  readonly pc: Float64Array;
  generation = 0;

  // Termination bookkeeping: best and worst value of the last `funhistTerm` generations.
  private readonly funhistTerm: number;
  private readonly funhist: Float64Array;

  // Eigendecomposition cache, rebuilt lazily after each update: B, D and B·D.
  private eigenValid = false;
  private readonly B: Float64Array;
  private readonly D: Float64Array;
  private readonly BD: Float64Array;
  // Scratch.
  private readonly z: Float64Array;
  private readonly t: Float64Array;

  constructor(options: CmaStateOptions) {
    const n = options.mean.length;
    if (n < 1) throw new RangeError('CmaState: the mean must have at least one dimension');
    if (!(options.sigma > 0) || !Number.isFinite(options.sigma)) throw new RangeError(`CmaState: sigma must be positive and finite, got ${options.sigma}`);
    const lambda = options.popsize ?? defaultPopsize(n);
    if (!Number.isSafeInteger(lambda) || lambda < 2) throw new RangeError(`CmaState: popsize must be an integer >= 2, got ${lambda}`);
    this.n = n;
    this.popsize = lambda;
    this.separable = options.separable ?? false;
    const mu = Math.floor(lambda / 2);
    this.mu = mu;

    // Weights (eq. 49-53).
    const wPrime = new Float64Array(lambda);
    for (let i = 0; i < lambda; i++) wPrime[i] = Math.log((lambda + 1) / 2) - Math.log(i + 1);
    let sumPos = 0;
    let sumPos2 = 0;
    let sumNeg = 0;
    let sumNeg2 = 0;
    for (let i = 0; i < lambda; i++) {
      const w = wPrime[i] as number;
      if (i < mu) {
        sumPos += w;
        sumPos2 += w * w;
      } else {
        sumNeg += w;
        sumNeg2 += w * w;
      }
    }
    const muEff = (sumPos * sumPos) / sumPos2;
    const muEffMinus = sumNeg2 > 0 ? (sumNeg * sumNeg) / sumNeg2 : 0;
    this.muEff = muEff;
    const alphaCov = 2;
    let c1 = alphaCov / ((n + 1.3) ** 2 + muEff);
    let cmu: number;
    if (this.separable) {
      // Ros & Hansen 2008: the full-CMA rank-μ rate scaled by (n + 2) / 3.
      const cmuFull = 2 / muEff / (n + Math.SQRT2) ** 2 + (1 - 1 / muEff) * Math.min(1, (2 * muEff - 1) / ((n + 2) ** 2 + muEff));
      c1 = Math.min(1, (c1 * (n + 2)) / 3);
      cmu = Math.min(1 - c1, ((n + 2) / 3) * cmuFull);
    } else {
      cmu = Math.min(1 - c1 - 1e-8, (alphaCov * (muEff - 2 + 1 / muEff)) / ((n + 2) ** 2 + (alphaCov * muEff) / 2));
    }
    this.c1 = c1;
    this.cmu = cmu;
    this.weights = new Float64Array(lambda);
    if (this.separable) {
      // Positive weights only: the diagonal update has no variance guard for negative ones.
      for (let i = 0; i < mu; i++) this.weights[i] = (wPrime[i] as number) / sumPos;
    } else {
      const alphaMu = 1 + c1 / cmu;
      const alphaMuEff = 1 + (2 * muEffMinus) / (muEff + 2);
      const alphaPosDef = (1 - c1 - cmu) / (n * cmu);
      const minAlpha = Math.min(alphaMu, alphaMuEff, alphaPosDef);
      for (let i = 0; i < lambda; i++) {
        const w = wPrime[i] as number;
        this.weights[i] = w >= 0 ? w / sumPos : (minAlpha * w) / -sumNeg;
      }
    }
    this.cSigma = (muEff + 2) / (n + muEff + 5);
    this.dSigma = 1 + 2 * Math.max(0, Math.sqrt((muEff - 1) / (n + 1)) - 1) + this.cSigma;
    this.cc = (4 + muEff / n) / (n + 4 + (2 * muEff) / n);
    this.chiN = Math.sqrt(n) * (1 - 1 / (4 * n) + 1 / (21 * n * n));

    this.mean = Float64Array.from(options.mean);
    this.sigma = options.sigma;
    this.sigma0 = options.sigma;
    this.C = new Float64Array(this.separable ? n : n * n);
    if (options.cov) {
      if (options.cov.length !== n * n) throw new RangeError(`CmaState: cov must have ${n * n} entries`);
      if (this.separable) for (let i = 0; i < n; i++) this.C[i] = options.cov[i * n + i] as number;
      else this.C.set(options.cov);
    } else if (this.separable) {
      this.C.fill(1);
    } else {
      for (let i = 0; i < n; i++) this.C[i * n + i] = 1;
    }
    this.pSigma = new Float64Array(n);
    this.pc = new Float64Array(n);
    this.funhistTerm = 10 + Math.ceil((30 * n) / lambda);
    this.funhist = new Float64Array(2 * this.funhistTerm);
    this.B = new Float64Array(this.separable ? 0 : n * n);
    this.D = new Float64Array(n);
    this.BD = new Float64Array(this.separable ? 0 : n * n);
    this.z = new Float64Array(n);
    this.t = new Float64Array(n);
  }

  /** Rebuilds B and D from C, clamping eigenvalues at EPS (C is then rebuilt as B D² Bᵀ). */
  private ensureEigen(): void {
    if (this.eigenValid) return;
    const n = this.n;
    const C = this.C;
    if (this.separable) {
      for (let i = 0; i < n; i++) {
        const c = C[i] as number;
        this.D[i] = Math.sqrt(c < 0 ? EPS : c);
      }
    } else {
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < i; j++) {
          const s = ((C[i * n + j] as number) + (C[j * n + i] as number)) / 2;
          C[i * n + j] = s;
          C[j * n + i] = s;
        }
      }
      const { values, vectors } = symmetricEigen(C, n);
      this.B.set(vectors);
      for (let k = 0; k < n; k++) {
        const v = values[k] as number;
        this.D[k] = Math.sqrt(v < 0 ? EPS : v);
      }
      for (let i = 0; i < n; i++) {
        for (let k = 0; k < n; k++) this.BD[i * n + k] = (this.B[i * n + k] as number) * (this.D[k] as number);
      }
      for (let i = 0; i < n; i++) {
        for (let j = 0; j <= i; j++) {
          let s = 0;
          for (let k = 0; k < n; k++) s += (this.BD[i * n + k] as number) * (this.BD[j * n + k] as number);
          C[i * n + j] = s;
          C[j * n + i] = s;
        }
      }
    }
    this.eigenValid = true;
  }

  /** Standard deviations along the principal axes (the diagonal of D). */
  axisLengths(): Float64Array {
    this.ensureEigen();
    return this.D.slice();
  }

  /** C_ii: the variance of coordinate i, in units of σ². */
  variance(i: number): number {
    return (this.separable ? this.C[i] : this.C[i * this.n + i]) as number;
  }

  /** One candidate x = m + σ B D z, written to `out`; z ~ N(0, I) from `rng`, or the given `z`. */
  sample(rng: Rng, out: Float64Array, given?: ArrayLike<number>): Float64Array {
    this.ensureEigen();
    const n = this.n;
    const z = this.z;
    for (let i = 0; i < n; i++) z[i] = given ? (given[i] as number) : rng.normal();
    if (this.separable) {
      for (let i = 0; i < n; i++) out[i] = (this.mean[i] as number) + this.sigma * (this.D[i] as number) * (z[i] as number);
    } else {
      for (let i = 0; i < n; i++) {
        let s = 0;
        const row = i * n;
        for (let k = 0; k < n; k++) s += (this.BD[row + k] as number) * (z[k] as number);
        out[i] = (this.mean[i] as number) + this.sigma * s;
      }
    }
    return out;
  }

  /** out = C^{-1/2} y = B D⁻¹ Bᵀ y. */
  private invSqrtC(y: ArrayLike<number>, out: Float64Array): Float64Array {
    const n = this.n;
    if (this.separable) {
      for (let i = 0; i < n; i++) out[i] = (y[i] as number) / (this.D[i] as number);
      return out;
    }
    const t = this.t;
    for (let k = 0; k < n; k++) {
      let s = 0;
      for (let i = 0; i < n; i++) s += (this.B[i * n + k] as number) * (y[i] as number);
      t[k] = s / (this.D[k] as number);
    }
    for (let i = 0; i < n; i++) {
      let s = 0;
      const row = i * n;
      for (let k = 0; k < n; k++) s += (this.B[row + k] as number) * (t[k] as number);
      out[i] = s;
    }
    return out;
  }

  /** ‖C^{-1/2} (x − m) / σ‖: how many standard deviations x lies from the mean. */
  mahalanobis(x: ArrayLike<number>): number {
    this.ensureEigen();
    const y = new Float64Array(this.n);
    for (let i = 0; i < this.n; i++) y[i] = ((x[i] as number) - (this.mean[i] as number)) / this.sigma;
    const w = this.invSqrtC(y, new Float64Array(this.n));
    let s = 0;
    for (const v of w) s += v * v;
    return Math.sqrt(s);
  }

  /**
   * Pulls a solution not drawn from this distribution (another worker's, an
   * enqueued trial, a warm-start point) to at most √n + 2n/(n+2) standard
   * deviations from the mean, so it cannot derail the step size (Hansen,
   * "Injecting External Solutions Into CMA-ES", 2011).
   */
  clipInjected(x: Float64Array): Float64Array {
    const n = this.n;
    const limit = Math.sqrt(n) + (2 * n) / (n + 2);
    const d = this.mahalanobis(x);
    if (d > limit) {
      const f = limit / d;
      for (let i = 0; i < n; i++) x[i] = (this.mean[i] as number) + f * ((x[i] as number) - (this.mean[i] as number));
    }
    return x;
  }

  /** One generation: λ candidates and their values (lower is better). Updates m, σ, C, p_σ, p_c. */
  update(xs: readonly ArrayLike<number>[], values: readonly number[]): void {
    const n = this.n;
    const lambda = this.popsize;
    if (xs.length !== lambda || values.length !== lambda) throw new RangeError(`CmaState.update: expected ${lambda} solutions, got ${xs.length}`);
    this.ensureEigen();
    const order = Array.from({ length: lambda }, (_, i) => i).sort((a, b) => compareValues(values[a] as number, values[b] as number) || a - b);
    this.generation++;
    const fi = 2 * (this.generation % this.funhistTerm);
    this.funhist[fi] = values[order[0] as number] as number;
    this.funhist[fi + 1] = values[order[lambda - 1] as number] as number;

    // y_k = (x_k − m) / σ, best first.
    const ys: Float64Array[] = [];
    for (let k = 0; k < lambda; k++) {
      const x = xs[order[k] as number] as ArrayLike<number>;
      const y = new Float64Array(n);
      for (let i = 0; i < n; i++) y[i] = ((x[i] as number) - (this.mean[i] as number)) / this.sigma;
      ys.push(y);
    }
    // Selection and recombination (eq. 41-42).
    const yw = new Float64Array(n);
    for (let k = 0; k < this.mu; k++) {
      const w = this.weights[k] as number;
      const y = ys[k] as Float64Array;
      for (let i = 0; i < n; i++) yw[i] = (yw[i] as number) + w * (y[i] as number);
    }
    for (let i = 0; i < n; i++) this.mean[i] = (this.mean[i] as number) + this.sigma * (yw[i] as number);

    // Step-size control (eq. 43-44).
    const cs = this.cSigma;
    const cyw = this.invSqrtC(yw, new Float64Array(n));
    const ks = Math.sqrt(cs * (2 - cs) * this.muEff);
    let normPs = 0;
    for (let i = 0; i < n; i++) {
      const p = (1 - cs) * (this.pSigma[i] as number) + ks * (cyw[i] as number);
      this.pSigma[i] = p;
      normPs += p * p;
    }
    normPs = Math.sqrt(normPs);
    this.sigma = Math.min(SIGMA_MAX, this.sigma * Math.exp((cs / this.dSigma) * (normPs / this.chiN - 1)));

    // Covariance adaptation (eq. 45-47).
    const hSigma = normPs / Math.sqrt(1 - (1 - cs) ** (2 * (this.generation + 1))) < (1.4 + 2 / (n + 1)) * this.chiN ? 1 : 0;
    const cc = this.cc;
    const kc = hSigma * Math.sqrt(cc * (2 - cc) * this.muEff);
    for (let i = 0; i < n; i++) this.pc[i] = (1 - cc) * (this.pc[i] as number) + kc * (yw[i] as number);
    const deltaH = (1 - hSigma) * cc * (2 - cc);
    let sumW = 0;
    for (const w of this.weights) sumW += w;
    const decay = 1 + this.c1 * deltaH - this.c1 - this.cmu * sumW;
    const C = this.C;
    if (this.separable) {
      for (let i = 0; i < n; i++) {
        let rankMu = 0;
        for (let k = 0; k < lambda; k++) {
          const w = this.weights[k] as number;
          if (w !== 0) rankMu += w * ((ys[k] as Float64Array)[i] as number) ** 2;
        }
        C[i] = decay * (C[i] as number) + this.c1 * (this.pc[i] as number) ** 2 + this.cmu * rankMu;
      }
    } else {
      // Negative weights are rescaled by n / ‖C^{-1/2} y‖² so C stays positive definite (eq. 46).
      const wo = new Float64Array(lambda);
      const tmp = new Float64Array(n);
      for (let k = 0; k < lambda; k++) {
        const w = this.weights[k] as number;
        if (w >= 0) {
          wo[k] = w;
        } else {
          const v = this.invSqrtC(ys[k] as Float64Array, tmp);
          let s = 0;
          for (let i = 0; i < n; i++) s += (v[i] as number) ** 2;
          wo[k] = (w * n) / (s + EPS);
        }
      }
      for (let i = 0; i < n; i++) {
        for (let j = 0; j <= i; j++) {
          let rankMu = 0;
          for (let k = 0; k < lambda; k++) {
            const y = ys[k] as Float64Array;
            rankMu += (wo[k] as number) * (y[i] as number) * (y[j] as number);
          }
          const v = decay * (C[i * n + j] as number) + this.c1 * (this.pc[i] as number) * (this.pc[j] as number) + this.cmu * rankMu;
          C[i * n + j] = v;
          C[j * n + i] = v;
        }
      }
    }
    this.eigenValid = false;
  }

  /**
   * The standard termination criteria (tutorial appendix B.3): flat fitness
   * history (TolFun), vanished steps (TolX), divergence (TolXUp), no effect of
   * an axis or a coordinate, and a condition number of C above 1e14.
   */
  shouldStop(tol: { tolFun?: number; tolX?: number } = {}): boolean {
    this.ensureEigen();
    const n = this.n;
    const tolFun = tol.tolFun ?? 1e-12;
    const tolX = tol.tolX ?? 1e-12 * this.sigma0;
    if (this.generation > this.funhistTerm) {
      let lo = Number.POSITIVE_INFINITY;
      let hi = Number.NEGATIVE_INFINITY;
      for (const v of this.funhist) {
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
      if (hi - lo < tolFun) return true;
    }
    let allSmall = true;
    for (let i = 0; i < n && allSmall; i++) {
      if (this.sigma * Math.sqrt(this.variance(i)) >= tolX || Math.abs(this.sigma * (this.pc[i] as number)) >= tolX) allSmall = false;
    }
    if (allSmall) return true;
    let dMax = 0;
    let dMin = Number.POSITIVE_INFINITY;
    for (const d of this.D) {
      if (d > dMax) dMax = d;
      if (d < dMin) dMin = d;
    }
    if (this.sigma * dMax > 1e4) return true;
    for (let i = 0; i < n; i++) {
      const m = this.mean[i] as number;
      if (m === m + 0.2 * this.sigma * Math.sqrt(this.variance(i))) return true;
    }
    const a = this.generation % n;
    let noEffect = true;
    for (let i = 0; i < n && noEffect; i++) {
      const m = this.mean[i] as number;
      const b = this.separable ? (i === a ? 1 : 0) : (this.B[i * n + a] as number);
      if (m !== m + 0.1 * this.sigma * (this.D[a] as number) * b) noEffect = false;
    }
    if (noEffect) return true;
    return dMax / dMin > 1e7; // condition of C = (dMax / dMin)² > 1e14
  }
}

/** Ascending, with NaN last (a NaN never reaches here from a study; kept total for direct use). */
function compareValues(a: number, b: number): number {
  if (a === b) return 0;
  if (Number.isNaN(a)) return 1;
  if (Number.isNaN(b)) return -1;
  return a < b ? -1 : 1;
}
