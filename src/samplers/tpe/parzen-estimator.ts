/**
 * The Parzen estimator of TPE: a weighted mixture of product kernels, one
 * kernel per observation plus one wide "prior" kernel (Watanabe 2023,
 * "Tree-structured Parzen estimator: understanding its algorithm components
 * and their roles for better empirical performance", §3).
 *
 * Notation:
 *   p(x) = Σ_k w_k Π_j K_kj(x_j)      k over kernels (observations, then the prior), j over dimensions
 *   continuous j: K_kj = N(t(x); μ_kj, σ_kj²) truncated to [t(low), t(high)], t = log for log scales
 *   discrete j (int, stepped float): K_kj(v) = mass of that truncated normal over v's cell
 *                                    [t(v − step/2), t(v + step/2)], the domain being the union of cells
 *   categorical j: K_kj(c) = row k of a table; an observation's row puts most mass on its choice
 *   R_j = the domain's width on the kernel's scale; the prior kernel has μ = centre, σ = R_j.
 * Bandwidths σ_kj come from a rule ('optuna': 0.2·n^(−1/(d+4))·R_j for every kernel; 'scott': the
 * (weighted) spread of the observations times n^(−1/(d+4)); 'hyperopt': the larger gap to a
 * neighbouring observation) and are clipped to [R_j·max(Δ, (n + 2)^(−α)), R_j] ("magic clip").
 *
 * Values cross this module's boundary in internal representation (floats and
 * ints as themselves, a categorical as its index); the kernel scale is private.
 */
import type { Rng } from '../../math/rng.js';
import type { Distribution } from '../../space/distributions.js';
import { logGaussMass, truncNormFromUniform } from './truncnorm.js';

export type BandwidthRule = 'optuna' | 'scott' | 'hyperopt';

/** One dimension's domain, in the distribution's own units. */
export type KernelDomain =
  | { readonly kind: 'continuous'; readonly low: number; readonly high: number; readonly log: boolean }
  | { readonly kind: 'discrete'; readonly low: number; readonly high: number; readonly step: number; readonly log: boolean }
  | { readonly kind: 'categorical'; readonly n: number };

export interface ParzenEstimatorOptions {
  /** Weight of the prior kernel relative to a mean observation weight of 1 (> 0). */
  readonly priorWeight: number;
  readonly bandwidth: BandwidthRule;
  /** Clip bandwidths from below at R·max(Δ, (n + 2)^(−α)). */
  readonly considerMagicClip: boolean;
  /** Δ of the clip (0.01 in Optuna). */
  readonly minBandwidthFactor: number;
  /** α of the clip (1 in Optuna). */
  readonly magicClipExponent: number;
  /** 'hyperopt' rule: let the outermost observations' gaps reach the domain's ends. */
  readonly considerEndpoints: boolean;
  /**
   * Categorical kernels: null for Optuna's (prior weight spread over all choices,
   * 1 added on the observed one); a number b in (0, 1) for Aitchison-Aitken
   * (1 − b on the observed choice, b shared by the others).
   */
  readonly categoricalPriorWeight: number | null;
}

export const DEFAULT_PARZEN_OPTIONS: ParzenEstimatorOptions = {
  priorWeight: 1,
  bandwidth: 'optuna',
  considerMagicClip: true,
  minBandwidthFactor: 0.01,
  magicClipExponent: 1,
  considerEndpoints: false,
  categoricalPriorWeight: null,
};

export function kernelDomain(d: Distribution): KernelDomain {
  if (d.kind === 'categorical') return { kind: 'categorical', n: d.choices.length };
  if (d.kind === 'int' || d.step !== null) return { kind: 'discrete', low: d.low, high: d.high, step: d.step as number, log: d.log };
  return { kind: 'continuous', low: d.low, high: d.high, log: d.log };
}

/** The kernel-scale bounds of a numerical domain. */
function kernelBounds(dom: KernelDomain & { kind: 'continuous' | 'discrete' }): [number, number] {
  if (dom.kind === 'continuous') return dom.log ? [Math.log(dom.low), Math.log(dom.high)] : [dom.low, dom.high];
  const h = dom.step / 2;
  return dom.log ? [Math.log(dom.low - h), Math.log(dom.high + h)] : [dom.low - h, dom.high + h];
}

interface NumericalDim {
  readonly kind: 'continuous' | 'discrete';
  readonly domain: KernelDomain & { kind: 'continuous' | 'discrete' };
  readonly lo: number;
  readonly hi: number;
  readonly mu: Float64Array;
  readonly sigma: Float64Array;
  /** Continuous: log of the normalizing factor of each kernel's density. Discrete: −log of its mass on the domain. */
  readonly logNorm: Float64Array;
}

