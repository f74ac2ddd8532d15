/**
 * Ranking-weighted Gaussian-process ensemble (RGPE; Feurer, Letham & Bakshy
 * 2018, "Scalable Meta-Learning for Bayesian Optimization using
 * Ranking-Weighted Gaussian Process Ensembles").
 *
 * Notation: base models f_1…f_t−1 are GPs fitted once to each earlier
 * study's (warped) values; f_t is the study's own GP on its n observations
 * D = {(x_j, y_j)}. The ranking loss of a model counts misordered pairs
 *   L(f_i, D) = Σ_j Σ_k 1[(f_i(x_j) < f_i(x_k)) ⊕ (y_j < y_k)],
 * with f_t's prediction at x_j taken leave-one-out (μ₋ⱼ(x_j) against y_k).
 * Over S bootstrap resamples of D, w_i is the share of resamples in which
 * model i has the smallest loss (ties split at random). Weight dilution
 * prevention: a base model whose median loss exceeds the 95th percentile of
 * f_t's loss gets weight 0. The ensemble is
 *   μ(x) = Σ w_i μ_i(x),  σ²(x) = w_t² σ_t²(x) + r(x)·Σ_{i<t} w_i² σ_i²(x),
 * r(x) = σ_t²(x)/σ_t²(prior) the share of its prior variance f_t has left at
 * x, on which the GP sampler maximizes log EI (its incumbent the ensemble's
 * best mean at the trials). Ranking losses ignore each study's scale and
 * offset, so earlier studies need not share the new one's units.
 *
 * Three departures from the paper, chosen on bench/transfer.ts and
 * bench/transfer-datasets.ts (bench/README.md, "Transfer"): the base weights
 * are multiplied by τ/(τ + n) (the rest going to f_t), since with shifted
 * optima the paper's dilution test keeps earlier models long after they stop
 * helping the local search; f_t's prior mean is its worst observation rather
 * than their mean, because a warm start's trials sit mostly in good regions
 * and a GP reverting to their mean makes every unexplored corner look
 * promising; and r(x) (the paper has r = 1): a base model's σ_i² is its
 * uncertainty about its own task, which says nothing where the study itself
 * has been observed; with r = 1 the ensemble kept the study's best trial
 * uncertain and, on a grid, proposed it again and again.
 *
 * And one addition: the acquisition is maximized inside a trust region
 * around the study's best trial (TuRBO's rule, Eriksson et al. 2019; see
 * `trustRegion`). The earlier studies place the first trials in the right
 * basin, but log EI over the whole space then spends most later trials
 * where every model is unsure; with the trust region the search shrinks
 * onto the basin the warm start found, and reaches in 50 trials what a
 * cold GP reaches in 100 (bench/README.md, "Transfer").
 */
import { InvalidArgumentError } from '../errors.js';
import { choleskyInverse, choleskyWithJitter } from '../math/linalg.js';
import { Rng } from '../math/rng.js';
import { EarlierStudyModels } from '../samplers/gp/earlier-studies.js';
import { type GaussianProcess, MINIMUM_NOISE_VAR } from '../samplers/gp/gp.js';
import { kernelMatrix } from '../samplers/gp/kernel.js';
import type { SearchBox } from '../samplers/gp/optimize-acqf.js';
import { constantPriorMean, withPriorMean } from '../samplers/gp/prior-mean.js';
import type { GpSearchSpace } from '../samplers/gp/search-space.js';
import { warpTargets } from '../samplers/gp/targets.js';
import type { GpTransferInput, GpTransferModel } from '../samplers/gp/transfer-model.js';
import type { ParamValue } from '../space/distributions.js';
import type { FrozenTrial } from '../trial/frozen-trial.js';

export interface RankingWeightedEnsembleOptions {
  /** Bootstrap resamples S of the study's observations (default 512). */
  readonly bootstrapSamples?: number;
  /** Points a base model is fitted to at most: the best third and an even spread of the rest (default 150; the fit is O(n³)). */
  readonly maxBasePoints?: number;
  /**
   * τ: the base models' weights are multiplied by τ/(τ + n), n the study's
   * own observations, and the rest given to its own GP (default 4;
   * Infinity: the paper's weights unchanged).
   */
  readonly decay?: number;
  /**
   * Confine the acquisition's search to a trust region around the study's
   * best trial (TuRBO's rule, see `trustRegion`); default true.
   */
  readonly trustRegion?: boolean;
  /** The trust region's initial side, a share of the unit cube's (default 0.4: half TuRBO's 0.8, the warm start having found the basin). */
  readonly trustRegionInitial?: number;
}

