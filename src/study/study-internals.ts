import type { Pruner } from '../pruners/pruner.js';
import type { Sampler } from '../samplers/sampler.js';
import type { Storage } from '../storage/storage.js';
import type { StudyDirection } from '../trial/state.js';

/** What a Trial needs from its Study. */
export interface StudyInternals {
  readonly storage: Storage;
  readonly studyId: number;
  readonly directions: readonly StudyDirection[];
  readonly sampler: Sampler;
  readonly pruner: Pruner;
  /** Optional: called after each report, so the study can refresh what the pruner sees in the background. */
  readonly onReport?: () => void;
}
