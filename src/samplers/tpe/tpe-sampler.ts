/**
 * Tree-structured Parzen estimator (Bergstra et al. 2011; Watanabe 2023,
 * "Tree-structured Parzen estimator: understanding its algorithm components
 * and their roles for better empirical performance").
 *
 * Per trial, for each group of parameters sampled together:
 *   1. split the trials that have the group: the best γ(n) of the n finished ones are "below",
 *      the rest (and, with constant liar, the RUNNING ones) "above" (split.ts: PRUNED trials
 *      after COMPLETE ones; several objectives by non-domination rank and hypervolume, MOTPE;
 *      trials violating recorded constraints last);
 *   2. build the two Parzen estimators, l(x) from below and g(x) from above (parzen-estimator.ts);
 *   3. sample nEiCandidates points from l;
 *   4. score each by log l(x) − log g(x) (the expected improvement is monotone in l/g);
 *   5. pick the best.
 * Multivariate mode models the relative search space jointly; with `group`,
 * that space is split into the sets of parameters that always appear together,
 * so each branch of a conditional space is modelled jointly on its own trials.
 * Parameters outside it get the same procedure, one at a time. The first
 * nStartupTrials trials are sampled at random (RandomSampler's keyed draws).
 *
 * Every draw comes from a stream keyed by (seed, trial number, group or
 * parameter name), so the same history gives the same suggestions whatever
 * the order of suggest calls. Constant liar uses the RUNNING trials' values
 * as the history shows them, completed by the values this sampler proposed
 * to trials still running in this process (a process asking several trials
 * before writing any is spread out too).
 */

import { InvalidArgumentError } from '../../errors.js';
import { Rng, randomSeed } from '../../math/rng.js';
import {
  contains,
  type Distribution,
  fromInternal,
  fromUnit,
  isSingle,
  type ParamValue,
  type SearchSpace,
  snap,
  toInternal,
} from '../../space/distributions.js';
import type { FrozenTrial } from '../../trial/frozen-trial.js';
import type { StudyDirection, TrialState } from '../../trial/state.js';
import { checkSeed, hashName, RandomSampler } from '../random/random-sampler.js';
import { type Sampler, type StudyView, type TrialView, trialSeed } from '../sampler.js';
import { intersectionSearchSpace } from '../search-space.js';
import { GroupDecomposition } from './group-search-space.js';
import { type BandwidthRule, DEFAULT_PARZEN_OPTIONS, kernelDomain, ParzenEstimator, type ParzenEstimatorOptions } from './parzen-estimator.js';
import { defaultWeights, splitTrials } from './split.js';

export interface TpeSamplerOptions {
  readonly seed?: number;
  /** Trials sampled at random before TPE starts (default 10). */
  readonly nStartupTrials?: number;
  /** Candidates drawn from l(x) per sample (default 24). */
  readonly nEiCandidates?: number;
  /** Model the relative search space jointly (default true). */
  readonly multivariate?: boolean;
  /** Split the relative space into groups of parameters that always appear together (default true). */
  readonly group?: boolean;
  /** Count RUNNING trials as above (bad) observations, so parallel workers spread out (default true). */
  readonly constantLiar?: boolean;
  /** Number of below trials among n finished ones (default min(⌈0.15·n⌉, 25); Optuna's is min(⌈0.1·n⌉, 25)). */
  readonly gamma?: (n: number) => number;
  /** Weights of n observations in trial-number order (default: 1 for the newest 25, a ramp for older ones). */
  readonly weights?: (n: number) => ArrayLike<number>;
  /** Weight of the prior kernel (default 1). */
  readonly priorWeight?: number;
  /** Floor the bandwidths ("magic clip", default true). */
  readonly considerMagicClip?: boolean;
  /** Δ of the magic clip: bandwidths are at least Δ·range (default 0.01). */
  readonly minBandwidthFactor?: number;
  /** α of the magic clip: bandwidths are at least range/(n + 2)^α (default 1). */
  readonly magicClipExponent?: number;
  /**
   * Bandwidth rule for numerical parameters (default 'hyperopt' for one objective, 'scott'
   * for several; Optuna's multivariate TPE uses 'optuna').
   */
  readonly bandwidth?: BandwidthRule;
  /** With the 'hyperopt' rule, let the outer observations' bandwidths reach the domain's ends (default false). */
  readonly considerEndpoints?: boolean;
  /** Weigh each below trial by its improvement on the γ-quantile (Watanabe 2023's EI weighting; default true). */
  readonly eiWeights?: boolean;
  /** Categorical kernels: null (default) for Optuna's, b in (0, 1) for Aitchison-Aitken with b off the observed choice. */
  readonly categoricalPriorWeight?: number | null;
  /**
   * Trials of earlier, related studies (one array per study, parameters
   * already mapped to this study's names and ranges): each study's trials are
   * split on their own values, and its below and above points join l(x) and
   * g(x) with weight τ/(τ + n) each, n this study's finished trials (τ =
   * `priorDecay`). With prior trials there is no random start-up phase.
   * Default none: the sampler is unchanged.
   */
  readonly priorTrials?: readonly (readonly FrozenTrial[])[];
  /** τ of the prior trials' weight τ/(τ + n) (default 10: they count half after 10 own trials). */
  readonly priorDecay?: number;
}

