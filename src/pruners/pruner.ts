/**
 * The pruner contract: after a trial reports an intermediate value, decide
 * from the history whether to stop it early. Pruners read the same snapshot
 * of the history as samplers.
 */
import type { JsonValue } from '../json.js';
import type { StudyView, TrialView } from '../samplers/sampler.js';
import type { FrozenTrial } from '../trial/frozen-trial.js';

/** What a pruner may do besides deciding: note facts on the judged trial. */
export interface PruneContext {
  /** Records a system attribute on the trial being judged (successive halving records its rungs). */
  setTrialSystemAttr(key: string, value: JsonValue): void;
}

export interface Pruner {
  readonly name: string;
  /** Capability: false when the pruner never reads other trials (the study then skips loading them). */
  readonly usesHistory: boolean;
  /** True when `trial` (RUNNING, with its reports so far) should stop. */
  prune(study: StudyView, trial: FrozenTrial, context?: PruneContext): boolean;
  /**
   * Optional: the history the sampler may see for a new trial. Hyperband
   * returns only the trials of the new trial's bracket.
   */
  samplerView?(study: StudyView, trial: TrialView): StudyView;
}

/** Never prunes: the default until a pruner is chosen. */
export class NopPruner implements Pruner {
  readonly name = 'NopPruner';
  readonly usesHistory = false;
  prune(): boolean {
    return false;
  }
}
