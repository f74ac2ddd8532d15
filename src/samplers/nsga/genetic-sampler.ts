/**
 * What NSGA-II and NSGA-III share: generations, the elite population computed
 * from the history, parent selection, and the child's crossover and mutation.
 * The two differ only in survival (which candidates become the next elite)
 * and in how a binary tournament breaks a tie of fronts.
 *
 * Generations come from trial numbers: generation g is trials [g·P, (g+1)·P),
 * as Optuna tags them. Generation 0 is sampled at random. The parents of
 * generation g ≥ 1 are the elite E_g:
 *   E_1 = survive(C_0),   E_g = survive(E_{g−1} ∪ C_{g−1}),
 * C_k the COMPLETE trials of generation k in the snapshot the trial started
 * with (a trial still running is left out; with parallel workers a late
 * trial of generation g−1 may therefore be missing). Each E_g is cached under
 * a fingerprint of the trials it was computed from, so a later trial with the
 * same history reuses it and one with more history recomputes it.
 *
 * A child: two parents by binary tournament from the elite. The parameters
 * both parents have (with the same distribution) form the relative search
 * space: with probability `crossoverProb` their numeric genes cross over
 * (categorical genes always by uniform crossover), else the child copies the
 * first parent; then each gene mutates with probability `mutationProb`
 * (default 1 / number of genes). Any other parameter (a conditional one) is
 * inherited from the parent that has it, or drawn at random. All randomness
 * comes from per-trial streams of (seed, trial number), so the same seed and
 * history give the same suggestions, whatever order parallel workers ask in.
 * Defaults follow the NSGA-II paper: SBX (η = 20 with several objectives, 2
 * with one, as Optuna) and polynomial mutation (η = 20).
 */
import { InvalidArgumentError } from '../../errors.js';
import { Rng, randomSeed } from '../../math/rng.js';
import { type Distribution, distributionsEqual, fromUnit, isSingle, type ParamValue, type SearchSpace } from '../../space/distributions.js';
import { constraintsOf } from '../../trial/constraints.js';
import type { FrozenTrial } from '../../trial/frozen-trial.js';
import { checkSeed, hashName, keyedUniform } from '../random/random-sampler.js';
import type { Sampler, StudyView, TrialView } from '../sampler.js';
import { trialSeed } from '../sampler.js';
import type { Elite, EliteCandidates } from './elite-selection.js';
import { decode, encode, type Gene, geneOf } from './genome.js';
import { blxAlphaCrossover, type CrossoverOption, type MutationOption, polynomialMutation, sbxCrossover, uniformCrossover } from './operators.js';

export interface GeneticSamplerOptions {
  readonly seed?: number;
  /** Trials per generation, P (default 50). */
  readonly populationSize?: number;
  /** Probability that a gene mutates (default 1 / number of parameters). */
  readonly mutationProb?: number;
  /** Crossover of numeric parameters: 'uniform', 'sbx' or 'blxalpha', or `{ kind: 'sbx', eta }`, `{ kind: 'blxalpha', alpha }`. */
  readonly crossover?: CrossoverOption;
  /** Probability that a child is a crossover of two parents rather than a copy of one (default 0.9). */
  readonly crossoverProb?: number;
  /** Uniform crossover (and every categorical gene): probability of taking each gene from the second parent (default 0.5). */
  readonly swappingProb?: number;
  /** How a numeric gene mutates: 'polynomial' (default; `{ kind: 'polynomial', eta }`) or 'uniform' (a fresh random value). */
  readonly mutation?: MutationOption;
  /**
   * Constraint values of a finished trial (≤ 0 means satisfied); it must be a
   * pure function of the trial. Without it, the values the objective recorded
   * with `trial.setConstraints()` are used. Either way the elite is chosen by
   * constrained domination: feasible trials first, infeasible ones by total
   * violation, and trials without constraint values last.
   */
  readonly constraintsFunc?: (trial: FrozenTrial) => readonly number[];
}

/** A cached elite: members by trial number, with their front and crowding distance. */
interface CachedElite {
  readonly numbers: readonly number[];
  readonly rank: Int32Array;
  readonly crowding: Float64Array;
}

interface ElitePopulation {
  readonly members: readonly FrozenTrial[];
  readonly rank: Int32Array;
  readonly crowding: Float64Array;
}

/** The parents chosen for one trial (null: sample at random). */
type Plan = readonly FrozenTrial[] | null;

const SALT_PARENTS = 0x2f6b_1c3d;
const SALT_CHILD = 0x51ed_2701;
const SALT_INHERIT = 0x7a3c_94e5;
const SALT_SURVIVAL = 0x1b87_3593;
const MAX_CACHED = 512;

