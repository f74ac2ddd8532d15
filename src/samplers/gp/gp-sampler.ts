/**
 * Bayesian optimization with a Gaussian process (as Optuna's GPSampler):
 *   1. the relative search space is the intersection of the finished trials'
 *      spaces, encoded on the unit cube (search-space.ts);
 *   2. the first `nStartupTrials` points are a scrambled Sobol design;
 *   3. then a GP with a Matérn-5/2 ARD kernel is fitted to the standardized
 *      objective (kernel.ts, gp.ts), its hyperparameters refitted as the
 *      history grows and warm-started from the previous fit;
 *   4. the next point maximizes log expected improvement (acquisition.ts)
 *      — log expected hypervolume improvement with several objectives, one
 *      GP each — plus the log probability of feasibility when trials record
 *      constraints, found by multi-start L-BFGS-B and a discrete search
 *      (optimize-acqf.ts).
 * A single objective is fitted through an output warping that tames heavy
 * tails (targets.ts; `outputWarping: false` gives Optuna's plain
 * standardization); several objectives are standardized, as Optuna does.
 * Running trials count as observed at the mean target (a constant liar), so
 * parallel workers spread out. A parameter outside the relative space (a
 * conditional one) is sampled by a GP over the subspace of the trials that
 * have it, given the values this trial already has, once enough of them
 * have finished (`conditionalSubspaces`); before that, and always with the
 * option off, by the independent sampler.
 *
 * Randomness comes from per-trial streams, so the same seed and the same
 * sequence of histories give the same suggestions. The hyperparameter fit is
 * warm-started from this instance's previous fit, as Optuna's is, so a
 * sampler resumed on a long history may differ slightly from one that saw it
 * grow.
 */
import { InvalidArgumentError } from '../../errors.js';
import { Rng, randomSeed } from '../../math/rng.js';
import { SobolEngine } from '../../math/sobol.js';
import { normalQuantile } from '../../math/special.js';
import { contains, type Distribution, distributionsEqual, type ParamValue, type SearchSpace } from '../../space/distributions.js';
import { constraintsOf } from '../../trial/constraints.js';
import type { FrozenTrial } from '../../trial/frozen-trial.js';
import type { TrialState } from '../../trial/state.js';
import { checkSeed, hashName, RandomSampler } from '../random/random-sampler.js';
import { type Sampler, type StudyView, type TrialView, trialSeed } from '../sampler.js';
import { intersectionSearchSpace } from '../search-space.js';
import { type Acquisition, LogEhvi, LogEi, LogProbabilityOfFeasibility, SumAcquisition } from './acquisition.js';
import { EarlierStudyModels } from './earlier-studies.js';
import { fitKernelParams, GaussianProcess, type GpData, MINIMUM_NOISE_VAR } from './gp.js';
import type { KernelParams } from './kernel.js';
import { optimizeAcquisition, pointKey } from './optimize-acqf.js';
import { type PriorMean, withPriorMean } from './prior-mean.js';
import { GpSearchSpace } from './search-space.js';
import { standardizeTargets, type Targets, warpTargets } from './targets.js';
import type { GpTransferInput, GpTransferModel } from './transfer-model.js';

export interface GpSamplerOptions {
  readonly seed?: number;
  /** Trials sampled by the Sobol design before the GP is used (default 10). */
  readonly nStartupTrials?: number;
  /** The objective has no noise: fix the noise variance at its floor (default false). */
  readonly deterministicObjective?: boolean;
  /** Samples the parameters outside the relative space (default: a RandomSampler seeded from this one). */
  readonly independentSampler?: Sampler;
  /** Sobol points scored before the local searches of the acquisition (default 2048, fewer past 64 trials). */
  readonly nPreliminarySamples?: number;
  /** Local searches of the acquisition (default 10; twice that up to 64 trials, fewer past 200). */
  readonly nLocalSearch?: number;
  /** Treat running trials as observed at the mean target (default true). */
  readonly constantLiar?: boolean;
  /** Model conditional parameters with a GP over the trials that have them (default true). */
  readonly conditionalSubspaces?: boolean;
  /** Fit the GP to Box-Cox-warped gaps to the best value, taming heavy tails (default true; false: plain standardization, as Optuna). */
  readonly outputWarping?: boolean;
  /**
   * Trials of earlier, related studies (one array per study, parameters
   * already mapped to this study's names and ranges). Single-objective
   * studies then use a prior mean: the average of per-study GPs fitted to the
   * earlier studies' standardized values, scaled by a least-squares factor
   * fitted to this study's own trials (shrunk toward 1, fading as τ/(τ + n)
   * with n own trials, τ = 10); the GP models
   * what the prior mean misses. There is no Sobol start-up phase: the first
   * trials are the earlier studies' best configurations. Default none: the
   * sampler is unchanged.
   */
  readonly priorTrials?: readonly (readonly FrozenTrial[])[];
  /**
   * A model of earlier studies combined with this study's GP (e.g. the
   * ranking-weighted ensemble of src/transfer); replaces `priorTrials`.
   * Single-objective studies only; default none.
   */
  readonly transferModel?: GpTransferModel;
}

