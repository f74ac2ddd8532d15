/**
 * Child processes for the demo tests: a TypeScript worker run with
 * `node --import tsx`, its JSON stdout lines collected, and every child
 * still alive killed after each test.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..', '..');
const children = new Set<ChildProcess>();

/** SIGKILLs every child still running (call from afterEach). */
export function killChildren(): void {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  children.clear();
}

export interface Run {
  child: ChildProcess;
  lines: Record<string, unknown>[];
  stderr: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  waitFor(pred: (l: Record<string, unknown>) => boolean, timeoutMs: number): Promise<Record<string, unknown>>;
}

/** Runs a TypeScript file with node --import tsx; stdout lines are parsed as JSON. */
export function spawnTs(script: string, args: string[]): Run {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, script), ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  const lines: Record<string, unknown>[] = [];
  const waiters: (() => void)[] = [];
  let buf = '';
  let err = '';
  child.stdout?.setEncoding('utf8').on('data', (d: string) => {
    buf += d;
    let i = buf.indexOf('\n');
    while (i >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      try {
        lines.push(JSON.parse(line));
      } catch {
        lines.push({ raw: line });
      }
      i = buf.indexOf('\n');
    }
    for (const w of waiters.splice(0)) w();
  });
  child.stderr?.setEncoding('utf8').on('data', (d: string) => {
    err += d;
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => child.on('exit', (code, signal) => r({ code, signal })));
  return {
    child,
    lines,
    stderr: () => err,
    exited,
    async waitFor(pred, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const hit = lines.find(pred);
        if (hit) return hit;
        if (child.exitCode !== null || child.signalCode !== null) throw new Error(`child exited before the line came; stderr: ${err}`);
        if (Date.now() > deadline) throw new Error(`timed out waiting for a line; stderr: ${err}`);
        await new Promise<void>((r) => {
          waiters.push(r);
          setTimeout(r, 200);
        });
      }
    },
  };
}
