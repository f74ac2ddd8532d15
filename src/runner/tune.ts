/**
 * `dials tune`: runs a config file's command as trials of one study, with
 * `parallel` trials at a time, until the study-wide budget (`trials`, shared
 * exactly by every worker on every machine) or the time budget is used up.
 *
 * Trial lifecycle: ask (under the budget), with the space's suggestions and
 * the slot's `dials:worker` stored with the start (one durable commit) →
 * spawn the command in its own process group → intermediate reports go to
 * trial.report and the pruner (pruned: SIGTERM, then SIGKILL to the group)
 * → retries of a failed command, in place → tell with the outcome, the
 * command's exit status and the tails of its stdout and stderr.
 * SIGINT/SIGTERM stop the children, fail their trials as `interrupted` and
 * leave nothing RUNNING; a rerun of the same config resumes the study.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BaselineImprovement, enqueueBaselines, improvementOverBaseline } from '../baselines/baselines.js';
import type { TuneConfig } from '../config/load-config.js';
import { buildFromRegistry } from '../config/registry.js';
import { InvalidArgumentError, LeaseLostError } from '../errors.js';
import type { Pruner } from '../pruners/pruner.js';
import type { Sampler } from '../samplers/sampler.js';
import type { Distribution, ParamValue } from '../space/distributions.js';
import { createStudy } from '../study/create-study.js';
import type { Study, TrialResult } from '../study/study.js';
import type { Trial } from '../study/trial.js';
import type { FrozenTrial } from '../trial/frozen-trial.js';
import { buildArgv } from './command.js';
import { signalGroup } from './kill-group.js';
import { createProgress, type ProgressMode } from './progress.js';
import { type CommandOutcome, type RunCommandOptions, type RunningCommand, runCommand } from './run-command.js';
import { suggestSpace } from './suggest-space.js';
import { METRICS_ATTR, RUN_ATTR, STDERR_ATTR, STDOUT_ATTR, WORKER_ATTR } from './trial-attrs.js';
import { Watchdog } from './watchdog.js';

export const DEFAULT_TUNE_STORAGE = 'sqlite:dials.db';

/** What tune and pbtTune both take. */
export interface CommandRunOptions {
  readonly config: TuneConfig;
  /** Overrides the config's storage. */
  readonly storage?: string | undefined;
  /** Commands run at once (overrides the config's `parallel`). */
  readonly parallel?: number | undefined;
  readonly progress?: ProgressMode;
  /** Handle SIGINT and SIGTERM (the CLI does; a library caller may prefer `abort`). */
  readonly handleSignals?: boolean;
  /** Stops the run as a first Ctrl-C would. */
  readonly abort?: AbortSignal;
}

export interface TuneOptions extends CommandRunOptions {
  /** Overrides the config's study-wide trial budget. */
  readonly trials?: number | undefined;
  /** Overrides the config's time budget (no new trial starts after it). */
  readonly timeMs?: number | undefined;
}

export interface TuneSummary {
  readonly study: string;
  /** The storage URL, password removed. */
  readonly storage: string;
  /** Trials this process ran, by final state. */
  readonly ran: { complete: number; pruned: number; fail: number };
  /** Why the run ended. */
  readonly stoppedBy: 'budget' | 'time' | 'grid' | 'interrupted';
  /** The signal that interrupted the run, if any. */
  readonly signal: 'SIGINT' | 'SIGTERM' | null;
  readonly best: readonly { number: number; values: readonly number[]; params: Readonly<Record<string, ParamValue>> }[];
  readonly studyTrials: number;
  /** Single objective: the best trial against the best baseline trial (config `baselines:`); null without a finished baseline. */
  readonly baseline: BaselineImprovement | null;
}

interface Slot {
  readonly trial: Trial;
  handle: RunningCommand | null;
}

/** What the start of a trial stored with it: the suggested parameters, or why suggesting failed. */
interface Prepared {
  readonly params: Record<string, ParamValue>;
  readonly error: string | null;
}

/** The `dials:worker` of the trials one slot of this process runs: host, process and slot (1-based). */
export function workerId(slot: number): string {
  return `${hostname()}:${process.pid}/${slot}`;
}