/**
 * The GP sampler's warm start as an RGPE over earlier studies' trials (one
 * array per study, mapped onto the new study's space).
 * @example new GpSampler({ seed: 1, transferModel: new RankingWeightedEnsemble(earlierTrialArrays) })
 */
export class RankingWeightedEnsemble implements GpTransferModel {
  readonly name = 'rgpe';
  private readonly samples: number;
  private readonly maxBasePoints: number;
  private readonly decay: number;
  private readonly useTrustRegion: boolean;
  private readonly trustRegionInitial: number;
  /** Per earlier study with at least 3 trials in a space, its GP (fitted once per space) and its trials best first. */
  private readonly bases: EarlierStudyModels;

  constructor(groups: readonly (readonly FrozenTrial[])[], options: RankingWeightedEnsembleOptions = {}) {
    this.samples = Math.max(1, Math.floor(options.bootstrapSamples ?? 512));
    this.maxBasePoints = Math.max(3, Math.floor(options.maxBasePoints ?? 150));
    this.decay = options.decay ?? 4;
    this.useTrustRegion = options.trustRegion ?? true;
    this.trustRegionInitial = options.trustRegionInitial ?? WARM_TR_INITIAL;
    if (!(this.trustRegionInitial > 0 && this.trustRegionInitial <= TR_MAX)) {
      throw new InvalidArgumentError(`trustRegionInitial must be in (0, ${TR_MAX}], got ${this.trustRegionInitial}`, ['trustRegionInitial']);
    }
    if (!(this.decay > 0)) throw new InvalidArgumentError(`decay must be a positive number (Infinity: no decay), got ${this.decay}`, ['decay']);
    this.bases = new EarlierStudyModels(groups, {
      minTrials: 3,
      maxPoints: this.maxBasePoints,
      targets: (values) => warpTargets(values).y,
      fit: { minNoise: MINIMUM_NOISE_VAR },
    });
  }

  initialPoint(space: GpSearchSpace, sign: number, k: number): Record<string, ParamValue> | null {
    return this.bases.initialPoint(space, sign, k);
  }

  prepare(input: GpTransferInput): (own: GaussianProcess) => GaussianProcess {
    const bases = this.bases.models(input.space, input.sign);
    const w = this.weights(input);
    const worst = Math.min(...input.y.subarray(0, input.n));
    return (own) => ensembleView([...bases.map((b) => b.gp), withConstantMean(own, worst)], w, own);
  }

  region(input: GpTransferInput): SearchBox | null {
    if (!this.useTrustRegion || this.bases.models(input.space, input.sign).length === 0) return null;
    const ls = Float64Array.from(input.own.params.invSqLengthscales, (t) => 1 / Math.sqrt(t));
    const box = trustRegion(input.x, input.y, input.n, input.space.dim, ls, this.trustRegionInitial);
    // Grid and categorical coordinates are searched whole.
    input.space.dims.forEach((dim, j) => {
      if (dim.kind !== 'continuous') {
        box.lower[j] = 0;
        box.upper[j] = 1;
      }
    });
    return box;
  }

