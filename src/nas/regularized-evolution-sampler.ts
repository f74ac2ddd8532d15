/**
 * Regularized (aging) evolution, Real et al. 2019, "Regularized Evolution for
 * Image Classifier Architecture Search" (AAAI), Algorithm 1:
 *
 *   population ← P random architectures
 *   loop: sample ← S members of the population, uniformly without replacement
 *         parent ← the best of the sample (tournament)
 *         child  ← parent with exactly one choice mutated
 *         evaluate child; add it to the population; remove the OLDEST member
 *
 * Notation here: P = `populationSize`, S = `sampleSize`. The population is not
 * state kept by the sampler: it is a function of the history — the P most
 * recent COMPLETE trials by trial number (age = trial number, so the oldest
 * member is the one with the smallest number) — so every worker reading the
 * same history agrees on it, and the sampler survives restarts. Trials
 * numbered below P are drawn at random (the paper's initial population), as
 * is any trial before the first COMPLETE one.
 *
 * Define-by-run: the child is the parent's parameters with one mutated; a
 * parameter the parent never had (a new block after `nBlocks` grew, the other
 * branch of a categorical) is drawn at random. A mutated value always differs
 * from the parent's: another categorical choice, another integer, a fresh
 * float. With several objectives the tournament picks the first member of the
 * sample that no other member dominates.
 *
 * All randomness comes from per-trial streams of (seed, trial number), so the
 * same seed and history give the same suggestions in any worker order.
 */
import { InvalidArgumentError } from '../errors.js';
import { Rng, randomSeed } from '../math/rng.js';
import { checkSeed, hashName, keyedUniform } from '../samplers/random/random-sampler.js';
import { type Sampler, type StudyView, type TrialView, trialSeed } from '../samplers/sampler.js';
import { cardinality, type Distribution, fromUnit, isSingle, type ParamValue, type SearchSpace, snap } from '../space/distributions.js';
import type { FrozenTrial } from '../trial/frozen-trial.js';
import type { StudyDirection } from '../trial/state.js';

export interface RegularizedEvolutionSamplerOptions {
  readonly seed?: number;
  /** P: members of the population, the most recent COMPLETE trials (default 20; the paper uses 100). */
  readonly populationSize?: number;
  /** S: members drawn for each tournament (default 5; the paper uses 25). 1 is random search over mutations, P is greedy. */
  readonly sampleSize?: number;
}

/** How one child is made: the tournament's sample, its winner and the mutated parameter. */
export interface EvolutionPlan {
  /** The population the tournament drew from, oldest first. */
  readonly population: readonly FrozenTrial[];
  /** The S members drawn, in draw order. */
  readonly sample: readonly FrozenTrial[];
  /** The tournament's winner. */
  readonly parent: FrozenTrial;
  /** The parameter whose value the child changes, or null when the parent has nothing to mutate. */
  readonly mutated: string | null;
  /** The mutated parameter's new value (undefined when `mutated` is null). */
  readonly value: ParamValue | undefined;
}

const SALT_SAMPLE = 0x3c6e_f372;
const SALT_MUTATE = 0x6a09_e667;

/** The aging population: the `size` most recent COMPLETE trials by number, oldest first. */
export function agingPopulation(trials: readonly FrozenTrial[], size: number): FrozenTrial[] {
  const complete = trials.filter((t) => t.state === 'COMPLETE' && t.values !== null).sort((a, b) => a.number - b.number);
  return complete.slice(Math.max(0, complete.length - size));
}

/** True when a is at least as good as b in every objective and better in one. */
function dominates(a: readonly number[], b: readonly number[], directions: readonly StudyDirection[]): boolean {
  let better = false;
  for (let i = 0; i < directions.length; i++) {
    const sign = directions[i] === 'maximize' ? -1 : 1;
    const x = sign * (a[i] as number);
    const y = sign * (b[i] as number);
    if (x > y) return false;
    if (x < y) better = true;
  }
  return better;
}

/**
 * The tournament: the best member of `sample` (one objective), or the first
 * member no other member dominates (several). Ties go to the earlier draw.
 */
export function tournament(sample: readonly FrozenTrial[], directions: readonly StudyDirection[]): FrozenTrial {
  if (sample.length === 0) throw new InvalidArgumentError('the tournament needs at least one member', ['sample']);
  for (const a of sample) {
    const va = a.values as readonly number[];
    if (!sample.some((b) => b !== a && dominates(b.values as readonly number[], va, directions))) return a;
  }
  return sample[0] as FrozenTrial;
}