/** The environment of a trial's command: this process's (without DIALS_STORAGE), then the config's `env`. */
export function childEnv(config: TuneConfig): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && k !== 'DIALS_STORAGE') env[k] = v;
  return Object.assign(env, config.env);
}

/**
 * Routes SIGINT and SIGTERM (with `handleSignals`) and `abort` to `interrupt`,
 * and runs `onExit` when the process exits; returns what removes them again.
 */
export function listenForInterrupts(
  options: Pick<CommandRunOptions, 'handleSignals' | 'abort'>,
  interrupt: (sig: 'SIGINT' | 'SIGTERM' | null) => void,
  onExit: () => void,
): () => void {
  const onSigint = () => interrupt('SIGINT');
  const onSigterm = () => interrupt('SIGTERM');
  const onAbort = () => interrupt(null);
  if (options.handleSignals) {
    process.on('SIGINT', onSigint);
    process.on('SIGTERM', onSigterm);
  }
  options.abort?.addEventListener('abort', onAbort);
  process.on('exit', onExit);
  return () => {
    if (options.handleSignals) {
      process.removeListener('SIGINT', onSigint);
      process.removeListener('SIGTERM', onSigterm);
    }
    options.abort?.removeEventListener('abort', onAbort);
    process.removeListener('exit', onExit);
  };
}

/** Why a command failed on its own (null: it exited 0; stops by Dials, such as pruning, are the caller's to tell). */
export function commandFailure(o: CommandOutcome): string | null {
  if (o.spawnError !== null) return `cannot start the command: ${o.spawnError}`;
  if (o.killed === 'timeout') return 'timeout';
  if (o.signal !== null) return `killed by signal ${o.signal}`;
  if (o.exitCode !== 0) return `exit code ${o.exitCode}`;
  return null;
}

/** The end of a "no result" reason: the report lines that could not be read, if any. */
export function malformedHint(o: CommandOutcome): string {
  return o.protocol.problems.length > 0 ? `; malformed report lines: ${o.protocol.problems.join('; ')}` : '';
}

/** One run of a trial's command, as the trial's `dials:run` lists its attempts (a type, so that it is a JsonValue). */
export type CommandAttempt = {
  readonly exitCode: number | null;
  readonly signal: string | null;
  readonly killed: string | null;
  readonly durationMs: number;
};

export function attemptOf(o: CommandOutcome): CommandAttempt {
  return { exitCode: o.exitCode, signal: o.signal, killed: o.killed, durationMs: o.durationMs };
}

/** The trial's `dials:run` record: the last attempt's outcome, every attempt, and what the report protocol saw. */
export function runRecord(o: CommandOutcome, attempts: readonly CommandAttempt[]) {
  return {
    ...attemptOf(o),
    attempts,
    stdoutBytes: o.stdoutBytes,
    stderrBytes: o.stderrBytes,
    reports: o.protocol.reports,
    invalidReports: o.protocol.invalid,
    oversizedLines: o.protocol.oversized,
    problems: o.protocol.problems,
  };
}

/**
 * Starts one attempt of the config's command (its workdir, metrics and time
 * limits), writing its results to `resultFile`, which it finds in DIALS_RESULT_FILE.
 */
export function startAttempt(
  config: TuneConfig,
  watchdog: Watchdog,
  argv: readonly string[],
  env: Readonly<Record<string, string>>,
  resultFile: string,
  onIntermediate: NonNullable<RunCommandOptions['onIntermediate']>,
): RunningCommand {
  return runCommand({
    argv,
    cwd: config.workdir,
    env: { ...env, DIALS_RESULT_FILE: resultFile },
    resultFile,
    metrics: config.metrics,
    timeoutMs: config.timeoutMs,
    killGraceMs: config.killGraceMs,
    watchdog,
    onIntermediate,
  });
}

function failed(o: CommandOutcome): boolean {
  return commandFailure(o) !== null || o.final === null;
}