  /** The weights of the base models (in the order of the earlier studies that fit this space) and, last, of the study's own GP. */
  weights(input: GpTransferInput): Float64Array {
    const bases = this.bases.models(input.space, input.sign);
    const { x, y, n } = input;
    const t = bases.length;
    const w = new Float64Array(t + 1);
    if (t === 0 || n < 2) {
      w[t] = t === 0 ? 1 : 0;
      if (t > 0) w.fill(1 / t, 0, t);
      return w;
    }
    // misranked[i][j·n + k]: model i orders the pair (j, k) differently from the observations.
    const misranked: Uint8Array[] = [];
    const means = new Float64Array(n);
    const vars = new Float64Array(n);
    for (const b of bases) {
      b.gp.posteriorBatch(x, n, means, vars);
      const m = new Uint8Array(n * n);
      for (let j = 0; j < n; j++)
        for (let k = 0; k < n; k++) m[j * n + k] = j !== k && (means[j] as number) < (means[k] as number) !== (y[j] as number) < (y[k] as number) ? 1 : 0;
      misranked.push(m);
    }
    const loo = leaveOneOutMeans(input.own, x, y, n);
    const mt = new Uint8Array(n * n);
    for (let j = 0; j < n; j++)
      for (let k = 0; k < n; k++) mt[j * n + k] = j !== k && (loo[j] as number) < (y[k] as number) !== (y[j] as number) < (y[k] as number) ? 1 : 0;
    misranked.push(mt);

    const rng = new Rng(input.seed);
    const S = this.samples;
    const losses = Array.from({ length: t + 1 }, () => new Float64Array(S));
    const counts = new Float64Array(n);
    for (let s = 0; s < S; s++) {
      counts.fill(0);
      for (let r = 0; r < n; r++) {
        const j = rng.int(n);
        counts[j] = (counts[j] as number) + 1;
      }
      for (let i = 0; i <= t; i++) (losses[i] as Float64Array)[s] = pairLoss(misranked[i] as Uint8Array, counts, n);
    }
    // Weight dilution prevention: base models that rank clearly worse than the study's own GP take no part.
    const ownP95 = quantile(losses[t] as Float64Array, 0.95);
    const active = bases.map((_, i) => quantile(losses[i] as Float64Array, 0.5) <= ownP95);
    const tied: number[] = [];
    for (let s = 0; s < S; s++) {
      let best = Number.POSITIVE_INFINITY;
      tied.length = 0;
      for (let i = 0; i <= t; i++) {
        if (i < t && !active[i]) continue;
        const l = (losses[i] as Float64Array)[s] as number;
        if (l < best) {
          best = l;
          tied.length = 0;
        }
        if (l === best) tied.push(i);
      }
      const pick = tied[tied.length === 1 ? 0 : rng.int(tied.length)] as number;
      w[pick] = (w[pick] as number) + 1 / S;
    }
    // The earlier studies' share fades as the study's own observations accumulate (they, not earlier tasks, locate its optimum precisely).
    const keep = Number.isFinite(this.decay) ? this.decay / (this.decay + n) : 1;
    for (let i = 0; i < t; i++) {
      w[t] = (w[t] as number) + (w[i] as number) * (1 - keep);
      w[i] = (w[i] as number) * keep;
    }
    return w;
  }
}

/** TuRBO's trust region (Eriksson et al. 2019, "Scalable Global Optimization via Local Bayesian Optimization"). */
const TR_INITIAL = 0.8;
const TR_MIN = 0.5 ** 7;
const TR_MAX = 1.6;
/** The warm start's initial side (chosen on bench/transfer.ts: 0.4 reached the cold GP's 100-trial regret sooner than 0.8 and 0.2 on average). */
const WARM_TR_INITIAL = 0.4;
const TR_SUCCESSES = 3;

/**
 * The trust region after the observations y (higher is better, rows in
 * trial order): side L, starting at TR_INITIAL, doubled after TR_SUCCESSES
 * improvements of the best in a row, halved after max(4, d) trials in a row
 * without one, within [TR_MIN, TR_MAX]; a box of sides L·w_j around the best
 * row, w_j ∝ ℓ_j with Π w_j = 1, cut to the unit cube. Replayed from the
 * history, so it needs no state between trials.
 */
