/**
 * Asynchronous successive halving (ASHA; Li et al., "A System for Massively
 * Parallel Hyperparameter Tuning", MLSys 2020), with Optuna's semantics.
 *
 * Notation: r = minResource, η = reductionFactor, s = minEarlyStoppingRate.
 * Rung k is reached at step r·η^(s+k). When a trial reaches a rung it records
 * its value there (system attribute `completed_rung_k`) and is promoted when
 * it is among the best 1/η of all values recorded at that rung so far (the
 * best one while fewer than η are recorded); otherwise it is pruned. With
 * `bootstrapCount` > 0, a rung needs more than that many values before anyone
 * is promoted. `minResource: 'auto'` takes max(1, ⌊last step / 100⌋) of the
 * first COMPLETE trial(s).
 *
 * Several objectives: "among the best 1/η" becomes "fewer than max(1, ⌊n/η⌋)
 * of the n values at the rung lie in Pareto fronts ahead of its own"
 * (non-dominated sorting: they dominate it, directly or through a chain),
 * which for one objective is exactly the rule above.
 *
 * `rankBy: 'extrapolated'` (not in Optuna) judges a trial at a rung by the
 * value its curve so far predicts at the last step (maxResource − 1; see
 * curve-extrapolation.ts) instead of its current value, which favours slow
 * starters still improving over fast ones that have levelled off or begun to
 * overfit (short-horizon bias). The prediction is what the rung records.
 *
 * Only reports without a fold are read (use the median, percentile or
 * Wilcoxon pruner to race over folds).
 */
import { InvalidArgumentError } from '../errors.js';
import type { JsonValue } from '../json.js';
import type { StudyView } from '../samplers/sampler.js';
import type { FrozenTrial, IntermediateValue } from '../trial/frozen-trial.js';
import type { StudyDirection } from '../trial/state.js';
import { extrapolateCurve } from './curve-extrapolation.js';
import type { PruneContext, Pruner } from './pruner.js';
import { countAhead, reportsOfFold, toMinimize } from './reports.js';
import { checkInt } from './validate.js';

export interface SuccessiveHalvingPrunerOptions {
  /** Steps before the first rung: a positive integer or 'auto' (default 'auto'). */
  readonly minResource?: number | 'auto';
  /** η: the share 1/η of each rung is promoted (default 4). */
  readonly reductionFactor?: number;
  /** s: the first rung is at minResource·η^s (default 0). */
  readonly minEarlyStoppingRate?: number;
  /** Values a rung needs before anyone is promoted (default 0; not with minResource 'auto'). */
  readonly bootstrapCount?: number;
  /**
   * What a trial is ranked by at a rung: its current value ('value', the
   * default, as in Optuna and the papers) or the value its curve up to the
   * rung extrapolates to at the last step ('extrapolated').
   */
  readonly rankBy?: RankBy;
  /**
   * With rankBy 'extrapolated': the number of steps a complete trial reports
   * (its last step + 1), or 'auto' to take it from the first COMPLETE trial
   * (default 'auto'; until one exists nothing is pruned).
   */
  readonly maxResource?: number | 'auto';
}

export type RankBy = 'value' | 'extrapolated';
export const RANK_BY: readonly RankBy[] = ['value', 'extrapolated'];

/** Checks a rankBy option, naming the accepted values. */
export function checkRankBy(pruner: string, value: unknown): RankBy {
  if (!RANK_BY.includes(value as RankBy)) {
    throw new InvalidArgumentError(`${pruner}: rankBy must be one of ${RANK_BY.map((r) => `'${r}'`).join(', ')}, got ${JSON.stringify(value)}`, ['rankBy']);
  }
  return value as RankBy;
}

/** The system attribute in which a trial records its value at rung k (Optuna's name). */
export function rungKey(rung: number): string {
  return `completed_rung_${rung}`;
}

export class SuccessiveHalvingPruner implements Pruner {
  readonly name = 'SuccessiveHalvingPruner';
  readonly usesHistory = true;
  readonly reductionFactor: number;
  readonly minEarlyStoppingRate: number;
  readonly bootstrapCount: number;
  readonly rankBy: RankBy;
  private minResource: number | null;
  private maxResource: number | null;

  /**
   * @example createStudy({ pruner: new SuccessiveHalvingPruner({ minResource: 1, reductionFactor: 3 }) })
   */
  constructor(options: SuccessiveHalvingPrunerOptions = {}) {
    const mr = options.minResource ?? 'auto';
    this.minResource = mr === 'auto' ? null : checkInt(this.name, 'minResource', mr, 1);
    this.reductionFactor = checkInt(this.name, 'reductionFactor', options.reductionFactor ?? 4, 2);
    this.minEarlyStoppingRate = checkInt(this.name, 'minEarlyStoppingRate', options.minEarlyStoppingRate ?? 0, 0);
    this.bootstrapCount = checkInt(this.name, 'bootstrapCount', options.bootstrapCount ?? 0, 0);
    if (this.bootstrapCount > 0 && this.minResource === null) {
      throw new InvalidArgumentError(
        `${this.name}: bootstrapCount > 0 needs a fixed minResource (with 'auto' the rungs are unknown until a trial completes); set minResource`,
        ['bootstrapCount'],
      );
    }
    this.rankBy = checkRankBy(this.name, options.rankBy ?? 'value');
    const maxR = options.maxResource ?? 'auto';
    if (options.maxResource !== undefined && this.rankBy !== 'extrapolated') {
      throw new InvalidArgumentError(`${this.name}: maxResource is only used with rankBy 'extrapolated'; remove it or set rankBy`, ['maxResource']);
    }
    this.maxResource = maxR === 'auto' ? null : checkInt(this.name, 'maxResource', maxR, 1);
  }

