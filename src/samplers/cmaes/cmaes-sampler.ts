/**
 * CMA-ES over the float and int parameters that every completed trial shares
 * (as Optuna's CmaEsSampler), with the margin for integer and stepped
 * parameters, IPOP restarts, separable CMA for many dimensions and warm
 * starts from earlier trials. Categorical parameters, and parameters not in
 * every completed trial, are handed to the independent sampler (a univariate
 * TPE by default, where Optuna uses random search); the sampler says so once per parameter through `onWarning` and
 * lists them in `independentParams`.
 *
 * Generations without storage writes: a sampler cannot tag trials, so the
 * CMA state is a pure function of the history. The completed trials (after
 * the first `nStartupTrials`), in completion order, are cut into consecutive
 * generations of λ trials and replayed; trial n draws its candidate from the
 * resulting state with the stream trialSeed(seed, n), its first normal vector
 * being point n of a scrambled Sobol sequence through Φ⁻¹ (quasi-random
 * mutations: Auger, Jebalia & Teytaud, "Algorithms (X, σ, η): Quasi-random
 * Mutations for Evolution Strategies", EA 2005; the trials of a generation
 * have consecutive numbers, so their steps are spread evenly; `quasiRandom:
 * false` draws them pseudo-randomly). During the replay each
 * trial's candidate is drawn again from the state of its generation: when it
 * reproduces the trial's stored values it is told as drawn (the exact raw
 * point, which the margin needs); otherwise (another worker sampled it from
 * an older state, or it was enqueued) it is told as an injected solution,
 * clipped to a few standard deviations of the mean. Processes that read the
 * same history therefore agree, and a run gives the same suggestions for the
 * same seed and history. The replayed state is cached and extended while the
 * history only grows.
 */
import { InvalidArgumentError } from '../../errors.js';
import { Rng, randomSeed } from '../../math/rng.js';
import { maxSobolDim, SobolEngine } from '../../math/sobol.js';
import { type Distribution, distributionsEqual, isSingle, type ParamValue, type SearchSpace } from '../../space/distributions.js';
import type { FrozenTrial } from '../../trial/frozen-trial.js';
import type { TrialState } from '../../trial/state.js';
import { checkSeed } from '../random/random-sampler.js';
import { type Sampler, type StudyView, type TrialView, trialSeed } from '../sampler.js';
import { TpeSampler } from '../tpe/tpe-sampler.js';
import { CmaEs, type CmaEsOptions } from './cma-es.js';
import { defaultPopsize } from './cma.js';
import { UnitCubeCodec } from './codec.js';
import { normalQuantile } from './normal.js';
import { warmStartDistribution } from './warm-start.js';

/** Above this many dimensions, `useSeparableCma: 'auto'` switches to sep-CMA. */
export const SEPARABLE_AUTO_DIMENSION = 40;

const SALT_CANDIDATE = 0x436d6145; // "CmaE"
const SALT_RESTART = 0x52737472;
const SALT_INDEPENDENT = 0x2f6b1c3d;
const SALT_SOBOL = 0x536f626c;

export interface CmaEsSamplerOptions {
  readonly seed?: number;
  /** Completed trials sampled independently before CMA-ES starts (default 1). */
  readonly nStartupTrials?: number;
  /** Initial step size in unit-cube coordinates, where 1 spans a parameter's range (default 1/6). */
  readonly sigma0?: number;
  /** Initial mean, in external values (default the centre of each range). */
  readonly x0?: Readonly<Record<string, number>>;
  /** λ (default 4 + ⌊3 ln n⌋). */
  readonly popsize?: number;
  /** 'ipop': restart with a doubled population when a run stagnates (default 'none'). */
  readonly restartStrategy?: 'none' | 'ipop';
  /** Population factor per IPOP restart (default 2). */
  readonly incPopsize?: number;
  /** Diagonal covariance (sep-CMA); 'auto' (default) uses it above 40 dimensions. */
  readonly useSeparableCma?: boolean | 'auto';
  /** CMA-ES with Margin for int and stepped parameters (default true). */
  readonly withMargin?: boolean;
  /** Completed trials of an earlier, similar study: start from the Gaussian fitted to their best (WS-CMA-ES). */
  readonly warmStartTrials?: readonly FrozenTrial[];
  /** Samples the parameters CMA-ES does not model (default a univariate TpeSampler). */
  readonly independentSampler?: Sampler;
  /** Draw each trial's base normal vector from a scrambled Sobol sequence indexed by trial number (default true). */
  readonly quasiRandom?: boolean;
  /** Receives the one-time notice that a parameter is sampled independently (default process.emitWarning). */
  readonly onWarning?: (message: string) => void;
}

