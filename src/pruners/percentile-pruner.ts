/**
 * Percentile and median pruning (the median stopping rule of Golovin et al.,
 * "Google Vizier", KDD 2017), with Optuna's semantics for one objective:
 * after `nStartupTrials` COMPLETE trials and `nWarmupSteps` steps, at the
 * first report of every `intervalSteps`, a trial is pruned when its best value
 * so far is worse than the `percentile`-th best of the COMPLETE trials' values
 * at the same step (needing `nMinTrials` of them). NaN is pruned.
 *
 * Cross-validation: a report with a fold compares the trial's mean over the
 * folds seen so far (at that step) with the other trials' means over the same
 * folds, so a configuration that trails after a few folds is stopped
 * (racing); `nWarmupFolds` holds pruning back until that many folds are done.
 *
 * Several objectives: a trial is pruned when more than `percentile`% of the
 * COMPLETE trials with a report at the same (fold, step) lie in Pareto fronts
 * ahead of its own there (non-dominated sorting of them and the trial).
 */
import type { StudyView } from '../samplers/sampler.js';
import type { FrozenTrial } from '../trial/frozen-trial.js';
import type { Pruner } from './pruner.js';
import { countAhead, foldsWithStep, isFirstInIntervalStep, lastReport, nanPercentile, reportsOfFold, scoreAt, toMinimize } from './reports.js';
import { checkInt, checkNumber } from './validate.js';

export interface PercentilePrunerOptions {
  /** No pruning until this many trials are COMPLETE (default 5). */
  readonly nStartupTrials?: number;
  /** No pruning before this step within a trial (default 0). */
  readonly nWarmupSteps?: number;
  /** Prune only at the first report of every this many steps after the warm-up (default 1). */
  readonly intervalSteps?: number;
  /** At least this many COMPLETE trials must have reported the step (default 1). */
  readonly nMinTrials?: number;
  /** With fold reports: no pruning before this fold index (default 0). */
  readonly nWarmupFolds?: number;
}

export class PercentilePruner implements Pruner {
  readonly name: string = 'PercentilePruner';
  readonly usesHistory = true;
  readonly percentile: number;
  readonly nStartupTrials: number;
  readonly nWarmupSteps: number;
  readonly intervalSteps: number;
  readonly nMinTrials: number;
  readonly nWarmupFolds: number;

  /**
   * Keeps the best `percentile`% of trials at each step.
   * @example createStudy({ pruner: new PercentilePruner(25, { nStartupTrials: 5, nWarmupSteps: 3 }) })
   */
  constructor(percentile: number, options: PercentilePrunerOptions = {}) {
    const who = new.target.name;
    this.percentile = checkNumber(who, 'percentile', percentile, 0, 100);
    this.nStartupTrials = checkInt(who, 'nStartupTrials', options.nStartupTrials ?? 5, 0);
    this.nWarmupSteps = checkInt(who, 'nWarmupSteps', options.nWarmupSteps ?? 0, 0);
    this.intervalSteps = checkInt(who, 'intervalSteps', options.intervalSteps ?? 1, 1);
    this.nMinTrials = checkInt(who, 'nMinTrials', options.nMinTrials ?? 1, 1);
    this.nWarmupFolds = checkInt(who, 'nWarmupFolds', options.nWarmupFolds ?? 0, 0);
  }

  prune(study: StudyView, trial: FrozenTrial): boolean {
    const completed = study.getTrials(['COMPLETE']).filter((t) => t.number !== trial.number);
    if (completed.length === 0 || completed.length < this.nStartupTrials) return false;
    const last = lastReport(trial);
    if (last === null) return false;
    if (last.step < this.nWarmupSteps) return false;
    const steps = reportsOfFold(trial, last.fold).map((iv) => iv.step);
    if (!isFirstInIntervalStep(last.step, steps, this.nWarmupSteps, this.intervalSteps)) return false;
    if (last.fold !== null && last.fold < this.nWarmupFolds) return false;
    const dirs = study.directions;
    const folds = last.fold === null ? null : foldsWithStep(trial, last.fold, last.step);

    if (dirs.length > 1) {
      const mine = scoreAt(trial, folds, last.step);
      if (mine === null) return false;
      if (mine.some(Number.isNaN)) return true;
      const others: number[][] = [];
      for (const t of completed) {
        const s = scoreAt(t, folds, last.step);
        if (s !== null && !s.some(Number.isNaN)) others.push(toMinimize(s, dirs));
      }
      if (others.length < this.nMinTrials) return false;
      const limit = (this.percentile / 100) * others.length;
      return countAhead(toMinimize(mine, dirs), others, limit) > limit;
    }

    const maximize = dirs[0] === 'maximize';
    let best: number;
    if (folds === null) {
      // Optuna: the best value over all steps reported so far.
      best = Number.NaN;
      for (const iv of reportsOfFold(trial, null)) {
        const v = iv.values[0] as number;
        if (Number.isNaN(v)) continue;
        if (Number.isNaN(best) || (maximize ? v > best : v < best)) best = v;
      }
    } else {
      best = (scoreAt(trial, folds, last.step) as number[])[0] as number;
    }
    if (Number.isNaN(best)) return true;
    const others: number[] = [];
    for (const t of completed) {
      const s = scoreAt(t, folds, last.step);
      if (s !== null) others.push(s[0] as number);
    }
    if (others.length < this.nMinTrials) return false;
    const p = nanPercentile(others, maximize ? 100 - this.percentile : this.percentile);
    if (Number.isNaN(p)) return false;
    return maximize ? best < p : best > p;
  }
}

/**
 * Prunes a trial whose best value so far is worse than the median of the
 * COMPLETE trials at the same step (the median stopping rule).
 * @example createStudy({ pruner: new MedianPruner({ nStartupTrials: 5, nWarmupSteps: 2 }) })
 */
export class MedianPruner extends PercentilePruner {
  override readonly name: string = 'MedianPruner';
  constructor(options: PercentilePrunerOptions = {}) {
    super(50, options);
  }
}