export function trustRegion(x: Float64Array, y: Float64Array, n: number, d: number, lengthscales: Float64Array, initial = TR_INITIAL): SearchBox {
  const tolerance = Math.max(4, d);
  let side = initial;
  let best = 0;
  let successes = 0;
  let failures = 0;
  for (let j = 1; j < n; j++) {
    if ((y[j] as number) > (y[best] as number)) {
      best = j;
      successes++;
      failures = 0;
    } else {
      failures++;
      successes = 0;
    }
    if (successes === TR_SUCCESSES) {
      side = Math.min(TR_MAX, 2 * side);
      successes = 0;
    } else if (failures === tolerance) {
      side = Math.max(TR_MIN, side / 2);
      failures = 0;
    }
  }
  let logMean = 0;
  const logL = Float64Array.from({ length: d }, (_, j) => Math.log(Math.min(1e4, Math.max(1e-4, (lengthscales[j] as number) || 1e4))));
  for (let j = 0; j < d; j++) logMean += (logL[j] as number) / d;
  const lower = new Float64Array(d);
  const upper = new Float64Array(d);
  for (let j = 0; j < d; j++) {
    const half = (side * Math.exp((logL[j] as number) - logMean)) / 2;
    const c = x[best * d + j] as number;
    lower[j] = Math.max(0, c - half);
    upper[j] = Math.min(1, c + half);
  }
  return { lower, upper };
}

/** Σ_j Σ_k c_j·c_k·M[j, k]: the ranking loss on a bootstrap resample with multiplicities c. */
function pairLoss(m: Uint8Array, c: Float64Array, n: number): number {
  let loss = 0;
  for (let j = 0; j < n; j++) {
    const cj = c[j] as number;
    if (cj === 0) continue;
    let row = 0;
    const o = j * n;
    for (let k = 0; k < n; k++) if (m[o + k] === 1) row += c[k] as number;
    loss += cj * row;
  }
  return loss;
}

/** The q-quantile (linear interpolation) of xs. */
function quantile(xs: Float64Array, q: number): number {
  const s = Float64Array.from(xs).sort();
  const h = (s.length - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(s.length - 1, lo + 1);
  return (s[lo] as number) + (h - lo) * ((s[hi] as number) - (s[lo] as number));
}

/**
 * Leave-one-out posterior means of a GP at its own inputs, with its
 * hyperparameters: μ₋ⱼ(x_j) = y_j − [K⁻¹y]_j / [K⁻¹]_jj (Rasmussen &
 * Williams 2006, eq. 5.12), K = k(X, X) + σ_n²I.
 */
export function leaveOneOutMeans(gp: GaussianProcess, x: Float64Array, y: Float64Array, n: number): Float64Array {
  const k = kernelMatrix(x, n, gp.d, gp.isCategorical, gp.params);
  for (let i = 0; i < n; i++) k[i * n + i] = (k[i * n + i] as number) + gp.params.noiseVar;
  const f = choleskyWithJitter(k, n, { maxTries: 12 });
  if (f === null) return Float64Array.from(y);
  const kinv = choleskyInverse(f.l, n);
  const out = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    let alpha = 0;
    for (let i = 0; i < n; i++) alpha += (kinv[j * n + i] as number) * (y[i] as number);
    out[j] = (y[j] as number) - alpha / (kinv[j * n + j] as number);
  }
  return out;
}

/**
 * The ensemble's posterior over the models with a weight: μ = Σ w_i μ_i and
 * σ² = w_t² σ_t² + r·Σ_{i<t} w_i² σ_i², r(x) = σ_t²(x)/σ² the share of its prior
 * variance the study's own GP has left at x. An earlier study's σ_i² is its
 * uncertainty about its own task; where the study itself has been observed
 * (r ≈ 0 for a deterministic objective) it says nothing about this one, and
 * without r the ensemble saw the study's best trial as uncertain still and
 * re-proposed it (on a grid, up to half of the warm trials).
 */