/**
 * Defaults differ from Optuna's where the public benchmark (../shared/bench, seeds 10-29,
 * kept apart from the seeds 0-9 used for the comparison) said so: the per-dimension
 * neighbour-gap bandwidth, EI weights for the below trials and γ = 0.15 for one objective;
 * the spread-based (Scott) bandwidth for several (../shared/bench/mo).
 */
function tunedGamma(n: number): number {
  return Math.min(Math.ceil(0.15 * n), 25);
}

const SALT_RELATIVE = 0x5f3759df;
const SALT_INDEPENDENT = 0x1b873593;
const SALT_STARTUP = 0x68e31da4;

const FINISHED: readonly TrialState[] = ['COMPLETE', 'PRUNED'];
const WITH_RUNNING: readonly TrialState[] = ['COMPLETE', 'PRUNED', 'RUNNING'];

/** What one trial's history snapshot yields, computed once per trial. */
interface ViewState {
  readonly directions: readonly StudyDirection[];
  readonly finished: readonly FrozenTrial[];
  /** The trials TPE splits: finished ones, plus RUNNING ones under constant liar. */
  readonly pool: readonly FrozenTrial[];
  groups: SearchSpace[] | null;
}

interface Observations {
  readonly cols: Float64Array[];
  readonly weights: Float64Array;
}

export class TpeSampler implements Sampler {
  readonly name = 'TpeSampler';
  readonly usesHistory = true;
  readonly seed: number;
  readonly nStartupTrials: number;
  readonly nEiCandidates: number;
  readonly multivariate: boolean;
  readonly group: boolean;
  readonly constantLiar: boolean;
  private readonly eiWeights: boolean;
  private readonly gamma: (n: number) => number;
  private readonly weights: (n: number) => ArrayLike<number>;
  private readonly parzen: ParzenEstimatorOptions;
  private readonly parzenMultiObjective: ParzenEstimatorOptions;
  private readonly startup: RandomSampler;
  private readonly views = new WeakMap<StudyView, ViewState>();
  private decomposition: GroupDecomposition | null = null;
  /** Per finished trial, its internal values for the last group asked about (keyed by names and distributions). */
  private readonly rows = new WeakMap<FrozenTrial, { key: string; row: number[] | null }>();
  /** Values this sampler proposed for trials still running in this process: constant liar's lies. */
  private readonly pending = new Map<number, Map<string, { value: ParamValue; distribution: Distribution }>>();
  /** Earlier studies' finished trials (warm start), one array per study. */
  private priorGroups: (readonly FrozenTrial[])[] = [];
  private priorDecay = 10;
  /**
   * Per group key (names, distributions, directions): each earlier study's split trials, and their agreement with this
   * study; the PRIOR_CACHE_SIZE groups used last (a group evicted is rebuilt when asked again, with the same result).
   */
  private readonly priorCache = new Map<string, { priors: ({ below: Observations; above: Observations } | null)[]; agreement: PriorAgreement | null }>();