/** A summary of the CMA state behind the last relative sample. */
export interface CmaEsSamplerState {
  /** Generations told, across restarts. */
  readonly generations: number;
  readonly restarts: number;
  /** λ of the current run. */
  readonly popsize: number;
  /** Step size, in unit-cube coordinates. */
  readonly sigma: number;
  readonly separable: boolean;
  /** The parameters CMA-ES models, in coordinate order. */
  readonly params: readonly string[];
}

interface Fed {
  readonly number: number;
  readonly value: number;
}

interface Replay {
  readonly key: string;
  readonly codec: UnitCubeCodec;
  readonly engine: CmaEs;
  /** Trials consumed so far, in completion order (the skipped startup trials first). */
  readonly fed: Fed[];
}

export class CmaEsSampler implements Sampler {
  readonly name = 'CmaEsSampler';
  readonly usesHistory = true;
  readonly seed: number;
  readonly nStartupTrials: number;
  readonly sigma0: number;
  readonly popsize: number | undefined;
  readonly restartStrategy: 'none' | 'ipop';
  readonly incPopsize: number;
  readonly useSeparableCma: boolean | 'auto';
  readonly withMargin: boolean;
  readonly quasiRandom: boolean;
  readonly independentSampler: Sampler;
  /** Parameters this sampler has handed to the independent sampler after the startup trials. */
  readonly independentParams = new Set<string>();
  private readonly x0: Readonly<Record<string, number>> | undefined;
  private readonly warmStartTrials: readonly FrozenTrial[] | undefined;
  private readonly onWarning: (message: string) => void;
  private replay: Replay | null = null;
  private sobol: { dim: number; engine: SobolEngine } | null = null;
  private readonly completeCounts = new WeakMap<StudyView, number>();
  private readonly spaceCache = new IntersectionCache();