  /** The minimum resource in use (null until 'auto' has seen a COMPLETE trial). */
  get resolvedMinResource(): number | null {
    return this.minResource;
  }

  prune(study: StudyView, trial: FrozenTrial, context?: PruneContext): boolean {
    const reports = reportsOfFold(trial, null);
    const last = reports[reports.length - 1];
    if (last === undefined) return false;
    const step = last.step;
    const dirs = study.directions;
    const value = last.values;
    let rung = currentRung(trial);
    let others: readonly FrozenTrial[] | null = null;
    for (;;) {
      if (this.minResource === null) {
        this.minResource = estimateMinResource(study.getTrials(['COMPLETE']));
        if (this.minResource === null) return false;
      }
      if (this.rankBy === 'extrapolated' && this.maxResource === null) {
        this.maxResource = estimateMaxResource(study.getTrials(['COMPLETE']));
        if (this.maxResource === null) return false;
      }
      const promotionStep = this.minResource * this.reductionFactor ** (this.minEarlyStoppingRate + rung);
      if (step < promotionStep) return false;
      if (value.some(Number.isNaN)) return true;
      others ??= study.getTrials().filter((t) => t.number !== trial.number);
      const key = rungKey(rung);
      const me = this.rankBy === 'value' ? toMinimize(value, dirs) : this.extrapolated(reports, promotionStep, dirs);
      const recorded = this.rankBy === 'value' ? value : toMinimize(me, dirs); // in the study's directions
      context?.setTrialSystemAttr(key, (recorded.length === 1 ? recorded[0] : recorded) as JsonValue);
      const competing: number[][] = [];
      for (const t of others) {
        const v = rungValue(t, key);
        if (v !== null) competing.push(toMinimize(v, dirs));
      }
      competing.push(me);
      // `competing` includes this trial, hence ≤.
      if (competing.length <= this.bootstrapCount) return true;
      if (!isPromotable(me, competing, this.reductionFactor)) return true;
      rung++;
    }
  }

  /** Per objective (to be minimized): the value the curve up to step `upTo` predicts at the last step. */
  private extrapolated(reports: readonly IntermediateValue[], upTo: number, dirs: readonly StudyDirection[]): number[] {
    const curve = reports.filter((r) => r.step <= upTo);
    const steps = curve.map((r) => r.step);
    const ys = curve.map((r) => toMinimize(r.values, dirs));
    return dirs.map((_, i) =>
      extrapolateCurve(
        steps,
        ys.map((y) => y[i] as number),
        (this.maxResource as number) - 1,
      ),
    );
  }
}

/** Number of rungs the trial has recorded. */
export function currentRung(trial: FrozenTrial): number {
  let rung = 0;
  while (Object.hasOwn(trial.systemAttrs, rungKey(rung))) rung++;
  return rung;
}

function rungValue(t: FrozenTrial, key: string): number[] | null {
  if (!Object.hasOwn(t.systemAttrs, key)) return null;
  const v = t.systemAttrs[key];
  if (typeof v === 'number') return [v];
  if (Array.isArray(v) && v.every((x) => typeof x === 'number')) return v as number[];
  return null;
}

/** 'auto' maxResource: the last step (without a fold) of the COMPLETE trials, plus 1; null without one. */
export function estimateMaxResource(completed: readonly FrozenTrial[]): number | null {
  let lastStep = -1;
  for (const t of completed) for (const iv of t.intermediateValues) if (iv.fold === null && iv.step > lastStep) lastStep = iv.step;
  return lastStep < 0 ? null : lastStep + 1;
}

function estimateMinResource(completed: readonly FrozenTrial[]): number | null {
  const maxResource = estimateMaxResource(completed);
  return maxResource === null ? null : Math.max(Math.floor((maxResource - 1) / 100), 1);
}

/**
 * Promoted when fewer than max(1, ⌊n/η⌋) of the n competing values (itself
 * included) lie in Pareto fronts ahead of its own. For one objective this is
 * Optuna's `value <= sorted[max(0, ⌊n/η⌋ - 1)]`.
 */
export function isPromotable(me: readonly number[], competing: readonly (readonly number[])[], reductionFactor: number): boolean {
  const k = Math.max(1, Math.floor(competing.length / reductionFactor));
  return countAhead(me, competing, k) < k;
}
