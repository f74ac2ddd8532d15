/**
 * The sampler contract. A sampler sees a read-only view of the history, never
 * the storage. Per trial it may sample jointly ("relative" sampling) over a
 * search space it infers from the history, and samples every other parameter
 * independently when the objective asks for it. `sampleIndependent` is
 * synchronous: it works from the history loaded when the trial started.
 *
 * Reproducibility: the same seed and history give the same suggestions.
 * Samplers derive per-trial streams from (seed, trial number), so parallel
 * workers do not change each other's draws.
 */
import type { JsonValue } from '../json.js';
import type { Distribution, ParamValue, SearchSpace } from '../space/distributions.js';
import type { FrozenTrial } from '../trial/frozen-trial.js';
import type { StudyDirection, TrialState } from '../trial/state.js';

/** The history a sampler may read: a snapshot taken when the trial started. */
export interface StudyView {
  readonly studyName: string;
  readonly directions: readonly StudyDirection[];
  /** Trials in number order, optionally filtered by state. Never mutate them. */
  getTrials(states?: readonly TrialState[]): readonly FrozenTrial[];
}

/** What a sampler knows of the trial it samples for. */
export interface TrialView {
  readonly number: number;
  /** Grid index claimed through the storage, for samplers with `gridSize`. */
  readonly gridIndex: number | null;
  /** Parameters fixed by enqueueTrial or a retry. */
  readonly fixedParams: Readonly<Record<string, ParamValue>>;
  /** Parameters suggested so far in this trial. */
  readonly params: Readonly<Record<string, ParamValue>>;
}

export interface Sampler {
  /** Shown in logs and recorded on the study. */
  readonly name: string;
  /**
   * Capability: false when the sampler never reads the history, so the study
   * skips loading it before each trial (the random sampler's fast path).
   */
  readonly usesHistory: boolean;
  /**
   * Capability: the sampler enumerates a finite grid whose points are claimed
   * through the storage, exactly once each, whatever the number of workers.
   */
  readonly gridSize?: number;

  /** The parameters to sample jointly for this trial ({} for none). */
  inferRelativeSearchSpace(study: StudyView, trial: TrialView): SearchSpace;
  /** Joint values for (a subset of) that space, in external form. */
  sampleRelative(study: StudyView, trial: TrialView, space: SearchSpace): Readonly<Record<string, ParamValue>>;
  /** One value for a parameter outside the relative space. */
  sampleIndependent(study: StudyView, trial: TrialView, name: string, distribution: Distribution): ParamValue;
  /**
   * Optional: notes for the study's system attributes (for example which
   * algorithm an automatic sampler chose and why). Read after each ask; keys
   * whose value changed are written to the storage.
   */
  systemAttrs?(): Readonly<Record<string, JsonValue>>;
  /** Called once the trial has ended and been stored. */
  afterTrial?(study: StudyView, trial: TrialView, state: TrialState, values: readonly number[] | null): void;
}

/** Mixes a seed and a trial number into a 32-bit seed for that trial's stream (splitmix32-style). */
export function trialSeed(seed: number, trialNumber: number, salt = 0): number {
  let h = (seed ^ Math.imul(trialNumber + 0x9e3779b9, 0x85ebca6b) ^ Math.imul(salt, 0xc2b2ae35)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d) >>> 0;
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}
