/** Runs the built `dials` command (dist/cli/main.js) as a real child process. */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadStudy } from '../../src/study/create-study.js';
import type { FrozenTrial } from '../../src/trial/frozen-trial.js';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CLI = join(ROOT, 'dist', 'cli', 'main.js');

export interface CliResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface RunningCli {
  readonly child: ChildProcess;
  stdout(): string;
  stderr(): string;
  readonly done: Promise<CliResult>;
}

const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const c of live) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

export function startDials(args: readonly string[], opts: { cwd?: string; env?: Record<string, string | undefined> } = {}): RunningCli {
  if (!existsSync(CLI)) throw new Error('dist/cli/main.js is missing: run `npm run build` before the CLI tests');
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries({ ...process.env, NODE_OPTIONS: '', ...opts.env })) if (v !== undefined) env[k] = v;
  const child = spawn(process.execPath, [CLI, ...args], { cwd: opts.cwd ?? ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(child);
  let out = '';
  let err = '';
  child.stdout?.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (err += d));
  const done = new Promise<CliResult>((res) =>
    child.on('close', (code, signal) => {
      live.delete(child);
      res({ code, signal, stdout: out, stderr: err });
    }),
  );
  return { child, stdout: () => out, stderr: () => err, done };
}

export function dials(args: readonly string[], opts: { cwd?: string; env?: Record<string, string | undefined>; timeoutMs?: number } = {}): Promise<CliResult> {
  const r = startDials(args, opts);
  const t = setTimeout(() => r.child.kill('SIGKILL'), opts.timeoutMs ?? 200_000);
  return r.done.finally(() => clearTimeout(t));
}

export async function waitFor(pred: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await pred()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The result of a command that must succeed; otherwise an error with its exit status and stderr. */
export function ok(r: CliResult): CliResult {
  if (r.code !== 0) throw new Error(`dials exited with code ${r.code} (signal ${r.signal}); stderr:\n${r.stderr}\nstdout:\n${r.stdout.slice(0, 2000)}`);
  return r;
}

/** The JSON printed by a command that must succeed. */
// biome-ignore lint/suspicious/noExplicitAny: test code reads arbitrary JSON output
export function json(r: CliResult): any {
  return JSON.parse(ok(r).stdout);
}

/** Every trial of a study, read through a fresh connection that is closed afterwards. */
export async function trialsOf(storage: string, study: string): Promise<FrozenTrial[]> {
  const s = await loadStudy({ studyName: study, storage });
  try {
    return await s.getTrials();
  } finally {
    await s.close();
  }
}
