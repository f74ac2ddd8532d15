/**
 * PED-ANOVA (Watanabe, Bansal & Hutter 2023, "PED-ANOVA: efficiently
 * quantifying hyperparameter importance in arbitrary subspaces", IJCAI).
 *
 * Notation: γ' the baseline quantile, T the top-γ' trials, A all counted
 * trials (the "local" space) or the uniform distribution of the search space
 * ("global"). For a parameter d, p_T and p_A are its marginal densities in T
 * and in A. The variance of the indicator 1[f(x) ≤ f^{γ'}] explained by d
 * within A is (γ')² · D_PE(p_T ‖ p_A), where D_PE(p ‖ q) = Σ_x q(x) (p(x)/q(x) − 1)²
 * is the Pearson divergence (the paper's Theorem 1). Densities are Parzen
 * estimators on a discretized domain: a numeric parameter is rounded to the
 * nearest of `nSteps` points of its range (in log space for log ranges; fewer
 * points for ints and stepped floats), each kernel a discrete Gaussian with
 * Scott's bandwidth (Scott 1992) plus a wide prior kernel; a categorical one
 * uses Optuna's categorical kernel. Defaults follow Optuna's
 * PedAnovaImportanceEvaluator: γ' = 0.1, local space, 50 steps, prior weight
 * 1, at least 2 top trials.
 *
 * A conditional parameter d is assessed within the trials where it is
 * active, A_d, and the top trials among them, T_d = T ∩ A_d:
 * (|T_d|/|A_d|)² · D_PE(p_{T_d} ‖ p_{A_d}) · |A_d|/|A|, the within-regime
 * variance weighted by the regime's share (0 when no top trial has d active).
 * The choice of regime itself is credited to the parent parameter that gates
 * it, not to every parameter it activates. For an unconditional parameter
 * this is the formula above.
 */
import { InvalidArgumentError } from '../errors.js';
import { normalCdf } from '../math/special.js';
import type { ImportanceData, ImportanceFeature } from './dataset.js';
import type { ImportanceEvaluator } from './evaluator.js';

export interface PedAnovaOptions {
  /** Share of the best trials whose distribution is compared with the rest, in (0, 1]. Default 0.1. */
  readonly baselineQuantile?: number;
  /** Compare with the trials of the study (true) or with the whole search space (false). Default true. */
  readonly evaluateOnLocal?: boolean;
  /** Grid points of a numeric parameter's range. Default 50. */
  readonly nSteps?: number;
  /** Weight of the prior kernel. Default 1. */
  readonly priorWeight?: number;
  /** Fewest trials in the top set. Default 2. */
  readonly minTopTrials?: number;
}

const EPS = 1e-12;

/** Grid index of each trial's value (-1 where the parameter is absent) and the number of grid points. */
export function discretize(f: ImportanceFeature, raw: Float64Array, nSteps: number): { bins: Int32Array; size: number } {
  const n = raw.length;
  const bins = new Int32Array(n);
  const d = f.distribution;
  if (d.kind === 'categorical') {
    for (let i = 0; i < n; i++) bins[i] = Number.isNaN(raw[i] as number) ? -1 : (raw[i] as number);
    return { bins, size: d.choices.length };
  }
  let size = nSteps;
  if (d.kind === 'int' && d.log) size = Math.min(Math.ceil(Math.log(d.high - d.low + 1) / Math.log(2)) + 1, nSteps);
  else if (d.step !== null) size = Math.min(Math.round((d.high - d.low) / d.step) + 1, nSteps);
  const scale = d.log ? Math.log : (v: number) => v;
  const lo = scale(d.low);
  const h = (scale(d.high) - lo) / (size - 1);
  for (let i = 0; i < n; i++) {
    const v = raw[i] as number;
    if (Number.isNaN(v)) {
      bins[i] = -1;
      continue;
    }
    // The nearest grid point: the number of points below v − h/2.
    const z = (scale(v) - lo) / h - 0.5;
    bins[i] = Math.min(size - 1, Math.max(0, Math.ceil(z)));
  }
  return { bins, size };
}

