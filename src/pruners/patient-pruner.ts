/**
 * Patience around another pruner, with Optuna's semantics: the wrapped
 * pruner is consulted only once the trial has not improved by more than
 * `minDelta` during the last `patience` steps (compared with the best value
 * before them); without a wrapped pruner such a trial is pruned. With several
 * objectives, "not improved" means no objective improved.
 */
import { InvalidArgumentError } from '../errors.js';
import type { StudyView } from '../samplers/sampler.js';
import type { FrozenTrial } from '../trial/frozen-trial.js';
import type { PruneContext, Pruner } from './pruner.js';
import { lastReport, reportsOfFold, toMinimize } from './reports.js';
import { checkInt, checkNumber } from './validate.js';

export interface PatientPrunerOptions {
  /** Steps without improvement tolerated (≥ 0). */
  readonly patience: number;
  /** The improvement that counts (default 0). */
  readonly minDelta?: number;
}

export class PatientPruner implements Pruner {
  readonly name = 'PatientPruner';
  readonly usesHistory: boolean;
  readonly wrapped: Pruner | null;
  readonly patience: number;
  readonly minDelta: number;

  /**
   * Defers to `wrapped` only after `patience` steps without improvement.
   * @example new PatientPruner(new MedianPruner(), { patience: 3, minDelta: 0.001 })
   */
  constructor(wrapped: Pruner | null, options: PatientPrunerOptions) {
    if (wrapped !== null && (typeof wrapped !== 'object' || typeof wrapped.prune !== 'function')) {
      throw new InvalidArgumentError('PatientPruner: the wrapped pruner must be a Pruner or null', ['wrapped']);
    }
    this.wrapped = wrapped;
    this.usesHistory = wrapped?.usesHistory ?? false;
    this.patience = checkInt('PatientPruner', 'patience', options?.patience, 0);
    this.minDelta = checkNumber('PatientPruner', 'minDelta', options.minDelta ?? 0, 0, Number.POSITIVE_INFINITY);
  }

  prune(study: StudyView, trial: FrozenTrial, context?: PruneContext): boolean {
    const last = lastReport(trial);
    if (last === null) return false;
    const reports = reportsOfFold(trial, last.fold);
    if (reports.length <= this.patience + 1) return false;
    const cut = reports.length - this.patience - 1;
    const before = reports.slice(0, cut).map((iv) => toMinimize(iv.values, study.directions));
    const after = reports.slice(cut).map((iv) => toMinimize(iv.values, study.directions));
    const nObj = last.values.length;
    let stalled = true;
    for (let k = 0; k < nObj; k++) {
      const bestBefore = nanMin(before.map((v) => v[k] as number));
      const bestAfter = nanMin(after.map((v) => v[k] as number));
      // NaN compares false, as numpy's nanmin of all-NaN does in Optuna.
      if (!(bestBefore + this.minDelta < bestAfter)) stalled = false;
    }
    if (!stalled) return false;
    return this.wrapped === null ? true : this.wrapped.prune(study, trial, context);
  }
}

function nanMin(xs: readonly number[]): number {
  let m = Number.NaN;
  for (const x of xs) if (!Number.isNaN(x) && (Number.isNaN(m) || x < m)) m = x;
  return m;
}