function resultOf(o: CommandOutcome, metrics: readonly string[]): TrialResult {
  if (o.killed === 'interrupted') return { state: 'FAIL', reason: 'interrupted' };
  if (o.killed === 'lease-lost') return { state: 'FAIL', reason: 'lease-lost' };
  if (o.killed === 'pruned') return { state: 'PRUNED' };
  const failure = commandFailure(o);
  if (failure !== null) return { state: 'FAIL', reason: failure };
  if (o.final === null) {
    const example = `dials: ${JSON.stringify(Object.fromEntries(metrics.map((m) => [m, 0.5])))}`;
    return { state: 'FAIL', reason: `the command exited 0 without a final result line such as ${example}${malformedHint(o)}` };
  }
  return o.final.length === 1 ? (o.final[0] as number) : o.final;
}

/** Stores the config's metric names on the study (`dials:metrics`), unless it holds them already. */
export async function recordMetrics(study: Study, metrics: readonly string[]): Promise<void> {
  const existing = await study.systemAttrs();
  if (JSON.stringify(existing[METRICS_ATTR]) !== JSON.stringify(metrics)) await study.setSystemAttr(METRICS_ATTR, metrics);
}

/** A number in a progress line: an integer as it is, others to 6 significant digits. */
export function showNumber(v: number): string {
  return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(6)));
}

function formatValues(values: readonly number[] | null, metrics: readonly string[]): string {
  if (values === null) return '';
  return values.map((v, i) => `${metrics[i] ?? `value${i}`}=${showNumber(v)}`).join(' ');
}

/**
 * Runs a tune: creates or loads the study, then runs trials until a budget is used up.
 * @example const summary = await tune({ config: loadConfig('dials.yaml'), progress: 'lines' });
 */
