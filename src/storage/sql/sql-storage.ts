/**
 * The storage contract over SQL, shared by SQLite and PostgreSQL. Each
 * operation is one transaction with a constant number of statements; the
 * database enforces dense numbers (UNIQUE(study_id, number)), one claim per
 * grid index, dedupe key and retry (partial UNIQUE indexes), and forward-only
 * states (triggers). Dialect differences live in the drivers.
 */
import { DuplicateStudyError, LeaseLostError, StudyNotFoundError, TrialFinishedError, TrialNotFoundError } from '../../errors.js';
import { decodeJson, type JsonValue } from '../../json.js';
import { type Distribution, DistributionCache, fromInternal, type ParamValue, toInternal } from '../../space/distributions.js';
import type { FrozenTrial, IntermediateValue } from '../../trial/frozen-trial.js';
import { type StudyDirection, TRIAL_STATES, type TrialState } from '../../trial/state.js';
import { newLeaseId, REASON_LEASE_EXPIRED, resolveStaleWrite } from '../lease.js';
import type {
  AttrWrite,
  ChangeQuery,
  ChangeSet,
  EnqueueInput,
  ParamWrite,
  ReapedTrial,
  StartedTrial,
  StartTrialInput,
  Storage,
  StorageCapabilities,
  StudyRecord,
  StudySummary,
  TrialInit,
  TrialPatch,
  TrialQuery,
} from '../storage.js';
import { BUDGET_EXEMPT_REASONS, changeLimit, checkNumbersFilter, initFailureReason, parseChangeCursor } from '../storage.js';
import type { SqlDriver, SqlExecutor } from './driver.js';

interface StudyRow {
  id: number;
  name: string;
  directions: string;
  created_at: number;
}
interface AttrRow {
  owner: number;
  kind: string;
  key: string;
  value: string;
}
interface TrialRow {
  id: number;
  number: number;
  state: TrialState;
  started_at: number | null;
  finished_at: number | null;
  fail_reason: string | null;
  retry_of: number | null;
  grid_index: number | null;
  fixed_params: string | null;
}
interface ParamRow {
  trial_id: number;
  name: string;
  value: number;
  distribution: string;
}
interface ValueRow {
  trial_id: number;
  objective: number;
  value: number | null;
}
interface IntermediateRow extends ValueRow {
  fold: number;
  step: number;
}

interface StartedRow {
  id: number;
  number: number;
  fixed_params: string | null;
  grid_index: number | null;
  retry_of: number | null;
}

const NO_FOLD = -1;

function startedFromRow(r: StartedRow, leaseId: string): StartedTrial {
  return {
    trialId: Number(r.id),
    number: Number(r.number),
    leaseId,
    fixedParams: r.fixed_params ? (JSON.parse(r.fixed_params) as Record<string, ParamValue>) : {},
    gridIndex: r.grid_index === null ? null : Number(r.grid_index),
    retryOf: r.retry_of === null ? null : Number(r.retry_of),
  };
}

function placeholders(n: number): string {
  return new Array(n).fill('?').join(', ');
}

function toDate(seconds: number | null): Date | null {
  return seconds === null ? null : new Date(Math.round(Number(seconds) * 1000));
}

/** A value read from a REAL column; SQLite keeps NaN as NULL. */
function readReal(v: number | null): number {
  return v === null ? Number.NaN : Number(v);
}

function writeReal(v: number): number | null {
  return Number.isNaN(v) ? null : v;
}

/** A start whose unflushed commit the server lost (it crashed before init's write). */
class StartLost extends Error {
  constructor(override readonly cause: unknown) {
    super('the trial start was lost');
  }
}

/** What `init` threw, inside a start's transaction. */
class InitError extends Error {
  constructor(override readonly cause: unknown) {
    super('init failed');
  }
}

/** The last write of each attribute key, as one statement per write would leave it. */
function lastAttrWrites(attrs: readonly AttrWrite[]): AttrWrite[] {
  return [...new Map(attrs.map((a) => [`${a.kind}\u0000${a.key}`, a])).values()];
}

function attrsOf(rows: readonly AttrRow[], kind: string): Record<string, JsonValue> {
  const o: Record<string, JsonValue> = Object.create(null);
  for (const r of rows) if (r.kind === kind) o[r.key] = decodeJson(r.value);
  return o;
}

export class SqlStorage implements Storage {
  readonly url: string;
  readonly capabilities: StorageCapabilities = { multiProcess: true, persistent: true };
  private readonly distCache = new DistributionCache();

