/**
 * The storage contract every backend (memory, SQLite, PostgreSQL) fulfils and
 * the conformance suite (conformance.ts) checks.
 *
 * Guarantees: trial numbers are dense per study and unique by constraint;
 * states only move forward (trial/state.ts); each WAITING trial, grid point
 * and retry is claimed exactly once; a write to a RUNNING trial carries the
 * lease it was claimed with, and fails with LeaseLostError once the reaper has
 * failed the trial; reads of many trials take a constant number of queries.
 */
import { InvalidArgumentError } from '../errors.js';
import type { JsonValue } from '../json.js';
import type { Distribution, ParamValue } from '../space/distributions.js';
import type { FrozenTrial, IntermediateValue } from '../trial/frozen-trial.js';
import type { FinalState, StudyDirection, TrialState } from '../trial/state.js';

export interface StudyRecord {
  readonly studyId: number;
  readonly studyName: string;
  readonly directions: readonly StudyDirection[];
  readonly userAttrs: Readonly<Record<string, JsonValue>>;
  readonly systemAttrs: Readonly<Record<string, JsonValue>>;
  readonly createdAt: Date;
}

export interface StudySummary extends StudyRecord {
  readonly nTrials: number;
  readonly stateCounts: Readonly<Record<TrialState, number>>;
}

export interface ParamWrite {
  readonly name: string;
  readonly value: ParamValue;
  readonly distribution: Distribution;
}

export type AttrKind = 'user' | 'system';

export interface AttrWrite {
  readonly kind: AttrKind;
  readonly key: string;
  /** Serialized with json.ts encodeAttr. */
  readonly json: string;
}

/** Writes buffered by a running trial, flushed together in one transaction. */
export interface TrialPatch {
  readonly params?: readonly ParamWrite[];
  readonly intermediate?: readonly IntermediateValue[];
  readonly attrs?: readonly AttrWrite[];
  /** Ends the trial in the same transaction. */
  readonly finish?: { readonly state: FinalState; readonly values: readonly number[] | null; readonly reason: string | null };
}

export interface EnqueueInput {
  /** Values the trial must use; suggest* returns them instead of sampling. */
  readonly params: Readonly<Record<string, ParamValue>>;
  readonly attrs?: readonly AttrWrite[];
  /** When set, a second enqueue with the same key in this study is a no-op. */
  readonly dedupeKey?: string;
}

export interface LeasePolicy {
  /** A RUNNING trial not heartbeated for this long is failed by the reaper. */
  readonly graceMs: number;
  /** How many times a reaped trial (and its retries) is enqueued again. */
  readonly maxRetries: number;
}

export interface StartTrialInput {
  /** Liveness policy; without one the trial is never reaped. */
  readonly lease?: LeasePolicy;
  /** Claim the next grid index in [0, size) when no WAITING trial is claimed. */
  readonly gridSize?: number;
  /**
   * A study-wide trial budget: claim or create a trial only while fewer than
   * this many of the study's trials count toward it (see `BUDGET_EXEMPT_REASONS`);
   * null otherwise. Checked under the study's lock, so workers in many
   * processes and machines share one budget exactly.
   */
  readonly maxTrials?: number;
  /**
   * Writes stored with the start, for one durable commit instead of two:
   * called once the trial is claimed or created; the parameters and
   * attributes it returns are durable, with the start, when startTrial
   * returns. SQLite and memory write them in the start's own transaction;
   * PostgreSQL commits a one-statement start without waiting for its WAL
   * flush (releasing the study's lock at once), then writes them in a
   * statement that waits for the flush, which covers the start too. It must
   * be synchronous and quick, and may be called more than once (a retried
   * start; the last call counts). If it throws, the trial ends FAIL with
   * `initFailureReason(error)` and the error is rethrown.
   */
  readonly init?: (started: StartedTrial) => TrialInit;
}

/** The fail reason of a trial whose `StartTrialInput.init` threw. */
export function initFailureReason(e: unknown): string {
  return `the trial's start failed: ${e instanceof Error ? e.message : String(e)}`;
}

/** What `StartTrialInput.init` stores with a trial's start. */
export interface TrialInit {
  readonly params?: readonly ParamWrite[];
  readonly attrs?: readonly AttrWrite[];
}

/**
 * Failure reasons of trials that do not count toward a trial budget: their
 * work was lost (the worker was interrupted or died), so a rerun replaces them.
 * Every other trial that has started (RUNNING, COMPLETE, PRUNED, FAIL) counts.
 */
export const BUDGET_EXEMPT_REASONS: readonly string[] = ['interrupted', 'lease-expired'];

/** A trial just claimed (WAITING → RUNNING) or created RUNNING. */
export interface StartedTrial {
  readonly trialId: number;
  readonly number: number;
  readonly leaseId: string;
  /** Parameters fixed by enqueueTrial or by a retry. */
  readonly fixedParams: Readonly<Record<string, ParamValue>>;
  readonly gridIndex: number | null;
  readonly retryOf: number | null;
}

export interface ReapedTrial {
  readonly trialId: number;
  readonly number: number;
  /** Number of the WAITING retry enqueued for it, if any. */
  readonly retryNumber: number | null;
}

