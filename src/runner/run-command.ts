/**
 * Runs one trial command: in its own process group (so a kill reaches every
 * process it started), with bounded output capture, the report protocol read
 * from stdout and the result file as they arrive, a timeout, and a kill that
 * sends SIGTERM to the group and SIGKILL after a grace period.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { type FileHandle, open, rm } from 'node:fs/promises';
import { signalGroup } from './kill-group.js';
import { OutputTail } from './output-tail.js';
import { type ProtocolStats, type Report, ReportReader } from './protocol.js';
import type { Watchdog } from './watchdog.js';

/** Why the runner stopped a command. */
export type KillReason = 'timeout' | 'pruned' | 'interrupted' | 'lease-lost';

export interface RunCommandOptions {
  readonly argv: readonly string[];
  readonly cwd: string;
  readonly env: Readonly<Record<string, string>>;
  /** Where the command may write report lines (also given to it as DIALS_RESULT_FILE). */
  readonly resultFile: string;
  readonly metrics: readonly string[];
  readonly timeoutMs?: number | undefined;
  readonly killGraceMs: number;
  /** Called for each intermediate report; return true to stop the command (pruned). */
  readonly onIntermediate?: (r: Extract<Report, { kind: 'intermediate' }>) => boolean;
  readonly watchdog?: Watchdog | undefined;
  /** Bytes of the result file read at most (the rest is ignored). */
  readonly maxResultFileBytes?: number;
}

export interface CommandOutcome {
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  /** Set when the runner stopped the command. */
  readonly killed: KillReason | null;
  /** The last final result reported, or null. */
  readonly final: readonly number[] | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly stdoutBytes: number;
  readonly stderrBytes: number;
  readonly protocol: ProtocolStats;
  readonly durationMs: number;
  /** Set when the command could not be started at all. */
  readonly spawnError: string | null;
}

export interface RunningCommand {
  readonly pid: number | undefined;
  /** Stops the command: SIGTERM to its group, then SIGKILL after the grace period. The first reason is kept. */
  kill(reason: KillReason): void;
  /** SIGKILL to the group now (a second Ctrl-C). */
  killNow(reason: KillReason): void;
  readonly done: Promise<CommandOutcome>;
}

const RESULT_POLL_MS = 250;
const DEFAULT_MAX_RESULT_FILE = 64 * 1024 * 1024;
/** After the main process exits, how long its output pipes may stay open (held by an escaped descendant). */
const PIPE_DRAIN_MS = 2000;