  constructor(private readonly driver: SqlDriver) {
    this.url = driver.url;
  }

  private get now(): string {
    return this.driver.dialect.now;
  }

  private distribution(name: string, json: string): Distribution {
    return this.distCache.parse(name, json);
  }

  private async studyRecord(tx: SqlExecutor, row: StudyRow): Promise<StudyRecord> {
    const attrs = await tx.all<AttrRow>('SELECT study_id AS owner, kind, key, value FROM dials_study_attrs WHERE study_id = ?', [row.id]);
    return {
      studyId: Number(row.id),
      studyName: row.name,
      directions: JSON.parse(row.directions) as StudyDirection[],
      userAttrs: attrsOf(attrs, 'user'),
      systemAttrs: attrsOf(attrs, 'system'),
      createdAt: toDate(row.created_at) as Date,
    };
  }

  async createStudy(input: { studyName: string; directions: readonly StudyDirection[] }): Promise<StudyRecord> {
    return this.driver.transaction('write', async (tx) => {
      const rows = await tx.all<StudyRow>(
        `INSERT INTO dials_studies (name, directions, next_number, grid_cursor, created_at) VALUES (?, ?, 0, 0, ${this.now})
         ON CONFLICT (name) DO NOTHING RETURNING id, name, directions, created_at`,
        [input.studyName, JSON.stringify(input.directions)],
      );
      const row = rows[0];
      if (!row) throw new DuplicateStudyError(input.studyName);
      return this.studyRecord(tx, row);
    });
  }

  async getStudy(studyName: string): Promise<StudyRecord | null> {
    return this.driver.transaction('read', async (tx) => {
      const rows = await tx.all<StudyRow>('SELECT id, name, directions, created_at FROM dials_studies WHERE name = ?', [studyName]);
      return rows[0] ? this.studyRecord(tx, rows[0]) : null;
    });
  }

  async listStudies(): Promise<StudySummary[]> {
    return this.driver.transaction('read', async (tx) => {
      const studies = await tx.all<StudyRow>('SELECT id, name, directions, created_at FROM dials_studies ORDER BY id');
      const counts = await tx.all<{ study_id: number; state: TrialState; n: number }>(
        'SELECT study_id, state, COUNT(*) AS n FROM dials_trials GROUP BY study_id, state',
      );
      const attrs = await tx.all<AttrRow>('SELECT study_id AS owner, kind, key, value FROM dials_study_attrs');
      return studies.map((s) => {
        const id = Number(s.id);
        const stateCounts = Object.fromEntries(TRIAL_STATES.map((st) => [st, 0])) as Record<TrialState, number>;
        let nTrials = 0;
        for (const c of counts) {
          if (Number(c.study_id) !== id) continue;
          stateCounts[c.state] = Number(c.n);
          nTrials += Number(c.n);
        }
        const own = attrs.filter((a) => Number(a.owner) === id);
        return {
          studyId: id,
          studyName: s.name,
          directions: JSON.parse(s.directions) as StudyDirection[],
          userAttrs: attrsOf(own, 'user'),
          systemAttrs: attrsOf(own, 'system'),
          createdAt: toDate(s.created_at) as Date,
          nTrials,
          stateCounts,
        };
      });
    });
  }

  async deleteStudy(studyName: string): Promise<void> {
    await this.driver.transaction('write', async (tx) => {
      const n = await tx.run('DELETE FROM dials_studies WHERE name = ?', [studyName]);
      if (n === 0) throw new StudyNotFoundError(studyName);
    });
  }

  async setStudyAttr(studyId: number, attr: AttrWrite): Promise<void> {
    await this.driver.transaction('write', async (tx) => {
      await this.lockStudy(tx, studyId);
      await tx.run(
        `INSERT INTO dials_study_attrs (study_id, kind, key, value) VALUES (?, ?, ?, ?)
         ON CONFLICT (study_id, kind, key) DO UPDATE SET value = excluded.value`,
        [studyId, attr.kind, attr.key, attr.json],
      );
    });
  }

  private async lockStudy(tx: SqlExecutor, studyId: number): Promise<void> {
    const rows = await tx.all<{ id: number }>(`SELECT id FROM dials_studies WHERE id = ?${this.driver.dialect.forUpdate}`, [studyId]);
    if (rows.length === 0) throw new StudyNotFoundError(`#${studyId}`);
  }