  /** @example new TpeSampler({ seed: 1 }) */
  constructor(options: TpeSamplerOptions = {}) {
    this.seed = (checkSeed(options.seed) ?? randomSeed()) >>> 0;
    this.nStartupTrials = checkCount(options.nStartupTrials ?? 10, 'nStartupTrials', 0);
    this.nEiCandidates = checkCount(options.nEiCandidates ?? 24, 'nEiCandidates', 1);
    this.multivariate = options.multivariate ?? true;
    this.group = options.group ?? true;
    this.constantLiar = options.constantLiar ?? true;
    this.gamma = options.gamma ?? tunedGamma;
    this.eiWeights = options.eiWeights ?? true;
    this.weights = options.weights ?? defaultWeights;
    const priorWeight = options.priorWeight ?? 1;
    if (!(priorWeight > 0) || !Number.isFinite(priorWeight))
      throw new InvalidArgumentError(`priorWeight must be a positive number, got ${priorWeight}`, ['priorWeight']);
    const b = options.categoricalPriorWeight ?? null;
    if (b !== null && !(b > 0 && b < 1))
      throw new InvalidArgumentError(`categoricalPriorWeight must be in (0, 1) or null, got ${b}`, ['categoricalPriorWeight']);
    this.parzen = {
      ...DEFAULT_PARZEN_OPTIONS,
      priorWeight,
      bandwidth: options.bandwidth ?? 'hyperopt',
      considerMagicClip: options.considerMagicClip ?? true,
      minBandwidthFactor: options.minBandwidthFactor ?? DEFAULT_PARZEN_OPTIONS.minBandwidthFactor,
      magicClipExponent: options.magicClipExponent ?? DEFAULT_PARZEN_OPTIONS.magicClipExponent,
      considerEndpoints: options.considerEndpoints ?? false,
      categoricalPriorWeight: b,
    };
    this.parzenMultiObjective = { ...this.parzen, bandwidth: options.bandwidth ?? 'scott' };
    this.startup = new RandomSampler({ seed: (this.seed ^ SALT_STARTUP) >>> 0 });
    if (options.priorTrials !== undefined) this.setPriorTrials(options.priorTrials, options.priorDecay);
  }

  /**
   * Warm start: the trials of earlier studies (see `priorTrials`). Called by
   * createStudy({ warmStart }); replaces any earlier prior.
   */
  setPriorTrials(groups: readonly (readonly FrozenTrial[])[], decay = 10): void {
    if (!Array.isArray(groups)) throw new InvalidArgumentError('priorTrials must be an array of trial arrays, one per earlier study', ['priorTrials']);
    if (!(decay > 0) || !Number.isFinite(decay)) throw new InvalidArgumentError(`priorDecay must be a positive number, got ${decay}`, ['priorDecay']);
    this.priorGroups = (groups as readonly (readonly FrozenTrial[])[])
      .map((g) => g.filter((t) => t.state === 'COMPLETE' && t.values !== null && t.values.every((v) => Number.isFinite(v))))
      .filter((g) => g.length > 0);
    this.priorDecay = decay;
    this.priorCache.clear();
  }

  /** Random start-up while too few trials are known (never with prior trials). */
  private inStartup(st: ViewState): boolean {
    return this.priorGroups.length === 0 && st.finished.length < this.nStartupTrials;
  }

  inferRelativeSearchSpace(study: StudyView, _trial: TrialView): SearchSpace {
    if (!this.multivariate) return {};
    const st = this.state(study);
    if (this.inStartup(st) || st.finished.length === 0) return {};
    if (!this.group) return intersectionSearchSpace(st.finished, { includePruned: true });
    const out: Record<string, Distribution> = {};
    for (const g of this.groups(st)) Object.assign(out, g);
    return out;
  }

  sampleRelative(study: StudyView, trial: TrialView, space: SearchSpace): Readonly<Record<string, ParamValue>> {
    const names = Object.keys(space);
    if (names.length === 0) return {};
    const st = this.state(study);
    const groups = this.group ? this.groups(st).map((g) => Object.keys(g).filter((n) => Object.hasOwn(space, n))) : [names.slice().sort()];
    const out: Record<string, ParamValue> = {};
    for (const g of groups) {
      if (g.length === 0) continue;
      const dists = g.map((n) => space[n] as Distribution);
      const rng = new Rng(streamSeed(this.seed ^ SALT_RELATIVE, trial.number, hashName(g.join('\u0000'))));
      const x = this.propose(st, trial, g, dists, rng);
      g.forEach((n, j) => {
        out[n] = externalValue(dists[j] as Distribution, x[j] as number);
      });
    }
    this.remember(trial.number, out, space);
    return out;
  }