export function runCommand(o: RunCommandOptions): RunningCommand {
  const t0 = Date.now();
  const stdoutTail = new OutputTail();
  const stderrTail = new OutputTail();
  let killed: KillReason | null = null;
  let stopRequested = false;
  // An intermediate report, from stdout or the result file alike: the pruner may stop the trial.
  const onIntermediate = (r: Parameters<NonNullable<RunCommandOptions['onIntermediate']>>[0]) => {
    if (killed !== null || !o.onIntermediate) return;
    let prune = false;
    try {
      prune = o.onIntermediate(r);
    } catch {
      prune = false;
    }
    if (prune) kill('pruned');
  };
  const reader = new ReportReader(o.metrics, onIntermediate);
  const fileReader = new ReportReader(o.metrics, onIntermediate);
  let lastFinalFrom: 'stdout' | 'file' | null = null;

  let child: ReturnType<typeof spawn>;
  try {
    child = spawn(o.argv[0] as string, o.argv.slice(1), { cwd: o.cwd, env: o.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    const outcome = failedSpawn(e, t0, reader.stats);
    return { pid: undefined, kill: () => {}, killNow: () => {}, done: Promise.resolve(outcome) };
  }
  const pid = child.pid;
  if (pid !== undefined) o.watchdog?.add(pid);
  let exited = false;
  let termTimer: NodeJS.Timeout | undefined;
  let timeoutTimer: NodeJS.Timeout | undefined;

  function kill(reason: KillReason): void {
    if (killed === null) killed = reason;
    if (stopRequested || pid === undefined) return;
    stopRequested = true;
    signalGroup(pid, 'SIGTERM');
    termTimer = setTimeout(() => signalGroup(pid, 'SIGKILL'), o.killGraceMs);
  }
  function killNow(reason: KillReason): void {
    if (killed === null) killed = reason;
    stopRequested = true;
    if (pid !== undefined) signalGroup(pid, 'SIGKILL');
  }
  if (o.timeoutMs !== undefined) timeoutTimer = setTimeout(() => kill('timeout'), o.timeoutMs);

  child.stdout?.on('data', (d: Buffer) => {
    stdoutTail.push(d);
    const before = reader.final;
    reader.push(d);
    if (reader.final !== before) lastFinalFrom = 'stdout';
  });
  child.stderr?.on('data', (d: Buffer) => stderrTail.push(d));

  // The result file is read as it grows, so its intermediate reports can prune too.
  let fh: FileHandle | null = null;
  let fileMissing = false;
  let fileOffset = 0;
  let fileBusy: Promise<void> = Promise.resolve();
  const maxFile = o.maxResultFileBytes ?? DEFAULT_MAX_RESULT_FILE;
  const readFile = (): Promise<void> =>
    (fileBusy = fileBusy.then(async () => {
      try {
        fileMissing = false;
        if (fh === null) fh = await open(o.resultFile, 'r');
        const buf = Buffer.allocUnsafe(256 * 1024);
        while (fileOffset < maxFile) {
          const { bytesRead } = await fh.read(buf, 0, Math.min(buf.length, maxFile - fileOffset), fileOffset);
          if (bytesRead === 0) break;
          fileOffset += bytesRead;
          const before = fileReader.final;
          fileReader.push(Buffer.from(buf.subarray(0, bytesRead)));
          if (fileReader.final !== before) lastFinalFrom = 'file';
        }
      } catch (e) {
        // Not created yet, or unreadable: nothing to read.
        fileMissing = (e as NodeJS.ErrnoException).code === 'ENOENT';
      }
    }));
  const poll = setInterval(() => void readFile(), RESULT_POLL_MS);

  const done = new Promise<CommandOutcome>((resolve) => {
    let spawnError: string | null = null;
    let exitCode: number | null = null;
    let signal: NodeJS.Signals | null = null;
    let finished = false;
    let drainTimer: NodeJS.Timeout | undefined;
    const finish = async () => {
      if (finished) return;
      finished = true;
      clearInterval(poll);
      clearTimeout(timeoutTimer);
      clearTimeout(termTimer);
      clearTimeout(drainTimer);
      if (pid !== undefined) {
        signalGroup(pid, 'SIGKILL');
        o.watchdog?.remove(pid);
      }
      child.stdout?.destroy();
      child.stderr?.destroy();
      // Most commands report on stdout: a file never created costs no trip through the thread pool.
      if (fh === null && !existsSync(o.resultFile)) {
        fileMissing = true;
        await fileBusy;
      } else await readFile();
      reader.end();
      fileReader.end();
      const handle = fh as FileHandle | null;
      if (handle !== null) await handle.close().catch(() => {});
      if (!fileMissing) await rm(o.resultFile, { force: true }).catch(() => {});
      const final = lastFinalFrom === 'file' ? fileReader.final : lastFinalFrom === 'stdout' ? reader.final : (fileReader.final ?? reader.final);
      const stats: ProtocolStats = {
        reports: reader.stats.reports + fileReader.stats.reports,
        invalid: reader.stats.invalid + fileReader.stats.invalid,
        oversized: reader.stats.oversized + fileReader.stats.oversized,
        problems: [...reader.stats.problems, ...fileReader.stats.problems].slice(0, 5),
      };
      resolve({
        exitCode,
        signal,
        killed,
        final,
        stdout: stdoutTail.text(),
        stderr: stderrTail.text(),
        stdoutBytes: stdoutTail.total,
        stderrBytes: stderrTail.total,
        protocol: stats,
        durationMs: Date.now() - t0,
        spawnError,
      });
    };
    child.on('error', (e) => {
      spawnError =
        (e as NodeJS.ErrnoException).code !== 'ENOENT'
          ? (e as Error).message
          : existsSync(o.cwd)
            ? `command not found: ${o.argv[0]}`
            : `the working directory ${o.cwd} does not exist`;
      exited = true;
      void finish();
    });
    child.on('exit', (code, sig) => {
      exited = true;
      exitCode = code;
      signal = sig;
      // Whatever the main process left behind in its group dies with it.
      if (pid !== undefined) signalGroup(pid, 'SIGKILL');
      drainTimer = setTimeout(() => void finish(), PIPE_DRAIN_MS);
    });
    child.on('close', () => {
      if (exited) void finish();
    });
  });
  return { pid, kill, killNow, done };
}

function failedSpawn(e: unknown, t0: number, protocol: ProtocolStats): CommandOutcome {
  return {
    exitCode: null,
    signal: null,
    killed: null,
    final: null,
    stdout: '',
    stderr: '',
    stdoutBytes: 0,
    stderrBytes: 0,
    protocol,
    durationMs: Date.now() - t0,
    spawnError: e instanceof Error ? e.message : String(e),
  };
}
