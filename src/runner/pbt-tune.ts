/**
 * `dials tune` for a config with a `pbt:` section: population-based training
 * of the config's command. runPbt schedules the population; each segment (one
 * member from step START to step END) is one run of the command through
 * runCommand, with the PBT environment of pbtCommandEnv (checkpoint in and
 * out, step range, member) besides DIALS_PARAMS, DIALS_STUDY and
 * DIALS_RESULT_FILE.
 *
 * A segment's score is the command's final `dials:` result; without one, its
 * intermediate report for step END. A segment whose command fails (after
 * `retries`, run in place with the same checkpoint) fails its trial with the
 * reason, lets the segments running beside it finish, and stops the run;
 * running the config again runs that segment again with the same
 * hyperparameters and checkpoint (runPbt's restart). Ctrl-C and SIGTERM stop
 * the commands, fail their segments as `interrupted` and exit 130/143; the
 * next run resumes them the same way, as it does after `kill -9`.
 */
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, utimesSync, writeSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PbtConfig, TuneConfig } from '../config/load-config.js';
import { InvalidArgumentError } from '../errors.js';
import { type ArtifactStore, resolveArtifactStore } from '../pbt/artifact-store.js';
import { pbtCommandEnv } from '../pbt/command.js';
import { PBT_CONFIG_ATTR, type PbtSegmentInfo } from '../pbt/records.js';
import { PbtSegmentFailed, type PbtSegmentFn, type PbtSegmentIo, type PbtSegmentJob, runPbt } from '../pbt/run-pbt.js';
import type { PbtParamSpec, PbtParams, PbtSpace } from '../pbt/space.js';
import type { ParamValue } from '../space/distributions.js';
import { createStudy } from '../study/create-study.js';
import { buildArgv, shellQuote } from './command.js';
import { signalGroup } from './kill-group.js';
import { createProgress } from './progress.js';
import type { CommandOutcome, RunningCommand } from './run-command.js';
import { RUN_ATTR, STDERR_ATTR, STDOUT_ATTR } from './trial-attrs.js';
import {
  attemptOf,
  type CommandAttempt,
  type CommandRunOptions,
  childEnv,
  commandFailure,
  DEFAULT_TUNE_STORAGE,
  listenForInterrupts,
  malformedHint,
  recordMetrics,
  runRecord,
  showNumber,
  startAttempt,
} from './tune.js';
import { Watchdog } from './watchdog.js';

/** tune's options, for a config with a `pbt:` section; `parallel` is how many members train at once. */
export type PbtTuneOptions = CommandRunOptions;

export interface PbtTuneMember {
  readonly member: number;
  readonly score: number;
  readonly params: Readonly<Record<string, ParamValue>>;
  readonly step: number;
  /** The trial of the member's last segment. */
  readonly trialNumber: number;
  /** The file of the member's final checkpoint. */
  readonly checkpoint: string;
}

export interface PbtTuneSummary {
  readonly kind: 'pbt';
  readonly study: string;
  /** The storage URL, password removed. */
  readonly storage: string;
  /** Segments this process ran, by final state. */
  readonly ran: { complete: number; fail: number };
  readonly stoppedBy: 'done' | 'interrupted';
  readonly signal: 'SIGINT' | 'SIGTERM' | null;
  /** True when this run picked up segments of an earlier one. */
  readonly resumed: boolean;
  /** The run's seed (recorded on the study; a rerun keeps it). */
  readonly seed: number | null;
  /** Where the checkpoints are. */
  readonly artifacts: string;
  /** The member with the best final score (null when the run was interrupted). */
  readonly best: PbtTuneMember | null;
  readonly members: readonly PbtTuneMember[];
  readonly studyTrials: number;
}

/** The config's space as runPbt takes it (conditional parameters are refused by the config loader). */
export function pbtSpaceOf(config: TuneConfig): PbtSpace {
  const space: Record<string, PbtParamSpec> = {};
  for (const p of config.space) {
    const d = p.distribution;
    if (d.kind === 'categorical') space[p.name] = { kind: 'categorical', choices: d.choices };
    else if (d.kind === 'int') space[p.name] = { kind: 'int', low: d.low, high: d.high, log: d.log, step: d.step };
    else
      space[p.name] =
        d.step === null ? { kind: 'float', low: d.low, high: d.high, log: d.log } : { kind: 'float', low: d.low, high: d.high, log: d.log, step: d.step };
  }
  return space;
}

