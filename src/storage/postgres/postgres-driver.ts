/**
 * PostgreSQL through node-postgres. READ COMMITTED with row locks, conditional
 * updates and unique constraints (no SERIALIZABLE needed); concurrent claimers
 * take different WAITING trials with FOR UPDATE SKIP LOCKED. Transactions are
 * retried on deadlocks, serialization failures, lock timeouts and dropped
 * connections; the pool's `error` event is handled, so a server restart never
 * crashes a worker.
 */
import pg from 'pg';
import { StorageError, StorageUrlError } from '../../errors.js';
import type { SqlDialect, SqlDriver, SqlExecutor, TransactionMode } from '../sql/driver.js';
import { checkSchemaVersion, SCHEMA_VERSION } from '../sql/schema-version.js';
import { POSTGRES_MIGRATIONS, POSTGRES_SCHEMA_V1 } from './schema.js';

/**
 * Added to a start's RETURNING list: its implicit transaction commits without
 * waiting for the WAL flush (set_config(..., true) lasts until that commit).
 */
const FLUSH_LATER = ", set_config('synchronous_commit', 'off', true) AS flush_later";

export const POSTGRES_DIALECT: SqlDialect = {
  name: 'postgres',
  now: 'extract(epoch from clock_timestamp())::double precision',
  forUpdate: ' FOR UPDATE',
  skipLocked: ' FOR UPDATE SKIP LOCKED',
  updateTrialStatement:
    'SELECT * FROM dials_update_trial($1::bigint, $2::text, $3::text[], $4::float8[], $5::text[], $6::int[], $7::bigint[], $8::int[], $9::float8[], $10::text[], $11::text[], $12::text[], $13::text, $14::float8[], $15::text)',
  startTrialWithinBudgetStatement: (flushLater) => `WITH num AS (
      UPDATE dials_studies SET next_number = next_number + 1
      WHERE id = $4::bigint AND next_number < $5::bigint
        AND NOT EXISTS (SELECT 1 FROM dials_trials WHERE study_id = $4::bigint AND state = 'WAITING')
      RETURNING next_number - 1 AS number
    )
    INSERT INTO dials_trials (study_id, number, state, created_at, started_at, heartbeat_at, lease_id, lease_grace, max_retries, retry_count, grid_index)
    SELECT $4::bigint, number, 'RUNNING', extract(epoch from clock_timestamp())::double precision, extract(epoch from clock_timestamp())::double precision,
      extract(epoch from clock_timestamp())::double precision, $1::text, $2::double precision, $3::int, 0, NULL FROM num
    RETURNING id, number, fixed_params, grid_index, retry_of${flushLater ? FLUSH_LATER : ''}`,
  startTrialStatement: (grid, flushLater) => {
    const now = 'extract(epoch from clock_timestamp())::double precision';
    return `WITH claimed AS (
      UPDATE dials_trials SET state = 'RUNNING', lease_id = $1::text, started_at = ${now}, heartbeat_at = ${now},
        lease_grace = $2::double precision, max_retries = $3::int
      WHERE id = (SELECT id FROM dials_trials WHERE study_id = $4::bigint AND state = 'WAITING' ORDER BY number LIMIT 1 FOR UPDATE SKIP LOCKED)
        AND state = 'WAITING'
      RETURNING id, number, fixed_params, grid_index, retry_of
    ), num AS (
      UPDATE dials_studies SET next_number = next_number + 1${grid ? ', grid_cursor = grid_cursor + 1' : ''}
      WHERE id = $4::bigint AND NOT EXISTS (SELECT 1 FROM claimed)${grid ? ' AND grid_cursor < $5::bigint' : ''}
      RETURNING next_number - 1 AS number, ${grid ? 'grid_cursor - 1' : 'NULL::bigint'} AS grid_index
    ), created AS (
      INSERT INTO dials_trials (study_id, number, state, created_at, started_at, heartbeat_at, lease_id, lease_grace, max_retries, retry_count, grid_index)
      SELECT $4::bigint, number, 'RUNNING', ${now}, ${now}, ${now}, $1::text, $2::double precision, $3::int, 0, grid_index FROM num
      RETURNING id, number, fixed_params, grid_index, retry_of
    )
    SELECT id, number, fixed_params, grid_index, retry_of${flushLater ? FLUSH_LATER : ''} FROM claimed
    UNION ALL SELECT id, number, fixed_params, grid_index, retry_of${flushLater ? FLUSH_LATER : ''} FROM created`;
  },
};