  /** Takes the next dense trial number (the UPDATE holds the study row until commit). */
  private async nextNumber(tx: SqlExecutor, studyId: number): Promise<number> {
    const rows = await tx.all<{ number: number }>('UPDATE dials_studies SET next_number = next_number + 1 WHERE id = ? RETURNING next_number - 1 AS number', [
      studyId,
    ]);
    if (!rows[0]) throw new StudyNotFoundError(`#${studyId}`);
    return Number(rows[0].number);
  }

  /** A parameter already set keeps its first value (a retried write is a no-op). */
  private async writeParams(tx: SqlExecutor, trialId: number, params: readonly ParamWrite[]): Promise<void> {
    if (params.length === 0) return;
    const args: unknown[] = [];
    for (const p of params) args.push(trialId, p.name, toInternal(p.distribution, p.value), JSON.stringify(p.distribution));
    await tx.run(
      `INSERT INTO dials_trial_params (trial_id, name, value, distribution) VALUES ${params.map(() => '(?, ?, ?, ?)').join(', ')}
       ON CONFLICT (trial_id, name) DO NOTHING`,
      args,
    );
  }

  /** One statement; a key written twice keeps its last value. */
  private async writeAttrs(tx: SqlExecutor, trialId: number, attrs: readonly AttrWrite[]): Promise<void> {
    const last = lastAttrWrites(attrs);
    if (last.length === 0) return;
    await tx.run(
      `INSERT INTO dials_trial_attrs (trial_id, kind, key, value) VALUES ${last.map(() => '(?, ?, ?, ?)').join(', ')}
       ON CONFLICT (trial_id, kind, key) DO UPDATE SET value = excluded.value`,
      last.flatMap((a) => [trialId, a.kind, a.key, a.json]),
    );
  }

  async enqueueTrial(studyId: number, input: EnqueueInput): Promise<{ trialId: number; number: number; created: boolean }> {
    return this.driver.transaction('write', async (tx) => {
      await this.lockStudy(tx, studyId);
      if (input.dedupeKey !== undefined) {
        const found = await tx.all<{ id: number; number: number }>('SELECT id, number FROM dials_trials WHERE study_id = ? AND dedupe_key = ?', [
          studyId,
          input.dedupeKey,
        ]);
        if (found[0]) return { trialId: Number(found[0].id), number: Number(found[0].number), created: false };
      }
      const number = await this.nextNumber(tx, studyId);
      const rows = await tx.all<{ id: number }>(
        `INSERT INTO dials_trials (study_id, number, state, created_at, dedupe_key, fixed_params, retry_count)
         VALUES (?, ?, 'WAITING', ${this.now}, ?, ?, 0) RETURNING id`,
        [studyId, number, input.dedupeKey ?? null, JSON.stringify(input.params)],
      );
      const trialId = Number((rows[0] as { id: number }).id);
      await this.writeAttrs(tx, trialId, input.attrs ?? []);
      return { trialId, number, created: true };
    });
  }