/** How often a driver renews its lock, and when a lock from another machine counts as abandoned. */
const LOCK_RENEW_MS = 5000;
const LOCK_STALE_MS = 30_000;

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * One `dials tune` drives a PBT study at a time: a second one would close the
 * first's running segments as interrupted and schedule the same members.
 * The lock is a file in the checkpoint folder (every machine that could
 * drive the study reaches it): `{ pid, host }`, renewed every 5 s. A lock
 * whose process is gone (same machine) or that was not renewed for 30 s
 * (another machine) is taken over.
 */
function lockDriver(folder: string, study: string): () => void {
  mkdirSync(folder, { recursive: true });
  const path = join(folder, '.dials-driver.lock');
  const me = { pid: process.pid, host: hostname() };
  for (let attempt = 0; ; attempt++) {
    try {
      const fd = openSync(path, 'wx');
      writeSync(fd, JSON.stringify({ ...me, since: new Date().toISOString() }));
      closeSync(fd);
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) throw e;
      let holder: { pid?: unknown; host?: unknown } = {};
      let age = 0;
      try {
        holder = JSON.parse(readFileSync(path, 'utf8')) as typeof holder;
        age = Date.now() - statSync(path).mtimeMs;
      } catch {
        // Unreadable or half-written: treated as abandoned.
      }
      const sameHost = holder.host === me.host;
      const alive = typeof holder.pid === 'number' && (sameHost ? pidAlive(holder.pid) : age < LOCK_STALE_MS);
      if (alive) {
        throw new InvalidArgumentError(
          `another dials tune (pid ${holder.pid} on ${String(holder.host)}) is driving the PBT study ${JSON.stringify(study)}; one process runs a population (parallel: N trains N members at once). Wait for it, or stop it and run this again to resume (lock: ${path})`,
        );
      }
      rmSync(path, { force: true });
    }
  }
  const renew = setInterval(() => {
    try {
      const now = new Date();
      utimesSync(path, now, now);
    } catch {
      // The folder went away: the run fails on its next checkpoint anyway.
    }
  }, LOCK_RENEW_MS);
  renew.unref();
  return () => {
    clearInterval(renew);
    try {
      const holder = JSON.parse(readFileSync(path, 'utf8')) as { pid?: unknown; host?: unknown };
      if (holder.pid === me.pid && holder.host === me.host) rmSync(path, { force: true });
    } catch {
      // Already gone.
    }
  };
}

/**
 * Trains the config's command as a PBT population until every member has
 * done `pbt.total_steps` steps; run again to resume.
 * @example const summary = await pbtTune({ config: loadConfig('examples/pbt-command/dials.yaml'), progress: 'lines' });
 */