/** Pseudo-observations pulling the prior mean's scale toward 1. */
const PRIOR_SCALE_SHRINK = 2;
/** τ of the prior mean's weight τ/(τ + n), n the study's own observations. */
const PRIOR_DECAY = 10;

/** One fitted model (objective or constraint), kept between trials. */
interface CachedModel {
  params: KernelParams;
  /** Observations when the hyperparameters were last fitted. */
  fittedAt: number;
  /** Trial numbers of the GP's rows, in row order. */
  rows: number[];
  gp: GaussianProcess;
  /** Hyperparameter fits so far. */
  fits: number;
}

const SALT_ACQUISITION = 0x6a09e667;
const SALT_TRANSFER = 0x3c6ef372;
/** Models kept for conditional subspaces (least recently used dropped). */
const MAX_CACHED_SPACES = 32;
/** Suggestions remembered per trial until it is told (never-told trials are forgotten oldest first). */
const MAX_PENDING = 1024;

/** Gaussian-process Bayesian optimization (log EI / log EHVI), for expensive objectives. */
export class GpSampler implements Sampler {
  readonly name = 'GpSampler';
  readonly usesHistory = true;
  readonly seed: number;
  readonly nStartupTrials: number;
  readonly deterministicObjective: boolean;
  private readonly independent: Sampler;
  private readonly nPreliminary: number;
  private readonly nLocalSearch: number;
  private readonly constantLiar: boolean;
  private readonly conditional: boolean;
  private readonly outputWarping: boolean;
  private startupEngine: { key: string; engine: SobolEngine } | null = null;
  private readonly models = new Map<string, CachedModel[]>();
  /**
   * Values this instance decided for trials not yet told, by trial number:
   * the relative point (for the constant liar: concurrent asks in one
   * process see each other's points before they reach the storage) and the
   * conditional subspace points (so each subspace is optimized once).
   */
  private readonly pending = new Map<number, Record<string, ParamValue>>();
  /** Earlier studies' COMPLETE trials (warm start) and their GPs. */
  private prior: EarlierStudyModels = this.earlierStudies([]);
  private transferModel: GpTransferModel | null = null;

  /** @example new GpSampler({ seed: 1 }) */
  constructor(options: GpSamplerOptions = {}) {
    this.seed = (checkSeed(options.seed) ?? randomSeed()) >>> 0;
    const nStartup = options.nStartupTrials ?? 10;
    if (!Number.isSafeInteger(nStartup) || nStartup < 0) {
      throw new InvalidArgumentError(`nStartupTrials must be a non-negative integer, got ${nStartup}`, ['nStartupTrials']);
    }
    this.nStartupTrials = nStartup;
    this.deterministicObjective = options.deterministicObjective ?? false;
    this.independent = options.independentSampler ?? new RandomSampler({ seed: (this.seed ^ 0x2545f491) >>> 0 });
    this.nPreliminary = positiveInt(options.nPreliminarySamples ?? 2048, 'nPreliminarySamples');
    this.nLocalSearch = positiveInt(options.nLocalSearch ?? 10, 'nLocalSearch');
    this.constantLiar = options.constantLiar ?? true;
    this.conditional = options.conditionalSubspaces ?? true;
    this.outputWarping = options.outputWarping ?? true;
    if (options.priorTrials !== undefined) this.setPriorTrials(options.priorTrials);
    if (options.transferModel !== undefined) this.setTransferModel(options.transferModel);
  }

  /** Warm start through a model of earlier studies (see `transferModel`); clears any `priorTrials`. */
  setTransferModel(model: GpTransferModel | null): void {
    if (model !== null && (typeof model !== 'object' || typeof model.prepare !== 'function' || typeof model.initialPoint !== 'function')) {
      throw new InvalidArgumentError('transferModel must implement GpTransferModel { name, initialPoint, prepare }', ['transferModel']);
    }
    this.transferModel = model;
    if (model !== null) this.setPriorTrials([]);
  }