interface CategoricalDim {
  readonly kind: 'categorical';
  readonly n: number;
  /** Row k: kernel k's probabilities (cumulative, for sampling). */
  readonly cumulative: Float64Array;
  /** Row k: log of kernel k's probabilities. */
  readonly logP: Float64Array;
}

type Dim = NumericalDim | CategoricalDim;

export class ParzenEstimator {
  /** Number of kernels (observations, plus the prior). */
  readonly nKernels: number;
  private readonly logW: Float64Array;
  private readonly cumW: Float64Array;
  private readonly dims: readonly Dim[];
  private scratch = new Float64Array(0);

  /**
   * @param domains one per dimension
   * @param observations one column per dimension, internal representation, all of one length n
   * @param weights n non-negative observation weights (not all zero when n > 0)
   */
  constructor(domains: readonly KernelDomain[], observations: readonly Float64Array[], weights: Float64Array, options: ParzenEstimatorOptions) {
    const n = weights.length;
    for (const col of observations) if (col.length !== n) throw new RangeError('every observation column must have one value per weight');
    if (!(options.priorWeight > 0)) throw new RangeError(`priorWeight must be positive, got ${options.priorWeight}`);
    const k = n + 1;
    this.nKernels = k;
    // Observation weights are scaled to mean 1 so the prior weight means the same whatever their scale.
    let sum = 0;
    for (let i = 0; i < n; i++) sum += weights[i] as number;
    const w = new Float64Array(k);
    const scale = n > 0 && sum > 0 ? n / sum : 1;
    for (let i = 0; i < n; i++) w[i] = (weights[i] as number) * scale;
    w[n] = n === 0 ? 1 : options.priorWeight;
    let total = 0;
    for (let i = 0; i < k; i++) total += w[i] as number;
    this.logW = new Float64Array(k);
    this.cumW = new Float64Array(k);
    let acc = 0;
    for (let i = 0; i < k; i++) {
      const p = (w[i] as number) / total;
      this.logW[i] = Math.log(p);
      acc += p;
      this.cumW[i] = acc;
    }
    this.cumW[k - 1] = 1;
    const d = domains.length;
    this.dims = domains.map((dom, j) =>
      dom.kind === 'categorical'
        ? buildCategorical(dom.n, observations[j] as Float64Array, options)
        : buildNumerical(dom, observations[j] as Float64Array, w, d, options),
    );
  }

  /** Draws `m` points: column j holds dimension j's values, in internal representation. */
  sample(rng: Rng, m: number): Float64Array[] {
    const out = this.dims.map(() => new Float64Array(m));
    const k = this.nKernels;
    for (let i = 0; i < m; i++) {
      const kernel = searchCumulative(this.cumW, 0, k, rng.random());
      for (let j = 0; j < this.dims.length; j++) {
        const dim = this.dims[j] as Dim;
        const col = out[j] as Float64Array;
        if (dim.kind === 'categorical') {
          col[i] = searchCumulative(dim.cumulative, kernel * dim.n, dim.n, rng.random());
          continue;
        }
        const mu = dim.mu[kernel] as number;
        const sigma = dim.sigma[kernel] as number;
        const z = truncNormFromUniform((dim.lo - mu) / sigma, (dim.hi - mu) / sigma, rng.random());
        const y = Math.min(dim.hi, Math.max(dim.lo, mu + sigma * z));
        col[i] = fromKernelScale(dim.domain, y);
      }
    }
    return out;
  }