  async startTrial(studyId: number, input: StartTrialInput): Promise<StartedTrial | null> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.startOnce(studyId, input);
      } catch (e) {
        // A start committed without its flush is lost only if the server crashed before init's write: start again.
        if (e instanceof StartLost && attempt < 5) continue;
        throw e instanceof StartLost ? e.cause : e;
      }
    }
  }

  private async startOnce(studyId: number, input: StartTrialInput): Promise<StartedTrial | null> {
    const leaseId = newLeaseId();
    const grace = input.lease ? input.lease.graceMs / 1000 : null;
    const maxRetries = input.lease?.maxRetries ?? 0;
    const { init } = input;
    const { skipLocked, startTrialStatement, startTrialWithinBudgetStatement, updateTrialStatement } = this.driver.dialect;
    // With init, a one-statement start commits without waiting for its flush (its locks are released at
    // once); init's write, next, waits for the flush, which covers both: durable before this returns.
    const flushLater = init !== undefined && updateTrialStatement !== undefined;
    if (startTrialWithinBudgetStatement && input.maxTrials !== undefined && input.gridSize === undefined) {
      // Every trial that counts toward a budget has a number below next_number, so while
      // next_number < budget a new trial is within it: one round trip for the common case.
      const rows = await this.driver.transaction('statement', (tx) =>
        tx.all<StartedRow>(startTrialWithinBudgetStatement(flushLater), [leaseId, grace, maxRetries, studyId, input.maxTrials]),
      );
      if (rows[0]) return this.initAfterStart(startedFromRow(rows[0], leaseId), init);
    }
    if (startTrialStatement && input.maxTrials === undefined) {
      const grid = input.gridSize !== undefined;
      const rows = await this.driver.transaction('statement', (tx) =>
        tx.all<StartedRow>(
          startTrialStatement(grid, flushLater),
          grid ? [leaseId, grace, maxRetries, studyId, input.gridSize] : [leaseId, grace, maxRetries, studyId],
        ),
      );
      const r = rows[0];
      if (!r) {
        if ((await this.driver.transaction('read', (tx) => tx.all('SELECT 1 FROM dials_studies WHERE id = ?', [studyId]))).length === 0) {
          throw new StudyNotFoundError(`#${studyId}`);
        }
        return null;
      }
      return this.initAfterStart(startedFromRow(r, leaseId), init);
    }
    // The general case, in one transaction with init's writes (or, if init throws, the trial's failure).
    let initError: { error: unknown } | null = null;
    const withInit = async (tx: SqlExecutor, started: StartedTrial): Promise<StartedTrial> => {
      try {
        return await this.writeInit(tx, started, init);
      } catch (e) {
        if (!(e instanceof InitError)) throw e;
        initError = { error: e.cause };
        await tx.run(`UPDATE dials_trials SET state = 'FAIL', fail_reason = ?, finished_at = ${this.now} WHERE id = ? AND lease_id = ?`, [
          initFailureReason(e.cause),
          started.trialId,
          started.leaseId,
        ]);
        return started;
      }
    };
    const started = await this.driver.transaction('write', async (tx) => {
      initError = null;
      if (input.maxTrials !== undefined) {
        // Under the study's lock (every new trial takes it), so concurrent workers see each other's trials.
        const study = await tx.all<{ next_number: number }>(`SELECT next_number FROM dials_studies WHERE id = ?${this.driver.dialect.forUpdate}`, [studyId]);
        if (!study[0]) throw new StudyNotFoundError(`#${studyId}`);
        // Every trial that counts has a number below next_number: below the budget, starting one more keeps within it.
        if (Number(study[0].next_number) >= input.maxTrials) {
          const counted = await tx.all<{ n: number }>(
            `SELECT COUNT(*) AS n FROM dials_trials WHERE study_id = ? AND state <> 'WAITING'
               AND NOT (state = 'FAIL' AND COALESCE(fail_reason, '') IN (${placeholders(BUDGET_EXEMPT_REASONS.length)}))`,
            [studyId, ...BUDGET_EXEMPT_REASONS],
          );
          if (Number(counted[0]?.n ?? 0) >= input.maxTrials) return null;
        }
      }
      const claimed = await tx.all<StartedRow>(
        `UPDATE dials_trials SET state = 'RUNNING', lease_id = ?, started_at = ${this.now}, heartbeat_at = ${this.now},
           lease_grace = ?, max_retries = ?
         WHERE id = (SELECT id FROM dials_trials WHERE study_id = ? AND state = 'WAITING' ORDER BY number LIMIT 1${skipLocked})
           AND state = 'WAITING'
         RETURNING id, number, fixed_params, grid_index, retry_of`,
        [leaseId, grace, maxRetries, studyId],
      );
      if (claimed[0]) return withInit(tx, startedFromRow(claimed[0], leaseId));
      let number: number;
      let gridIndex: number | null = null;
      if (input.gridSize !== undefined) {
        const rows = await tx.all<{ number: number; grid_index: number }>(
          `UPDATE dials_studies SET next_number = next_number + 1, grid_cursor = grid_cursor + 1
           WHERE id = ? AND grid_cursor < ? RETURNING next_number - 1 AS number, grid_cursor - 1 AS grid_index`,
          [studyId, input.gridSize],
        );
        if (!rows[0]) {
          await this.lockStudy(tx, studyId);
          return null;
        }
        number = Number(rows[0].number);
        gridIndex = Number(rows[0].grid_index);
      } else {
        number = await this.nextNumber(tx, studyId);
      }
      const rows = await tx.all<{ id: number }>(
        `INSERT INTO dials_trials (study_id, number, state, created_at, started_at, heartbeat_at, lease_id, lease_grace, max_retries, retry_count, grid_index)
         VALUES (?, ?, 'RUNNING', ${this.now}, ${this.now}, ${this.now}, ?, ?, ?, 0, ?) RETURNING id`,
        [studyId, number, leaseId, grace, maxRetries, gridIndex],
      );
      return withInit(tx, { trialId: Number((rows[0] as { id: number }).id), number, leaseId, fixedParams: {}, gridIndex, retryOf: null });
    });
    if (initError !== null) throw (initError as { error: unknown }).error;
    return started;
  }

  /**
   * After a one-statement start: init, then its writes in their own statement,
   * which waits for the WAL flush (the start's included). If init throws, the
   * trial ends FAIL with the reason and the error is rethrown.
   */
  private async initAfterStart(started: StartedTrial, init: ((s: StartedTrial) => TrialInit) | undefined): Promise<StartedTrial> {
    if (!init) return started;
    let writes: TrialInit;
    try {
      writes = init(started);
    } catch (e) {
      await this.updateTrial(started.trialId, started.leaseId, { finish: { state: 'FAIL', values: null, reason: initFailureReason(e) } });
      throw e;
    }
    try {
      await this.updateTrial(started.trialId, started.leaseId, { params: writes.params ?? [], attrs: writes.attrs ?? [] });
    } catch (e) {
      if (e instanceof TrialNotFoundError || e instanceof LeaseLostError || e instanceof TrialFinishedError) throw new StartLost(e);
      throw e;
    }
    return started;
  }

  /** Stores what `init` returns for a trial just started in this transaction. */
  private async writeInit(tx: SqlExecutor, started: StartedTrial, init: ((s: StartedTrial) => TrialInit) | undefined): Promise<StartedTrial> {
    if (!init) return started;
    let writes: TrialInit;
    try {
      writes = init(started);
    } catch (e) {
      throw new InitError(e);
    }
    const { params = [], attrs = [] } = writes;
    if (params.length === 0 && attrs.length === 0) return started;
    const { trialId, leaseId } = started;
    const one = this.driver.dialect.updateTrialStatement;
    if (one) {
      const rows = await tx.all<{ ok: boolean }>(one, this.updateArgs(trialId, leaseId, { params, attrs }));
      if (rows[0]?.ok !== true) throw new Error(`internal: trial ${started.number} is not RUNNING under the lease it was just started with`);
      return started;
    }
    await this.writeParams(tx, trialId, params);
    await this.writeAttrs(tx, trialId, attrs);
    return started;
  }

  async updateTrial(trialId: number, leaseId: string, patch: TrialPatch): Promise<void> {
    if (this.driver.dialect.updateTrialStatement) return this.updateTrialOneStatement(this.driver.dialect.updateTrialStatement, trialId, leaseId, patch);
    await this.driver.transaction('write', async (tx) => {
      const rows = await tx.all<{ number: number; state: TrialState; lease_id: string | null; fail_reason: string | null }>(
        `SELECT number, state, lease_id, fail_reason FROM dials_trials WHERE id = ?${this.driver.dialect.forUpdate}`,
        [trialId],
      );
      const t = rows[0];
      if (!t) throw new TrialNotFoundError(`#${trialId}`);
      if (t.state !== 'RUNNING' || t.lease_id !== leaseId) {
        const vals = await tx.all<ValueRow>('SELECT trial_id, objective, value FROM dials_trial_values WHERE trial_id = ? ORDER BY objective', [trialId]);
        resolveStaleWrite(
          {
            number: Number(t.number),
            state: t.state,
            leaseId: t.lease_id,
            failReason: t.fail_reason,
            values: vals.length === 0 ? null : vals.map((v) => readReal(v.value)),
          },
          leaseId,
          patch,
        );
        return;
      }
      await this.writeParams(tx, trialId, patch.params ?? []);
      const rowsIv: unknown[][] = [];
      for (const iv of patch.intermediate ?? []) {
        iv.values.forEach((v, k) => {
          rowsIv.push([trialId, iv.fold ?? NO_FOLD, iv.step, k, writeReal(v)]);
        });
      }
      if (rowsIv.length > 0) {
        await tx.run(
          `INSERT INTO dials_trial_intermediate (trial_id, fold, step, objective, value) VALUES ${rowsIv.map(() => '(?, ?, ?, ?, ?)').join(', ')}
           ON CONFLICT (trial_id, fold, step, objective) DO NOTHING`,
          rowsIv.flat(),
        );
      }
      await this.writeAttrs(tx, trialId, patch.attrs ?? []);
      const finish = patch.finish;
      if (finish) {
        const values = finish.values ?? [];
        if (values.length > 0) {
          const args: unknown[] = [];
          values.forEach((v, k) => {
            args.push(trialId, k, writeReal(v));
          });
          await tx.run(`INSERT INTO dials_trial_values (trial_id, objective, value) VALUES ${values.map(() => '(?, ?, ?)').join(', ')}`, args);
        }
        const n = await tx.run(
          `UPDATE dials_trials SET state = ?, fail_reason = ?, finished_at = ${this.now} WHERE id = ? AND state = 'RUNNING' AND lease_id = ?`,
          [finish.state, finish.reason, trialId, leaseId],
        );
        if (n !== 1) throw new Error(`internal: trial ${t.number} changed state during its own transaction`);
      }
    });
  }

  /** The arguments of the dialect's one-statement updateTrial. */
  private updateArgs(trialId: number, leaseId: string, patch: TrialPatch): unknown[] {
    const params = patch.params ?? [];
    const ivs = (patch.intermediate ?? []).flatMap((iv) => iv.values.map((v, k) => [iv.fold ?? NO_FOLD, iv.step, k, writeReal(v)] as const));
    const attrs = lastAttrWrites(patch.attrs ?? []);
    const finish = patch.finish;
    return [
      trialId,
      leaseId,
      params.map((p) => p.name),
      params.map((p) => toInternal(p.distribution, p.value)),
      params.map((p) => JSON.stringify(p.distribution)),
      ivs.map((r) => r[0]),
      ivs.map((r) => r[1]),
      ivs.map((r) => r[2]),
      ivs.map((r) => r[3]),
      attrs.map((a) => a.kind),
      attrs.map((a) => a.key),
      attrs.map((a) => a.json),
      finish?.state ?? null,
      (finish?.values ?? []).map(writeReal),
      finish?.reason ?? null,
    ];
  }

  private async updateTrialOneStatement(sql: string, trialId: number, leaseId: string, patch: TrialPatch): Promise<void> {
    const rows = await this.driver.transaction('statement', (tx) =>
      tx.all<{ ok: boolean; number: number; state: TrialState; lease_id: string | null; fail_reason: string | null; vals: (number | null)[] | null }>(
        sql,
        this.updateArgs(trialId, leaseId, patch),
      ),
    );
    const r = rows[0];
    if (!r) throw new TrialNotFoundError(`#${trialId}`);
    if (r.ok) return;
    resolveStaleWrite(
      { number: Number(r.number), state: r.state, leaseId: r.lease_id, failReason: r.fail_reason, values: r.vals === null ? null : r.vals.map(readReal) },
      leaseId,
      patch,
    );
  }

  async heartbeat(trialId: number, leaseId: string): Promise<boolean> {
    const n = await this.driver.transaction('write', (tx) =>
      tx.run(`UPDATE dials_trials SET heartbeat_at = ${this.now} WHERE id = ? AND lease_id = ? AND state = 'RUNNING'`, [trialId, leaseId]),
    );
    return n === 1;
  }

  async reapStaleTrials(studyId: number): Promise<ReapedTrial[]> {
    // Cheap check first, so idle reapers do not take the write lock.
    const stale = await this.driver.transaction('read', (tx) =>
      tx.all<{ id: number }>(
        `SELECT id FROM dials_trials WHERE study_id = ? AND state = 'RUNNING' AND lease_grace IS NOT NULL AND heartbeat_at + lease_grace < ${this.now} LIMIT 1`,
        [studyId],
      ),
    );
    if (stale.length === 0) return [];
    return this.driver.transaction('write', async (tx) => {
      const reaped = await tx.all<{ id: number; number: number; retry_count: number; max_retries: number; fixed_params: string | null }>(
        `UPDATE dials_trials SET state = 'FAIL', fail_reason = ?, finished_at = ${this.now}
         WHERE study_id = ? AND state = 'RUNNING' AND lease_grace IS NOT NULL AND heartbeat_at + lease_grace < ${this.now}
         RETURNING id, number, retry_count, max_retries, fixed_params`,
        [REASON_LEASE_EXPIRED, studyId],
      );
      const out: ReapedTrial[] = [];
      reaped.sort((a, b) => Number(a.number) - Number(b.number));
      for (const r of reaped) {
        let retryNumber: number | null = null;
        if (Number(r.retry_count) < Number(r.max_retries)) {
          const params: Record<string, ParamValue> = r.fixed_params ? JSON.parse(r.fixed_params) : {};
          const prow = await tx.all<ParamRow>('SELECT trial_id, name, value, distribution FROM dials_trial_params WHERE trial_id = ?', [r.id]);
          for (const p of prow) params[p.name] = fromInternal(this.distribution(p.name, p.distribution), Number(p.value));
          retryNumber = await this.nextNumber(tx, studyId);
          await tx.run(
            `INSERT INTO dials_trials (study_id, number, state, created_at, fixed_params, retry_of, retry_count)
             VALUES (?, ?, 'WAITING', ${this.now}, ?, ?, ?)`,
            [studyId, retryNumber, JSON.stringify(params), Number(r.number), Number(r.retry_count) + 1],
          );
        }
        out.push({ trialId: Number(r.id), number: Number(r.number), retryNumber });
      }
      return out;
    });
  }

  async getTrial(trialId: number): Promise<FrozenTrial> {
    const trials = await this.driver.transaction('read', (tx) => this.loadTrials(tx, 'id', trialId, {}));
    if (!trials[0]) throw new TrialNotFoundError(`#${trialId}`);
    return trials[0];
  }

  async getTrials(studyId: number, query: TrialQuery = {}): Promise<FrozenTrial[]> {
    if (query.numbers) {
      checkNumbersFilter(query.numbers);
      if (query.numbers.length === 0) return [];
    }
    return this.driver.transaction('read', (tx) => this.loadTrials(tx, 'study_id', studyId, query));
  }

  async countTrials(studyId: number, query: TrialQuery = {}): Promise<number> {
    const states = query.states;
    const rows = await this.driver.transaction('read', (tx) =>
      tx.all<{ n: number }>(`SELECT COUNT(*) AS n FROM dials_trials WHERE study_id = ?${states ? ` AND state IN (${placeholders(states.length)})` : ''}`, [
        studyId,
        ...(states ?? []),
      ]),
    );
    return Number(rows[0]?.n ?? 0);
  }

  /** Five queries whatever the number of trials. */
  private async loadTrials(tx: SqlExecutor, by: 'id' | 'study_id', key: number, query: TrialQuery): Promise<FrozenTrial[]> {
    const { states, minNumber, numbers } = query;
    let where = `t.${by} = ?`;
    const args: unknown[] = [key];
    if (states) {
      where += ` AND t.state IN (${placeholders(states.length)})`;
      args.push(...states);
    }
    if (minNumber !== undefined) {
      where += ' AND t.number >= ?';
      args.push(minNumber);
    }
    if (numbers) {
      where += ` AND t.number IN (${placeholders(numbers.length)})`;
      args.push(...numbers);
    }
    const trials = await tx.all<TrialRow>(
      `SELECT t.id, t.number, t.state, t.started_at, t.finished_at, t.fail_reason, t.retry_of, t.grid_index, t.fixed_params
       FROM dials_trials t WHERE ${where} ORDER BY t.number`,
      args,
    );
    if (trials.length === 0) return [];
    const join = `JOIN dials_trials t ON t.id = x.trial_id WHERE ${where}`;
    const params = await tx.all<ParamRow>(`SELECT x.trial_id, x.name, x.value, x.distribution FROM dials_trial_params x ${join}`, args);
    const values = await tx.all<ValueRow>(`SELECT x.trial_id, x.objective, x.value FROM dials_trial_values x ${join}`, args);
    const inter = await tx.all<IntermediateRow>(`SELECT x.trial_id, x.fold, x.step, x.objective, x.value FROM dials_trial_intermediate x ${join}`, args);
    const attrs = await tx.all<AttrRow>(`SELECT x.trial_id AS owner, x.kind, x.key, x.value FROM dials_trial_attrs x ${join}`, args);

    interface Acc {
      params: Record<string, ParamValue>;
      dists: Record<string, Distribution>;
      values: number[];
      inter: Map<string, { step: number; fold: number | null; values: number[] }>;
      user: Record<string, JsonValue>;
      system: Record<string, JsonValue>;
    }
    const acc = new Map<number, Acc>();
    for (const t of trials) {
      acc.set(Number(t.id), {
        params: Object.create(null),
        dists: Object.create(null),
        values: [],
        inter: new Map(),
        user: Object.create(null),
        system: Object.create(null),
      });
    }
    // Rows always belong to the trials read first (one snapshot); a stray row is skipped, not fatal.
    const stray: Acc = { params: {}, dists: {}, values: [], inter: new Map(), user: {}, system: {} };
    const get = (id: number): Acc => acc.get(Number(id)) ?? stray;
    for (const p of params) {
      const a = get(p.trial_id);
      const d = this.distribution(p.name, p.distribution);
      a.params[p.name] = fromInternal(d, Number(p.value));
      a.dists[p.name] = d;
    }
    for (const v of values) get(v.trial_id).values[Number(v.objective)] = readReal(v.value);
    for (const r of inter) {
      const a = get(r.trial_id);
      const fold = Number(r.fold) === NO_FOLD ? null : Number(r.fold);
      const k = `${fold}:${r.step}`;
      let iv = a.inter.get(k);
      if (!iv) {
        iv = { step: Number(r.step), fold, values: [] };
        a.inter.set(k, iv);
      }
      iv.values[Number(r.objective)] = readReal(r.value);
    }
    for (const r of attrs) {
      const a = get(r.owner);
      (r.kind === 'user' ? a.user : a.system)[r.key] = decodeJson(r.value);
    }
    return trials.map((t) => {
      const a = get(t.id);
      const vals = a.values.length > 0 ? Object.freeze(a.values) : null;
      const ivs: IntermediateValue[] = [...a.inter.values()].sort((x, y) => (x.fold ?? -1) - (y.fold ?? -1) || x.step - y.step);
      return Object.freeze({
        trialId: Number(t.id),
        number: Number(t.number),
        state: t.state,
        value: vals && vals.length === 1 ? (vals[0] as number) : null,
        values: vals,
        params: Object.freeze(a.params),
        distributions: Object.freeze(a.dists),
        fixedParams: Object.freeze(t.fixed_params ? (JSON.parse(t.fixed_params) as Record<string, ParamValue>) : {}),
        intermediateValues: Object.freeze(ivs.map((iv) => Object.freeze({ ...iv, values: Object.freeze(iv.values) }))),
        userAttrs: Object.freeze(a.user),
        systemAttrs: Object.freeze(a.system),
        datetimeStart: toDate(t.started_at),
        datetimeComplete: toDate(t.finished_at),
        failReason: t.fail_reason,
        retryOf: t.retry_of === null ? null : Number(t.retry_of),
        gridIndex: t.grid_index === null ? null : Number(t.grid_index),
      });
    });
  }

  /**
   * Four queries. SQLite: the cursor is the change counter (writers are
   * serialized, so it orders changes by commit) and changes are `seq > since`.
   * PostgreSQL: the cursor is the snapshot's oldest running transaction and
   * changes are `seq >= since` (see postgres/schema.ts).
   */
  async getChanges(since: string | null, query: ChangeQuery = {}): Promise<ChangeSet> {
    const limit = changeLimit(query);
    const after = since === null ? null : parseChangeCursor(since);
    const pg = this.driver.dialect.name === 'postgres';
    return this.driver.transaction('read', async (tx) => {
      const c = await tx.all<{ c: number }>(
        pg ? 'SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint AS c' : 'SELECT seq AS c FROM dials_change_counter',
      );
      const cursor = String(Number(c[0]?.c ?? 0));
      if (after === null) return { cursor, trials: [], truncated: false, studyIds: [], recordStudyIds: [], deletedStudyIds: [] };
      const cmp = pg ? '>=' : '>';
      const byStudy = query.studyId === undefined ? '' : ' AND x.study_id = ?';
      const rows = await tx.all<{ trial_id: number; study_id: number; number: number }>(
        `SELECT x.trial_id, x.study_id, t.number FROM dials_trial_changes x JOIN dials_trials t ON t.id = x.trial_id
         WHERE x.seq ${cmp} ?${byStudy} ORDER BY x.seq, x.trial_id LIMIT ?`,
        query.studyId === undefined ? [after, limit + 1] : [after, query.studyId, limit + 1],
      );
      const studies = await tx.all<{ study_id: number }>(`SELECT DISTINCT study_id FROM dials_trial_changes WHERE seq ${cmp} ?`, [after]);
      const marks = await tx.all<{ study_id: number; deleted: number | boolean }>(`SELECT study_id, deleted FROM dials_study_changes WHERE seq ${cmp} ?`, [
        after,
      ]);
      const studyIds = new Set(studies.map((r) => Number(r.study_id)));
      const deleted: number[] = [];
      const records: number[] = [];
      for (const m of marks) {
        if (m.deleted === true || Number(m.deleted) === 1) deleted.push(Number(m.study_id));
        else {
          studyIds.add(Number(m.study_id));
          records.push(Number(m.study_id));
        }
      }
      for (const d of deleted) studyIds.delete(d);
      return {
        cursor,
        trials: rows.slice(0, limit).map((r) => ({ studyId: Number(r.study_id), trialId: Number(r.trial_id), number: Number(r.number) })),
        truncated: rows.length > limit,
        studyIds: [...studyIds].sort((a, b) => a - b),
        recordStudyIds: records.sort((a, b) => a - b),
        deletedStudyIds: deleted.sort((a, b) => a - b),
      };
    });
  }

  async close(): Promise<void> {
    await this.driver.close();
  }
}