export async function pbtTune(options: PbtTuneOptions): Promise<PbtTuneSummary> {
  const { config } = options;
  const pbt = config.pbt as PbtConfig;
  if (pbt === undefined) throw new InvalidArgumentError(`${config.file} has no pbt: section`);
  const parallel = options.parallel ?? config.parallel;
  if (!Number.isSafeInteger(parallel) || parallel < 1) throw new InvalidArgumentError(`--parallel must be a positive integer, got ${parallel}`);
  const storageUrl = options.storage ?? config.storage ?? DEFAULT_TUNE_STORAGE;
  if (pbt.artifacts === undefined && !storageUrl.startsWith('sqlite:')) {
    throw new InvalidArgumentError(
      `${config.file}: pbt.artifacts: a study outside a SQLite file has no folder of its own for checkpoints; set pbt.artifacts to a folder (every machine that runs members must reach it)`,
    );
  }
  const metric = config.metrics[0] as string;
  const study = await createStudy({ studyName: config.study, storage: storageUrl, directions: config.directions, loadIfExists: true });
  const direction = config.directions[0];
  const progressMode = options.progress ?? 'auto';
  const progress = createProgress(progressMode);
  const resultDir = mkdtempSync(join(tmpdir(), 'dials-pbt-'));
  const watchdog = new Watchdog(config.killGraceMs);
  const running = new Set<RunningCommand>();
  const controller = new AbortController();
  const ran = { complete: 0, fail: 0 };
  let exitSignal: 'SIGINT' | 'SIGTERM' | null = null;
  let signals = 0;
  const interrupt = (sig: 'SIGINT' | 'SIGTERM' | null) => {
    signals++;
    exitSignal ??= sig;
    if (signals === 1) {
      progress.note(`interrupted: stopping ${running.size} running segment(s)${sig === 'SIGINT' ? ' (Ctrl-C again to kill them at once)' : ''}`);
      controller.abort(new PbtSegmentFailed('interrupted', 'the PBT run was interrupted; run the same config again to resume it'));
      for (const h of running) h.kill('interrupted');
    } else {
      for (const h of running) h.killNow('interrupted');
    }
  };
  const stopListening = listenForInterrupts(options, interrupt, () => {
    for (const h of running) if (h.pid !== undefined) signalGroup(h.pid, 'SIGKILL');
  });

  const baseEnv = childEnv(config);
  const names = config.space.map((p) => p.name);
  const segmentsPerMember = Math.ceil(pbt.totalSteps / pbt.readyEvery);
  const totalSegments = pbt.population * segmentsPerMember;
  let done = 0;
  let best: { score: number; text: string } | null = null;
  const t0 = Date.now();
  let doneHere = 0;
  const better = (a: number, b: number) => (direction === 'maximize' ? a > b : a < b);

  const segment: PbtSegmentFn = async (job: PbtSegmentJob, io: PbtSegmentIo) => {
    const env: Record<string, string> = { ...baseEnv, ...pbtCommandEnv(job, io.artifacts), DIALS_STUDY: study.studyName };
    const checkpointOut = env.DIALS_CHECKPOINT_OUT as string;
    const argv = buildArgv(config.command, names, job.params);
    const where = `member ${job.member} (trial ${job.trialNumber}, steps ${job.start} to ${job.end})`;
    // Steps below END are recorded as they arrive (once: a retry does not repeat them); END is the segment's score.
    const recorded = new Set<number>();
    let chain: Promise<void> = Promise.resolve();
    let recordError: unknown;
    let outcome: CommandOutcome | null = null;
    let reason: string | null = null;
    let endReport: number | undefined;
    const attempts: CommandAttempt[] = [];
    for (let attempt = 0; ; attempt++) {
      if (controller.signal.aborted) {
        reason = 'interrupted';
        break;
      }
      rmSync(checkpointOut, { force: true });
      endReport = undefined;
      let badStep: string | null = null;
      const resultFile = join(resultDir, `trial-${job.trialNumber}-${attempt}.jsonl`);
      const handle = startAttempt(config, watchdog, argv, env, resultFile, (r) => {
        if (r.step <= job.start || r.step > job.end) {
          badStep =
            `reported step ${r.step} in a segment from step ${job.start} to ${job.end}; with pbt, "step" counts the steps done, ` +
            `so after training step s (DIALS_STEP_START ≤ s < DIALS_STEP_END) report step s + 1`;
          return true;
        }
        const v = r.values[0] as number;
        if (r.step === job.end) {
          endReport = v;
          return false;
        }
        if (recorded.has(r.step)) return false;
        recorded.add(r.step);
        chain = chain
          .then(() => io.report(r.step, v))
          .catch((e: unknown) => {
            recordError ??= e;
          });
        return false;
      });
      running.add(handle);
      if (controller.signal.aborted) handle.kill('interrupted');
      outcome = await handle.done;
      running.delete(handle);
      await chain;
      if (recordError !== undefined) throw recordError;
      attempts.push(attemptOf(outcome));
      if (outcome.killed === 'interrupted') reason = 'interrupted';
      else if (badStep !== null) reason = badStep;
      else reason = commandFailure(outcome);
      if (reason === null && outcome.final === null && endReport === undefined) {
        reason = `the command exited 0 without a score for step ${job.end}: print dials: ${JSON.stringify({ step: job.end, [metric]: 0.5 })} or a final dials: ${JSON.stringify({ [metric]: 0.5 })}${malformedHint(outcome)}`;
      }
      if (reason === null && !existsSync(checkpointOut)) {
        reason = 'the command exited 0 without writing its checkpoint to the file DIALS_CHECKPOINT_OUT names';
      }
      if (reason === null || reason === 'interrupted' || attempt >= config.retries) break;
      progress.note(`${where} failed (${reason}); retrying (${attempt + 1}/${config.retries})`);
    }
    if (outcome !== null) {
      await io.setSystemAttrs({
        [STDOUT_ATTR]: outcome.stdout,
        [STDERR_ATTR]: outcome.stderr,
        [RUN_ATTR]: runRecord(outcome, attempts),
      });
    }
    if (reason !== null) {
      if (reason !== 'interrupted') ran.fail++;
      throw new PbtSegmentFailed(
        reason,
        reason === 'interrupted'
          ? `${where} was interrupted`
          : `${where} failed: ${reason}; its output: dials logs --study ${shellQuote(study.studyName)} --trial ${job.trialNumber}. Fix the command and run the config again: the segment runs again with the same hyperparameters and checkpoint`,
      );
    }
    const o = outcome as CommandOutcome;
    await io.report(job.end, o.final !== null ? (o.final[0] as number) : (endReport as number));
  };

  const onSegment = async (s: PbtSegmentInfo) => {
    ran.complete++;
    done++;
    doneHere++;
    const score = s.score as number;
    if (best === null || better(score, best.score))
      best = { score, text: `${metric}=${showNumber(score)} (#${s.trialNumber}, member ${s.member}, step ${s.end})` };
    let what = '';
    if (s.exploit !== null) {
      const changes = s.exploit.changes
        .filter((c) => c.from !== c.to)
        .map(
          (c) => `${c.name} ${typeof c.from === 'number' ? showNumber(c.from) : String(c.from)}→${typeof c.to === 'number' ? showNumber(c.to) : String(c.to)}`,
        );
      what = ` · copied member ${s.exploit.fromMember} at step ${s.exploit.fromStep}${changes.length > 0 ? ` (${changes.join(', ')})` : ''}`;
    }
    const elapsed = Date.now() - t0;
    progress.trialEnded(`trial ${s.trialNumber} member ${s.member} steps ${s.start}→${s.end} ${metric}=${showNumber(score)}${what}`, {
      done: Math.min(done, totalSegments),
      total: totalSegments,
      best: best.text,
      leftMs: (Math.max(0, totalSegments - done) * elapsed) / doneHere,
    });
  };

  let unlock: (() => void) | null = null;
  try {
    const artifacts: ArtifactStore = resolveArtifactStore(pbt.artifacts, study.storage, study.studyId);
    if (artifacts.filePath === undefined) {
      throw new InvalidArgumentError(`${config.file}: pbt.artifacts: commands read and write checkpoints as files; ${artifacts.location} keeps none`);
    }
    unlock = lockDriver(artifacts.location, study.studyName);
    await recordMetrics(study, config.metrics);
    done = await study.storage.countTrials(study.studyId, { states: ['COMPLETE'] });
    watchdog.start();
    let result: Awaited<ReturnType<typeof runPbt>> | null = null;
    try {
      result = await runPbt({
        study,
        space: pbtSpaceOf(config),
        population: pbt.population,
        readyEvery: pbt.readyEvery,
        totalSteps: pbt.totalSteps,
        quantile: pbt.quantile,
        explore: pbt.explore,
        synchronous: pbt.synchronous,
        concurrency: parallel,
        keepCheckpoints: pbt.keepCheckpoints,
        initialParams: config.enqueue as readonly Partial<PbtParams<PbtSpace>>[],
        signal: controller.signal,
        segment,
        onSegment,
        artifacts,
        ...(pbt.mutable !== undefined ? { mutable: pbt.mutable } : {}),
        ...(pbt.seed !== undefined ? { seed: pbt.seed } : {}),
      });
    } catch (e) {
      if (!controller.signal.aborted) throw e;
    }
    const studyTrials = await study.storage.countTrials(study.studyId);
    const seedAttr = ((await study.systemAttrs())[PBT_CONFIG_ATTR] as { seed?: unknown } | undefined)?.seed;
    const fileOf = (key: string) => artifacts.filePath?.(key) ?? key;
    const members: PbtTuneMember[] = (result?.members ?? []).map((m) => ({ ...m, params: { ...m.params }, checkpoint: fileOf(m.checkpoint) }));
    const bestMember = result === null ? null : (members.find((m) => m.member === result.best.member) ?? null);
    return {
      kind: 'pbt',
      study: study.studyName,
      storage: study.storage.url,
      ran,
      stoppedBy: result === null ? 'interrupted' : 'done',
      signal: exitSignal,
      resumed: result?.resumed ?? done > ran.complete,
      seed: result?.seed ?? (typeof seedAttr === 'number' ? seedAttr : null),
      artifacts: artifacts.location,
      best: bestMember,
      members,
      studyTrials,
    };
  } finally {
    unlock?.();
    progress.stop();
    watchdog.stop();
    stopListening();
    rmSync(resultDir, { recursive: true, force: true });
    await study.close();
  }
}
