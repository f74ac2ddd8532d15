/**
 * Helpers for the multi-process tests: spawn worker scripts (test/workers/*.mjs,
 * which import the built package from dist/), collect their JSON stdout lines
 * and stderr, wait for lines or exits with timeouts, and kill whatever is still
 * alive so no test leaves an orphan behind.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export const ROOT = resolve(here, '..', '..');
export const WORKERS_DIR = join(ROOT, 'test', 'workers');

/** Worker scripts import 'dials', which resolves to dist/: fail early with a clear message when it is missing. */
export function assertBuilt(): void {
  if (!existsSync(join(ROOT, 'dist', 'index.js'))) {
    throw new Error('dist/index.js is missing: run `npm run build` before the multi-process tests (workers import the built package)');
  }
}

/** A seed for this run: DIALS_TEST_SEED when set, else random. Print it on failure. */
export function testSeed(): number {
  const env = process.env.DIALS_TEST_SEED;
  if (env !== undefined && env !== '') {
    const n = Number(env);
    if (!Number.isSafeInteger(n)) throw new Error(`DIALS_TEST_SEED must be an integer, got ${env}`);
    return n >>> 0;
  }
  return Math.floor(Math.random() * 2 ** 31);
}

export interface ExitInfo {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export type Line = Record<string, unknown>;

export interface Worker {
  readonly name: string;
  readonly child: ChildProcess;
  /** Parsed JSON stdout lines, in order (complete lines only). */
  readonly lines: Line[];
  /** Stdout lines that were not JSON objects. */
  readonly junk: string[];
  /** Everything written to stderr so far. */
  stderr(): string;
  /** Resolves when the process has exited (never rejects). */
  readonly exited: Promise<ExitInfo>;
  /** Null while the process runs. */
  exitInfo(): ExitInfo | null;
  alive(): boolean;
  /** Writes one line to the worker's stdin. */
  send(line: string): void;
  /** The first line (already received or coming) matching `pred`; rejects on timeout or exit. */
  waitForLine(pred: (l: Line) => boolean, timeoutMs: number, what: string): Promise<Line>;
  /** Resolves with the exit; rejects if the process is still running after `timeoutMs`. */
  waitForExit(timeoutMs: number): Promise<ExitInfo>;
}

const live = new Set<Worker>();
// Last resort: if the test process exits with workers still running, take them with it.
process.once('exit', () => {
  for (const w of live) if (w.alive()) w.child.kill('SIGKILL');
});

/** Spawns `node test/workers/<script> '<json args>'` with piped stdio. */
export function spawnWorker(script: string, args: unknown, name = script): Worker {
  const child = spawn(process.execPath, [join(WORKERS_DIR, script), JSON.stringify(args)], {
    cwd: ROOT,
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, NODE_OPTIONS: '' },
  });
  const lines: Line[] = [];
  const junk: string[] = [];
  let stderr = '';
  let outBuf = '';
  let exitInfo: ExitInfo | null = null;
  const waiters = new Set<{ pred: (l: Line) => boolean; resolve: (l: Line) => void }>();
  const exitWaiters = new Set<() => void>();