  sampleIndependent(study: StudyView, trial: TrialView, name: string, distribution: Distribution): ParamValue {
    if (isSingle(distribution)) return fromUnit(distribution, 0);
    const st = this.state(study);
    if (this.inStartup(st)) return this.startup.sampleIndependent(study, trial, name, distribution);
    const rng = new Rng(streamSeed(this.seed ^ SALT_INDEPENDENT, trial.number, hashName(name)));
    const x = this.propose(st, trial, [name], [distribution], rng);
    const value = externalValue(distribution, x[0] as number);
    this.remember(trial.number, { [name]: value }, { [name]: distribution });
    return value;
  }

  afterTrial(_study: StudyView, trial: TrialView): void {
    this.pending.delete(trial.number);
  }

  /**
   * Steps 1-5 for one group of parameters: their internal values. Step 1 runs
   * on the trials that have every parameter of the group, so each branch of a
   * conditional space is split, and modelled, among its own trials (Optuna
   * splits all trials and drops those without the group, which leaves a branch
   * that is not the best with no below trials and so sampled from the prior).
   */
  private propose(st: ViewState, trial: TrialView, names: readonly string[], dists: readonly Distribution[], rng: Rng): Float64Array {
    const { trials, values } = this.relevant(st, names, dists, trial.number);
    let finished = 0;
    for (const t of trials) if (t.state !== 'RUNNING') finished++;
    const nBelow = Math.max(0, Math.floor(this.gamma(finished)));
    const split = splitTrials(trials, st.directions, nBelow, { eiWeights: this.eiWeights });
    const row = new Map<FrozenTrial, number>();
    for (const [i, t] of trials.entries()) row.set(t, i);
    let below = this.columns(split.below, split.belowWeights, row, values, names.length);
    let above = this.columns(split.above, null, row, values, names.length);
    for (const { prior, weight } of this.priorMixture(st, trials, values, names, dists, finished)) {
      if (prior === null || !(weight > 0)) continue;
      below = concatObservations(below, prior.below, weight);
      above = concatObservations(above, prior.above, weight);
    }
    return proposeByTpe(dists, below, above, st.directions.length > 1 ? this.parzenMultiObjective : this.parzen, this.nEiCandidates, rng);
  }

  /**
   * Per earlier study, its split trials of the group and the weight of each: together the
   * studies weigh as much as one study, fading as this one grows (τ/(τ + n)), and each is
   * weighted by how well its ranking agrees with this study's finished trials (priorSimilarity).
   */
  private priorMixture(
    st: ViewState,
    trials: readonly FrozenTrial[],
    values: readonly number[],
    names: readonly string[],
    dists: readonly Distribution[],
    finished: number,
  ): { prior: { below: Observations; above: Observations } | null; weight: number }[] {
    if (this.priorGroups.length === 0) return [];
    const w = this.priorDecay / (this.priorDecay + finished) / this.priorGroups.length;
    const key = JSON.stringify([names, dists, st.directions]);
    let cached = this.priorCache.get(key);
    if (cached === undefined) {
      const priors = this.priorGroups.map((g) => this.priorObservations(g, st.directions, names, dists));
      const direction = st.directions.length === 1 ? (st.directions[0] as StudyDirection) : null;
      cached = { priors, agreement: direction === null ? null : new PriorAgreement(dists, priors, direction, this.parzen) };
      if (this.priorCache.size >= PRIOR_CACHE_SIZE) this.priorCache.delete(this.priorCache.keys().next().value as string);
    } else {
      this.priorCache.delete(key);
    }
    // Last used last: the first key is the least recently used.
    this.priorCache.set(key, cached);
    const { priors, agreement } = cached;
    const similarity = agreement?.update(trials, values, names.length) ?? null;
    return priors.map((prior, k) => ({ prior, weight: prior === null ? 0 : similarity === null ? w : w * (similarity[k] as number) }));
  }

  /**
   * The weight each earlier study (in `priorTrials` order) would get in the next proposal
   * for the parameters every finished trial of `study` has: τ/(τ + n)/k times its
   * agreement with the study's own ranking; 0 for a study without those parameters.
   */
  priorStudyWeights(study: StudyView): number[] {
    const st = this.state(study);
    const space = intersectionSearchSpace(st.finished, { includePruned: true });
    const names = Object.keys(space).sort();
    const dists = names.map((n) => space[n] as Distribution);
    const { trials, values } = this.relevant({ ...st, pool: st.finished }, names, dists, -1);
    return this.priorMixture(st, trials, values, names, dists, trials.length).map((m) => m.weight);
  }