function checkProbability(v: number | undefined, name: string): void {
  if (v !== undefined && !(typeof v === 'number' && v >= 0 && v <= 1)) {
    throw new InvalidArgumentError(`${name} must be a number in [0, 1], got ${String(v)}`, [name]);
  }
}

function checkIndex(v: number | undefined, name: string): void {
  if (v !== undefined && !(typeof v === 'number' && Number.isFinite(v) && v >= 0)) {
    throw new InvalidArgumentError(`${name} must be a finite number >= 0, got ${String(v)}`, [name]);
  }
}

export abstract class GeneticSampler implements Sampler {
  abstract readonly name: string;
  readonly usesHistory = true;
  readonly seed: number;
  readonly populationSize: number;
  readonly crossoverProb: number;
  readonly swappingProb: number;
  readonly mutationProb: number | undefined;
  private readonly crossover: { kind: 'uniform' } | { kind: 'sbx'; eta: number | undefined } | { kind: 'blxalpha'; alpha: number };
  private readonly mutation: { kind: 'uniform' } | { kind: 'polynomial'; eta: number };
  private readonly constraintsFunc: ((trial: FrozenTrial) => readonly number[]) | undefined;
  private readonly eliteCache = new Map<string, CachedElite>();
  private readonly plans = new WeakMap<StudyView, Map<number, Plan>>();

  constructor(options: GeneticSamplerOptions) {
    const o = options ?? {};
    this.seed = (checkSeed(o.seed) ?? randomSeed()) >>> 0;
    const p = o.populationSize ?? 50;
    if (!Number.isSafeInteger(p) || p < 2) throw new InvalidArgumentError(`populationSize must be an integer >= 2, got ${String(p)}`, ['populationSize']);
    this.populationSize = p;
    checkProbability(o.mutationProb, 'mutationProb');
    checkProbability(o.crossoverProb, 'crossoverProb');
    checkProbability(o.swappingProb, 'swappingProb');
    this.mutationProb = o.mutationProb;
    this.crossoverProb = o.crossoverProb ?? 0.9;
    this.swappingProb = o.swappingProb ?? 0.5;
    const c = o.crossover ?? 'sbx';
    const ck = typeof c === 'string' ? c : c?.kind;
    if (ck === 'uniform') this.crossover = { kind: 'uniform' };
    else if (ck === 'sbx') {
      const eta = typeof c === 'object' && c.kind === 'sbx' ? c.eta : undefined;
      checkIndex(eta, 'crossover.eta');
      this.crossover = { kind: 'sbx', eta };
    } else if (ck === 'blxalpha') {
      const alpha = typeof c === 'object' && c.kind === 'blxalpha' ? (c.alpha ?? 0.5) : 0.5;
      checkIndex(alpha, 'crossover.alpha');
      this.crossover = { kind: 'blxalpha', alpha };
    } else {
      throw new InvalidArgumentError(`crossover must be 'uniform', 'sbx' or 'blxalpha' (or { kind, ... }), got ${JSON.stringify(c)}`, ['crossover']);
    }
    const mu = o.mutation ?? 'polynomial';
    const mk = typeof mu === 'string' ? mu : mu?.kind;
    if (mk === 'uniform') this.mutation = { kind: 'uniform' };
    else if (mk === 'polynomial') {
      const eta = typeof mu === 'object' && mu.kind === 'polynomial' ? (mu.eta ?? 20) : 20;
      checkIndex(eta, 'mutation.eta');
      this.mutation = { kind: 'polynomial', eta };
    } else {
      throw new InvalidArgumentError(`mutation must be 'polynomial' or 'uniform' (or { kind, ... }), got ${JSON.stringify(mu)}`, ['mutation']);
    }
    if (o.constraintsFunc !== undefined && typeof o.constraintsFunc !== 'function') {
      throw new InvalidArgumentError('constraintsFunc must be a function (trial) => number[]', ['constraintsFunc']);
    }
    this.constraintsFunc = o.constraintsFunc;
  }

  /** Survival: the indices of at most `size` candidates that form the next elite, with fronts and crowding. */
  protected abstract survive(candidates: EliteCandidates, size: number, rng: Rng): Elite;

  /** The winner of a binary tournament between two elite positions. */
  protected abstract tournament(elite: ElitePopulation, a: number, b: number): number;

  generationOf(trialNumber: number): number {
    return Math.floor(trialNumber / this.populationSize);
  }

