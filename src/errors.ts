/**
 * One error base class with stable codes. Every message names what was wrong
 * and how to fix it; `path` locates the offending input where there is one.
 */
export type ErrorCode =
  | 'INVALID_DISTRIBUTION'
  | 'INVALID_ARGUMENT'
  | 'INVALID_VALUE'
  | 'DUPLICATE_STUDY'
  | 'STUDY_NOT_FOUND'
  | 'TRIAL_NOT_FOUND'
  | 'TRIAL_FINISHED'
  | 'LEASE_LOST'
  | 'STATE_TRANSITION'
  | 'STORAGE_URL'
  | 'STORAGE'
  | 'SCHEMA_TOO_OLD'
  | 'SCHEMA_TOO_NEW'
  | 'NO_TRIALS'
  | 'GRID_EXHAUSTED'
  | 'INVALID_CONFIG';

export class DialsError extends Error {
  readonly code: ErrorCode;
  readonly path: readonly (string | number)[];
  constructor(code: ErrorCode, message: string, options?: { path?: readonly (string | number)[]; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.path = options?.path ?? [];
  }
}

/** A search-space definition that cannot be sampled (bad bounds, step, choices...). */
export class InvalidDistributionError extends DialsError {
  constructor(message: string, path: readonly (string | number)[]) {
    super('INVALID_DISTRIBUTION', message, { path });
  }
}

/** An argument to a public function that is out of its allowed range or type. */
export class InvalidArgumentError extends DialsError {
  constructor(message: string, path: readonly (string | number)[] = []) {
    super('INVALID_ARGUMENT', message, { path });
  }
}

export class DuplicateStudyError extends DialsError {
  constructor(studyName: string) {
    super('DUPLICATE_STUDY', `a study named ${JSON.stringify(studyName)} already exists; pass loadIfExists: true to reuse it, or choose another studyName`);
  }
}

export class StudyNotFoundError extends DialsError {
  constructor(studyName: string) {
    super('STUDY_NOT_FOUND', `no study named ${JSON.stringify(studyName)} in this storage; create it with createStudy() first`);
  }
}

export class TrialNotFoundError extends DialsError {
  constructor(what: string) {
    super('TRIAL_NOT_FOUND', `trial ${what} does not exist in this storage`);
  }
}

/** A write to a trial that has already reached COMPLETE, PRUNED or FAIL. */
export class TrialFinishedError extends DialsError {
  constructor(trialNumber: number, state: string) {
    super('TRIAL_FINISHED', `trial ${trialNumber} is already ${state}; a finished trial cannot be changed`);
  }
}

/** The worker's lease on a RUNNING trial expired and the reaper failed it. */
export class LeaseLostError extends DialsError {
  constructor(trialNumber: number) {
    super(
      'LEASE_LOST',
      `trial ${trialNumber} was failed by the heartbeat reaper because this worker stopped beating for longer than the grace period; its result was not recorded (raise heartbeat.graceMs if the worker was only slow)`,
    );
  }
}

export class StorageUrlError extends DialsError {
  constructor(message: string) {
    super('STORAGE_URL', message);
  }
}

/** A storage failure that retries did not clear; the message says what to check. */
export class StorageError extends DialsError {
  constructor(message: string, cause?: unknown) {
    super('STORAGE', message, { cause });
  }
}

export class SchemaVersionError extends DialsError {}

/** Thrown from an objective to mark the trial PRUNED. */
export class TrialPruned extends Error {
  constructor(message = 'trial pruned') {
    super(message);
    this.name = 'TrialPruned';
  }
}