/** Probability of each of the `size` grid points under a Gaussian kernel truncated to the grid. */
function discreteGaussian(mu: number, sigma: number, size: number, out: Float64Array, weight: number): void {
  const cdf = (t: number) => normalCdf((t - mu) / sigma);
  const total = cdf(size - 0.5) - cdf(-0.5);
  if (!(total > 0)) return;
  let prev = cdf(-0.5);
  for (let k = 0; k < size; k++) {
    const next = cdf(k + 0.5);
    out[k] = (out[k] as number) + (weight * (next - prev)) / total;
    prev = next;
  }
}

/** Parzen estimate, on grid points 0 … size−1, of the distribution of `counts` (Scott's bandwidth, one prior kernel). */
export function scottParzenPmf(counts: Float64Array, priorWeight: number, categorical: boolean): Float64Array {
  const size = counts.length;
  const pmf = new Float64Array(size);
  let n = 0;
  for (let k = 0; k < size; k++) n += counts[k] as number;
  const totalWeight = n + priorWeight;
  if (categorical) {
    // Each observed category's kernel: 1 on it plus priorWeight / nKernels on every category, normalized; the prior is uniform.
    let nObserved = 0;
    for (let k = 0; k < size; k++) if ((counts[k] as number) > 0) nObserved++;
    const base = priorWeight / (nObserved + 1);
    const rowSum = base * size + 1;
    for (let k = 0; k < size; k++) {
      const c = counts[k] as number;
      if (c > 0) {
        for (let j = 0; j < size; j++) pmf[j] = (pmf[j] as number) + (c * base) / rowSum / totalWeight;
        pmf[k] = (pmf[k] as number) + c / rowSum / totalWeight;
      }
    }
    for (let j = 0; j < size; j++) pmf[j] = (pmf[j] as number) + priorWeight / size / totalWeight;
    return pmf;
  }
  if (n > 0) {
    let mean = 0;
    for (let k = 0; k < size; k++) mean += k * (counts[k] as number);
    mean /= n;
    let ss = 0;
    for (let k = 0; k < size; k++) ss += (counts[k] as number) * (k - mean) ** 2;
    let sigma = Math.sqrt(ss / Math.max(1, n - 1));
    const observed: number[] = [];
    const cum: number[] = [];
    let acc = 0;
    for (let k = 0; k < size; k++) {
      if ((counts[k] as number) > 0) {
        acc += counts[k] as number;
        observed.push(k);
        cum.push(acc);
      }
    }
    const q25 = Math.floor(n / 4);
    const q75 = Math.floor((n * 3) / 4);
    let i25 = 0;
    while (i25 < cum.length && (cum[i25] as number) < q25) i25++;
    let i75 = 0;
    while (i75 < cum.length && (cum[i75] as number) <= q75) i75++;
    const iqr = (observed[Math.min(observed.length - 1, i75)] as number) - (observed[Math.min(observed.length - 1, i25)] as number);
    sigma = 1.059 * Math.min(iqr / 1.34, sigma) * n ** -0.2;
    // At least 1.64σ (90%) of a kernel stays within half a grid step of its point.
    sigma = Math.max(sigma, 0.5 / 1.64);
    for (const k of observed) discreteGaussian(k, sigma, size, pmf, (counts[k] as number) / totalWeight);
  }
  discreteGaussian(0.5 * (size - 1), size, size, pmf, priorWeight / totalWeight);
  return pmf;
}

/**
 * PED-ANOVA importance: how differently each parameter is distributed among
 * the best trials than among all of them.
 * @example getParamImportances(study, { evaluator: new PedAnovaEvaluator({ baselineQuantile: 0.1 }) })
 */