  /** Warm start: the trials of earlier studies (see `priorTrials`). Called by createStudy({ warmStart }). */
  setPriorTrials(groups: readonly (readonly FrozenTrial[])[]): void {
    if (!Array.isArray(groups)) throw new InvalidArgumentError('priorTrials must be an array of trial arrays, one per earlier study', ['priorTrials']);
    this.prior = this.earlierStudies(groups);
    if (this.prior.groups.length > 0) this.transferModel = null;
  }

  /** Per earlier study, its GP over a space (fitted once per space, to at most 150 trials) and its trials best first. */
  private earlierStudies(groups: readonly (readonly FrozenTrial[])[]): EarlierStudyModels {
    return new EarlierStudyModels(groups, {
      minTrials: 2,
      maxPoints: 150,
      targets: (values) => standardizeTargets(values).y,
      fit: { deterministic: this.deterministicObjective, minNoise: MINIMUM_NOISE_VAR },
    });
  }

  /** The initial design of a warm start: the k-th trial takes the earlier studies' best configurations in turn. */
  private priorInitialPoint(space: GpSearchSpace, sign: number, k: number): Record<string, ParamValue> | null {
    if (this.transferModel !== null) return this.transferModel.initialPoint(space, sign, k);
    return this.prior.initialPoint(space, sign, k);
  }

  inferRelativeSearchSpace(study: StudyView): SearchSpace {
    return intersectionSearchSpace(study.getTrials(COMPLETE));
  }

  sampleRelative(study: StudyView, trial: TrialView, space: SearchSpace): Readonly<Record<string, ParamValue>> {
    const names = Object.keys(space);
    if (names.length === 0) return {};
    if (names.every((n) => Object.hasOwn(trial.fixedParams, n))) return {};
    const gpSpace = new GpSearchSpace(space);
    const completed = finished(study);
    let point: Record<string, ParamValue> | null = null;
    const warm = (this.prior.groups.length > 0 || this.transferModel !== null) && study.directions.length === 1;
    const sign = study.directions[0] === 'maximize' ? 1 : -1;
    if (warm && completed.length < 2) point = this.priorInitialPoint(gpSpace, sign, completed.length) ?? this.startupPoint(gpSpace, trial.number);
    else if (!warm && completed.length < this.nStartupTrials) point = this.startupPoint(gpSpace, trial.number);
    else point = this.modelPoint(study, trial, gpSpace, completed, trial.fixedParams, 0);
    if (point === null) return {};
    this.remember(trial.number, point);
    return point;
  }

  sampleIndependent(study: StudyView, trial: TrialView, name: string, distribution: Distribution): ParamValue {
    const decided = this.pending.get(trial.number)?.[name];
    if (decided !== undefined && contains(distribution, decided)) return decided;
    if ((this.prior.groups.length > 0 || this.transferModel !== null) && study.directions.length === 1 && finished(study).length === 0) {
      // Warm start, first trial: the best earlier configuration, parameter by parameter.
      const sign = study.directions[0] === 'maximize' ? 1 : -1;
      const first = this.priorInitialPoint(new GpSearchSpace({ [name]: distribution }), sign, 0)?.[name];
      if (first !== undefined && contains(distribution, first)) return first;
    }
    if (this.conditional) {
      const v = this.conditionalPoint(study, trial, name, distribution);
      if (v !== undefined) return v;
    }
    return this.independent.sampleIndependent(study, trial, name, distribution);
  }

  afterTrial(study: StudyView, trial: TrialView, state: TrialState, values: readonly number[] | null): void {
    this.pending.delete(trial.number);
    this.independent.afterTrial?.(study, trial, state, values);
  }

  private remember(number: number, point: Readonly<Record<string, ParamValue>>): void {
    const entry = this.pending.get(number);
    if (entry) Object.assign(entry, point);
    else this.pending.set(number, { ...point });
    if (this.pending.size > MAX_PENDING) this.pending.delete(this.pending.keys().next().value as number);
  }

  /** Point `number` of a scrambled Sobol sequence over the space. */
  private startupPoint(space: GpSearchSpace, number: number): Record<string, ParamValue> {
    if (this.startupEngine?.key !== space.key) this.startupEngine = { key: space.key, engine: new SobolEngine(space.dim, { seed: this.seed }) };
    const u = this.startupEngine.engine.point(number);
    space.fromUniformInPlace(u);
    return space.decode(u);
  }

