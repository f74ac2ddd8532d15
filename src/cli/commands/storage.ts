/** `dials storage upgrade`, `check` and `backup`. Migrations run only here, never automatically. */
import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import type { Command } from 'commander';
import { InvalidArgumentError, StorageError, StorageUrlError } from '../../errors.js';
import { PostgresDriver } from '../../storage/postgres/postgres-driver.js';
import { SqliteDriver } from '../../storage/sqlite/sqlite-driver.js';
import { SCHEMA_VERSION } from '../../storage/sql/schema-version.js';
import { addStorageOptions, storageUrl } from '../storage-option.js';
import { printJson } from '../output.js';

type Opts = { storage?: string; storageFile?: string; json?: boolean };

function sqlitePath(url: string): string | null {
  return url.startsWith('sqlite:') ? url.slice('sqlite:'.length) : null;
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
    storage.command('check').description('check the schema version and (SQLite) run PRAGMA integrity_check').option('--json', 'JSON output'),
  ).action(async (opts: Opts) => {
    const url = storageUrl(opts);
    const path = sqlitePath(url);
    if (path === null) throw new StorageUrlError('storage check supports sqlite: URLs; PostgreSQL checks its own pages');
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
      .description('copy a live SQLite storage to a new file with the online backup API (safe while workers write), then check the copy')
      .requiredOption('--out <file>', 'the copy to write (must not exist)')
      .option('--json', 'JSON output'),
  ).action(async (opts: Opts & { out: string }) => {
    const url = storageUrl(opts);
    const path = sqlitePath(url);
    if (path === null) throw new StorageUrlError('storage backup copies sqlite: storages; back up PostgreSQL with pg_dump');
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