  /** The parameters both parents have, with the same distribution: they cross over jointly. */
  inferRelativeSearchSpace(study: StudyView, trial: TrialView): SearchSpace {
    if (this.generationOf(trial.number) === 0) return {};
    const parents = this.plan(study, trial);
    if (parents === null) return {};
    const first = parents[0] as FrozenTrial;
    const second = parents[parents.length - 1] as FrozenTrial;
    const space: Record<string, Distribution> = {};
    for (const name of Object.keys(first.distributions).sort()) {
      const d = first.distributions[name] as Distribution;
      const e = second.distributions[name];
      if (e !== undefined && distributionsEqual(d, e) && !isSingle(d)) space[name] = d;
    }
    return space;
  }

  sampleRelative(study: StudyView, trial: TrialView, space: SearchSpace): Readonly<Record<string, ParamValue>> {
    const parents = this.plan(study, trial);
    if (parents === null) return {};
    const genes: Gene[] = [];
    for (const [name, d] of Object.entries(space)) if (!isSingle(d)) genes.push(geneOf(name, d));
    if (genes.length === 0) return {};
    const rng = new Rng(trialSeed(this.seed, trial.number, SALT_CHILD));
    const first = parents[0] as FrozenTrial;
    const second = parents[parents.length - 1] as FrozenTrial;
    const numeric = genes.filter((g) => g.kind === 'numeric');
    const a = Float64Array.from(numeric, (g) => encode(g, first.params[g.name] as ParamValue));
    const b = Float64Array.from(numeric, (g) => encode(g, second.params[g.name] as ParamValue));
    const cross = rng.random() < this.crossoverProb;
    let child: Float64Array = a;
    if (cross) {
      const c = this.crossover;
      if (c.kind === 'uniform') child = uniformCrossover(a, b, this.swappingProb, rng);
      else if (c.kind === 'sbx') child = sbxCrossover(a, b, c.eta ?? (study.directions.length > 1 ? 20 : 2), rng);
      else child = blxAlphaCrossover(a, b, c.alpha, rng);
    }
    const pm = this.mutationProb ?? 1 / genes.length;
    const out: Record<string, ParamValue> = {};
    let k = 0;
    for (const g of genes) {
      const mutate = rng.random() < pm;
      if (g.kind === 'numeric') {
        let x = child[k++] as number;
        if (mutate) x = this.mutation.kind === 'polynomial' ? polynomialMutation(x, this.mutation.eta, rng) : rng.random();
        out[g.name] = decode(g, x);
        continue;
      }
      let index = encode(g, (cross && rng.random() < this.swappingProb ? second : first).params[g.name] as ParamValue);
      const n = g.distribution.choices.length;
      // A mutated categorical takes one of the other choices.
      if (mutate && n > 1) index = (index + 1 + rng.int(n - 1)) % n;
      out[g.name] = decode(g, index);
    }
    return out;
  }

  sampleIndependent(study: StudyView, trial: TrialView, name: string, distribution: Distribution): ParamValue {
    const random = (): ParamValue => fromUnit(distribution, keyedUniform(this.seed, trial.number, name));
    if (isSingle(distribution) || this.generationOf(trial.number) === 0) return random();
    const parents = this.plan(study, trial);
    if (parents === null) return random();
    const holders = parents.filter((p) => Object.hasOwn(p.params, name) && distributionsEqual(p.distributions[name] as Distribution, distribution));
    if (holders.length === 0) return random();
    const rng = new Rng(trialSeed(this.seed, trial.number, hashName(name) ^ SALT_INHERIT));
    const from = holders[holders.length > 1 && rng.random() < this.swappingProb ? 1 : 0] as FrozenTrial;
    const pm = this.mutationProb ?? 1 / Math.max(1, Object.keys(from.params).length);
    if (rng.random() < pm) return random();
    return from.params[name] as ParamValue;
  }

  /** The parents of this trial, chosen once per trial and snapshot. */
  private plan(study: StudyView, trial: TrialView): Plan {
    let perView = this.plans.get(study);
    if (perView === undefined) {
      perView = new Map();
      this.plans.set(study, perView);
    }
    if (perView.has(trial.number)) return perView.get(trial.number) as Plan;
    const elite = this.elite(study, this.generationOf(trial.number));
    let plan: Plan = null;
    if (elite !== null && elite.members.length > 0) {
      const rng = new Rng(trialSeed(this.seed, trial.number, SALT_PARENTS));
      const n = elite.members.length;
      const pick = (exclude: number): number => {
        // Draw from the elite without `exclude` when there is anyone else.
        const size = exclude >= 0 && n > 1 ? n - 1 : n;
        const draw = (): number => {
          const i = rng.int(size);
          return exclude >= 0 && n > 1 && i >= exclude ? i + 1 : i;
        };
        return this.tournament(elite, draw(), draw());
      };
      const first = pick(-1);
      const second = pick(first);
      plan = [elite.members[first] as FrozenTrial, elite.members[second] as FrozenTrial];
    }
    perView.set(trial.number, plan);
    return plan;
  }

