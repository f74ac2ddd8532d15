/**
 * Hyperband (Li et al., "Hyperband: A Novel Bandit-Based Approach to
 * Hyperparameter Optimization", JMLR 2018) over asynchronous successive
 * halving, with Optuna's semantics.
 *
 * Notation: R = maxResource, r = minResource, η = reductionFactor. There are
 * n = ⌊log_η(R/r)⌋ + 1 brackets; bracket b is a successive-halving pruner with
 * minEarlyStoppingRate b, so bracket 0 prunes most aggressively. A trial's
 * bracket is fixed by its number: crc32("<study name>_<number>") modulo the
 * total budget Σ_b ⌈n·η^(n−1−b)/(n−b)⌉, walked through the brackets' budgets
 * (the paper's number of configurations per bracket). Each bracket judges its
 * trials only against trials of the same bracket, and the sampler sees only
 * the trials of the new trial's bracket (`samplerView`).
 *
 * `nBrackets: k` (not in Optuna today; its pre-2.0 `n_brackets` kept the k
 * most aggressive) keeps brackets 0..k−1 with their budgets, dropping the
 * safest ones, whose trials train longest. `rankBy` is passed to every bracket
 * (see SuccessiveHalvingPruner).
 *
 * `maxResource: 'auto'` takes (last step + 1) of the first COMPLETE trial(s);
 * until then every trial is in bracket 0 and nothing is pruned.
 */
import { InvalidArgumentError } from '../errors.js';
import type { StudyView, TrialView } from '../samplers/sampler.js';
import type { FrozenTrial } from '../trial/frozen-trial.js';
import type { TrialState } from '../trial/state.js';
import { crc32 } from './crc32.js';
import type { PruneContext, Pruner } from './pruner.js';
import { checkRankBy, estimateMaxResource, type RankBy, SuccessiveHalvingPruner } from './successive-halving-pruner.js';
import { checkInt } from './validate.js';

export interface HyperbandPrunerOptions {
  /** r: steps before the first rung of the most aggressive bracket (default 1). */
  readonly minResource?: number;
  /** R: the largest step a trial reaches, or 'auto' (default 'auto'). */
  readonly maxResource?: number | 'auto';
  /** η (default 3). */
  readonly reductionFactor?: number;
  /** See SuccessiveHalvingPruner (default 0; needs a fixed maxResource). */
  readonly bootstrapCount?: number;
  /** How many brackets to run, the most aggressive first (default: all ⌊log_η(R/r)⌋ + 1). */
  readonly nBrackets?: number;
  /** See SuccessiveHalvingPruner (default 'value'). */
  readonly rankBy?: RankBy;
}

export class HyperbandPruner implements Pruner {
  readonly name = 'HyperbandPruner';
  readonly usesHistory = true;
  readonly minResource: number;
  readonly reductionFactor: number;
  readonly bootstrapCount: number;
  readonly rankBy: RankBy;
  private readonly maxBrackets: number | null;
  private maxResource: number | null;
  private brackets: SuccessiveHalvingPruner[] = [];
  private budgets: number[] = [];
  private totalBudget = 0;

  /**
   * @example createStudy({ pruner: new HyperbandPruner({ minResource: 1, maxResource: 81, reductionFactor: 3 }) })
   */
  constructor(options: HyperbandPrunerOptions = {}) {
    this.minResource = checkInt(this.name, 'minResource', options.minResource ?? 1, 1);
    const mr = options.maxResource ?? 'auto';
    this.maxResource = mr === 'auto' ? null : checkInt(this.name, 'maxResource', mr, 1);
    this.reductionFactor = checkInt(this.name, 'reductionFactor', options.reductionFactor ?? 3, 2);
    this.bootstrapCount = checkInt(this.name, 'bootstrapCount', options.bootstrapCount ?? 0, 0);
    this.rankBy = checkRankBy(this.name, options.rankBy ?? 'value');
    this.maxBrackets = options.nBrackets === undefined ? null : checkInt(this.name, 'nBrackets', options.nBrackets, 1);
    if (this.maxResource !== null && this.maxResource < this.minResource) {
      throw new InvalidArgumentError(`${this.name}: maxResource (${this.maxResource}) must be ≥ minResource (${this.minResource})`, ['maxResource']);
    }
    if (this.bootstrapCount > 0 && this.maxResource === null) {
      throw new InvalidArgumentError(`${this.name}: bootstrapCount > 0 needs a fixed maxResource; set maxResource`, ['bootstrapCount']);
    }
    if (this.maxResource !== null) this.initialize(this.maxResource);
  }

