/**
 * Pruning by a paired Wilcoxon signed-rank test against the best trial, with
 * Optuna's semantics (WilcoxonPruner, Optuna 3.6). Each report is one
 * instance — a fold (`report(v, step, { fold })`) or a step — and the current
 * trial's values are paired with the best COMPLETE trial's values on the same
 * (fold, step). With at least max(2, nStartupSteps) pairs, the trial is
 * pruned when the one-sided p-value that it is worse is below `pThreshold`,
 * unless its mean over its reports is still better than the best trial's
 * mean over all of its own reports (a safety check). Non-finite values on
 * either side disable pruning. Objectives should return the mean over the
 * instances, as `crossValidate` does. One objective only.
 */
import { InvalidArgumentError } from '../errors.js';
import type { StudyView } from '../samplers/sampler.js';
import type { FrozenTrial } from '../trial/frozen-trial.js';
import type { Pruner } from './pruner.js';
import { checkInt, checkNumber } from './validate.js';
import { wilcoxonSignedRank } from './wilcoxon-test.js';

export interface WilcoxonPrunerOptions {
  /** Prune when the p-value is below this (default 0.1). */
  readonly pThreshold?: number;
  /** Pairs needed before testing (default 2; never fewer than 2). */
  readonly nStartupSteps?: number;
}

export class WilcoxonPruner implements Pruner {
  readonly name = 'WilcoxonPruner';
  readonly usesHistory = true;
  readonly pThreshold: number;
  readonly nStartupSteps: number;

  /**
   * @example createStudy({ pruner: new WilcoxonPruner({ pThreshold: 0.1 }) })
   */
  constructor(options: WilcoxonPrunerOptions = {}) {
    this.pThreshold = checkNumber(this.name, 'pThreshold', options.pThreshold ?? 0.1, 0, 1);
    this.nStartupSteps = checkInt(this.name, 'nStartupSteps', options.nStartupSteps ?? 2, 0);
  }

  prune(study: StudyView, trial: FrozenTrial): boolean {
    if (study.directions.length !== 1) {
      throw new InvalidArgumentError(
        `WilcoxonPruner compares against the best trial, which a study with ${study.directions.length} objectives does not have; use a MedianPruner or SuccessiveHalvingPruner, which handle several objectives`,
      );
    }
    const mine = trial.intermediateValues;
    if (mine.length === 0) return false;
    if (mine.some((iv) => !Number.isFinite(iv.values[0] as number))) return false;
    const maximize = study.directions[0] === 'maximize';
    let best: FrozenTrial | null = null;
    for (const t of study.getTrials(['COMPLETE'])) {
      if (t.number === trial.number || t.value === null) continue;
      if (best === null || (maximize ? t.value > (best.value as number) : t.value < (best.value as number))) best = t;
    }
    if (best === null || best.intermediateValues.length === 0) return false;
    if (best.intermediateValues.some((iv) => !Number.isFinite(iv.values[0] as number))) return false;
    const bestByKey = new Map<string, number>();
    for (const iv of best.intermediateValues) bestByKey.set(`${iv.fold}:${iv.step}`, iv.values[0] as number);
    const diffs: number[] = [];
    for (const iv of mine) {
      const b = bestByKey.get(`${iv.fold}:${iv.step}`);
      if (b !== undefined) diffs.push((iv.values[0] as number) - b);
    }
    if (diffs.length < Math.max(2, this.nStartupSteps)) return false;
    const mean = (xs: readonly { values: readonly number[] }[]): number => xs.reduce((s, iv) => s + (iv.values[0] as number), 0) / xs.length;
    const mineMean = mean(mine);
    const bestMean = mean(best.intermediateValues);
    const averageIsBest = maximize ? bestMean <= mineMean : bestMean >= mineMean;
    const p = wilcoxonSignedRank(diffs, maximize ? 'less' : 'greater').pValue;
    if (p < this.pThreshold && averageIsBest) return false;
    return p < this.pThreshold;
  }
}
