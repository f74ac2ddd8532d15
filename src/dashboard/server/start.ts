/**
 * Starts the dashboard: an HTTP server on 127.0.0.1 by default (any other
 * address needs a token, or `insecure`), reading the storage through a
 * read-only connection where the backend has one (SQLite: `readonly`, WAL,
 * short read transactions; a worker never waits for the dashboard).
 *
 * @example
 * const d = await startDashboard({ storage: 'sqlite:dials.db' });
 * console.log(d.url); // http://127.0.0.1:8080/
 */
import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { serve } from '@hono/node-server';
import { InvalidArgumentError, StorageUrlError } from '../../errors.js';
import { MemoryStorage } from '../../storage/memory/memory-storage.js';
import { openStorage } from '../../storage/open-storage.js';
import { PostgresDriver } from '../../storage/postgres/postgres-driver.js';
import { SqlStorage } from '../../storage/sql/sql-storage.js';
import { SqliteDriver } from '../../storage/sqlite/sqlite-driver.js';
import type { Storage } from '../../storage/storage.js';
import { type InfoResponse, SSE_POLL_MS } from '../api.js';
import { createApp } from './app.js';
import { DataHub } from './hub.js';
import { ImportanceRunner } from './importance-runner.js';
import { StaticFiles } from './static-files.js';
import { SqlTrialLoader, StorageTrialLoader, type TrialLoader } from './trial-loader.js';

/** How often the dashboard follows the storage's change cursor in the background. */
const FOLLOW_MS = 1000;

export interface DashboardOptions {
  /** A storage URL (sqlite:…, postgresql://…, memory:…) or an open Storage. */
  readonly storage: string | Storage;
  /** Default 127.0.0.1. Any non-loopback address needs `token` or `insecure`. */
  readonly host?: string;
  /** Default 8080; 0 picks a free port. */
  readonly port?: number;
  /** Required by every /api route when set (header `Authorization: Bearer`, or the session cookie). */
  readonly token?: string | null;
  /** Allow a non-loopback address without a token. */
  readonly insecure?: boolean;
  /** The built front end (default: dist/dashboard/ui of this package); null serves a placeholder page. */
  readonly uiDir?: string | null;
  /** More Host header values to answer to (host:port), e.g. a reverse proxy's name. */
  readonly allowedHosts?: readonly string[];
  /** Server log (default stderr). Never receives the token. */
  readonly log?: (line: string) => void;
  /** Open SSE streams at once (default 64). */
  readonly maxStreams?: number;
  /** Time allowed to receive a request's headers, and the whole request (defaults 10 s and 30 s). */
  readonly headersTimeoutMs?: number;
  readonly requestTimeoutMs?: number;
}

export interface Dashboard {
  readonly url: string;
  readonly port: number;
  readonly server: Server;
  /** The read side, for tests that count queries. */
  readonly loader: TrialLoader;
  /** Where importance fits run. */
  readonly importance: ImportanceRunner;
  close(): Promise<void>;
}

const PACKAGE_ROOT = new URL('../../../', import.meta.url);