  /** One earlier study's trials that have the group, split on their own values (weights 1). */
  private priorObservations(
    trials: readonly FrozenTrial[],
    directions: readonly StudyDirection[],
    names: readonly string[],
    dists: readonly Distribution[],
  ): { below: Observations; above: Observations } | null {
    const key = JSON.stringify([names, dists]);
    const used: FrozenTrial[] = [];
    const values: number[] = [];
    for (const t of trials) {
      if (t.values === null || t.values.length !== directions.length) continue;
      const cached = this.rows.get(t);
      let r: number[] | null;
      if (cached !== undefined && cached.key === key) r = cached.row;
      else {
        r = this.row(t, names, dists, undefined);
        this.rows.set(t, { key, row: r });
      }
      if (r === null) continue;
      used.push(t);
      values.push(...r);
    }
    if (used.length === 0) return null;
    const split = splitTrials(used, directions, Math.max(1, Math.floor(this.gamma(used.length))), { eiWeights: false });
    const row = new Map<FrozenTrial, number>();
    for (const [i, t] of used.entries()) row.set(t, i);
    const ones = (n: number): Float64Array => new Float64Array(n).fill(1);
    return {
      below: this.columns(split.below, ones(split.below.length), row, values, names.length),
      above: this.columns(split.above, ones(split.above.length), row, values, names.length),
    };
  }

  private state(study: StudyView): ViewState {
    let st = this.views.get(study);
    if (st === undefined) {
      const finished = study.getTrials(FINISHED);
      const pool = this.constantLiar ? study.getTrials(WITH_RUNNING) : finished;
      st = { directions: study.directions, finished, pool, groups: null };
      this.views.set(study, st);
      // Trials that have ended need no lies any more.
      for (const t of finished) this.pending.delete(t.number);
    }
    return st;
  }

  private groups(st: ViewState): SearchSpace[] {
    if (st.groups === null) {
      // Carried from trial to trial while the history only grows (same trial objects), else rebuilt.
      let g = this.decomposition;
      if (g === null || !g.covers(st.finished)) g = new GroupDecomposition();
      for (const t of st.finished) g.add(t);
      this.decomposition = g;
      st.groups = g.spaces();
    }
    return st.groups;
  }

  /**
   * The trials of the pool (but this one) that have a value inside its
   * distribution for every name (RUNNING ones may take it from this sampler's
   * pending proposals), and those values in internal representation, row-major.
   */
  private relevant(st: ViewState, names: readonly string[], dists: readonly Distribution[], self: number): { trials: FrozenTrial[]; values: number[] } {
    const d = names.length;
    const key = JSON.stringify([names, dists]);
    const trials: FrozenTrial[] = [];
    const values: number[] = [];
    for (const t of st.pool) {
      if (t.number === self) continue;
      let row: number[] | null;
      if (t.state === 'RUNNING') {
        row = this.row(t, names, dists, this.pending.get(t.number));
      } else {
        // A finished trial never changes: its row for this group is computed once.
        const cached = this.rows.get(t);
        if (cached !== undefined && cached.key === key) {
          row = cached.row;
        } else {
          row = this.row(t, names, dists, undefined);
          this.rows.set(t, { key, row });
        }
      }
      if (row === null) continue;
      trials.push(t);
      for (let j = 0; j < d; j++) values.push(row[j] as number);
    }
    return { trials, values };
  }

  /** The trial's internal values of `names`, or null if one is missing or outside its distribution. */
  private row(t: FrozenTrial, names: readonly string[], dists: readonly Distribution[], lies: Map<string, { value: ParamValue }> | undefined): number[] | null {
    const row: number[] = [];
    for (let j = 0; j < names.length; j++) {
      const name = names[j] as string;
      const dist = dists[j] as Distribution;
      let v: ParamValue | undefined;
      if (Object.hasOwn(t.params, name)) v = t.params[name] as ParamValue;
      else if (lies?.has(name)) v = lies.get(name)?.value;
      if (v === undefined || !contains(dist, v)) return null;
      row.push(toInternal(dist, v));
    }
    return row;
  }

