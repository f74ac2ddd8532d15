/**
 * A small helper process that kills the trial process groups of a worker
 * that died without cleaning up (kill -9, OOM killer): it holds a pipe from
 * the worker and, when the pipe closes, sends SIGTERM to every group still
 * registered, then SIGKILL after the grace period. It ignores SIGINT and
 * SIGTERM (Ctrl-C reaches the whole terminal group; the worker handles it).
 */
import { type ChildProcess, spawn } from 'node:child_process';

const WATCHDOG_SOURCE = `
const graceMs = Number(process.argv[1]);
const groups = new Set();
process.on('SIGINT', () => {});
process.on('SIGTERM', () => {});
process.on('SIGHUP', () => {});
let buf = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (d) => {
  buf += d;
  let i;
  while ((i = buf.indexOf('\\n')) >= 0) {
    const line = buf.slice(0, i);
    buf = buf.slice(i + 1);
    const pgid = Number(line.slice(1));
    if (!Number.isSafeInteger(pgid) || pgid <= 1) continue;
    if (line[0] === '+') groups.add(pgid);
    else if (line[0] === '-') groups.delete(pgid);
  }
});
const kill = (sig) => { for (const g of groups) { try { process.kill(-g, sig); } catch {} } };
process.stdin.on('end', () => {
  if (groups.size === 0) process.exit(0);
  kill('SIGTERM');
  setTimeout(() => { kill('SIGKILL'); process.exit(0); }, graceMs);
});
process.stdin.on('error', () => {});
`;

export class Watchdog {
  private child: ChildProcess | null = null;

  constructor(private readonly graceMs: number) {}

  start(): void {
    if (this.child) return;
    const child = spawn(process.execPath, ['-e', WATCHDOG_SOURCE, String(Math.max(0, Math.round(this.graceMs)))], {
      stdio: ['pipe', 'ignore', 'ignore'],
      env: { PATH: process.env.PATH ?? '' },
    });
    child.stdin?.on('error', () => {});
    child.on('error', () => {});
    child.unref();
    (child.stdin as unknown as { unref?: () => void } | null)?.unref?.();
    this.child = child;
  }

  add(pgid: number): void {
    this.child?.stdin?.write(`+${pgid}\n`);
  }

  remove(pgid: number): void {
    this.child?.stdin?.write(`-${pgid}\n`);
  }

  /** A clean stop: nothing registered is killed (the worker has already ended its trials). */
  stop(): void {
    const c = this.child;
    this.child = null;
    if (!c) return;
    c.stdin?.end();
  }
}