  /** @example new CmaEsSampler({ seed: 1, restartStrategy: 'ipop' }) */
  constructor(options: CmaEsSamplerOptions = {}) {
    this.seed = (checkSeed(options.seed) ?? randomSeed()) >>> 0;
    const nStartup = options.nStartupTrials ?? 1;
    if (!Number.isSafeInteger(nStartup) || nStartup < 0) {
      throw new InvalidArgumentError(`nStartupTrials must be a non-negative integer, got ${String(nStartup)}`, ['nStartupTrials']);
    }
    this.nStartupTrials = nStartup;
    if (options.sigma0 !== undefined && !(options.sigma0 > 0 && Number.isFinite(options.sigma0))) {
      throw new InvalidArgumentError(`sigma0 must be a positive number (in unit-cube coordinates, 1 = a whole range), got ${String(options.sigma0)}`, [
        'sigma0',
      ]);
    }
    if (options.popsize !== undefined && (!Number.isSafeInteger(options.popsize) || options.popsize < 2)) {
      throw new InvalidArgumentError(`popsize must be an integer >= 2, got ${String(options.popsize)}`, ['popsize']);
    }
    const restart = options.restartStrategy ?? 'none';
    if (restart !== 'none' && restart !== 'ipop') {
      throw new InvalidArgumentError(`restartStrategy must be 'none' or 'ipop', got ${JSON.stringify(restart)}`, ['restartStrategy']);
    }
    const inc = options.incPopsize ?? 2;
    if (!Number.isSafeInteger(inc) || inc < 2) throw new InvalidArgumentError(`incPopsize must be an integer >= 2, got ${String(inc)}`, ['incPopsize']);
    const sep = options.useSeparableCma ?? 'auto';
    if (sep !== true && sep !== false && sep !== 'auto') {
      throw new InvalidArgumentError(`useSeparableCma must be true, false or 'auto', got ${JSON.stringify(sep)}`, ['useSeparableCma']);
    }
    if (options.warmStartTrials !== undefined && (options.x0 !== undefined || options.sigma0 !== undefined)) {
      throw new InvalidArgumentError('warmStartTrials sets the initial mean and step size; drop x0 and sigma0, or drop warmStartTrials', ['warmStartTrials']);
    }
    if (options.warmStartTrials !== undefined && !options.warmStartTrials.some((t) => t.state === 'COMPLETE' && t.values !== null)) {
      throw new InvalidArgumentError('warmStartTrials holds no COMPLETE trial to start from', ['warmStartTrials']);
    }
    for (const [name, v] of Object.entries(options.x0 ?? {})) {
      if (typeof v !== 'number' || !Number.isFinite(v)) throw new InvalidArgumentError(`x0.${name} must be a finite number, got ${String(v)}`, ['x0', name]);
    }
    this.sigma0 = options.sigma0 ?? 1 / 6;
    this.popsize = options.popsize;
    this.restartStrategy = restart;
    this.incPopsize = inc;
    this.useSeparableCma = sep;
    this.withMargin = options.withMargin ?? true;
    this.quasiRandom = options.quasiRandom ?? true;
    this.x0 = options.x0;
    this.warmStartTrials = options.warmStartTrials;
    this.independentSampler = options.independentSampler ?? new TpeSampler({ seed: (this.seed ^ SALT_INDEPENDENT) >>> 0, multivariate: false });
    this.onWarning = options.onWarning ?? defaultWarning;
  }

  /** The CMA state behind the last relative sample (null before the first), for logs and tests. */
  get state(): CmaEsSamplerState | null {
    const r = this.replay;
    if (r === null) return null;
    const e = r.engine;
    return {
      generations: e.totalGenerations,
      restarts: e.restarts,
      popsize: e.popsize,
      sigma: e.state.sigma,
      separable: e.state.separable,
      params: r.codec.names,
    };
  }

  inferRelativeSearchSpace(study: StudyView): SearchSpace {
    if (study.directions.length !== 1) {
      throw new InvalidArgumentError(
        `CmaEsSampler optimizes a single objective, but study ${JSON.stringify(study.studyName)} has ${study.directions.length}; use a multi-objective sampler`,
      );
    }
    const complete = study.getTrials(COMPLETE);
    this.completeCounts.set(study, complete.length);
    if (complete.length < this.nStartupTrials || complete.length === 0) return {};
    return this.spaceCache.update(study.studyName, complete);
  }

  sampleRelative(study: StudyView, trial: TrialView, space: SearchSpace): Readonly<Record<string, ParamValue>> {
    const names = Object.keys(space);
    if (names.length === 0) return {};
    const replay = this.advance(study, space);
    const candidate = replay.engine.ask(new Rng(trialSeed(this.seed, trial.number, SALT_CANDIDATE)), this.baseNormal(replay.codec.dim, trial.number));
    return replay.codec.decode(candidate.u);
  }