function ensembleView(gps: readonly GaussianProcess[], w: Float64Array, own: GaussianProcess): GaussianProcess {
  const t = gps.length - 1;
  const members = gps.map((gp, i) => ({ gp, w: w[i] as number, vw: (w[i] as number) ** 2, earlier: i < t })).filter((m) => m.w > 0);
  // The study's own member (own with another mean: the same variance) gives r's σ_t² too, so it is evaluated once.
  const ownMember = members.find((m) => !m.earlier) ?? null;
  const ownGp = ownMember?.gp ?? own;
  const d = own.d;
  const s2 = own.params.signalVar;
  const post = { mean: 0, variance: 0 };
  const ownPost = { mean: 0, variance: 0 };
  const gm = new Float64Array(d);
  const gv = new Float64Array(d);
  const gOwnMean = new Float64Array(d);
  const gOwnVar = new Float64Array(d);
  let means = new Float64Array(0);
  let vars = new Float64Array(0);
  let ownMeans = new Float64Array(0);
  let ownVars = new Float64Array(0);
  const view = {
    d,
    isCategorical: own.isCategorical,
    params: own.params,
    get n() {
      return own.n;
    },
    posterior(xs: Float64Array, row: number, out: { mean: number; variance: number }): void {
      ownGp.posterior(xs, row, ownPost);
      const r = Math.min(1, ownPost.variance / s2);
      let mean = 0;
      let variance = 0;
      for (const m of members) {
        const p = m === ownMember ? ownPost : post;
        if (m !== ownMember) m.gp.posterior(xs, row, post);
        mean += m.w * p.mean;
        variance += m.vw * p.variance * (m.earlier ? r : 1);
      }
      out.mean = mean;
      out.variance = variance;
    },
    posteriorWithGrad(x: Float64Array, out: { mean: number; variance: number }, gradMean: Float64Array, gradVar: Float64Array): void {
      ownGp.posteriorWithGrad(x, ownPost, gOwnMean, gOwnVar);
      const capped = ownPost.variance / s2 >= 1;
      const r = capped ? 1 : ownPost.variance / s2;
      let mean = 0;
      let variance = 0;
      // Σ_{i<t} w_i² σ_i², for the gradient of r.
      let earlierVar = 0;
      gradMean.fill(0, 0, d);
      gradVar.fill(0, 0, d);
      for (const m of members) {
        const mine = m === ownMember;
        if (!mine) m.gp.posteriorWithGrad(x, post, gm, gv);
        const p = mine ? ownPost : post;
        const pgm = mine ? gOwnMean : gm;
        const pgv = mine ? gOwnVar : gv;
        const k = m.earlier ? r : 1;
        mean += m.w * p.mean;
        variance += m.vw * p.variance * k;
        if (m.earlier) earlierVar += m.vw * p.variance;
        for (let j = 0; j < d; j++) {
          gradMean[j] = (gradMean[j] as number) + m.w * (pgm[j] as number);
          gradVar[j] = (gradVar[j] as number) + m.vw * k * (pgv[j] as number);
        }
      }
      // r's gradient is 0 where it is capped at 1.
      if (!capped) for (let j = 0; j < d; j++) gradVar[j] = (gradVar[j] as number) + (earlierVar * (gOwnVar[j] as number)) / s2;
      out.mean = mean;
      out.variance = variance;
    },
    posteriorBatch(xs: Float64Array, m: number, outMeans: Float64Array, outVars: Float64Array): void {
      if (means.length < m) {
        means = new Float64Array(m);
        vars = new Float64Array(m);
        ownMeans = new Float64Array(m);
        ownVars = new Float64Array(m);
      }
      ownGp.posteriorBatch(xs, m, ownMeans, ownVars);
      outMeans.fill(0, 0, m);
      outVars.fill(0, 0, m);
      for (const e of members) {
        const mine = e === ownMember;
        if (!mine) e.gp.posteriorBatch(xs, m, means, vars);
        const em = mine ? ownMeans : means;
        const ev = mine ? ownVars : vars;
        for (let r = 0; r < m; r++) {
          outMeans[r] = (outMeans[r] as number) + e.w * (em[r] as number);
          outVars[r] = (outVars[r] as number) + e.vw * (ev[r] as number) * (e.earlier ? Math.min(1, (ownVars[r] as number) / s2) : 1);
        }
      }
    },
    targets: () => own.targets(),
  };
  return view as unknown as GaussianProcess;
}

/**
 * The GP's posterior with prior mean c instead of 0:
 * μ_c(x) = μ(x) + c·(1 − k*ᵀK⁻¹1), which is the same GP fitted to y − c, plus c
 * (the variance does not depend on the targets): one posterior per point.
 */
export function withConstantMean(gp: GaussianProcess, c: number): GaussianProcess {
  const residual = gp.clone();
  const y = gp.targets();
  for (let i = 0; i < y.length; i++) y[i] = (y[i] as number) - c;
  residual.setTargets(y);
  return withPriorMean(residual, constantPriorMean(c), () => gp.targets());
}
