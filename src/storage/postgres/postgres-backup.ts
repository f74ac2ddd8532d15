/**
 * `dials storage backup` for PostgreSQL: `pg_dump` of Dials' tables only (the
 * `dials_*` tables and sequences of the storage's schema, with their indexes,
 * constraints, triggers and data), preceded by the schema and Dials'
 * functions, which a table-only dump leaves out. pg_dump reads one consistent
 * snapshot, so the backup is safe while workers write. The password travels
 * in pg_dump's environment, never on its command line. The file is plain SQL,
 * restored with `psql -v ON_ERROR_STOP=1 -f FILE` into a database whose schema
 * holds no Dials tables yet; it is written under a temporary name and renamed
 * once pg_dump has succeeded, so a failed backup leaves no file.
 */
import { spawn } from 'node:child_process';
import { accessSync, closeSync, constants, existsSync, openSync, readdirSync, readSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { StorageError } from '../../errors.js';
import type { PostgresDriver } from './postgres-driver.js';

export interface PostgresBackup {
  readonly out: string;
  readonly bytes: number;
  /** The schema the tables were dumped from. */
  readonly schema: string;
  readonly tables: readonly string[];
  /** The pg_dump that wrote it. */
  readonly pgDump: string;
}

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/**
 * The pg_dump to run: $DIALS_PG_DUMP if set, else pg_dump on PATH, else the
 * newest under /usr/lib/postgresql/<version>/bin (Debian, Ubuntu); null when absent.
 */
export function findPgDump(env: Readonly<Record<string, string | undefined>> = process.env, libDir = '/usr/lib/postgresql'): string | null {
  if (env.DIALS_PG_DUMP) return env.DIALS_PG_DUMP;
  for (const dir of (env.PATH ?? '').split(':')) if (dir !== '' && executable(join(dir, 'pg_dump'))) return join(dir, 'pg_dump');
  let versions: string[] = [];
  try {
    versions = readdirSync(libDir).filter((v) => /^\d+(\.\d+)?$/.test(v));
  } catch {
    return null;
  }
  versions.sort((a, b) => Number(b) - Number(a));
  for (const v of versions) if (executable(join(libDir, v, 'bin', 'pg_dump'))) return join(libDir, v, 'bin', 'pg_dump');
  return null;
}

/** libpq's environment for a postgresql:// URL (the password stays out of the process list). */
export function libpqEnv(url: string): Record<string, string> {
  const u = new URL(url);
  const env: Record<string, string> = {};
  const host = u.searchParams.get('host') ?? decodeURIComponent(u.hostname);
  if (host) env.PGHOST = host.replace(/^\[(.*)\]$/, '$1');
  if (u.port) env.PGPORT = u.port;
  if (u.username) env.PGUSER = decodeURIComponent(u.username);
  if (u.password) env.PGPASSWORD = decodeURIComponent(u.password);
  const db = decodeURIComponent(u.pathname.replace(/^\//, ''));
  if (db) env.PGDATABASE = db;
  const sslmode = u.searchParams.get('sslmode');
  if (sslmode) env.PGSSLMODE = sslmode;
  return env;
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** The last non-empty line a tool printed, for an error message. */
function lastLine(text: string): string {
  return (
    text
      .trim()
      .split('\n')
      .filter((l) => l.trim() !== '')
      .at(-1) ?? ''
  );
}

/**
 * Writes a backup of the storage `driver` opened (from `url`, which may hold a
 * password) to `out`, which must not exist.
 */
export async function backupPostgres(driver: PostgresDriver, url: string, out: string, pgDump = findPgDump()): Promise<PostgresBackup> {
  if (pgDump === null) {
    throw new StorageError(
      'pg_dump was not found on PATH or under /usr/lib/postgresql/<version>/bin; install the PostgreSQL client tools (for example apt-get install postgresql-client), put pg_dump on PATH, or set DIALS_PG_DUMP to its path',
    );
  }
  if (existsSync(out)) throw new StorageError(`${out} exists; choose a new file for the backup`);
  const { schema, tables, functions } = await driver.readOnce(async (tx) => {
    const present = await tx.all<{ schema: string | null }>(
      "SELECT (SELECT nspname FROM pg_namespace n JOIN pg_class c ON c.relnamespace = n.oid WHERE c.oid = to_regclass('dials_schema_version')) AS schema",
    );
    const name = present[0]?.schema ?? null;
    if (name === null) {
      throw new StorageError(`${driver.url} holds no Dials storage${driver.schema ? ` in schema ${driver.schema}` : ''}; nothing to back up`);
    }
    const rels = await tx.all<{ name: string }>(
      "SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = ? AND c.relkind = 'r' AND c.relname LIKE 'dials\\_%' ORDER BY c.relname",
      [name],
    );
    const fns = await tx.all<{ def: string }>(
      "SELECT pg_get_functiondef(p.oid) AS def FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = ? AND p.proname LIKE 'dials\\_%' ORDER BY p.proname",
      [name],
    );
    return { schema: name, tables: rels.map((r) => r.name), functions: fns.map((f) => f.def) };
  });

  const partial = join(dirname(out), `.${basename(out)}.partial-${process.pid}`);
  const fd = openSync(partial, 'wx+');
  let ok = false;
  try {
    const prelude = [
      `-- Dials storage backup: schema ${schema}, tables ${tables.join(', ')}`,
      `-- Restore into a database whose schema ${schema} holds no Dials tables: psql -v ON_ERROR_STOP=1 -f ${basename(out)}`,
      `CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)};`,
      ...functions.map((f) => `${f.trim()};`),
      '',
    ].join('\n');
    writeSync(fd, prelude);
    const args = [
      '--format=plain',
      '--no-owner',
      '--no-privileges',
      '--lock-wait-timeout=30000',
      // The tables and sequences named dials_* in that schema, with their indexes, constraints and triggers.
      `--table=${quoteIdent(schema)}.dials_*`,
    ];
    const stderr = await new Promise<string>((resolve, reject) => {
      const child = spawn(pgDump, args, {
        env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...libpqEnv(url) },
        stdio: ['ignore', fd, 'pipe'],
      });
      let err = '';
      child.stderr?.setEncoding('utf8');
      child.stderr?.on('data', (d: string) => {
        if (err.length < 64 * 1024) err += d;
      });
      child.on('error', (e) =>
        reject(
          new StorageError(
            (e as NodeJS.ErrnoException).code === 'ENOENT'
              ? `pg_dump not found at ${pgDump}; install the PostgreSQL client tools or set DIALS_PG_DUMP to the path of pg_dump`
              : `cannot run ${pgDump}: ${e.message}`,
            e,
          ),
        ),
      );
      child.on('close', (code, signal) => {
        if (code === 0) resolve(err);
        else reject(new StorageError(`pg_dump failed (${signal ?? `exit code ${code}`}) backing up ${driver.url}: ${lastLine(err) || 'no message'}`));
      });
    });
    // pg_dump ends a complete dump with this line; anything else is a truncated file.
    const size = statSync(partial).size;
    const tail = Buffer.alloc(Math.min(size, 4096));
    readSync(fd, tail, 0, tail.length, size - tail.length);
    if (!tail.toString('utf8').includes('PostgreSQL database dump complete')) {
      throw new StorageError(`pg_dump exited 0 but its dump of ${driver.url} is incomplete${stderr ? `: ${lastLine(stderr)}` : ''}`);
    }
    closeSync(fd);
    renameSync(partial, out);
    ok = true;
    return { out, bytes: size, schema, tables, pgDump };
  } finally {
    if (!ok) {
      try {
        closeSync(fd);
      } catch {}
      rmSync(partial, { force: true });
    }
  }
}