export class PedAnovaEvaluator implements ImportanceEvaluator {
  readonly name = 'ped-anova';
  readonly supportsInteractions = false;
  readonly baselineQuantile: number;
  readonly evaluateOnLocal: boolean;
  readonly nSteps: number;
  readonly priorWeight: number;
  readonly minTopTrials: number;

  constructor(options: PedAnovaOptions = {}) {
    this.baselineQuantile = options.baselineQuantile ?? 0.1;
    this.evaluateOnLocal = options.evaluateOnLocal ?? true;
    this.nSteps = options.nSteps ?? 50;
    this.priorWeight = options.priorWeight ?? 1;
    this.minTopTrials = options.minTopTrials ?? 2;
    if (!(this.baselineQuantile > 0 && this.baselineQuantile <= 1)) {
      throw new InvalidArgumentError(`baselineQuantile must be in (0, 1], got ${this.baselineQuantile}`, ['baselineQuantile']);
    }
    if (!Number.isSafeInteger(this.nSteps) || this.nSteps < 2) throw new InvalidArgumentError(`nSteps must be an integer >= 2, got ${this.nSteps}`, ['nSteps']);
    if (!(this.priorWeight > 0)) throw new InvalidArgumentError(`priorWeight must be positive, got ${this.priorWeight}`, ['priorWeight']);
    if (!Number.isSafeInteger(this.minTopTrials) || this.minTopTrials < 1) {
      throw new InvalidArgumentError(`minTopTrials must be a positive integer, got ${this.minTopTrials}`, ['minTopTrials']);
    }
  }

  /** Rows of the top-γ' trials (ties at the cut-off included), at least `minTopTrials` of them. */
  topRows(data: ImportanceData): Uint8Array {
    const n = data.n;
    const sign = data.lowerIsBetter ? 1 : -1;
    const loss = Float64Array.from(data.y, (v) => sign * v);
    const sorted = Float64Array.from(loss).sort();
    const k = Math.max(this.minTopTrials, Math.ceil(this.baselineQuantile * n));
    const cutoff = sorted[Math.min(n, k) - 1] as number;
    const top = new Uint8Array(n);
    for (let i = 0; i < n; i++) top[i] = (loss[i] as number) <= cutoff ? 1 : 0;
    return top;
  }

  evaluate(data: ImportanceData): Float64Array {
    const D = data.features.length;
    const n = data.n;
    const out = new Float64Array(D);
    if (D === 0) return out;
    if (n <= this.minTopTrials) return out.fill(1 / D);
    const top = this.topRows(data);
    for (let d = 0; d < D; d++) {
      const f = data.features[d] as ImportanceFeature;
      const { bins, size } = discretize(f, data.raw.subarray(d * n, (d + 1) * n), this.nSteps);
      const countsTop = new Float64Array(size);
      const countsAll = new Float64Array(size);
      let nTop = 0;
      let nActive = 0;
      for (let i = 0; i < n; i++) {
        const b = bins[i] as number;
        if (b < 0) continue;
        nActive++;
        countsAll[b] = (countsAll[b] as number) + 1;
        if (top[i]) {
          nTop++;
          countsTop[b] = (countsTop[b] as number) + 1;
        }
      }
      if (nTop === 0) continue;
      const categorical = f.kind === 'categorical';
      const pTop = scottParzenPmf(countsTop, this.priorWeight, categorical);
      const pAll = this.evaluateOnLocal ? scottParzenPmf(countsAll, this.priorWeight, categorical) : new Float64Array(size).fill(1 / size);
      let div = 0;
      for (let k = 0; k < size; k++) {
        const p = (pTop[k] as number) + EPS;
        const q = (pAll[k] as number) + EPS;
        div += q * (p / q - 1) ** 2;
      }
      const gamma = nTop / nActive;
      out[d] = gamma * gamma * div * (nActive / n);
    }
    return out;
  }
}
