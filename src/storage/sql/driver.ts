/**
 * What the shared SQL storage needs from a database: transactions that retry
 * transient failures (busy, deadlock, serialization, dropped connection)
 * internally, `?` placeholders, and a few dialect fragments.
 */
export interface SqlExecutor {
  all<R>(sql: string, params?: readonly unknown[]): Promise<R[]>;
  /** Returns the number of rows changed. */
  run(sql: string, params?: readonly unknown[]): Promise<number>;
}

export interface SqlDialect {
  readonly name: 'sqlite' | 'postgres';
  /** The database clock, in seconds since the epoch (sub-second). */
  readonly now: string;
  /** Appended to a SELECT that must lock its rows until commit ('' where the whole database is locked). */
  readonly forUpdate: string;
  /** Appended to the WAITING-trial claim subquery so concurrent claimers take different rows. */
  readonly skipLocked: string;
  /**
   * Optional: startTrial as one atomic statement (claim a WAITING trial, else
   * number and insert a new one). Parameters, in order: lease id, lease grace
   * (seconds or null), max retries, study id, and with `grid` the grid size.
   * Returns the columns id, number, fixed_params, grid_index, retry_of. With
   * `flushLater`, the statement commits without waiting for its WAL flush:
   * for a start whose next write (its parameters) waits for the flush, which
   * covers both.
   */
  readonly startTrialStatement?: (grid: boolean, flushLater: boolean) => string;
  /**
   * Optional: the common case of startTrial under a trial budget as one
   * statement: create a RUNNING trial when the study has no WAITING trial and
   * fewer than the budget's trials in all (`next_number`, an upper bound of
   * the trials that count). Parameters: lease id, lease grace, max retries,
   * study id, budget. No row means "decide in a transaction" (claim a WAITING
   * trial, or count precisely), never "over budget". `flushLater` as above.
   */
  readonly startTrialWithinBudgetStatement?: (flushLater: boolean) => string;
  /**
   * Optional: updateTrial as one atomic statement. Parameters, in order: trial
   * id, lease id; param names, internal values, distributions (JSON); report
   * folds, steps, objectives, values; attribute kinds, keys, values (JSON);
   * final state (or null), final values, reason. Returns no row when the trial
   * does not exist, else ok plus the trial's number, state, lease_id,
   * fail_reason and (when not ok) its stored values.
   */
  readonly updateTrialStatement?: string;
}

/** 'statement': `fn` issues exactly one statement, which the database runs atomically without BEGIN/COMMIT. */
export type TransactionMode = 'read' | 'write' | 'statement';

export interface SqlDriver {
  readonly dialect: SqlDialect;
  /** The URL with any password removed. */
  readonly url: string;
  /**
   * Runs `fn` in one transaction. `fn` may run more than once when a transient
   * error forces a retry, so it must not have effects outside the database.
   */
  transaction<T>(mode: TransactionMode, fn: (tx: SqlExecutor) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}