  /** Number of brackets (0 until maxResource is known). */
  get nBrackets(): number {
    return this.brackets.length;
  }

  /** Each bracket's share of trials, in units of the total budget. */
  get bracketBudgets(): readonly number[] {
    return this.budgets.slice();
  }

  private initialize(maxResource: number): void {
    this.maxResource = maxResource;
    // ⌊log_η(R/r)⌋ + 1, computed as Python's math.log(x, base) does.
    const n = Math.floor(Math.log(maxResource / this.minResource) / Math.log(this.reductionFactor)) + 1;
    for (let b = 0; b < Math.min(n, this.maxBrackets ?? n); b++) {
      const s = n - 1 - b;
      const budget = Math.ceil((n * this.reductionFactor ** s) / (s + 1));
      this.budgets.push(budget);
      this.totalBudget += budget;
      this.brackets.push(
        new SuccessiveHalvingPruner({
          minResource: this.minResource,
          reductionFactor: this.reductionFactor,
          minEarlyStoppingRate: b,
          bootstrapCount: this.bootstrapCount,
          rankBy: this.rankBy,
          ...(this.rankBy === 'extrapolated' ? { maxResource } : {}),
        }),
      );
    }
  }

  private tryInitialize(study: StudyView): boolean {
    if (this.brackets.length > 0) return true;
    const maxResource = estimateMaxResource(study.getTrials(['COMPLETE']));
    if (maxResource === null) return false;
    this.initialize(Math.max(maxResource, this.minResource));
    return true;
  }

  /** The bracket of trial `number` in study `studyName` (0 before initialization). */
  bracketOf(studyName: string, number: number): number {
    if (this.brackets.length === 0) return 0;
    const key = `${studyName}_${number}`;
    const cached = this.bracketCache.get(key);
    if (cached !== undefined) return cached;
    let n = crc32(key) % this.totalBudget;
    for (let b = 0; b < this.budgets.length; b++) {
      n -= this.budgets[b] as number;
      if (n < 0) {
        this.bracketCache.set(key, b);
        return b;
      }
    }
    throw new Error('unreachable: the budgets sum to the total');
  }

  /** Brackets already computed, by "<study name>_<number>" (fixed once the brackets are laid out). */
  private readonly bracketCache = new Map<string, number>();

  /** The study as one bracket sees it. */
  bracketView(study: StudyView, bracket: number): StudyView {
    const keep = (t: FrozenTrial): boolean => this.bracketOf(study.studyName, t.number) === bracket;
    return {
      studyName: study.studyName,
      directions: study.directions,
      getTrials: (states?: readonly TrialState[]) => study.getTrials(states).filter(keep),
    };
  }

  prune(study: StudyView, trial: FrozenTrial, context?: PruneContext): boolean {
    if (!this.tryInitialize(study)) return false;
    const b = this.bracketOf(study.studyName, trial.number);
    return (this.brackets[b] as SuccessiveHalvingPruner).prune(this.bracketView(study, b), trial, context);
  }

  samplerView(study: StudyView, trial: TrialView): StudyView {
    if (!this.tryInitialize(study)) return study;
    return this.bracketView(study, this.bracketOf(study.studyName, trial.number));
  }
}
