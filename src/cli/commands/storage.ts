/** `dials storage upgrade`, `check` and `backup`. Migrations run only here, never automatically. */
import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import type { Command } from 'commander';
import { InvalidArgumentError, StorageError, StorageUrlError } from '../../errors.js';
import { backupPostgres } from '../../storage/postgres/postgres-backup.js';
import { checkPostgresStorage } from '../../storage/postgres/postgres-check.js';
import { PostgresDriver } from '../../storage/postgres/postgres-driver.js';
import { SCHEMA_VERSION } from '../../storage/sql/schema-version.js';
import { SqliteDriver } from '../../storage/sqlite/sqlite-driver.js';
import { printJson } from '../output.js';
import { addStorageOptions, storageUrl } from '../storage-option.js';

type Opts = { storage?: string; storageFile?: string; json?: boolean };

function sqlitePath(url: string): string | null {
  return url.startsWith('sqlite:') ? url.slice('sqlite:'.length) : null;
}

function isPostgres(url: string): boolean {
  return url.startsWith('postgresql://') || url.startsWith('postgres://');
}

async function withPostgres<T>(url: string, fn: (d: PostgresDriver) => Promise<T>): Promise<T> {
  const d = new PostgresDriver(url);
  try {
    return await fn(d);
  } finally {
    await d.close();
  }
}

export function registerStorage(program: Command): void {
  const storage = program.command('storage').description('maintain a storage: schema upgrades and integrity checks');

  addStorageOptions(
    storage.command('upgrade').description(`migrate the storage schema to version ${SCHEMA_VERSION} (back it up first)`).option('--json', 'JSON output'),
  ).action(async (opts: Opts) => {
    const url = storageUrl(opts);
    let from: number;
    let to: number;
    const path = sqlitePath(url);
    if (path !== null) {
      const d = new SqliteDriver(path);
      try {
        [from, to] = d.upgrade();
      } finally {
        await d.close();
      }
    } else if (url.startsWith('postgres')) {
      const d = new PostgresDriver(url);
      try {
        [from, to] = await d.upgrade();
      } finally {
        await d.close();
      }
    } else {
      throw new StorageUrlError(`${url.split(':')[0]}: storage has no schema to upgrade`);
    }
    if (opts.json) printJson({ from, to });
    else process.stdout.write(from === to ? `schema already at version ${to}\n` : `schema upgraded from version ${from} to ${to}\n`);
  });

  addStorageOptions(
    storage
      .command('check')
      .description(
        "check the schema version and the data's integrity: SQLite runs PRAGMA integrity_check; PostgreSQL checks the triggers, dense trial numbers, orphan rows and values, and warns of trials RUNNING past their lease",
      )
      .option('--json', 'JSON output'),
  ).action(async (opts: Opts) => {
    const url = storageUrl(opts);
    if (isPostgres(url)) {
      await withPostgres(url, async (d) => {
        const r = await checkPostgresStorage(d);
        const ok = r.problems.length === 0;
        if (opts.json) printJson({ ok, schemaVersion: r.schemaVersion, problems: r.problems, warnings: r.warnings });
        else {
          const lines = [...r.problems, ...r.warnings.map((w) => `warning: ${w}`)];
          if (ok) lines.unshift(`ok: ${d.url} (schema version ${r.schemaVersion}${r.warnings.length > 0 ? `, ${r.warnings.length} warning(s)` : ''})`);
          process.stdout.write(`${lines.join('\n')}\n`);
        }
        if (!ok) throw new StorageError(`storage check found ${r.problems.length} problem(s) in ${d.url}`);
      });
      return;
    }
    const path = sqlitePath(url);
    if (path === null) throw new StorageUrlError(`${url.split(':')[0]}: storage has nothing to check; storage check takes sqlite: and postgresql:// URLs`);
    const d = new SqliteDriver(path, { readonly: true });
    try {
      d.init();
      const problems = d.integrityCheck();
      const ok = problems.length === 1 && problems[0] === 'ok';
      if (opts.json) printJson({ ok, schemaVersion: SCHEMA_VERSION, problems: ok ? [] : problems });
      else process.stdout.write(ok ? `ok: ${d.path} (schema version ${SCHEMA_VERSION})\n` : `${problems.join('\n')}\n`);
      if (!ok) throw new StorageError(`integrity_check found ${problems.length} problem(s) in ${d.path}`);
    } finally {
      await d.close();
    }
  });

  addStorageOptions(
    storage
      .command('backup')
      .description(
        'copy a live storage to a new file, safe while workers write: SQLite with the online backup API (then checks the copy); PostgreSQL with pg_dump of the Dials tables only (plain SQL; restore with psql -f)',
      )
      .requiredOption('--out <file>', 'the copy to write (must not exist)')
      .option('--json', 'JSON output'),
  ).action(async (opts: Opts & { out: string }) => {
    const url = storageUrl(opts);
    if (isPostgres(url)) {
      const b = await withPostgres(url, (d) => backupPostgres(d, url, opts.out));
      if (opts.json) printJson({ ok: true, out: b.out, bytes: b.bytes, schema: b.schema, tables: b.tables, pgDump: b.pgDump });
      else
        process.stdout.write(
          `backed up the Dials tables of schema ${b.schema} to ${b.out} (${b.bytes} bytes, ${b.tables.length} tables); restore with psql -v ON_ERROR_STOP=1 -f ${b.out}\n`,
        );
      return;
    }
    const path = sqlitePath(url);
    if (path === null) throw new StorageUrlError(`${url.split(':')[0]}: storage cannot be backed up; storage backup takes sqlite: and postgresql:// URLs`);
    if (!existsSync(path)) throw new StorageError(`${path} does not exist; nothing to back up`);
    if (existsSync(opts.out)) throw new InvalidArgumentError(`${opts.out} exists; choose a new file for the backup`);
    const src = new Database(path, { readonly: true, fileMustExist: true });
    let pages: number;
    try {
      src.pragma('busy_timeout = 5000');
      pages = (await src.backup(opts.out)).totalPages;
    } finally {
      src.close();
    }
    const copy = new Database(opts.out, { readonly: true, fileMustExist: true });
    let problems: string[];
    try {
      problems = (copy.pragma('integrity_check') as { integrity_check: string }[]).map((r) => r.integrity_check);
    } finally {
      copy.close();
    }
    const ok = problems.length === 1 && problems[0] === 'ok';
    if (!ok) throw new StorageError(`the backup ${opts.out} failed integrity_check: ${problems.slice(0, 3).join('; ')}`);
    if (opts.json) printJson({ ok, out: opts.out, pages });
    else process.stdout.write(`backed up ${path} to ${opts.out} (${pages} pages, integrity ok)\n`);
  });
}