  /** log p(x) of `m` points given as columns (internal representation). */
  logPdf(points: readonly Float64Array[], m: number): Float64Array {
    const k = this.nKernels;
    if (this.scratch.length < k * m) this.scratch = new Float64Array(k * m);
    const acc = this.scratch;
    for (let kk = 0; kk < k; kk++) acc.fill(this.logW[kk] as number, kk * m, kk * m + m);
    const y = new Float64Array(m);
    const cellLo = new Float64Array(m);
    const cellHi = new Float64Array(m);
    for (let j = 0; j < this.dims.length; j++) {
      const dim = this.dims[j] as Dim;
      const col = points[j] as Float64Array;
      if (dim.kind === 'categorical') {
        for (let kk = 0; kk < k; kk++) {
          const row = kk * dim.n;
          const base = kk * m;
          for (let i = 0; i < m; i++) acc[base + i] += dim.logP[row + (col[i] as number)] as number;
        }
        continue;
      }
      const { mu, sigma, logNorm } = dim;
      if (dim.kind === 'continuous') {
        for (let i = 0; i < m; i++) y[i] = toKernelScale(dim.domain, col[i] as number);
        for (let kk = 0; kk < k; kk++) {
          const muK = mu[kk] as number;
          const inv = 1 / (sigma[kk] as number);
          const c = logNorm[kk] as number;
          const base = kk * m;
          for (let i = 0; i < m; i++) {
            const z = ((y[i] as number) - muK) * inv;
            acc[base + i] += c - 0.5 * z * z;
          }
        }
      } else {
        const dom = dim.domain as KernelDomain & { kind: 'discrete' };
        const h = dom.step / 2;
        for (let i = 0; i < m; i++) {
          const v = col[i] as number;
          cellLo[i] = Math.max(dim.lo, toKernelScale(dom, v - h));
          cellHi[i] = Math.min(dim.hi, toKernelScale(dom, v + h));
        }
        for (let kk = 0; kk < k; kk++) {
          const muK = mu[kk] as number;
          const inv = 1 / (sigma[kk] as number);
          const c = logNorm[kk] as number;
          const base = kk * m;
          for (let i = 0; i < m; i++) acc[base + i] += c + logGaussMass(((cellLo[i] as number) - muK) * inv, ((cellHi[i] as number) - muK) * inv);
        }
      }
    }
    const out = new Float64Array(m);
    for (let i = 0; i < m; i++) {
      let max = Number.NEGATIVE_INFINITY;
      for (let kk = 0; kk < k; kk++) {
        const v = acc[kk * m + i] as number;
        if (v > max) max = v;
      }
      if (max === Number.NEGATIVE_INFINITY) {
        out[i] = max;
        continue;
      }
      // Terms below e^−40 of the largest cannot change the sum: skip their exp.
      const floor = max - 40;
      let s = 0;
      for (let kk = 0; kk < k; kk++) {
        const v = acc[kk * m + i] as number;
        if (v > floor) s += Math.exp(v - max);
      }
      out[i] = max + Math.log(s);
    }
    return out;
  }
}

function toKernelScale(dom: KernelDomain & { kind: 'continuous' | 'discrete' }, v: number): number {
  return dom.log ? Math.log(v) : v;
}

/** A kernel-scale value back to the domain: exp for log scales, then onto the step grid for discrete ones. */
function fromKernelScale(dom: KernelDomain & { kind: 'continuous' | 'discrete' }, y: number): number {
  const x = dom.log ? Math.exp(y) : y;
  if (dom.kind === 'continuous') return Math.min(dom.high, Math.max(dom.low, x));
  const cells = Math.round((dom.high - dom.low) / dom.step);
  const c = Math.min(cells, Math.max(0, Math.round((x - dom.low) / dom.step)));
  return c === cells ? dom.high : dom.low + c * dom.step;
}