  /**
   * A conditional parameter: the subspace is the intersection of the spaces of
   * the finished trials that have `name` (with this distribution); its
   * parameters this trial already has are held fixed and the rest optimized
   * jointly, once per trial. Undefined when too few trials have it.
   */
  private conditionalPoint(study: StudyView, trial: TrialView, name: string, distribution: Distribution): ParamValue | undefined {
    const withIt = finished(study).filter((t) => {
      const d = t.distributions[name];
      return d !== undefined && distributionsEqual(d, distribution);
    });
    if (withIt.length < Math.max(2, Math.ceil(this.nStartupTrials / 2))) return undefined;
    const group = intersectionSearchSpace(withIt);
    if (!Object.hasOwn(group, name)) return undefined;
    const known: Record<string, ParamValue> = { ...this.pending.get(trial.number), ...trial.fixedParams, ...trial.params };
    const fixed: Record<string, ParamValue> = {};
    for (const n of Object.keys(group)) if (Object.hasOwn(known, n)) fixed[n] = known[n] as ParamValue;
    const space = new GpSearchSpace(group);
    const point = this.modelPoint(study, trial, space, withIt, fixed, hashName(space.key));
    if (point === null) return undefined;
    const decided: Record<string, ParamValue> = {};
    for (const n of Object.keys(group)) if (!Object.hasOwn(fixed, n)) decided[n] = point[n] as ParamValue;
    this.remember(trial.number, decided);
    return decided[name];
  }