/** Filters of getTrials; all given filters must hold. */
export interface TrialQuery {
  readonly states?: readonly TrialState[];
  /** Only trials numbered at least this (for incremental reads of a growing history). */
  readonly minNumber?: number;
  /** Only these trial numbers (at most 500). */
  readonly numbers?: readonly number[];
}

/** Most trial numbers one `numbers` filter may hold. */
export const MAX_NUMBERS_FILTER = 500;

/** A trial created or changed (state, parameters, values, reports, attributes) after a cursor. */
export interface TrialChange {
  readonly studyId: number;
  readonly trialId: number;
  readonly number: number;
}

/**
 * What changed after a cursor, for readers that follow a storage live (the
 * dashboard) without re-reading whole studies. Heartbeats are not changes.
 */
export interface ChangeSet {
  /** Opaque; pass it back as `since`. Never moves backwards. */
  readonly cursor: string;
  /**
   * Every trial changed after `since` (oldest change first), at most `limit`;
   * a trial may be reported again by a later call although it did not change.
   */
  readonly trials: readonly TrialChange[];
  /** More trials changed than `limit`: re-read what you show. */
  readonly truncated: boolean;
  /** Studies created, whose attributes changed, or whose trials changed, after `since`. */
  readonly studyIds: readonly number[];
  /** Of those, the studies created or whose attributes changed (not only their trials). */
  readonly recordStudyIds: readonly number[];
  readonly deletedStudyIds: readonly number[];
}

export interface ChangeQuery {
  /** Only trials of this study (studyIds and deletedStudyIds still cover all studies). */
  readonly studyId?: number;
  /** Most trials returned (default and maximum 10,000). */
  readonly limit?: number;
}

export const MAX_CHANGES_LIMIT = 10_000;

/** Validates a cursor handed back by a caller: a decimal integer. */
export function parseChangeCursor(cursor: string): number {
  if (!/^\d{1,16}$/.test(cursor))
    throw new InvalidArgumentError(
      `change cursor ${JSON.stringify(cursor.slice(0, 40))} is not one this storage returned; pass the cursor of a previous getChanges, or null to start`,
    );
  return Number(cursor);
}

export function changeLimit(query: ChangeQuery): number {
  const limit = query.limit ?? MAX_CHANGES_LIMIT;
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_CHANGES_LIMIT) {
    throw new InvalidArgumentError(`limit must be an integer in [1, ${MAX_CHANGES_LIMIT}], got ${limit}`);
  }
  return limit;
}

/** Optional abilities, declared rather than detected. */
export interface StorageCapabilities {
  /** Several processes may share this storage. */
  readonly multiProcess: boolean;
  /** Data outlives the process. */
  readonly persistent: boolean;
}

export interface Storage {
  /** The URL with any password removed. */
  readonly url: string;
  readonly capabilities: StorageCapabilities;

  createStudy(input: { readonly studyName: string; readonly directions: readonly StudyDirection[] }): Promise<StudyRecord>;
  /** Null when absent. */
  getStudy(studyName: string): Promise<StudyRecord | null>;
  listStudies(): Promise<StudySummary[]>;
  /** Deletes the study and all its trials; StudyNotFoundError when absent. */
  deleteStudy(studyName: string): Promise<void>;
  setStudyAttr(studyId: number, attr: AttrWrite): Promise<void>;

  /** Adds a WAITING trial; `created` is false when `dedupeKey` already existed. */
  enqueueTrial(studyId: number, input: EnqueueInput): Promise<{ trialId: number; number: number; created: boolean }>;
  /**
   * Claims the oldest WAITING trial, or else creates a RUNNING one (claiming a
   * grid index when `gridSize` is given). Null only when the grid is exhausted.
   */
  startTrial(studyId: number, input: StartTrialInput): Promise<StartedTrial | null>;
  /** Applies a running trial's buffered writes (and its end, if any) atomically. */
  updateTrial(trialId: number, leaseId: string, patch: TrialPatch): Promise<void>;
  /** Renews a lease; false when the lease was lost. */
  heartbeat(trialId: number, leaseId: string): Promise<boolean>;
  /** Fails RUNNING trials whose lease expired and enqueues their retries. */
  reapStaleTrials(studyId: number): Promise<ReapedTrial[]>;

  getTrial(trialId: number): Promise<FrozenTrial>;
  getTrials(studyId: number, query?: TrialQuery): Promise<FrozenTrial[]>;
  countTrials(studyId: number, query?: TrialQuery): Promise<number>;
  /**
   * What changed after `since` (null: nothing, just the current cursor), in a
   * constant number of queries. One read; never blocks a writer.
   */
  getChanges(since: string | null, query?: ChangeQuery): Promise<ChangeSet>;

  close(): Promise<void>;
}

/** Identity of a parameter set, for dedupe keys. */
export function paramsKey(params: Readonly<Record<string, ParamValue>>): string {
  const keys = Object.keys(params).sort();
  return JSON.stringify(keys.map((k) => [k, params[k]]));
}

export function checkNumbersFilter(numbers: readonly number[]): void {
  if (numbers.length > MAX_NUMBERS_FILTER) {
    throw new InvalidArgumentError(`a numbers filter holds at most ${MAX_NUMBERS_FILTER} trial numbers, got ${numbers.length}; read by minNumber instead`);
  }
  for (const n of numbers) if (!Number.isSafeInteger(n)) throw new InvalidArgumentError(`trial numbers are integers, got ${n}`);
}