/** A value of `d` different from `current` (the paper's mutation of one choice), or `current` when `d` has one value. */
export function mutateValue(d: Distribution, current: ParamValue, rng: Rng): ParamValue {
  if (isSingle(d)) return current;
  if (d.kind === 'categorical') {
    const i = d.choices.findIndex((c) => Object.is(c, current) || c === current);
    const n = d.choices.length;
    if (i < 0) return d.choices[rng.int(n)] as ParamValue;
    return d.choices[(i + 1 + rng.int(n - 1)) % n] as ParamValue;
  }
  const k = cardinality(d);
  if (Number.isFinite(k) && !d.log) {
    // k evenly spaced values: pick one of the k − 1 others uniformly.
    const step = d.kind === 'int' ? d.step : (d.step as number);
    const index = Math.round(((current as number) - d.low) / step);
    const j = (index + 1 + rng.int(k - 1)) % k;
    return snap(d, d.low + j * step);
  }
  for (let attempt = 0; attempt < 64; attempt++) {
    const v = fromUnit(d, rng.random());
    if (v !== current) return v;
  }
  // A log-scaled integer range whose draws keep landing on `current`: take a neighbour.
  const c = current as number;
  return c + 1 <= d.high ? snap(d, c + 1) : snap(d, c - 1);
}

export class RegularizedEvolutionSampler implements Sampler {
  readonly name = 'RegularizedEvolutionSampler';
  readonly usesHistory = true;
  readonly seed: number;
  readonly populationSize: number;
  readonly sampleSize: number;
  private readonly plans = new WeakMap<StudyView, Map<number, EvolutionPlan | null>>();

  /** @example new RegularizedEvolutionSampler({ seed: 1, populationSize: 20, sampleSize: 5 }) */
  constructor(options: RegularizedEvolutionSamplerOptions = {}) {
    this.seed = (checkSeed(options.seed) ?? randomSeed()) >>> 0;
    const p = options.populationSize ?? 20;
    if (!Number.isSafeInteger(p) || p < 1) throw new InvalidArgumentError(`populationSize must be an integer >= 1, got ${String(p)}`, ['populationSize']);
    const s = options.sampleSize ?? Math.min(5, p);
    if (!Number.isSafeInteger(s) || s < 1 || s > p) {
      throw new InvalidArgumentError(`sampleSize must be an integer in [1, populationSize = ${p}], got ${String(s)}`, ['sampleSize']);
    }
    this.populationSize = p;
    this.sampleSize = s;
  }

  /**
   * The plan for trial `trialNumber` given the history `trials` (any states;
   * only COMPLETE ones count), or null when the trial is drawn at random.
   * A pure function of (seed, trials, trialNumber).
   */
  plan(trials: readonly FrozenTrial[], trialNumber: number, directions: readonly StudyDirection[]): EvolutionPlan | null {
    if (trialNumber < this.populationSize) return null;
    const population = agingPopulation(trials, this.populationSize);
    if (population.length === 0) return null;
    const sampleRng = new Rng(trialSeed(this.seed, trialNumber, SALT_SAMPLE));
    const sample = sampleRng.shuffled(population).slice(0, Math.min(this.sampleSize, population.length));
    const parent = tournament(sample, directions);
    const mutable = Object.keys(parent.distributions)
      .filter((name) => !isSingle(parent.distributions[name] as Distribution))
      .sort();
    if (mutable.length === 0) return { population, sample, parent, mutated: null, value: undefined };
    const rng = new Rng(trialSeed(this.seed, trialNumber, SALT_MUTATE));
    const mutated = mutable[rng.int(mutable.length)] as string;
    const value = mutateValue(parent.distributions[mutated] as Distribution, parent.params[mutated] as ParamValue, rng);
    return { population, sample, parent, mutated, value };
  }

  private planFor(study: StudyView, trial: TrialView): EvolutionPlan | null {
    let perView = this.plans.get(study);
    if (perView === undefined) {
      perView = new Map();
      this.plans.set(study, perView);
    }
    if (!perView.has(trial.number)) perView.set(trial.number, this.plan(study.getTrials(['COMPLETE']), trial.number, study.directions));
    return perView.get(trial.number) as EvolutionPlan | null;
  }

  /** The parent's parameters: the child is asked for them jointly. */
  inferRelativeSearchSpace(study: StudyView, trial: TrialView): SearchSpace {
    const plan = this.planFor(study, trial);
    return plan === null ? {} : { ...plan.parent.distributions };
  }

  /** The parent's values with exactly one of them mutated. */
  sampleRelative(study: StudyView, trial: TrialView, space: SearchSpace): Readonly<Record<string, ParamValue>> {
    const plan = this.planFor(study, trial);
    if (plan === null) return {};
    const out: Record<string, ParamValue> = {};
    for (const name of Object.keys(space)) if (Object.hasOwn(plan.parent.params, name)) out[name] = plan.parent.params[name] as ParamValue;
    if (plan.mutated !== null && Object.hasOwn(out, plan.mutated)) out[plan.mutated] = plan.value as ParamValue;
    return out;
  }

  /** A parameter the parent did not have (or an initial, random member): uniform at random. */
  sampleIndependent(_study: StudyView, trial: TrialView, name: string, distribution: Distribution): ParamValue {
    return fromUnit(distribution, keyedUniform(this.seed ^ hashName('regularized-evolution'), trial.number, name));
  }
}