  /**
   * The point maximizing the acquisition over `space`, from the finished
   * trials that lie in it, with the parameters in `fixed` held at their values;
   * null when the space cannot be modelled (too few usable trials, or every
   * parameter fixed).
   */
  private modelPoint(
    study: StudyView,
    trial: TrialView,
    space: GpSearchSpace,
    completed: readonly FrozenTrial[],
    fixed: Readonly<Record<string, ParamValue>>,
    salt: number,
  ): Record<string, ParamValue> | null {
    const d = space.dim;
    const pinned = new Map<number, number>();
    space.dims.forEach((dim, j) => {
      if (!Object.hasOwn(fixed, dim.name)) return;
      const u = space.encodeOne(j, fixed[dim.name] as ParamValue);
      if (u !== null) pinned.set(j, u);
    });
    if (pinned.size === d) return null;
    const nObjectives = study.directions.length;
    const x = new Float64Array(completed.length * d);
    const used: FrozenTrial[] = [];
    const raw: number[][] = Array.from({ length: nObjectives }, () => []);
    for (const t of completed) {
      if (!space.encode(t.params, x, used.length * d)) continue;
      used.push(t);
      for (let k = 0; k < nObjectives; k++) {
        const sign = study.directions[k] === 'maximize' ? 1 : -1;
        (raw[k] as number[]).push(sign * ((t.values as readonly number[])[k] as number));
      }
    }
    if (used.length < 2) return null;
    const m = used.length;
    const xs = x.subarray(0, m * d);
    const numbers = used.map((t) => t.number);
    // Objectives first (warped when single), then constraints c ≤ 0 modelled as −c (feasible is high), the threshold 0 mapped alike.
    // With a prior mean, plain standardization: the earlier studies' models are on that scale.
    const warpOwn = this.outputWarping && !(this.prior.groups.length > 0);
    const targets: Targets[] = raw.map((r) => (nObjectives === 1 && warpOwn ? warpTargets(r) : standardizeTargets(r)));
    const constraintRows = used.map(constraintsOf);
    const first = constraintRows[0];
    const nConstraints = first && constraintRows.every((c) => c !== null && c.length === first.length) ? first.length : 0;
    const thresholds: number[] = [];
    for (let c = 0; c < nConstraints; c++) {
      const s = standardizeTargets(constraintRows.map((row) => -((row as readonly number[])[c] as number)));
      targets.push(s);
      thresholds.push(s.transform(0));
    }

    const key = JSON.stringify([study.studyName, space.key, nObjectives, nConstraints]);
    const cached = this.cachedModels(key);
    // Warm start: the objective's GP models the residual to the prior mean; acquisitions see prior + residual.
    const prior = nObjectives === 1 ? this.priorMean(space, study.directions[0] === 'maximize' ? 1 : -1, xs, m, (targets[0] as Targets).y) : null;
    const fitted = targets.map((t, i) => (i === 0 && prior !== null ? prior.residual : t.y));
    const rawGps = fitted.map((y, i) => this.model(cached, i, xs, numbers, y, space));
    // A transfer model wraps the objective's GP (fitted to the study's own targets) into the model the acquisition sees.
    const transferInput: GpTransferInput | null =
      nObjectives === 1 && this.transferModel !== null
        ? {
            space,
            sign: study.directions[0] === 'maximize' ? 1 : -1,
            own: rawGps[0] as GaussianProcess,
            x: xs,
            y: fitted[0] as Float64Array,
            n: m,
            seed: trialSeed(this.seed, trial.number, SALT_TRANSFER ^ salt),
          }
        : null;
    const transfer = transferInput !== null ? (this.transferModel as GpTransferModel).prepare(transferInput) : null;
    // A transfer model may confine the search to a trust region (whole-space searches only).
    const box = transferInput !== null && pinned.size === 0 ? (this.transferModel as GpTransferModel).region?.(transferInput) : undefined;
    const wrap = (gp: GaussianProcess, i: number): GaussianProcess =>
      i !== 0 ? gp : prior !== null ? withPriorMean(gp, prior.mean) : transfer !== null ? transfer(gp) : gp;
    const gps = rawGps.map(wrap);

    const feasible: number[] = [];
    for (let r = 0; r < m; r++) if (nConstraints === 0 || (constraintRows[r] as readonly number[]).every((c) => c <= 0)) feasible.push(r);
    const agrees = (r: number): boolean => {
      for (const [j, u] of pinned) if (xs[r * d + j] !== u) return false;
      return true;
    };
    const rng = new Rng(trialSeed(this.seed, trial.number, SALT_ACQUISITION ^ salt));
    const running = this.constantLiar ? this.runningInputs(study, trial, space) : null;
    const models = rawGps.map((gp, i) => wrap(running === null ? gp : fantasize(gp, running, fitted[i] as Float64Array), i));
    const terms: Acquisition[] = [];
    const starts: Float64Array[] = [];
    const main = models[0] as GaussianProcess;
    if (nObjectives === 1) {
      // f*: the best feasible target; the local search also starts from the best trial that agrees with the fixed values.
      let y0: Float64Array = (targets[0] as Targets).y;
      // A transfer model's mean mixes other studies' scales: the incumbent must be on the model's own scale, so plug-in too.
      if ((gps[0] as GaussianProcess).params.noiseVar >= NOISY || transfer !== null) {
        // Noisy observations: judge trials by the posterior mean there, not by their noisy values (the "plug-in" threshold).
        const means = new Float64Array(m);
        const vars = new Float64Array(m);
        (gps[0] as GaussianProcess).posteriorBatch(xs, m, means, vars);
        y0 = means;
      }
      let bestRow = -1;
      let bestMatching = -1;
      for (const r of feasible) {
        if (bestRow < 0 || (y0[r] as number) > (y0[bestRow] as number)) bestRow = r;
        if (agrees(r) && (bestMatching < 0 || (y0[r] as number) > (y0[bestMatching] as number))) bestMatching = r;
      }
      if (bestRow >= 0) terms.push(new LogEi(main, y0[bestRow] as number));
      const startRow = bestMatching >= 0 ? bestMatching : bestRow;
      if (startRow >= 0) starts.push(xs.slice(startRow * d, startRow * d + d));
    } else if (feasible.length > 0) {
      const y = new Float64Array(nObjectives * feasible.length);
      feasible.forEach((r, i) => {
        for (let k = 0; k < nObjectives; k++) y[nObjectives * i + k] = (targets[k] as Targets).y[r] as number;
      });
      const draws = normalDraws(nObjectives === 2 ? EHVI_SAMPLES : EHVI_SAMPLES / 2, nObjectives, rng.uint32());
      terms.push(new LogEhvi(models.slice(0, nObjectives), y, draws));
      // Local searches also start from up to half as many Pareto-optimal trials.
      const pareto = feasible.filter((r) => !feasible.some((q) => dominatesRow(targets, nObjectives, q, r)));
      for (const r of rng.shuffled(pareto).slice(0, Math.floor(this.nLocalSearch / 2))) starts.push(xs.slice(r * d, r * d + d));
    }
    for (let c = 0; c < nConstraints; c++) terms.push(new LogProbabilityOfFeasibility(models[nObjectives + c] as GaussianProcess, thresholds[c] as number));
    if (terms.length === 0) return null;
    const acq = terms.length === 1 ? (terms[0] as Acquisition) : new SumAcquisition(terms);
    // A noise-free objective learns nothing from a configuration evaluated (or running) already: on grids the acquisition's
    // optimum otherwise often is one (the best trial's cell, where log EI keeps the noise floor's trace).
    let exclude: Set<string> | undefined;
    if (this.deterministicObjective) {
      exclude = new Set();
      const row = new Float64Array(d);
      const add = (from: Float64Array, r: number): void => {
        row.set(from.subarray(r * d, r * d + d));
        space.snapInPlace(row);
        (exclude as Set<string>).add(pointKey(row));
      };
      for (let r = 0; r < m; r++) add(xs, r);
      if (running !== null) for (let r = 0; r < running.length / d; r++) add(running, r);
    }
    const opt = optimizeAcquisition(acq, space, {
      rng,
      nPreliminary: preliminarySamples(this.nPreliminary, main.n),
      nLocalSearch: Math.max(starts.length + 1, localSearches(this.nLocalSearch, main.n)),
      starts,
      lengthscales: Float64Array.from(main.params.invSqLengthscales, (t) => 1 / Math.sqrt(t)),
      fixed: pinned,
      ...(box != null ? { box } : {}),
      ...(exclude !== undefined ? { exclude } : {}),
    });
    return space.decode(opt.x);
  }