function dialsVersion(): string {
  try {
    return (JSON.parse(readFileSync(new URL('package.json', PACKAGE_ROOT), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127(\.\d{1,3}){3}$/.test(h);
}

interface Opened {
  readonly storage: Storage;
  readonly loader: TrialLoader;
  readonly kind: InfoResponse['storageKind'];
  readonly writer: (() => Promise<Storage>) | null;
  readonly close: () => Promise<void>;
}

async function openRead(storage: string | Storage): Promise<Opened> {
  if (typeof storage !== 'string') {
    const kind: InfoResponse['storageKind'] =
      storage instanceof MemoryStorage ? 'memory' : storage.url.startsWith('sqlite:') ? 'sqlite' : storage.url.startsWith('memory:') ? 'memory' : 'postgresql';
    return { storage, loader: new StorageTrialLoader(storage), kind, writer: async () => storage, close: async () => {} };
  }
  if (storage.startsWith('sqlite:')) {
    let path = storage.slice('sqlite:'.length);
    if (path.startsWith('///')) path = path.slice(2);
    if (path === '') throw new StorageUrlError('sqlite: needs a file path, for example sqlite:dials.db');
    // Read-only: the dashboard can never take SQLite's write lock, and in WAL mode its reads never block a writer.
    const driver = new SqliteDriver(path, { readonly: true });
    try {
      driver.init();
    } catch (e) {
      await driver.close();
      throw e;
    }
    const read = new SqlStorage(driver);
    let writer: Promise<Storage> | null = null;
    return {
      storage: read,
      loader: new SqlTrialLoader(driver),
      kind: 'sqlite',
      // Notes are the only write: a normal connection, opened when the first note is saved.
      writer: () => {
        writer ??= openStorage(storage);
        return writer;
      },
      close: async () => {
        await read.close();
        if (writer) await (await writer).close();
      },
    };
  }
  if (storage.startsWith('postgresql://') || storage.startsWith('postgres://')) {
    const driver = new PostgresDriver(storage, { poolSize: 3 });
    try {
      await driver.init();
    } catch (e) {
      await driver.close();
      throw e;
    }
    const s = new SqlStorage(driver);
    return { storage: s, loader: new SqlTrialLoader(driver), kind: 'postgresql', writer: async () => s, close: () => s.close() };
  }
  const s = await openStorage(storage);
  return { storage: s, loader: new StorageTrialLoader(s), kind: 'memory', writer: async () => s, close: async () => {} };
}

export async function startDashboard(options: DashboardOptions): Promise<Dashboard> {
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? 8080;
  const token = options.token ?? null;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new InvalidArgumentError(`port must be an integer in [0, 65535], got ${port}`, ['port']);
  if (token !== null && token.length < 8) throw new InvalidArgumentError('the token must be at least 8 characters long', ['token']);
  if (!isLoopback(host) && token === null && !options.insecure) {
    throw new InvalidArgumentError(
      `serving on ${host} would let anyone who reaches this machine read and edit studies; pass --token <secret> (or --insecure if the network is trusted)`,
      ['host'],
    );
  }
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const opened = await openRead(options.storage);
  const hub = new DataHub(opened.storage, opened.loader);
  const uiDir = options.uiDir === undefined ? fileURLToPath(new URL('dist/dashboard/ui/', PACKAGE_ROOT)) : options.uiDir;
  const staticFiles = new StaticFiles(uiDir);
  const wildcard = host === '0.0.0.0' || host === '::' || host === '[::]';

  let allowedHosts: Set<string> | null = null;
  const importance = new ImportanceRunner();
  const app = createApp({
    hub,
    writer: opened.writer,
    storageKind: opened.kind,
    token,
    staticFiles,
    dialsVersion: dialsVersion(),
    log,
    maxStreams: options.maxStreams ?? 64,
    importance,
    get guard() {
      return { allowedHosts, token };
    },
  });

  const server = await new Promise<Server>((resolve, reject) => {
    const s = serve(
      {
        fetch: app.fetch,
        hostname: host,
        port,
        serverOptions: {
          requestTimeout: options.requestTimeoutMs ?? 30_000,
          headersTimeout: options.headersTimeoutMs ?? 10_000,
          keepAliveTimeout: 65_000,
          connectionsCheckingInterval: 500,
          maxHeaderSize: 16 * 1024,
        },
      },
      () => resolve(s as Server),
    ) as Server;
    s.once('error', reject);
  });
  server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
    // Malformed or slow requests: answer and close, never crash (a client still sending is cut off).
    const status =
      err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? '408 Request Timeout'
        : err.code === 'HPE_HEADER_OVERFLOW'
          ? '431 Request Header Fields Too Large'
          : '400 Bad Request';
    if (socket.writable) socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\n\r\n`, () => socket.destroy());
    else socket.destroy();
  });
  const actualPort = (server.address() as AddressInfo).port;
  if (!wildcard || options.allowedHosts) {
    allowedHosts = new Set([`127.0.0.1:${actualPort}`, `localhost:${actualPort}`, `[::1]:${actualPort}`]);
    if (!wildcard) allowedHosts.add(`${host.includes(':') && !host.startsWith('[') ? `[${host}]` : host}:${actualPort}`.toLowerCase());
    for (const h of options.allowedHosts ?? []) allowedHosts.add(h.toLowerCase());
  }
  void hub.warm();
  // Follow the storage even while no page is open (one change query per second when nothing changed),
  // and every SSE_POLL_MS while a live page listens.
  const stopFollowing = hub.follow(SSE_POLL_MS, FOLLOW_MS, (e) => log(`dashboard: refresh failed: ${e.message}`));
  const shownHost = wildcard ? '127.0.0.1' : host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  const url = `http://${shownHost}:${actualPort}/`;
  let closed = false;
  return {
    url,
    port: actualPort,
    server,
    loader: opened.loader,
    importance,
    close: async () => {
      if (closed) return;
      closed = true;
      stopFollowing();
      hub.close();
      importance.close();
      server.closeAllConnections?.();
      await new Promise<void>((r) => server.close(() => r()));
      await opened.close();
    },
  };
}