  /** The rows of `trials` as columns, with their weights (`given`, or the weights function's). */
  private columns(
    trials: readonly FrozenTrial[],
    given: Float64Array | null,
    row: Map<FrozenTrial, number>,
    values: readonly number[],
    d: number,
  ): Observations {
    const n = trials.length;
    const cols = Array.from({ length: d }, () => new Float64Array(n));
    for (let r = 0; r < n; r++) {
      const base = (row.get(trials[r] as FrozenTrial) as number) * d;
      for (let j = 0; j < d; j++) (cols[j] as Float64Array)[r] = values[base + j] as number;
    }
    const weights = new Float64Array(n);
    const w = given ?? this.weights(n);
    for (let r = 0; r < n; r++) weights[r] = w[r] as number;
    return { cols, weights };
  }

  private remember(trialNumber: number, values: Readonly<Record<string, ParamValue>>, space: SearchSpace): void {
    if (!this.constantLiar) return;
    let m = this.pending.get(trialNumber);
    if (m === undefined) {
      m = new Map();
      this.pending.set(trialNumber, m);
      // Bound the memory of trials abandoned without tell().
      if (this.pending.size > 10_000) this.pending.delete(this.pending.keys().next().value as number);
    }
    for (const [name, value] of Object.entries(values)) m.set(name, { value, distribution: space[name] as Distribution });
  }
}

/**
 * Steps 2-5 on plain arrays: build l(x) from `below` and g(x) from `above`,
 * draw `nCandidates` points from l, return the one maximizing log l − log g
 * (internal representation, one value per distribution).
 */
export function proposeByTpe(
  dists: readonly Distribution[],
  below: Observations,
  above: Observations,
  options: ParzenEstimatorOptions,
  nCandidates: number,
  rng: Rng,
): Float64Array {
  const domains = dists.map(kernelDomain);
  const l = new ParzenEstimator(domains, below.cols, below.weights, options);
  const g = new ParzenEstimator(domains, above.cols, above.weights, options);
  const candidates = l.sample(rng, nCandidates);
  const logL = l.logPdf(candidates, nCandidates);
  const logG = g.logPdf(candidates, nCandidates);
  let best = 0;
  let bestScore = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < nCandidates; i++) {
    const s = (logL[i] as number) - (logG[i] as number);
    if (s > bestScore) {
      bestScore = s;
      best = i;
    }
  }
  return Float64Array.from(candidates, (col) => col[best] as number);
}

/** Parameter groups whose earlier-study models TpeSampler keeps (a define-by-run space may have many conditional groups). */
const PRIOR_CACHE_SIZE = 32;

/** Pseudo-count of the neutral similarity 1 against which this study's pairs of trials are weighed. */
export const PRIOR_SIMILARITY_PSEUDO_PAIRS = 5;

/**
 * How far each earlier study is to be trusted, in [0, 1]: its TPE score log l − log g
 * (the density of its top quantile over the rest) at this study's finished trials,
 * compared pair by pair with their values (Kendall's τ, as RGPE's ranking loss,
 * Feurer et al. 2018; the score as the top-quantile overlap of Watanabe et al. 2022),
 * clipped at 0 and shrunk towards 1 while few pairs are known:
 * (P₀ + (C − D)⁺) / (P₀ + C + D) over C concordant and D discordant pairs.
 * A finished trial's score and its pairs never change, so while the history only grows
 * each update scores the new trials and counts their pairs (O(n) per new trial, not O(n²)).
 */
class PriorAgreement {
  private readonly models: ({ l: ParzenEstimator; g: ParzenEstimator } | null)[];
  /** The trials counted so far, their objective values (lower is better) and, per study, their scores. */
  private counted = new Set<FrozenTrial>();
  private y: number[] = [];
  private scores: number[][];
  private readonly concordant: number[];
  private readonly discordant: number[];

  constructor(
    dists: readonly Distribution[],
    priors: readonly ({ below: Observations; above: Observations } | null)[],
    private readonly direction: StudyDirection,
    options: ParzenEstimatorOptions,
  ) {
    const domains = dists.map(kernelDomain);
    this.models = priors.map((p) =>
      p === null
        ? null
        : {
            l: new ParzenEstimator(domains, p.below.cols, p.below.weights, options),
            g: new ParzenEstimator(domains, p.above.cols, p.above.weights, options),
          },
    );
    this.scores = priors.map(() => []);
    this.concordant = priors.map(() => 0);
    this.discordant = priors.map(() => 0);
  }

