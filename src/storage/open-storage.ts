/**
 * Storage URLs: `memory:` (or `memory:NAME`, shared within this process),
 * `sqlite:<path>`, `postgresql://…` / `postgres://…`.
 */
import { StorageUrlError } from '../errors.js';
import { MemoryStorage } from './memory/memory-storage.js';
import { PostgresDriver, type PostgresOptions } from './postgres/postgres-driver.js';
import { SqlStorage } from './sql/sql-storage.js';
import { SqliteDriver, type SqliteOptions } from './sqlite/sqlite-driver.js';
import type { Storage } from './storage.js';

const memoryStorages = new Map<string, MemoryStorage>();

export interface OpenStorageOptions {
  readonly sqlite?: SqliteOptions;
  readonly postgres?: PostgresOptions;
}

/** Opens (creating the schema of an empty database) the storage a URL names. */
export async function openStorage(url: string, options: OpenStorageOptions = {}): Promise<Storage> {
  if (typeof url !== 'string') throw new StorageUrlError(`a storage URL must be a string, got ${typeof url}`);
  if (url === 'memory:' || url.startsWith('memory:')) {
    let m = memoryStorages.get(url);
    if (!m) {
      m = new MemoryStorage(url);
      memoryStorages.set(url, m);
    }
    return m;
  }
  if (url.startsWith('sqlite:')) {
    let path = url.slice('sqlite:'.length);
    if (path.startsWith('///')) path = path.slice(2);
    if (path === '') throw new StorageUrlError('sqlite: needs a file path, for example sqlite:dials.db');
    const driver = new SqliteDriver(path, options.sqlite);
    try {
      driver.init();
    } catch (e) {
      await driver.close();
      throw e;
    }
    return new SqlStorage(driver);
  }
  if (url.startsWith('postgresql://') || url.startsWith('postgres://')) {
    const driver = new PostgresDriver(url, options.postgres);
    try {
      await driver.init();
    } catch (e) {
      await driver.close();
      throw e;
    }
    return new SqlStorage(driver);
  }
  const scheme = /^[a-z0-9+.-]+:/i.exec(url)?.[0] ?? url.slice(0, 20);
  throw new StorageUrlError(`unknown storage URL scheme ${JSON.stringify(scheme)}; use memory:, sqlite:<path> or postgresql://user@host/db`);
}
