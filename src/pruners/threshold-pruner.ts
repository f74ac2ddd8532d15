/**
 * Threshold pruning, with Optuna's semantics: after `nWarmupSteps`, at the
 * first report of every `intervalSteps`, a trial whose latest value is below
 * `lower`, above `upper`, or NaN is pruned. It reads no other trial. With
 * several objectives the bounds may be given per objective, and a trial is
 * pruned when any objective is out of its bounds.
 */
import { InvalidArgumentError } from '../errors.js';
import type { StudyView } from '../samplers/sampler.js';
import type { FrozenTrial } from '../trial/frozen-trial.js';
import type { Pruner } from './pruner.js';
import { isFirstInIntervalStep, lastReport, reportsOfFold } from './reports.js';
import { checkInt } from './validate.js';

export interface ThresholdPrunerOptions {
  /** Prune below this (one bound, or one per objective). */
  readonly lower?: number | readonly number[];
  /** Prune above this (one bound, or one per objective). */
  readonly upper?: number | readonly number[];
  readonly nWarmupSteps?: number;
  readonly intervalSteps?: number;
}

export class ThresholdPruner implements Pruner {
  readonly name = 'ThresholdPruner';
  readonly usesHistory = false;
  readonly lower: number | readonly number[];
  readonly upper: number | readonly number[];
  readonly nWarmupSteps: number;
  readonly intervalSteps: number;

  /**
   * Stops trials whose value leaves [lower, upper] or becomes NaN.
   * @example createStudy({ pruner: new ThresholdPruner({ upper: 1.0, nWarmupSteps: 2 }) })
   */
  constructor(options: ThresholdPrunerOptions) {
    const { lower, upper } = options ?? {};
    if (lower === undefined && upper === undefined) {
      throw new InvalidArgumentError('ThresholdPruner: give lower, upper or both (the values outside [lower, upper] are pruned)', ['lower']);
    }
    this.lower = checkBound('lower', lower ?? Number.NEGATIVE_INFINITY);
    this.upper = checkBound('upper', upper ?? Number.POSITIVE_INFINITY);
    if (typeof this.lower === 'number' && typeof this.upper === 'number' && this.lower > this.upper) {
      throw new InvalidArgumentError(`ThresholdPruner: lower (${this.lower}) must not exceed upper (${this.upper})`, ['lower']);
    }
    this.nWarmupSteps = checkInt('ThresholdPruner', 'nWarmupSteps', options.nWarmupSteps ?? 0, 0);
    this.intervalSteps = checkInt('ThresholdPruner', 'intervalSteps', options.intervalSteps ?? 1, 1);
  }

  prune(_study: StudyView, trial: FrozenTrial): boolean {
    const last = lastReport(trial);
    if (last === null || last.step < this.nWarmupSteps) return false;
    const steps = reportsOfFold(trial, last.fold).map((iv) => iv.step);
    if (!isFirstInIntervalStep(last.step, steps, this.nWarmupSteps, this.intervalSteps)) return false;
    return last.values.some((v, i) => Number.isNaN(v) || v < bound(this.lower, i) || v > bound(this.upper, i));
  }
}

function checkBound(name: string, b: number | readonly number[]): number | readonly number[] {
  const ok = (x: unknown): boolean => typeof x === 'number' && !Number.isNaN(x);
  if (Array.isArray(b) ? b.length === 0 || !b.every(ok) : !ok(b)) {
    throw new InvalidArgumentError(`ThresholdPruner: ${name} must be a number or an array of numbers (one per objective), got ${JSON.stringify(b)}`, [name]);
  }
  return Array.isArray(b) ? Object.freeze(b.slice()) : b;
}

function bound(b: number | readonly number[], i: number): number {
  return typeof b === 'number' ? b : (b[i] ?? Number.NaN);
}