  /**
   * The prior mean a·μ(x) + b, μ the average of the earlier studies' GP means
   * (standardized units), a and b fitted by least squares to this study's targets,
   * a with PRIOR_SCALE_SHRINK pseudo-observations at a = 1, clipped to [0, 2]
   * (a falls toward 0 when the earlier studies mislead) and multiplied by
   * τ/(τ + n) (PRIOR_DECAY); and the residual
   * targets y − a·μ(X). Null without prior trials in this space.
   */
  private priorMean(space: GpSearchSpace, sign: number, xs: Float64Array, m: number, y: Float64Array): { mean: PriorMeanFn; residual: Float64Array } | null {
    if (this.prior.groups.length === 0) return null;
    const priors = this.prior.models(space, sign);
    if (priors.length === 0) return null;
    const mu = new Float64Array(m);
    const means = new Float64Array(m);
    const vars = new Float64Array(m);
    for (const p of priors) {
      p.gp.posteriorBatch(xs, m, means, vars);
      for (let r = 0; r < m; r++) mu[r] = (mu[r] as number) + (means[r] as number) / priors.length;
    }
    // y ≈ a·μ + b by least squares (the own targets are centred on the own trials, which may all be good ones).
    let muBar = 0;
    let yBar = 0;
    for (let r = 0; r < m; r++) {
      muBar += (mu[r] as number) / m;
      yBar += (y[r] as number) / m;
    }
    let num = PRIOR_SCALE_SHRINK;
    let den = PRIOR_SCALE_SHRINK;
    for (let r = 0; r < m; r++) {
      num += ((mu[r] as number) - muBar) * ((y[r] as number) - yBar);
      den += ((mu[r] as number) - muBar) ** 2;
    }
    // The fitted scale, fading as the study's own trials accumulate (they, not the earlier studies, locate its optimum precisely).
    const a = (Math.min(3, Math.max(0, num / den)) * PRIOR_DECAY) / (PRIOR_DECAY + m);
    const b = yBar - a * muBar;
    const residual = Float64Array.from(y, (v, r) => v - a * (mu[r] as number) - b);
    return {
      mean: new PriorMeanFn(
        priors.map((p) => p.gp),
        a,
        b,
        space.dim,
      ),
      residual,
    };
  }

  private cachedModels(key: string): CachedModel[] {
    let models = this.models.get(key);
    if (models === undefined) {
      models = [];
      if (this.models.size >= MAX_CACHED_SPACES) this.models.delete(this.models.keys().next().value as string);
    } else {
      this.models.delete(key);
    }
    this.models.set(key, models);
    return models;
  }

  /** Model i of a cache slot, brought up to date with the rows (refitted on schedule, else grown by appends). */
  private model(cache: CachedModel[], i: number, xs: Float64Array, numbers: readonly number[], y: Float64Array, space: GpSearchSpace): GaussianProcess {
    const d = space.dim;
    const n = numbers.length;
    const data: GpData = { x: xs, y, n, d, isCategorical: space.isCategorical };
    const prev = cache[i];
    if (prev !== undefined && !needsRefit(n, prev.fittedAt)) {
      const grown = grow(prev, xs, numbers, y);
      if (grown !== null) return grown;
    }
    const fits = (prev?.fits ?? 0) + 1;
    const params = fitKernelParams(fitSubset(data), {
      deterministic: this.deterministicObjective,
      minNoise: MINIMUM_NOISE_VAR,
      warmStarts: prev ? [prev.params] : [],
      // The warm start alone, as Optuna; the default start too while fits are cheap and every tenth fit after.
      defaultStart: prev === undefined || n <= 40 || fits % 10 === 0,
    });
    const gp = GaussianProcess.build(data, params);
    cache[i] = { params, fittedAt: n, rows: numbers.slice(), gp, fits };
    return gp;
  }