  /** Each study's agreement with `trials` (their internal values row-major in `values`, d per row); only COMPLETE trials with a finite value count. */
  update(trials: readonly FrozenTrial[], values: readonly number[], d: number): number[] {
    const rows: number[] = [];
    let kept = 0;
    for (const [i, t] of trials.entries()) {
      const v = t.state === 'COMPLETE' && t.values !== null ? t.values[0] : undefined;
      if (v === undefined || !Number.isFinite(v)) continue;
      if (this.counted.has(t)) kept++;
      else rows.push(i);
    }
    if (kept < this.counted.size) {
      // A trial counted before is gone (another history): count afresh.
      this.counted = new Set();
      this.y = [];
      this.scores = this.scores.map(() => []);
      this.concordant.fill(0);
      this.discordant.fill(0);
      return this.update(trials, values, d);
    }
    if (rows.length > 0) this.add(trials, rows, values, d);
    const p0 = PRIOR_SIMILARITY_PSEUDO_PAIRS;
    return this.models.map((m, k) => {
      if (m === null) return 0;
      if (this.y.length < 2) return 1;
      const c = this.concordant[k] as number;
      const dis = this.discordant[k] as number;
      return (p0 + Math.max(0, c - dis)) / (p0 + c + dis);
    });
  }

  private add(trials: readonly FrozenTrial[], rows: readonly number[], values: readonly number[], d: number): void {
    const m = rows.length;
    const cols = Array.from({ length: d }, (_, j) => Float64Array.from(rows, (i) => values[i * d + j] as number));
    const y0 = this.y.length;
    for (const i of rows) {
      const t = trials[i] as FrozenTrial;
      const v = t.values?.[0] as number;
      this.counted.add(t);
      this.y.push(this.direction === 'maximize' ? -v : v);
    }
    for (const [k, model] of this.models.entries()) {
      if (model === null) continue;
      const logL = model.l.logPdf(cols, m);
      const logG = model.g.logPdf(cols, m);
      const s = this.scores[k] as number[];
      let c = 0;
      let dis = 0;
      for (let a = 0; a < m; a++) {
        const sa = (logL[a] as number) - (logG[a] as number);
        const ya = this.y[y0 + a] as number;
        // Pairs of this new trial with every trial counted before it.
        for (let b = 0; b < s.length; b++) {
          const dy = (this.y[b] as number) - ya;
          const ds = (s[b] as number) - sa;
          if (dy === 0 || ds === 0 || !Number.isFinite(ds)) continue;
          // Concordant: the better trial (lower y) has the higher score.
          if (dy < 0 === ds > 0) c++;
          else dis++;
        }
        s.push(sa);
      }
      this.concordant[k] = (this.concordant[k] as number) + c;
      this.discordant[k] = (this.discordant[k] as number) + dis;
    }
  }
}

/** a's observations followed by b's, b's weights multiplied by w. */
function concatObservations(a: Observations, b: Observations, w: number): Observations {
  const cols = a.cols.map((c, j) => {
    const out = new Float64Array(c.length + (b.cols[j] as Float64Array).length);
    out.set(c);
    out.set(b.cols[j] as Float64Array, c.length);
    return out;
  });
  const weights = new Float64Array(a.weights.length + b.weights.length);
  weights.set(a.weights);
  for (let i = 0; i < b.weights.length; i++) weights[a.weights.length + i] = (b.weights[i] as number) * w;
  return { cols, weights };
}

function externalValue(d: Distribution, internal: number): ParamValue {
  if (d.kind === 'categorical') return fromInternal(d, internal);
  return snap(d, internal);
}

function checkCount(v: number, name: string, min: number): number {
  if (!Number.isSafeInteger(v) || v < min) throw new InvalidArgumentError(`${name} must be an integer >= ${min}, got ${v}`, [name]);
  return v;
}

/** The seed of one stream (relative or independent, keyed by parameter names) of one trial. */
function streamSeed(seed: number, trialNumber: number, salt: number): number {
  return trialSeed(seed >>> 0, trialNumber, salt);
}