  /** E_g for generation g ≥ 1, or null when no trial of an earlier generation completed. */
  private elite(study: StudyView, generation: number): ElitePopulation | null {
    const m = study.directions.length;
    const complete = study.getTrials(['COMPLETE']).filter((t) => t.values !== null && t.values.length === m);
    if (complete.length === 0 || generation < 1) return null;
    const P = this.populationSize;
    // Fingerprints of the trials below each generation boundary, and where each generation starts in `complete`.
    const keys: string[] = [];
    const starts: number[] = [0];
    let h = hashName(study.studyName) ^ this.seed;
    let idx = 0;
    for (let k = 1; k <= generation; k++) {
      while (idx < complete.length && (complete[idx] as FrozenTrial).number < k * P) {
        h = mixTrial(h, complete[idx] as FrozenTrial);
        idx++;
      }
      starts.push(idx);
      keys.push(`${study.studyName}\u0000${k}\u0000${idx}\u0000${h}`);
    }
    const byNumber = (n: number): FrozenTrial => {
      let lo = 0;
      let hi = complete.length - 1;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if ((complete[mid] as FrozenTrial).number < n) lo = mid + 1;
        else hi = mid;
      }
      return complete[lo] as FrozenTrial;
    };
    // Resume from the latest cached generation.
    let k = generation;
    while (k >= 1 && !this.eliteCache.has(keys[k - 1] as string)) k--;
    let members: FrozenTrial[] = [];
    let rank: Int32Array = new Int32Array(0);
    let crowding: Float64Array = new Float64Array(0);
    if (k >= 1) {
      const cached = this.eliteCache.get(keys[k - 1] as string) as CachedElite;
      members = cached.numbers.map(byNumber);
      rank = cached.rank;
      crowding = cached.crowding;
    }
    for (k = k + 1; k <= generation; k++) {
      const newcomers = complete.slice(starts[k - 1], starts[k]);
      if (newcomers.length > 0) {
        const candidates = members.concat(newcomers);
        const elite = this.survive(this.candidates(candidates, study), P, new Rng(trialSeed(this.seed, k, SALT_SURVIVAL)));
        members = elite.members.map((i) => candidates[i] as FrozenTrial);
        rank = elite.rank;
        crowding = elite.crowding;
      }
      if (this.eliteCache.size >= MAX_CACHED) this.eliteCache.delete(this.eliteCache.keys().next().value as string);
      this.eliteCache.set(keys[k - 1] as string, { numbers: members.map((t) => t.number), rank, crowding });
    }
    return members.length === 0 ? null : { members, rank, crowding };
  }

  private candidates(trials: readonly FrozenTrial[], study: StudyView): EliteCandidates {
    const m = study.directions.length;
    const n = trials.length;
    const losses = new Float64Array(n * m);
    trials.forEach((t, i) => {
      const v = t.values as readonly number[];
      for (let k = 0; k < m; k++) losses[i * m + k] = study.directions[k] === 'maximize' ? -(v[k] as number) : (v[k] as number);
    });
    const raw = trials.map((t) => this.constraintsOf(t));
    const constrained = this.constraintsFunc !== undefined || raw.some((c) => c !== null);
    let violation: Float64Array | null = null;
    if (constrained) {
      violation = Float64Array.from(raw, (c) => {
        if (c === null) return Number.NaN;
        let v = 0;
        for (const x of c) v += Number.isNaN(x) ? Number.POSITIVE_INFINITY : Math.max(0, x);
        return v;
      });
    }
    return { losses, m, n, violation };
  }

  private constraintsOf(t: FrozenTrial): readonly number[] | null {
    if (this.constraintsFunc === undefined) return constraintsOf(t);
    const c = this.constraintsFunc(t);
    if (!Array.isArray(c) || c.some((x) => typeof x !== 'number')) {
      throw new InvalidArgumentError(`constraintsFunc must return an array of numbers, got ${JSON.stringify(c)} for trial ${t.number}`, ['constraintsFunc']);
    }
    return c;
  }
}

const scratch = new Float64Array(1);
const scratchWords = new Uint32Array(scratch.buffer);

/** Folds a trial's number and values into a 32-bit fingerprint. */
function mixTrial(h: number, t: FrozenTrial): number {
  const buf = scratch;
  const words = scratchWords;
  let x = Math.imul(h ^ t.number, 0x9e3779b1) >>> 0;
  for (const v of t.values as readonly number[]) {
    buf[0] = v;
    x = Math.imul(x ^ (words[0] as number), 0x85ebca6b) >>> 0;
    x = Math.imul(x ^ (words[1] as number), 0xc2b2ae35) >>> 0;
    x ^= x >>> 15;
  }
  return x >>> 0;
}