export async function tune(options: TuneOptions): Promise<TuneSummary> {
  const { config } = options;
  const maxTrials = options.trials ?? config.trials;
  const timeMs = options.timeMs ?? config.timeMs;
  const parallel = options.parallel ?? config.parallel;
  if (!Number.isSafeInteger(parallel) || parallel < 1) throw new InvalidArgumentError(`--parallel must be a positive integer, got ${parallel}`);
  if (maxTrials !== undefined && (!Number.isSafeInteger(maxTrials) || maxTrials < 0)) {
    throw new InvalidArgumentError(`--trials must be a non-negative integer, got ${maxTrials}`);
  }
  const samplerSpec = config.sampler ?? { type: 'auto' };
  if (maxTrials === undefined && timeMs === undefined && samplerSpec.type !== 'grid') {
    throw new InvalidArgumentError(`${config.file}: set a budget: trials: N and/or time: 2h (or --trials / --time)`);
  }
  const ctx = { space: config.space, nObjectives: config.directions.length };
  const sampler: Sampler = buildFromRegistry('sampler', { ...samplerSpec }, ctx);
  const pruner: Pruner = buildFromRegistry('pruner', { ...(config.pruner ?? { type: 'none' }) }, ctx);
  const study = await createStudy({
    studyName: config.study,
    storage: options.storage ?? config.storage ?? DEFAULT_TUNE_STORAGE,
    directions: config.directions,
    sampler,
    pruner,
    heartbeat: config.heartbeat,
    maxRetries: config.retries,
    loadIfExists: true,
  });
  const progressMode = options.progress ?? 'auto';
  const progress = createProgress(progressMode);
  const resultDir = mkdtempSync(join(tmpdir(), 'dials-run-'));
  const watchdog = new Watchdog(config.killGraceMs);
  const slots = new Set<Slot>();
  const ran = { complete: 0, pruned: 0, fail: 0 };
  const t0 = Date.now();
  const deadline = timeMs === undefined ? Number.POSITIVE_INFINITY : t0 + timeMs;
  let stopping = false;
  let stoppedBy: TuneSummary['stoppedBy'] | null = null;
  let exitSignal: 'SIGINT' | 'SIGTERM' | null = null;
  let signals = 0;

  const interrupt = (sig: 'SIGINT' | 'SIGTERM' | null) => {
    signals++;
    exitSignal ??= sig;
    stopping = true;
    stoppedBy = 'interrupted';
    if (signals === 1) {
      progress.note(`interrupted: stopping ${slots.size} running trial(s)${sig === 'SIGINT' ? ' (Ctrl-C again to kill them at once)' : ''}`);
      for (const s of slots) s.handle?.kill('interrupted');
    } else {
      for (const s of slots) s.handle?.killNow('interrupted');
    }
  };
  // Last resort on exit (an uncaught error): no trial process outlives this one.
  const stopListening = listenForInterrupts(options, interrupt, () => {
    for (const s of slots) if (s.handle?.pid !== undefined) signalGroup(s.handle.pid, 'SIGKILL');
  });
  const leaseWatch = setInterval(() => {
    for (const s of slots) if (s.trial.leaseLost) s.handle?.kill('lease-lost');
  }, 250);

  let best: FrozenTrial[] = [];
  let bestReadAt = 0;
  const refreshBest = async (force: boolean) => {
    if (!force && Date.now() - bestReadAt < 2000) return;
    bestReadAt = Date.now();
    best = await study.bestTrials();
  };
  const bestText = () => {
    if (best.length === 0) return '—';
    if (config.directions.length > 1) return `${best.length} Pareto-optimal`;
    const b = best[0] as FrozenTrial;
    return `${formatValues(b.values, config.metrics)} (#${b.number})`;
  };
  let finishedHere = 0;
  // The study-wide count is read at most every half second; in between, this process's own ends are added.
  let doneRead = { at: 0, done: 0, finishedHere: 0 };
  const report = async (line: string) => {
    finishedHere++;
    if (progressMode === 'none') return;
    try {
      if (Date.now() - doneRead.at >= 500) {
        doneRead = { at: Date.now(), done: await study.storage.countTrials(study.studyId, { states: ['COMPLETE', 'PRUNED', 'FAIL'] }), finishedHere };
      }
      await refreshBest(false);
    } catch {
      return;
    }
    const done = doneRead.done + finishedHere - doneRead.finishedHere;
    const elapsed = Date.now() - t0;
    const byBudget = maxTrials === undefined ? Number.POSITIVE_INFINITY : (Math.max(0, maxTrials - done) * elapsed) / finishedHere;
    progress.trialEnded(line, { done, total: maxTrials, best: bestText(), leftMs: Math.min(byBudget, deadline - Date.now()) });
  };

  const env = childEnv(config);
  const names = config.space.map((p) => p.name);
  let runError: unknown;

  const runSlot = async (slotNumber: number): Promise<void> => {
    const worker = workerId(slotNumber);
    while (!stopping) {
      if (Date.now() >= deadline) {
        stoppedBy ??= 'time';
        return;
      }
      let prepared: Prepared = { params: {}, error: 'internal: the trial started without its suggestions' };
      // The parameters and the worker are stored with the trial's start (one durable commit),
      // so they are there before the command starts: a retry after this worker dies reuses them.
      const trial = await study.tryAsk({
        ...(maxTrials !== undefined ? { maxTrials } : {}),
        prepare: (t) => {
          t.setSystemAttr(WORKER_ATTR, worker);
          try {
            prepared = { params: suggestSpace(t, config.space), error: null };
          } catch (e) {
            // The trial still starts, and fails with the reason (a throw here would leave an enqueued trial WAITING forever).
            prepared = { params: {}, error: e instanceof Error ? e.message : String(e) };
          }
        },
      });
      if (trial === null) {
        stoppedBy ??= maxTrials !== undefined ? 'budget' : 'grid';
        return;
      }
      const slot: Slot = { trial, handle: null };
      slots.add(slot);
      try {
        await runTrial(slot, prepared);
      } finally {
        slots.delete(slot);
      }
    }
  };

  const runTrial = async (slot: Slot, prepared: Prepared): Promise<void> => {
    const { trial } = slot;
    const { params } = prepared;
    let result: TrialResult = prepared.error === null ? { state: 'FAIL', reason: 'interrupted' } : { state: 'FAIL', reason: prepared.error };
    let outcome: CommandOutcome | null = null;
    const attempts: CommandAttempt[] = [];
    if (prepared.error === null) {
      const argv = buildArgv(config.command, names, params);
      const trialEnv = {
        ...env,
        DIALS_PARAMS: JSON.stringify(params),
        DIALS_TRIAL_NUMBER: String(trial.number),
        DIALS_STUDY: study.studyName,
      };
      for (let attempt = 0; !stopping; attempt++) {
        const resultFile = join(resultDir, `trial-${trial.number}-${attempt}.jsonl`);
        const handle = startAttempt(config, watchdog, argv, trialEnv, resultFile, (r) => {
          try {
            trial.report(r.values.length === 1 ? (r.values[0] as number) : r.values, r.step, r.fold === null ? {} : { fold: r.fold });
            return trial.shouldPrune();
          } catch {
            return false;
          }
        });
        slot.handle = handle;
        if (stopping) handle.kill('interrupted');
        outcome = await handle.done;
        slot.handle = null;
        attempts.push(attemptOf(outcome));
        if (outcome.killed !== null || !failed(outcome) || attempt >= config.retries) break;
        progress.note(`trial ${trial.number} failed (${describeFailure(outcome)}); retrying (${attempt + 1}/${config.retries})`);
      }
      if (outcome !== null) result = resultOf(outcome, config.metrics);
    }
    if (outcome !== null) {
      // Written with the trial's end, in one transaction.
      trial.setSystemAttr(STDOUT_ATTR, outcome.stdout);
      trial.setSystemAttr(STDERR_ATTR, outcome.stderr);
      trial.setSystemAttr(RUN_ATTR, runRecord(outcome, attempts));
    }
    if (outcome?.killed === 'lease-lost') {
      // The reaper has failed this trial already; nothing of this run is recorded.
      ran.fail++;
      progress.note(`trial ${trial.number}: ${new LeaseLostError(trial.number).message}`);
      return;
    }
    let frozen: FrozenTrial;
    try {
      frozen = await study.tell(trial, result);
    } catch (e) {
      if (e instanceof LeaseLostError) {
        ran.fail++;
        progress.note(`trial ${trial.number}: ${e.message}`);
        return;
      }
      runError ??= e;
      stopping = true;
      return;
    }
    if (frozen.state === 'COMPLETE') ran.complete++;
    else if (frozen.state === 'PRUNED') ran.pruned++;
    else ran.fail++;
    if (frozen.state === 'COMPLETE' && config.directions.length === 1 && best.length > 0) {
      const b = best[0] as FrozenTrial;
      const better = config.directions[0] === 'minimize' ? (frozen.value as number) < (b.value as number) : (frozen.value as number) > (b.value as number);
      if (better) best = [frozen];
    } else if (frozen.state === 'COMPLETE' && best.length === 0) best = [frozen];
    const what =
      frozen.state === 'COMPLETE' ? formatValues(frozen.values, config.metrics) : frozen.state === 'PRUNED' ? 'pruned' : `FAIL (${frozen.failReason})`;
    await report(`trial ${frozen.number} ${what}`);
  };

  try {
    await recordMetrics(study, config.metrics);
    if (config.baselines.length > 0) {
      // Baselines first (each once per study, whatever the number of workers), then the config's own enqueue.
      const space: Record<string, Distribution> = {};
      for (const p of config.space) space[p.name] = p.distribution;
      for (const { ref, ...fit } of config.baselines) await enqueueBaselines(study, [ref], { ...fit, space });
    }
    for (const p of config.enqueue) await study.enqueueTrial(p, { skipIfExists: true });
    await refreshBest(true).catch(() => {});
    watchdog.start();
    await Promise.all(
      Array.from({ length: parallel }, (_, i) =>
        runSlot(i + 1).catch((e) => {
          runError ??= e;
          stopping = true;
          for (const s of slots) s.handle?.kill('interrupted');
        }),
      ),
    );
    if (runError !== undefined) throw runError;
    await refreshBest(true).catch(() => {});
    const studyTrials = await study.storage.countTrials(study.studyId);
    const baseline = config.directions.length === 1 ? await improvementOverBaseline(study) : null;
    return {
      study: study.studyName,
      storage: study.storage.url,
      ran,
      stoppedBy: stoppedBy ?? 'budget',
      signal: exitSignal,
      best: (config.directions.length === 1 ? best.slice(0, 1) : best).map((t) => ({ number: t.number, values: t.values ?? [], params: t.params })),
      studyTrials,
      baseline,
    };
  } finally {
    clearInterval(leaseWatch);
    progress.stop();
    watchdog.stop();
    stopListening();
    rmSync(resultDir, { recursive: true, force: true });
    await study.close();
  }
}

function describeFailure(o: CommandOutcome): string {
  const r = resultOf(o, []);
  return typeof r === 'object' && !Array.isArray(r) && 'reason' in r ? String(r.reason) : 'failed';
}