  sampleIndependent(study: StudyView, trial: TrialView, name: string, distribution: Distribution): ParamValue {
    let complete = this.completeCounts.get(study);
    if (complete === undefined) {
      complete = study.getTrials(COMPLETE).length;
      this.completeCounts.set(study, complete);
    }
    if (complete >= Math.max(1, this.nStartupTrials) && !this.independentParams.has(name)) {
      this.independentParams.add(name);
      const why =
        distribution.kind === 'categorical'
          ? 'CMA-ES models float and int parameters only'
          : 'it is not in every completed trial (a conditional or new parameter)';
      this.onWarning(
        `CmaEsSampler: parameter ${JSON.stringify(name)} is sampled independently by ${this.independentSampler.name} because ${why}. ` +
          'Pass independentSampler to choose the sampler, or onWarning to route or silence this notice.',
      );
    }
    return this.independentSampler.sampleIndependent(study, trial, name, distribution);
  }

  afterTrial(study: StudyView, trial: TrialView, state: TrialState, values: readonly number[] | null): void {
    this.independentSampler.afterTrial?.(study, trial, state, values);
  }

  /** The CMA state for this history: the cached replay extended, or a new one. */
  private advance(study: StudyView, space: SearchSpace): Replay {
    const key = JSON.stringify(space);
    const sign = study.directions[0] === 'maximize' ? -1 : 1;
    const feed = completionOrder(study.getTrials(COMPLETE));
    let r = this.replay;
    if (r === null || r.key !== key || !isPrefix(r.fed, feed)) {
      const codec = new UnitCubeCodec(space);
      const skipped = Math.min(this.nStartupTrials, feed.length);
      r = { key, codec, engine: this.newEngine(codec, sign), fed: feed.slice(0, skipped).map(fedOf) };
      this.replay = r;
    }
    const { engine, codec } = r;
    while (feed.length - r.fed.length >= engine.popsize) {
      const chunk = feed.slice(r.fed.length, r.fed.length + engine.popsize);
      const solutions = chunk.map((t) => {
        const drawn = engine.ask(new Rng(trialSeed(this.seed, t.number, SALT_CANDIDATE)), this.baseNormal(codec.dim, t.number));
        const x = codec.same(t.params, codec.decode(drawn.u)) ? drawn.x : engine.inject(codec.encode(t.params));
        return { x, value: sign * (t.values?.[0] as number) };
      });
      engine.tell(solutions);
      for (const t of chunk) r.fed.push(fedOf(t));
    }
    return r;
  }

  /** Trial n's first normal vector: point n of a scrambled Sobol sequence through Φ⁻¹, or undefined for pseudo-random draws. */
  private baseNormal(dim: number, n: number): Float64Array | undefined {
    if (!this.quasiRandom || n >= 2 ** 30 || dim > maxSobolDim) return undefined;
    if (this.sobol?.dim !== dim) this.sobol = { dim, engine: new SobolEngine(dim, { seed: trialSeed(this.seed, dim, SALT_SOBOL) }) };
    const u = this.sobol.engine.point(n);
    for (let i = 0; i < dim; i++) u[i] = normalQuantile(Math.min(1 - 2 ** -53, Math.max(2 ** -53, u[i] as number)));
    return u;
  }

  private newEngine(codec: UnitCubeCodec, sign: number): CmaEs {
    const n = codec.dim;
    const separable = this.useSeparableCma === 'auto' ? n > SEPARABLE_AUTO_DIMENSION : this.useSeparableCma;
    const options: CmaEsOptions = {
      dim: n,
      sigma: this.sigma0,
      popsize: this.popsize ?? defaultPopsize(n),
      separable,
      discrete: codec.discrete,
      ...(this.withMargin ? {} : { margin: false as const }),
      restart: { strategy: this.restartStrategy, incPopsize: this.incPopsize, seed: trialSeed(this.seed, 0, SALT_RESTART) },
    };
    if (this.warmStartTrials) {
      const source = this.warmStartTrials
        .filter((t) => t.state === 'COMPLETE' && t.values !== null && codec.names.every((name) => t.distributions[name] && name in t.params))
        .map((t) => ({ x: codec.encode(t.params), value: sign * (t.values?.[0] as number) }));
      if (source.length > 0) {
        const ws = warmStartDistribution(source);
        return new CmaEs({ ...options, mean: ws.mean, sigma: ws.sigma, cov: ws.cov });
      }
      this.onWarning(`CmaEsSampler: no warmStartTrials trial has all of ${codec.names.join(', ')}; starting from the centre of the space.`);
    }
    if (this.x0) {
      const mean = new Float64Array(n).fill(0.5);
      codec.names.forEach((name, i) => {
        const v = this.x0?.[name];
        if (v !== undefined) mean[i] = Math.min(1, Math.max(0, codec.encodeCoordinate(i, v)));
      });
      return new CmaEs({ ...options, mean });
    }
    return new CmaEs(options);
  }
}