export interface PostgresOptions {
  /** Connections per process (default 4). */
  readonly poolSize?: number;
}

const TRANSIENT_CODES = new Set([
  '40001', // serialization_failure
  '40P01', // deadlock_detected
  '55P03', // lock_not_available
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now
  '53300', // too_many_connections
  '08000',
  '08001',
  '08003',
  '08004',
  '08006',
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
]);
const RETRY_BUDGET_MS = 60_000;
const OPEN_RETRY_BUDGET_MS = 3_000;

function isTransient(e: unknown): boolean {
  const err = e as { code?: unknown; message?: unknown };
  if (typeof err?.code === 'string' && TRANSIENT_CODES.has(err.code)) return true;
  const msg = typeof err?.message === 'string' ? err.message : '';
  return /Connection terminated|connection timeout|Client has encountered a connection error/i.test(msg);
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Converts `?` placeholders to `$1, $2, ...` (our SQL never has `?` in literals). */
function numbered(sql: string): string {
  let i = 0;
  return sql.replace(/\?/g, () => `$${++i}`);
}

/** Parses int8 (counts, ids) as numbers; they stay far below 2^53. */
const types = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === 20) return (v: string) => Number(v);
    return pg.types.getTypeParser(oid, format as 'text');
  },
};

export function redactPostgresUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@');
  }
}

/** The schema version stored in the search path's Dials tables; null when there are none. */
export async function storedSchemaVersion(tx: SqlExecutor): Promise<number | null> {
  const rows = await tx.all<{ t: string | null }>("SELECT to_regclass('dials_schema_version')::text AS t");
  if (!rows[0]?.t) return null;
  const v = await tx.all<{ v: number | null }>('SELECT MAX(version) AS v FROM dials_schema_version');
  return Number(v[0]?.v ?? 0);
}

export class PostgresDriver implements SqlDriver {
  readonly dialect = POSTGRES_DIALECT;
  readonly url: string;
  readonly schema: string | null;
  /** Transactions retried after a transient error. */
  retries = 0;
  private readonly pool: pg.Pool;
  private readonly sqlCache = new Map<string, string>();
  private closed = false;

