/**
 * SQLite through better-sqlite3: WAL, synchronous=FULL, foreign keys, and
 * every write in `BEGIN IMMEDIATE`, so a transaction never has to upgrade a
 * read lock (which can fail with SQLITE_BUSY without waiting). The busy
 * timeout waits inside SQLite; past it, the transaction is retried with
 * jittered backoff, so SQLITE_BUSY never reaches the caller.
 *
 * All processes must be on one host (WAL needs shared memory): network
 * filesystems are refused.
 */
import { mkdirSync, statfsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { StorageError } from '../../errors.js';
import type { SqlDialect, SqlDriver, SqlExecutor, TransactionMode } from '../sql/driver.js';
import { checkSchemaVersion, SCHEMA_VERSION } from '../sql/schema-version.js';
import { SQLITE_MIGRATIONS, SQLITE_SCHEMA_V1 } from './schema.js';

export const SQLITE_DIALECT: SqlDialect = {
  name: 'sqlite',
  now: "unixepoch('subsec')",
  forUpdate: '',
  skipLocked: '',
};

export interface SqliteOptions {
  /** Milliseconds SQLite waits on a lock before a retry (default 5000). */
  readonly busyTimeoutMs?: number;
  /** Open without write access (dashboards, exports). */
  readonly readonly?: boolean;
}

const NETWORK_FS = new Map<number, string>([
  [0x6969, 'NFS'],
  [0x517b, 'SMB'],
  [0xff534d42, 'CIFS'],
  [0xfe534d42, 'SMB2'],
]);

const TRANSIENT = new Set(['SQLITE_BUSY', 'SQLITE_BUSY_SNAPSHOT', 'SQLITE_BUSY_RECOVERY', 'SQLITE_LOCKED', 'SQLITE_BUSY_TIMEOUT']);
const RETRY_BUDGET_MS = 120_000;

function isTransient(e: unknown): boolean {
  const code = (e as { code?: unknown })?.code;
  return typeof code === 'string' && TRANSIENT.has(code);
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Serializes transactions on the one connection of this process. */
class Mutex {
  private tail: Promise<void> = Promise.resolve();
  run<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.tail.then(fn, fn);
    this.tail = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }
}

export class SqliteDriver implements SqlDriver {
  readonly dialect = SQLITE_DIALECT;
  readonly url: string;
  readonly path: string;
  /** Transactions retried after a transient lock error (for tests and benchmarks). */
  retries = 0;
  private db: Database.Database;
  private readonly statements = new Map<string, Database.Statement>();
  private readonly mutex = new Mutex();
  private closed = false;

  constructor(
    path: string,
    private readonly options: SqliteOptions = {},
  ) {
    this.path = resolve(path);
    this.url = `sqlite:${path}`;
    const dir = dirname(this.path);
    if (!options.readonly) mkdirSync(dir, { recursive: true });
    try {
      const fsType = statfsSync(dir).type;
      const net = NETWORK_FS.get(fsType >>> 0);
      if (net) {
        throw new StorageError(
          `${this.path} is on a ${net} filesystem; SQLite locking is unreliable there and can corrupt the study. Put the file on a local disk, or use PostgreSQL to share a study across machines`,
        );
      }
    } catch (e) {
      if (e instanceof StorageError) throw e;
    }
    try {
      this.db = new Database(this.path, {
        timeout: options.busyTimeoutMs ?? 5000,
        readonly: options.readonly ?? false,
        fileMustExist: options.readonly ?? false,
      });
      if (!options.readonly) {
        this.db.pragma('journal_mode = WAL');
        this.db.pragma('synchronous = FULL');
      }
      this.db.pragma('foreign_keys = ON');
    } catch (e) {
      throw this.wrap(e, 'open');
    }
  }

  private wrap(e: unknown, what: string): Error {
    if (e instanceof StorageError) return e;
    const code = (e as { code?: string })?.code ?? '';
    const msg = (e as Error)?.message ?? String(e);
    if (code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT') {
      return new StorageError(
        `${this.path} is not a Dials SQLite database or is damaged (${msg}); it was left untouched. Check the path, or run \`dials storage check\``,
        e,
      );
    }
    if (code === 'SQLITE_CANTOPEN') return new StorageError(`cannot ${what} ${this.path} (${msg}); check that the folder exists and is writable`, e);
    if (code === 'SQLITE_READONLY') return new StorageError(`${this.path} is read-only (${msg}); check its permissions`, e);
    if (code === 'SQLITE_FULL') return new StorageError(`the disk holding ${this.path} is full (${msg}); free space and retry`, e);
    return e instanceof Error ? e : new Error(msg);
  }

  /** Creates the schema on an empty file, or checks the version of an existing one. */
  init(): void {
    try {
      const hasTable = (): boolean => this.db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'dials_schema_version'").get() !== undefined;
      if (!hasTable()) {
        if (this.options.readonly) throw new StorageError(`${this.path} holds no Dials study data (no dials_schema_version table)`);
        this.withBusyRetrySync(() => {
          this.db.exec('BEGIN IMMEDIATE');
          try {
            if (!hasTable()) {
              this.db.exec(SQLITE_SCHEMA_V1);
              this.migrate(1);
            }
            this.db.exec('COMMIT');
          } catch (e) {
            this.db.exec('ROLLBACK');
            throw e;
          }
        });
      }
      const row = this.db.prepare('SELECT MAX(version) AS v FROM dials_schema_version').get() as { v: number | null };
      checkSchemaVersion(row.v ?? 0, this.url);
    } catch (e) {
      throw this.wrap(e, 'open');
    }
  }

  /** Runs the pending migrations under an exclusive lock; returns [from, to]. */
  upgrade(): [number, number] {
    return this.withBusyRetrySync(() => {
      this.db.exec('BEGIN EXCLUSIVE');
      try {
        const row = this.db.prepare('SELECT MAX(version) AS v FROM dials_schema_version').get() as { v: number };
        const from = Number(row.v);
        this.migrate(from);
        this.db.exec('COMMIT');
        return [from, Math.max(from, SCHEMA_VERSION)];
      } catch (e) {
        this.db.exec('ROLLBACK');
        throw e;
      }
    });
  }

  /** Runs the migrations from version `from` to SCHEMA_VERSION, inside the caller's transaction. */
  private migrate(from: number): void {
    for (let v = from; v < SCHEMA_VERSION; v++) {
      const sql = SQLITE_MIGRATIONS.get(v);
      if (!sql) throw new StorageError(`no migration from schema version ${v}`);
      this.db.exec(sql);
      this.db.prepare('UPDATE dials_schema_version SET version = ?').run(v + 1);
    }
  }

  /** `PRAGMA integrity_check`: 'ok' or the problems found. */
  integrityCheck(): string[] {
    return (this.db.pragma('integrity_check') as { integrity_check: string }[]).map((r) => r.integrity_check);
  }

  private withBusyRetrySync<T>(fn: () => T): T {
    const start = Date.now();
    for (let attempt = 0; ; attempt++) {
      try {
        return fn();
      } catch (e) {
        if (!isTransient(e) || Date.now() - start > RETRY_BUDGET_MS) throw e;
        this.retries++;
        const until = Date.now() + Math.min(200, 5 * 2 ** attempt) * Math.random();
        while (Date.now() < until) {
          /* Synchronous back-off: only used while opening. */
        }
      }
    }
  }

  private statement(sql: string): Database.Statement {
    let s = this.statements.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      this.statements.set(sql, s);
    }
    return s;
  }

  private readonly executor: SqlExecutor = {
    all: async <R>(sql: string, params: readonly unknown[] = []): Promise<R[]> => this.statement(sql).all(...params) as R[],
    run: async (sql: string, params: readonly unknown[] = []): Promise<number> => this.statement(sql).run(...params).changes,
  };

  transaction<T>(mode: TransactionMode, fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new StorageError(`the storage ${this.url} is closed`));
    return this.mutex.run(async () => {
      const start = Date.now();
      for (let attempt = 0; ; attempt++) {
        try {
          this.db.exec(mode === 'read' ? 'BEGIN' : 'BEGIN IMMEDIATE');
        } catch (e) {
          if (isTransient(e) && Date.now() - start < RETRY_BUDGET_MS) {
            this.retries++;
            await sleep(Math.min(250, 2 * 2 ** attempt) * (0.5 + Math.random()));
            continue;
          }
          throw this.wrap(e, 'write to');
        }
        try {
          const result = await fn(this.executor);
          this.db.exec('COMMIT');
          return result;
        } catch (e) {
          if (this.db.inTransaction) this.db.exec('ROLLBACK');
          if (isTransient(e) && Date.now() - start < RETRY_BUDGET_MS) {
            this.retries++;
            await sleep(Math.min(250, 2 * 2 ** attempt) * (0.5 + Math.random()));
            continue;
          }
          throw this.wrap(e, 'write to');
        }
      }
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.mutex.run(async () => {
      this.closed = true;
      this.statements.clear();
      this.db.close();
    });
  }
}