const COMPLETE: readonly TrialState[] = ['COMPLETE'];

function fedOf(t: FrozenTrial): Fed {
  return { number: t.number, value: t.values?.[0] as number };
}

/** Completed trials in the order they completed (ties by number): later completions only append. */
function completionOrder(trials: readonly FrozenTrial[]): readonly FrozenTrial[] {
  const keys = trials.map((t) => t.datetimeComplete?.getTime() ?? Number.POSITIVE_INFINITY);
  let sorted = true;
  for (let i = 1; i < trials.length && sorted; i++) if ((keys[i] as number) < (keys[i - 1] as number)) sorted = false;
  if (sorted) return trials; // in number order already, which breaks ties
  const order = trials.map((_, i) => i).sort((a, b) => (keys[a] as number) - (keys[b] as number) || a - b);
  return order.map((i) => trials[i] as FrozenTrial);
}

/**
 * The intersection search space of the completed trials (float and int
 * parameters only), updated with the trials not seen before rather than
 * recomputed, since completed trials never change.
 */
class IntersectionCache {
  private studyName: string | null = null;
  private readonly seen = new Map<number, { trialId: number; value: number | null }>();
  private space: Map<string, Distribution> | null = null;
  private result: SearchSpace = {};

  update(studyName: string, complete: readonly FrozenTrial[]): SearchSpace {
    if (studyName !== this.studyName) this.reset(studyName);
    let changed = false;
    for (const t of complete) {
      const s = this.seen.get(t.number);
      if (s !== undefined) {
        if (s.trialId === t.trialId && Object.is(s.value, t.value)) continue;
        // Another study under the same name: start over.
        this.reset(studyName);
        return this.update(studyName, complete);
      }
      this.seen.set(t.number, { trialId: t.trialId, value: t.value });
      changed = true;
      if (this.space === null) {
        this.space = new Map(Object.entries(t.distributions));
        continue;
      }
      for (const [name, d] of this.space) {
        const other = t.distributions[name];
        if (!other || !distributionsEqual(d, other)) this.space.delete(name);
      }
    }
    if (changed) {
      const out: Record<string, Distribution> = {};
      for (const name of [...(this.space?.keys() ?? [])].sort()) {
        const d = this.space?.get(name) as Distribution;
        if (d.kind !== 'categorical' && !isSingle(d)) out[name] = d;
      }
      this.result = out;
    }
    return this.result;
  }

  private reset(studyName: string): void {
    this.studyName = studyName;
    this.seen.clear();
    this.space = null;
    this.result = {};
  }
}

function isPrefix(fed: readonly Fed[], feed: readonly FrozenTrial[]): boolean {
  if (fed.length > feed.length) return false;
  for (let i = 0; i < fed.length; i++) {
    const f = fed[i] as Fed;
    const t = feed[i] as FrozenTrial;
    if (f.number !== t.number || !Object.is(f.value, t.values?.[0])) return false;
  }
  return true;
}

function defaultWarning(message: string): void {
  if (typeof process !== 'undefined' && typeof process.emitWarning === 'function') process.emitWarning(message, 'DialsWarning');
  else console.warn(message);
}