  constructor(url: string, options: PostgresOptions = {}) {
    this.url = redactPostgresUrl(url);
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new StorageUrlError(`cannot parse the PostgreSQL URL ${this.url}; expected postgresql://user:password@host:port/database`);
    }
    const schema = parsed.searchParams.get('schema');
    if (schema !== null && !/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(schema)) {
      throw new StorageUrlError(`schema=${JSON.stringify(schema)} in ${this.url} is not a plain identifier (letters, digits, _)`);
    }
    this.schema = schema;
    parsed.searchParams.delete('schema');
    const settings = [
      '-c statement_timeout=60000',
      '-c lock_timeout=30000',
      '-c idle_in_transaction_session_timeout=60000',
      ...(schema ? [`-c search_path=${schema}`] : []),
    ];
    this.pool = new pg.Pool({
      connectionString: parsed.toString(),
      max: options.poolSize ?? 4,
      connectionTimeoutMillis: 10_000,
      idleTimeoutMillis: 30_000,
      allowExitOnIdle: true,
      options: settings.join(' '),
      types,
    });
    // An idle client whose server went away emits 'error'; unhandled, it would crash the process.
    this.pool.on('error', () => {});
  }

  private sql(text: string): string {
    let s = this.sqlCache.get(text);
    if (s === undefined) {
      s = numbered(text);
      this.sqlCache.set(text, s);
    }
    return s;
  }

  /** Creates the schema on an empty database, or checks the version of an existing one. */
  async init(): Promise<void> {
    // Opening fails fast (a wrong address is not an outage); later work retries for longer.
    await this.run(
      'write',
      async (tx) => {
        await tx.all("SELECT pg_advisory_xact_lock(hashtext('dials_schema'))");
        if (this.schema) await tx.run(`CREATE SCHEMA IF NOT EXISTS ${this.schema}`);
        let version = await storedSchemaVersion(tx);
        if (version === null) {
          await tx.run(POSTGRES_SCHEMA_V1);
          await this.migrate(tx, 1);
          version = (await storedSchemaVersion(tx)) ?? 0;
        }
        checkSchemaVersion(version, this.url);
      },
      OPEN_RETRY_BUDGET_MS,
    ).catch((e) => {
      throw this.explain(e);
    });
  }

  async upgrade(): Promise<[number, number]> {
    return this.transaction('write', async (tx) => {
      await tx.all("SELECT pg_advisory_xact_lock(hashtext('dials_schema'))");
      const v = await tx.all<{ v: number }>('SELECT MAX(version) AS v FROM dials_schema_version');
      const from = Number(v[0]?.v);
      await this.migrate(tx, from);
      return [from, Math.max(from, SCHEMA_VERSION)] as [number, number];
    });
  }

  /** Runs the migrations from version `from` to SCHEMA_VERSION, inside the caller's transaction. */
  private async migrate(tx: SqlExecutor, from: number): Promise<void> {
    for (let k = from; k < SCHEMA_VERSION; k++) {
      const sql = POSTGRES_MIGRATIONS.get(k);
      if (!sql) throw new StorageError(`no migration from schema version ${k}`);
      await tx.run(sql);
      await tx.run('UPDATE dials_schema_version SET version = ?', [k + 1]);
    }
  }

  private explain(e: unknown): Error {
    if (e instanceof StorageError || (e as { code?: string })?.code === undefined) return e as Error;
    const code = (e as { code: string }).code;
    const msg = (e as Error).message;
    if (code === 'ECONNREFUSED') return new StorageError(`cannot connect to PostgreSQL at ${this.url} (connection refused); is the server running?`, e);
    if (code === '3D000') return new StorageError(`${msg} at ${this.url}; create it with createdb`, e);
    if (code === '28P01' || code === '28000') return new StorageError(`PostgreSQL refused the login for ${this.url} (${msg})`, e);
    return e as Error;
  }

  /** Parameterless statements use the simple protocol, which also runs multi-statement DDL. */
  private query(c: pg.PoolClient, sql: string, params: readonly unknown[]): Promise<pg.QueryResult> {
    if (params.length === 0) return c.query(sql);
    return c.query({ text: this.sql(sql), values: params as unknown[] });
  }

  transaction<T>(mode: TransactionMode, fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new StorageError(`the storage ${this.url} is closed`));
    return this.run(mode, fn, RETRY_BUDGET_MS);
  }

  /**
   * One read transaction that gives up after the short opening budget (a
   * one-shot command against a server that is down should fail fast).
   */
  readOnce<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new StorageError(`the storage ${this.url} is closed`));
    return this.run('read', fn, OPEN_RETRY_BUDGET_MS);
  }

  private async run<T>(mode: TransactionMode, fn: (tx: SqlExecutor) => Promise<T>, budgetMs: number): Promise<T> {
    const start = Date.now();
    for (let attempt = 0; ; attempt++) {
      let client: pg.PoolClient | undefined;
      let broken = false;
      try {
        client = await this.pool.connect();
        const c = client;
        const tx: SqlExecutor = {
          all: async <R>(sql: string, params: readonly unknown[] = []): Promise<R[]> => (await this.query(c, sql, params)).rows as R[],
          run: async (sql: string, params: readonly unknown[] = []): Promise<number> => (await this.query(c, sql, params)).rowCount ?? 0,
        };
        if (mode === 'statement') return await fn(tx);
        // Reads take several statements: one snapshot keeps them consistent (and read-only snapshots never conflict).
        await c.query(mode === 'read' ? 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY' : 'BEGIN');
        try {
          const result = await fn(tx);
          await c.query('COMMIT');
          return result;
        } catch (e) {
          await c.query('ROLLBACK').catch(() => {
            broken = true;
          });
          throw e;
        }
      } catch (e) {
        if (isTransient(e)) broken = broken || !/^4/.test(String((e as { code?: string }).code));
        if (isTransient(e) && Date.now() - start < budgetMs && !this.closed) {
          this.retries++;
          client?.release(broken);
          client = undefined;
          await sleep(Math.min(1000, 5 * 2 ** attempt) * (0.5 + Math.random()));
          continue;
        }
        throw this.explain(e);
      } finally {
        client?.release(broken);
      }
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }
}