/** Index i in [0, n) of the first cumulative[offset + i] > u (the last one if rounding leaves none). */
function searchCumulative(cumulative: Float64Array, offset: number, n: number, u: number): number {
  let lo = 0;
  let hi = n - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((cumulative[offset + mid] as number) > u) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

function buildNumerical(
  dom: KernelDomain & { kind: 'continuous' | 'discrete' },
  obs: Float64Array,
  w: Float64Array,
  nDims: number,
  options: ParzenEstimatorOptions,
): NumericalDim {
  const n = obs.length;
  const k = n + 1;
  const [lo, hi] = kernelBounds(dom);
  const range = hi - lo;
  const mu = new Float64Array(k);
  for (let i = 0; i < n; i++) mu[i] = Math.min(hi, Math.max(lo, toKernelScale(dom, obs[i] as number)));
  mu[n] = 0.5 * (lo + hi);
  const sigma = new Float64Array(k);
  bandwidths(options.bandwidth, mu, w, n, lo, hi, nDims, options.considerEndpoints, sigma);
  const maxSigma = range;
  const minSigma = options.considerMagicClip ? range * Math.max(options.minBandwidthFactor, (n + 2) ** -options.magicClipExponent) : range * 1e-12;
  for (let i = 0; i < n; i++) sigma[i] = Math.min(maxSigma, Math.max(minSigma, sigma[i] as number));
  sigma[n] = range;
  const logNorm = new Float64Array(k);
  for (let i = 0; i < k; i++) {
    const s = sigma[i] as number;
    const m = mu[i] as number;
    const a = (lo - m) / s;
    const b = (hi - m) / s;
    // Beyond 8.5σ on both sides the missing mass is below 1e-17: the kernel is whole.
    const logMass = a < -8.5 && b > 8.5 ? 0 : logGaussMass(a, b);
    logNorm[i] = dom.kind === 'continuous' ? -Math.log(s) - 0.5 * Math.log(2 * Math.PI) - logMass : -logMass;
  }
  return { kind: dom.kind, domain: dom, lo, hi, mu, sigma, logNorm };
}

/** Writes the rule's bandwidth of observation kernels 0..n−1 into sigma (unclipped). */
function bandwidths(
  rule: BandwidthRule,
  mu: Float64Array,
  w: Float64Array,
  n: number,
  lo: number,
  hi: number,
  nDims: number,
  endpoints: boolean,
  sigma: Float64Array,
): void {
  if (n === 0) return;
  const range = hi - lo;
  if (rule === 'optuna') {
    sigma.fill(0.2 * Math.max(n, 1) ** (-1 / (nDims + 4)) * range, 0, n);
    return;
  }
  if (rule === 'scott') {
    let sw = 0;
    let mean = 0;
    for (let i = 0; i < n; i++) {
      sw += w[i] as number;
      mean += (w[i] as number) * (mu[i] as number);
    }
    mean /= sw;
    let v = 0;
    for (let i = 0; i < n; i++) v += (w[i] as number) * ((mu[i] as number) - mean) ** 2;
    // Effective sample size of the weighted observations.
    let sw2 = 0;
    for (let i = 0; i < n; i++) sw2 += (w[i] as number) ** 2;
    const nEff = (sw * sw) / sw2;
    const std = Math.sqrt(v / sw);
    sigma.fill(std * nEff ** (-1 / (nDims + 4)), 0, n);
    return;
  }
  // hyperopt: the larger gap to a neighbour in sorted order (the prior's centre and the domain's
  // ends included); equal values take consecutive places in observation order, the prior's last.
  const sorted = new Float64Array(n + 1);
  sorted.set(mu.subarray(0, n + 1));
  sorted.sort();
  const last = n;
  let taken: Map<number, number> | null = null;
  for (let i = 0; i < n; i++) {
    const v = mu[i] as number;
    let r = lowerBound(sorted, v);
    if (r < last && (sorted[r + 1] as number) === v) {
      taken ??= new Map();
      const k = taken.get(v) ?? 0;
      taken.set(v, k + 1);
      r += k;
    }
    const left = v - (r > 0 ? (sorted[r - 1] as number) : lo);
    const right = (r < last ? (sorted[r + 1] as number) : hi) - v;
    // Without endpoints, the outermost places take the gap on their inner side only.
    if (!endpoints && r === 0) sigma[i] = right;
    else if (!endpoints && r === last) sigma[i] = left;
    else sigma[i] = Math.max(left, right);
  }
}

/** First index of `sorted` holding a value ≥ v. */
function lowerBound(sorted: Float64Array, v: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((sorted[mid] as number) < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function buildCategorical(nChoices: number, obs: Float64Array, options: ParzenEstimatorOptions): CategoricalDim {
  const n = obs.length;
  const k = n + 1;
  const p = new Float64Array(k * nChoices);
  const b = options.categoricalPriorWeight;
  for (let i = 0; i < n; i++) {
    const row = i * nChoices;
    const c = obs[i] as number;
    if (b === null || nChoices === 1) {
      // Optuna: the prior weight spread over every kernel's row, 1 added on the observed choice.
      const eps = options.priorWeight / k;
      for (let j = 0; j < nChoices; j++) p[row + j] = eps / (1 + eps * nChoices);
      p[row + c] = (1 + eps) / (1 + eps * nChoices);
    } else {
      for (let j = 0; j < nChoices; j++) p[row + j] = b / (nChoices - 1);
      p[row + c] = 1 - b;
    }
  }
  for (let j = 0; j < nChoices; j++) p[n * nChoices + j] = 1 / nChoices;
  const cumulative = new Float64Array(k * nChoices);
  const logP = new Float64Array(k * nChoices);
  for (let i = 0; i < k; i++) {
    let acc = 0;
    for (let j = 0; j < nChoices; j++) {
      const v = p[i * nChoices + j] as number;
      acc += v;
      cumulative[i * nChoices + j] = acc;
      logP[i * nChoices + j] = Math.log(v);
    }
    cumulative[i * nChoices + nChoices - 1] = 1;
  }
  return { kind: 'categorical', n: nChoices, cumulative, logP };
}