  /**
   * Encoded inputs of the other running trials: those of the snapshot with
   * every parameter of the space (from the storage, or from what this
   * instance decided for them), and those this instance started after the
   * snapshot.
   */
  private runningInputs(study: StudyView, trial: TrialView, space: GpSearchSpace): Float64Array | null {
    const rows: number[] = [];
    const buf = new Float64Array(space.dim);
    const seen = new Set<number>([trial.number]);
    for (const t of study.getTrials()) {
      seen.add(t.number);
      if (t.state !== 'RUNNING' || t.number === trial.number) continue;
      const own = this.pending.get(t.number);
      if (space.encode(t.params, buf) || (own !== undefined && space.encode({ ...own, ...t.params }, buf))) rows.push(...buf);
    }
    for (const [number, params] of this.pending) {
      if (!seen.has(number) && space.encode(params, buf)) rows.push(...buf);
    }
    return rows.length === 0 ? null : Float64Array.from(rows);
  }
}

const COMPLETE: readonly TrialState[] = ['COMPLETE'];
/**
 * A fitted noise variance (of standardized targets) from which observations
 * count as noisy: f* and the local-search start then come from the posterior
 * mean at the trials rather than their observed values (Picheny et al. 2013,
 * "A benchmark of kriging-based infill criteria for noisy optimization").
 */
const NOISY = 1e-4;

/** Quasi-random normal draws for log EHVI (BoTorch's and Optuna's default). */
const EHVI_SAMPLES = 128;

/** S×m standard normal draws: a scrambled Sobol sample mapped through Φ⁻¹. */
function normalDraws(s: number, m: number, seed: number): Float64Array {
  const sobol = new SobolEngine(m, { seed });
  const out = new Float64Array(m * s);
  for (let i = 0; i < s; i++) {
    const u = sobol.next();
    for (let k = 0; k < m; k++) out[m * i + k] = normalQuantile(Math.min(1 - 1e-12, Math.max(1e-12, u[k] as number)));
  }
  return out;
}

/** Row a dominates row b on the m objective targets (all maximized). */
function dominatesRow(targets: readonly Targets[], m: number, a: number, b: number): boolean {
  let better = false;
  for (let k = 0; k < m; k++) {
    const ya = (targets[k] as Targets).y[a] as number;
    const yb = (targets[k] as Targets).y[b] as number;
    if (ya < yb) return false;
    if (ya > yb) better = true;
  }
  return better;
}

/** COMPLETE trials with one value per objective. */
function finished(study: StudyView): FrozenTrial[] {
  return study.getTrials(COMPLETE).filter((t) => t.values !== null && t.values.length === study.directions.length);
}

function positiveInt(v: number, name: string): number {
  if (!Number.isSafeInteger(v) || v < 1) throw new InvalidArgumentError(`${name} must be a positive integer, got ${v}`, [name]);
  return v;
}

/**
 * Sobol points scored per suggestion: all `max` up to 48 observations, then
 * fewer as each costs O(n²), never under 256 (the local searches matter more
 * once the model is sharp).
 */
export function preliminarySamples(max: number, n: number): number {
  return Math.min(max, Math.max(256, Math.round((max * 48) / Math.max(48, n))));
}

/**
 * Local searches per suggestion: twice `max` up to 64 observations (they are
 * cheap, and the acquisition is most multimodal then), `max` up to 200, then
 * fewer (each gradient costs O(n²)), never under 4.
 */
export function localSearches(max: number, n: number): number {
  if (n <= 64) return 2 * max;
  return Math.min(max, Math.max(4, Math.round((max * 200) / Math.max(200, n))));
}

/**
 * Whether to refit the hyperparameters with n observations, last fitted at
 * `fittedAt`: every trial up to 50, every ⌈n/50⌉ trials up to 150, then
 * every ~5% more trials (each fit costs O(n³) per likelihood evaluation, each
 * appended trial O(n²); the hyperparameters move little from one trial to
 * the next).
 */
export function needsRefit(n: number, fittedAt: number): boolean {
  if (n < fittedAt) return true;
  if (n <= 50) return n !== fittedAt;
  if (n <= 150) return n - fittedAt >= Math.ceil(n / 50);
  return n - fittedAt >= Math.ceil(0.05 * fittedAt);
}

