/**
 * The pruner contract: after a trial reports an intermediate value, decide
 * from the history whether to stop it early. Pruners read the same snapshot
 * of the history as samplers.
 */
import type { StudyView } from '../samplers/sampler.js';
import type { FrozenTrial } from '../trial/frozen-trial.js';

export interface Pruner {
  readonly name: string;
  /** Capability: false when the pruner never reads other trials (the study then skips loading them). */
  readonly usesHistory: boolean;
  /** True when `trial` (RUNNING, with its reports so far) should stop. */
  prune(study: StudyView, trial: FrozenTrial): boolean;
}

/** Never prunes: the default until a pruner is chosen. */
export class NopPruner implements Pruner {
  readonly name = 'NopPruner';
  readonly usesHistory = false;
  prune(): boolean {
    return false;
  }
}