  child.stdout?.setEncoding('utf8');
  child.stdout?.on('data', (d: string) => {
    outBuf += d;
    let nl = outBuf.indexOf('\n');
    while (nl >= 0) {
      const text = outBuf.slice(0, nl);
      outBuf = outBuf.slice(nl + 1);
      nl = outBuf.indexOf('\n');
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        junk.push(text);
        continue;
      }
      if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
        junk.push(text);
        continue;
      }
      const line = parsed as Line;
      lines.push(line);
      for (const w of [...waiters]) {
        if (w.pred(line)) {
          waiters.delete(w);
          w.resolve(line);
        }
      }
    }
  });
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (d: string) => {
    stderr += d;
  });
  // A worker killed mid-write makes its stdin emit EPIPE; that is expected.
  child.stdin?.on('error', () => {});

  const exited = new Promise<ExitInfo>((res) => {
    child.once('close', (code, signal) => {
      exitInfo = { code, signal };
      live.delete(worker);
      res(exitInfo);
      for (const f of exitWaiters) f();
    });
    child.once('error', (e) => {
      stderr += `\n[spawn error] ${e.message}`;
    });
  });

  const describe = (): string => `worker ${name} (pid ${child.pid})`;

  const worker: Worker = {
    name,
    child,
    lines,
    junk,
    stderr: () => stderr,
    exited,
    exitInfo: () => exitInfo,
    alive: () => exitInfo === null && child.exitCode === null && child.signalCode === null,
    send(line: string) {
      child.stdin?.write(`${line}\n`);
    },
    waitForLine(pred, timeoutMs, what) {
      const found = lines.find(pred);
      if (found) return Promise.resolve(found);
      return new Promise<Line>((res, rej) => {
        const w = {
          pred,
          resolve: (l: Line) => {
            cleanup();
            res(l);
          },
        };
        const onExit = (): void => {
          cleanup();
          rej(new Error(`${describe()} exited (${JSON.stringify(exitInfo)}) before printing ${what}; stderr:\n${stderr.slice(-4000)}`));
        };
        const timer = setTimeout(() => {
          cleanup();
          rej(new Error(`${describe()} printed no ${what} within ${timeoutMs} ms; stderr:\n${stderr.slice(-4000)}`));
        }, timeoutMs);
        const cleanup = (): void => {
          clearTimeout(timer);
          waiters.delete(w);
          exitWaiters.delete(onExit);
        };
        waiters.add(w);
        if (exitInfo !== null) onExit();
        else exitWaiters.add(onExit);
      });
    },
    waitForExit(timeoutMs) {
      return withTimeout(exited, timeoutMs, `${describe()} to exit`);
    },
  };
  live.add(worker);
  return worker;
}

/** SIGKILLs every worker still alive (all at once) and waits for them to be gone. */
export async function killAll(): Promise<void> {
  const ws = [...live];
  for (const w of ws) if (w.alive()) w.child.kill('SIGKILL');
  await Promise.all(ws.map((w) => w.exited));
}

/** SIGKILLs the given workers at once, waiting for each to be reaped. */
export async function killNow(workers: readonly Worker[]): Promise<void> {
  for (const w of workers) if (w.alive()) w.child.kill('SIGKILL');
  await Promise.all(workers.map((w) => w.exited));
}

/** Sends "go" to workers once all have printed {"ready": true}. */
export async function startTogether(workers: readonly Worker[], timeoutMs: number): Promise<void> {
  await Promise.all(workers.map((w) => w.waitForLine((l) => l.ready === true, timeoutMs, '{"ready": true}')));
  for (const w of workers) w.send('go');
}

export function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, rej) => {
    timer = setTimeout(() => rej(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

/** Calls `fn` every `intervalMs` until it returns something other than undefined; rejects after `timeoutMs`. */
export async function pollUntil<T>(fn: () => Promise<T | undefined>, timeoutMs: number, intervalMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() >= deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** A fresh temporary directory, and a function that removes it. */
export function tempDir(prefix: string): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), `dials-${prefix}-`));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Stderr text that points at a lock or transaction error leaking out of the storage layer. */
export const LOCK_ERROR_RE = /busy|locked|deadlock|serializ/i;

/** 0, 1, …, n-1. */
export function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

/** A compact summary of each worker's exit and stderr, for assertion messages. */
export function workerReport(workers: readonly Worker[]): string {
  return workers
    .map((w) => {
      const e = w.exitInfo();
      const err = w.stderr().trim();
      return `${w.name}: exit ${e ? `code=${e.code} signal=${e.signal}` : 'still running'}, ${w.lines.length} lines${err ? `, stderr: ${err.slice(0, 1500)}` : ''}`;
    })
    .join('\n');
}