/** Observations the hyperparameters are fitted to at most (each likelihood evaluation costs O(n³)). */
const MAX_FIT_POINTS = 300;

/**
 * The data the hyperparameters are fitted to: all of it up to MAX_FIT_POINTS,
 * else the best third of that budget by target plus an even spread (by
 * trial order) of the rest.
 */
export function fitSubset(data: GpData): GpData {
  const { n, d } = data;
  if (n <= MAX_FIT_POINTS) return data;
  const nBest = Math.floor(MAX_FIT_POINTS / 3);
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => (data.y[b] as number) - (data.y[a] as number) || a - b);
  const chosen = new Set(order.slice(0, nBest));
  const rest = Array.from({ length: n }, (_, i) => i).filter((i) => !chosen.has(i));
  const nRest = MAX_FIT_POINTS - nBest;
  for (let k = 0; k < nRest; k++) chosen.add(rest[Math.floor((k * rest.length) / nRest)] as number);
  const rows = [...chosen].sort((a, b) => a - b);
  const x = new Float64Array(rows.length * d);
  const y = new Float64Array(rows.length);
  rows.forEach((r, i) => {
    x.set(data.x.subarray(r * d, r * d + d), i * d);
    y[i] = data.y[r] as number;
  });
  return { x, y, n: rows.length, d, isCategorical: data.isCategorical };
}

/** The cached GP with the new rows appended (O(n²) each), or null when it must be rebuilt. */
function grow(prev: CachedModel, xs: Float64Array, numbers: readonly number[], y: Float64Array): GaussianProcess | null {
  const index = new Map<number, number>();
  for (let r = 0; r < numbers.length; r++) index.set(numbers[r] as number, r);
  if (prev.rows.some((num) => !index.has(num))) return null;
  const have = new Set(prev.rows);
  for (let r = 0; r < numbers.length; r++) {
    const num = numbers[r] as number;
    if (have.has(num)) continue;
    if (!prev.gp.appendInput(xs, r)) return null;
    prev.rows.push(num);
  }
  prev.gp.setTargets(Float64Array.from(prev.rows, (num) => y[index.get(num) as number] as number));
  return prev.gp;
}

/** x ↦ a · (1/S) Σ μ_s(x) + b, with its gradient. */
class PriorMeanFn implements PriorMean {
  private readonly post = { mean: 0, variance: 0 };
  private readonly gm: Float64Array;
  private readonly gv: Float64Array;
  private readonly means = new Float64Array(0);
  constructor(
    private readonly gps: readonly GaussianProcess[],
    private readonly a: number,
    private readonly b: number,
    d: number,
  ) {
    this.gm = new Float64Array(d);
    this.gv = new Float64Array(d);
  }
  at(xs: Float64Array, row: number): number {
    let s = 0;
    for (const gp of this.gps) {
      gp.posterior(xs, row, this.post);
      s += this.post.mean;
    }
    return (this.a * s) / this.gps.length + this.b;
  }
  batch(xs: Float64Array, m: number, out: Float64Array): void {
    out.fill(0, 0, m);
    const means = this.means.length >= m ? this.means : new Float64Array(m);
    const vars = new Float64Array(m);
    for (const gp of this.gps) {
      gp.posteriorBatch(xs, m, means, vars);
      for (let r = 0; r < m; r++) out[r] = (out[r] as number) + (this.a * (means[r] as number)) / this.gps.length;
    }
    for (let r = 0; r < m; r++) out[r] = (out[r] as number) + this.b;
  }
  withGrad(x: Float64Array, grad: Float64Array): number {
    let s = 0;
    grad.fill(0);
    for (const gp of this.gps) {
      gp.posteriorWithGrad(x, this.post, this.gm, this.gv);
      s += this.post.mean;
      for (let j = 0; j < grad.length; j++) grad[j] = (grad[j] as number) + (this.a * (this.gm[j] as number)) / this.gps.length;
    }
    return (this.a * s) / this.gps.length + this.b;
  }
}

/** A copy of the GP with the running inputs observed at the mean target (0 after standardization). */
function fantasize(gp: GaussianProcess, running: Float64Array, y: Float64Array): GaussianProcess {
  const k = running.length / gp.d;
  const copy = gp.clone(k);
  let mean = 0;
  for (const v of y) mean += v / y.length;
  for (let r = 0; r < k; r++) if (!copy.appendInput(running, r)) return gp;
  const targets = Array.from(gp.targets());
  for (let r = gp.n; r < copy.n; r++) targets.push(mean);
  copy.setTargets(targets);
  return copy;
}
