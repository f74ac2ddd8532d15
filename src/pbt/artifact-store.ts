/**
 * Artifact stores: where population-based training keeps its checkpoints,
 * beside the study. A checkpoint is an immutable blob under a key that Dials
 * builds itself from numbers (`m3-t41.bin`), never from a user string, so a
 * key can never name a path outside the store.
 *
 * Writes are atomic: the bytes go to a temporary file in the same folder,
 * are flushed to disk, and the file is renamed over the key; a reader sees
 * the old blob or the new one, never half of one, even after `kill -9`.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { InvalidArgumentError } from '../errors.js';
import type { Storage } from '../storage/storage.js';

/** Keys: lower-case letters, digits, '.', '_' and '-', starting with a letter or digit, at most 128 characters. */
const KEY_RE = /^[a-z0-9][a-z0-9._-]{0,127}$/;

export function checkArtifactKey(key: string): string {
  if (typeof key !== 'string' || !KEY_RE.test(key) || key.includes('..')) {
    throw new InvalidArgumentError(
      `artifact key ${JSON.stringify(key)} is not allowed; keys are 1-128 characters of a-z, 0-9, '.', '_' and '-', start with a letter or digit and never contain '..'`,
      ['key'],
    );
  }
  return key;
}

export interface ArtifactStore {
  /** Where the store lives, for messages (a folder, or `memory`). */
  readonly location: string;
  /** Writes `bytes` under `key` atomically, replacing any blob there. */
  put(key: string, bytes: Uint8Array): Promise<void>;
  /** The blob, or null when there is none. */
  get(key: string): Promise<Uint8Array | null>;
  delete(key: string): Promise<void>;
  /** Keys in the store, sorted. */
  list(): Promise<string[]>;
  /** The file holding `key` (its folder created), for stores that keep files: commands read and write checkpoints by path. */
  filePath?(key: string): string;
  /** Deletes temporary files a killed writer left behind (called when a run starts; one run writes a store at a time). */
  removeTemporaries?(): Promise<number>;
}

/** Checkpoints as files in one folder; any path works, including shared storage for runs on several machines. */
export class FileArtifactStore implements ArtifactStore {
  readonly location: string;

  constructor(dir: string) {
    if (typeof dir !== 'string' || dir === '') throw new InvalidArgumentError('FileArtifactStore needs a folder path', ['artifacts']);
    this.location = resolve(dir);
  }

  /** The file of `key`; its folder is created, so a command can write there. */
  filePath(key: string): string {
    const p = join(this.location, checkArtifactKey(key));
    mkdirSync(this.location, { recursive: true });
    return p;
  }

  async put(key: string, bytes: Uint8Array): Promise<void> {
    writeFileAtomic(this.filePath(key), bytes);
  }

  async get(key: string): Promise<Uint8Array | null> {
    try {
      return new Uint8Array(readFileSync(this.filePath(key)));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw e;
    }
  }

  async delete(key: string): Promise<void> {
    rmSync(this.filePath(key), { force: true });
  }

  async removeTemporaries(): Promise<number> {
    let names: string[];
    try {
      names = readdirSync(this.location);
    } catch {
      return 0;
    }
    const stale = names.filter((n) => n.startsWith('.tmp-'));
    for (const n of stale) rmSync(join(this.location, n), { force: true });
    return stale.length;
  }

  async list(): Promise<string[]> {
    let names: string[];
    try {
      names = readdirSync(this.location);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw e;
    }
    return names.filter((n) => KEY_RE.test(n) && !n.includes('..')).sort();
  }
}

/**
 * Writes a file so that it is either absent, the old content or the whole new
 * content: temporary file in the same folder, fsync, rename, fsync of the folder.
 */
export function writeFileAtomic(path: string, bytes: Uint8Array): void {
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true });
  const tmp = join(dir, `.tmp-${process.pid}-${randomBytes(6).toString('hex')}`);
  const fd = openSync(tmp, 'w', 0o644);
  try {
    let off = 0;
    while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
    fsyncSync(fd);
  } catch (e) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw e;
  }
  closeSync(fd);
  try {
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
  try {
    const dfd = openSync(dir, 'r');
    try {
      fsyncSync(dfd);
    } finally {
      closeSync(dfd);
    }
  } catch {
    // Some filesystems cannot fsync a folder; the rename itself is still atomic.
  }
}

/** Checkpoints in this process's memory: for `memory:` studies and tests. */
export class MemoryArtifactStore implements ArtifactStore {
  readonly location = 'memory';
  private readonly blobs = new Map<string, Uint8Array>();

  async put(key: string, bytes: Uint8Array): Promise<void> {
    this.blobs.set(checkArtifactKey(key), bytes.slice());
  }

  async get(key: string): Promise<Uint8Array | null> {
    const b = this.blobs.get(checkArtifactKey(key));
    return b === undefined ? null : b.slice();
  }

  async delete(key: string): Promise<void> {
    this.blobs.delete(checkArtifactKey(key));
  }

  async list(): Promise<string[]> {
    return [...this.blobs.keys()].sort();
  }
}

const memoryStores = new Map<string, MemoryArtifactStore>();

/**
 * The store a study uses when none is given: for `sqlite:PATH`, the folder
 * `PATH.artifacts/study-<id>` next to the database file; for `memory:`, one
 * in-process store per study. A PostgreSQL study needs an explicit path
 * (shared by every machine that runs members).
 */
export function defaultArtifactStore(storage: Storage, studyId: number): ArtifactStore {
  const url = storage.url;
  if (url.startsWith('sqlite:')) {
    let path = url.slice('sqlite:'.length);
    if (path.startsWith('///')) path = path.slice(2);
    if (path === ':memory:') return memoryStore(`${url}#${studyId}`);
    const db = isAbsolute(path) ? path : resolve(path);
    return new FileArtifactStore(`${db}.artifacts/study-${studyId}`);
  }
  if (url.startsWith('memory:')) return memoryStore(`${url}#${studyId}`);
  throw new InvalidArgumentError(
    `the study's storage (${url}) has no folder of its own for checkpoints; pass artifacts: '<a folder every worker can reach>' (for example a shared mount) or an ArtifactStore`,
    ['artifacts'],
  );
}

function memoryStore(id: string): MemoryArtifactStore {
  let s = memoryStores.get(id);
  if (!s) {
    s = new MemoryArtifactStore();
    memoryStores.set(id, s);
  }
  return s;
}

/** Resolves the `artifacts` option: a folder path, a store, or the study's default. */
export function resolveArtifactStore(option: string | ArtifactStore | undefined, storage: Storage, studyId: number): ArtifactStore {
  if (option === undefined) return defaultArtifactStore(storage, studyId);
  if (typeof option === 'string') return new FileArtifactStore(option);
  if (option === null || typeof option !== 'object' || typeof option.put !== 'function' || typeof option.get !== 'function') {
    throw new InvalidArgumentError('artifacts must be a folder path or an ArtifactStore (FileArtifactStore, MemoryArtifactStore)', ['artifacts']);
  }
  return option;
}
