/**
 * A study: one optimization problem, its trials and the sampler and pruner
 * that drive it. Workers in other processes (or machines) that load the same
 * study from the same storage share its trials.
 */
import { DialsError, InvalidArgumentError, LeaseLostError, TrialPruned } from '../errors.js';
import { encodeAttr, normalizeJson, type JsonValue } from '../json.js';
import type { Pruner } from '../pruners/pruner.js';
import type { Sampler, StudyView } from '../samplers/sampler.js';
import { validateName, type ParamValue } from '../space/distributions.js';
import { type LeasePolicy, MAX_NUMBERS_FILTER, paramsKey, type StartedTrial, type Storage, type StudyRecord } from '../storage/storage.js';
import { lastIntermediateValue, type FrozenTrial } from '../trial/frozen-trial.js';
import { type FinalState, isFinal, type StudyDirection, type TrialState } from '../trial/state.js';
import { exportTrialsCsv, exportTrialsJson } from './export.js';
import { paretoFront } from './pareto.js';
import type { StudyInternals } from './study-internals.js';
import { Trial } from './trial.js';
import { type EnqueueBaselinesOptions, type EnqueuedBaseline, enqueueBaselines } from '../baselines/baselines.js';
import type { Baseline } from '../baselines/registry.js';

export interface HeartbeatOptions {
  /** How often a worker renews the lease of each trial it runs (and reaps stale ones). */
  readonly intervalMs: number;
  /** How long without a heartbeat before a RUNNING trial is failed. */
  readonly graceMs: number;
}

/** What an objective may return, or `tell` may be given. */
export type TrialResult = number | readonly number[] | { readonly state: FinalState; readonly values?: number | readonly number[]; readonly reason?: string };

export type Objective = (trial: Trial) => number | readonly number[] | Promise<number | readonly number[]>;

export interface OptimizeOptions {
  /** Trials to run in this call (across all its concurrent slots). */
  readonly nTrials?: number;
  /** Start no new trial after this many milliseconds. */
  readonly timeoutMs?: number;
  /** Trials run at once in this process (for objectives that await I/O or child processes). */
  readonly concurrency?: number;
  /**
   * Errors that mark the trial FAIL and let optimize go on: true for all, or
   * a list of error classes. By default the first error stops optimize and is rethrown.
   */
  readonly catch?: boolean | readonly (abstract new (...args: never[]) => Error)[];
  /** Called after each trial ends, with its final state. */
  readonly callbacks?: readonly ((study: Study, trial: FrozenTrial) => void | Promise<void>)[];
}

export interface StudyRuntimeOptions {
  readonly sampler: Sampler;
  readonly pruner: Pruner;
  readonly heartbeat?: HeartbeatOptions;
  readonly maxRetries?: number;
  /** Close the storage when the study closes (it was opened from a URL). */
  readonly ownsStorage: boolean;
}

export class Study {
  readonly studyName: string;
  readonly studyId: number;
  readonly directions: readonly StudyDirection[];
  readonly storage: Storage;
  readonly sampler: Sampler;
  readonly pruner: Pruner;
  private readonly internals: StudyInternals;
  private readonly lease: LeasePolicy | undefined;
  private readonly running = new Map<number, Trial>();
  /** Snapshots of this study's trials by number, refreshed before each trial that needs the history. */
  private readonly historyCache: (FrozenTrial | undefined)[] = [];
  /** The latest history read, which the pruner judges on; refreshed at each ask and, in the background, after reports. */
  private liveHistory: readonly FrozenTrial[] = [];
  private prunerRefresh: Promise<unknown> | null = null;
  private readonly writtenNotes = new Map<string, string>();
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private stopRequested = false;
  private closed = false;
  private readonly ownsStorage: boolean;

  /** @internal Use createStudy() or loadStudy(). */
  constructor(storage: Storage, record: StudyRecord, options: StudyRuntimeOptions) {
    this.storage = storage;
    this.studyName = record.studyName;
    this.studyId = record.studyId;
    this.directions = Object.freeze(record.directions.slice());
    this.sampler = options.sampler;
    this.pruner = options.pruner;
    this.ownsStorage = options.ownsStorage;
    this.internals = {
      storage,
      studyId: record.studyId,
      directions: this.directions,
      sampler: this.sampler,
      pruner: this.pruner,
      ...(this.pruner.usesHistory ? { onReport: () => this.refreshPrunerHistory() } : {}),
    };
    if (options.heartbeat) {
      this.lease = { graceMs: options.heartbeat.graceMs, maxRetries: options.maxRetries ?? 0 };
      this.heartbeatTimer = setInterval(() => void this.beat(), options.heartbeat.intervalMs);
      this.heartbeatTimer.unref();
    }
  }

  /** The direction of a single-objective study. */
  get direction(): StudyDirection {
    if (this.directions.length !== 1) {
      throw new InvalidArgumentError(`study ${JSON.stringify(this.studyName)} has ${this.directions.length} objectives; read study.directions instead`);
    }
    return this.directions[0] as StudyDirection;
  }

  /** Renews the leases of this process's running trials, then reaps stale trials of any worker. */
  private async beat(): Promise<void> {
    for (const t of this.running.values()) {
      try {
        if (!(await this.storage.heartbeat(t.trialId, t.leaseId))) t.leaseLost = true;
      } catch {
        // A transient storage error: the next beat tries again, within the grace period.
      }
    }
    try {
      await this.storage.reapStaleTrials(this.studyId);
    } catch {
      // Same: reaping is retried on the next tick.
    }
  }

  /** Fails RUNNING trials whose worker stopped beating; returns their numbers. */
  async reapStaleTrials(): Promise<number[]> {
    return (await this.storage.reapStaleTrials(this.studyId)).map((r) => r.number);
  }

  private async history(): Promise<StudyView> {
    const trials = this.sampler.usesHistory || this.pruner.usesHistory ? await this.refreshHistory() : [];
    return {
      studyName: this.studyName,
      directions: this.directions,
      getTrials: (states?: readonly TrialState[]) => (states ? trials.filter((t) => states.includes(t.state)) : trials),
    };
  }

  /**
   * The study's trials, read incrementally: finished trials never change, so
   * only new trials and those still WAITING or RUNNING are fetched again.
   */
  private async refreshHistory(): Promise<readonly FrozenTrial[]> {
    const cache = this.historyCache;
    let next = 0;
    while (next < cache.length && cache[next] !== undefined) next++;
    const pending: number[] = [];
    for (let i = 0; i < next; i++) if (!isFinal((cache[i] as FrozenTrial).state)) pending.push(i);
    const reads =
      pending.length > MAX_NUMBERS_FILTER
        ? [this.storage.getTrials(this.studyId)]
        : [
            this.storage.getTrials(this.studyId, { minNumber: next }),
            ...(pending.length > 0 ? [this.storage.getTrials(this.studyId, { numbers: pending })] : []),
          ];
    for (const batch of await Promise.all(reads)) {
      for (const t of batch) {
        const old = cache[t.number];
        // States only move forward: a slower read never replaces a finished snapshot.
        if (old === undefined || !isFinal(old.state)) cache[t.number] = t;
      }
    }
    const out: FrozenTrial[] = [];
    for (const t of cache) if (t !== undefined) out.push(t);
    this.liveHistory = out;
    return out;
  }

  /**
   * Re-reads the history for the pruner in the background (one read at a
   * time), so `shouldPrune` sees the reports of trials running elsewhere, as
   * a pruner reading the storage directly would.
   */
  private refreshPrunerHistory(): void {
    if (this.prunerRefresh !== null || this.closed) return;
    this.prunerRefresh = this.refreshHistory()
      .catch(() => {
        // A failed read leaves the previous history in place; the next report tries again.
      })
      .finally(() => {
        this.prunerRefresh = null;
      });
  }

  /** The pruner's view: the freshest history this process has read. */
  private prunerView(): StudyView {
    return {
      studyName: this.studyName,
      directions: this.directions,
      getTrials: (states?: readonly TrialState[]) => (states ? this.liveHistory.filter((t) => states.includes(t.state)) : this.liveHistory),
    };
  }

  /** Starts a trial, or null when the sampler's grid is exhausted. */
  private async askOrNull(maxTrials?: number, prepare?: (trial: Trial) => void): Promise<Trial | null> {
    if (this.closed) throw new InvalidArgumentError(`study ${JSON.stringify(this.studyName)} is closed`);
    const input = {
      ...(this.lease ? { lease: this.lease } : {}),
      ...(this.sampler.gridSize !== undefined ? { gridSize: this.sampler.gridSize } : {}),
      ...(maxTrials !== undefined ? { maxTrials } : {}),
    };
    let trial: Trial;
    if (prepare) {
      // The sampler runs inside the start, so the history is read before it.
      const view = await this.history();
      let made: Trial | undefined;
      const started = await this.storage.startTrial(this.studyId, {
        ...input,
        init: (s) => {
          made = this.newTrial(s, view);
          prepare(made);
          return made.takeStartWrites();
        },
      });
      if (started === null) return null;
      trial = made as Trial;
    } else {
      const started = await this.storage.startTrial(this.studyId, input);
      if (started === null) return null;
      trial = this.newTrial(started, await this.history());
    }
    this.running.set(trial.number, trial);
    await this.recordSamplerNotes();
    return trial;
  }

  private newTrial(started: StartedTrial, view: StudyView): Trial {
    const trialView = { number: started.number, gridIndex: started.gridIndex, fixedParams: started.fixedParams, params: {} };
    // A pruner may narrow what the sampler sees (Hyperband: the trial's bracket); it judges on the whole view.
    const samplerView = this.pruner.samplerView?.(view, trialView) ?? view;
    const space = this.sampler.inferRelativeSearchSpace(samplerView, trialView);
    const relative = Object.keys(space).length > 0 ? this.sampler.sampleRelative(samplerView, trialView, space) : {};
    return new Trial(this.internals, started, samplerView, relative, this.pruner.usesHistory ? this.prunerView() : view);
  }

  /** Writes the sampler's notes (systemAttrs) whose value changed since the last write. */
  private async recordSamplerNotes(): Promise<void> {
    const notes = this.sampler.systemAttrs?.();
    if (!notes) return;
    for (const [key, value] of Object.entries(notes)) {
      const json = encodeAttr(value, `system attribute ${JSON.stringify(key)}`);
      if (this.writtenNotes.get(key) === json) continue;
      await this.storage.setStudyAttr(this.studyId, { kind: 'system', key, json });
      this.writtenNotes.set(key, json);
    }
  }

  /**
   * Starts a trial unless the study already counts `maxTrials` trials (a
   * study-wide budget shared exactly by every worker; see StartTrialInput.maxTrials)
   * or its grid is exhausted; null then.
   *
   * `prepare` runs on the new trial as it starts: the parameters it suggests
   * and the attributes it sets are durable, with the start, when tryAsk
   * returns, for one commit instead of two (for a runner that must have them
   * stored before it launches the trial's work; see StartTrialInput.init).
   * Keep it to suggestions: it may run under the start's locks, and more than
   * once (a retried start). If it throws, the trial ends FAIL with the reason
   * and the error is rethrown.
   * @example while ((t = await study.tryAsk({ maxTrials: 100 })) !== null) await study.tell(t, f(t));
   */
  async tryAsk(options: { maxTrials?: number; prepare?: (trial: Trial) => void } = {}): Promise<Trial | null> {
    const m = options.maxTrials;
    if (m !== undefined && (!Number.isSafeInteger(m) || m < 0))
      throw new InvalidArgumentError(`maxTrials must be a non-negative integer, got ${m}`, ['maxTrials']);
    return this.askOrNull(m, options.prepare);
  }

  /**
   * Starts a trial for the ask-and-tell interface.
   * @example const trial = await study.ask(); await study.tell(trial, f(trial.suggestFloat('x', 0, 1)));
   */
  async ask(): Promise<Trial> {
    const t = await this.askOrNull();
    if (t === null) {
      throw new DialsError('GRID_EXHAUSTED', `every point of the grid of study ${JSON.stringify(this.studyName)} has been claimed; nothing is left to ask`);
    }
    return t;
  }

  /**
   * Ends a trial: a number or one number per objective completes it; `{ state }`
   * prunes or fails it. A NaN or wrongly-sized result fails it, with the reason kept.
   */
  async tell(trial: Trial | number, result: TrialResult): Promise<FrozenTrial> {
    const t = typeof trial === 'number' ? this.running.get(trial) : trial;
    if (t === undefined) {
      throw new InvalidArgumentError(`trial ${String(trial)} is not running in this process; tell() takes the Trial returned by ask()`);
    }
    if (t.ended) throw new InvalidArgumentError(`trial ${t.number} has already been told`);
    const { state, values, reason } = this.interpret(t, result);
    t.ended = true;
    this.running.delete(t.number);
    try {
      await t.finish({ state, values, reason });
    } catch (e) {
      if (t.leaseLost && !(e instanceof LeaseLostError)) throw new LeaseLostError(t.number);
      throw e;
    }
    const frozen = t.snapshot(state, values, reason);
    try {
      this.sampler.afterTrial?.(t.view, t, state, values);
    } catch {
      // A sampler's bookkeeping must not undo a stored result.
    }
    return frozen;
  }

  private interpret(t: Trial, result: TrialResult): { state: FinalState; values: number[] | null; reason: string | null } {
    const n = this.directions.length;
    let state: FinalState = 'COMPLETE';
    let raw: unknown = result;
    let reason: string | null = null;
    if (result !== null && typeof result === 'object' && !Array.isArray(result)) {
      const r = result as { state?: unknown; values?: unknown; reason?: unknown };
      if (r.state !== 'COMPLETE' && r.state !== 'PRUNED' && r.state !== 'FAIL') {
        throw new InvalidArgumentError(`tell() got state ${JSON.stringify(r.state)}; use 'COMPLETE', 'PRUNED' or 'FAIL'`);
      }
      state = r.state;
      raw = r.values;
      reason = typeof r.reason === 'string' ? r.reason : null;
      if (state === 'FAIL') return { state, values: null, reason: reason ?? 'failed' };
      if (state === 'PRUNED' && raw === undefined) {
        const last = n === 1 ? lastIntermediateValue(t.snapshot('RUNNING', null, null)) : null;
        return { state, values: last === null || Number.isNaN(last) ? null : [last], reason };
      }
    }
    const values = typeof raw === 'number' ? [raw] : Array.isArray(raw) ? (raw as unknown[]) : null;
    if (values === null || values.some((v) => typeof v !== 'number')) {
      return { state: 'FAIL', values: null, reason: `the objective returned ${describe(raw)}; it must return a number or an array of ${n} numbers` };
    }
    if (values.length !== n) {
      return { state: 'FAIL', values: null, reason: `the objective returned ${values.length} value(s) but the study has ${n} objective(s)` };
    }
    if ((values as number[]).some((v) => Number.isNaN(v))) {
      return { state: 'FAIL', values: null, reason: 'the objective returned NaN' };
    }
    return { state, values: values as number[], reason };
  }

  /**
   * Runs the objective on new trials until `nTrials` have run, `timeoutMs`
   * has passed, the grid is exhausted, or `stop()` is called.
   * @example await study.optimize((t) => (t.suggestFloat('x', -10, 10) - 2) ** 2, { nTrials: 100 });
   */
  async optimize(objective: Objective, options: OptimizeOptions = {}): Promise<void> {
    if (typeof objective !== 'function') throw new InvalidArgumentError('optimize() needs an objective function');
    const { nTrials, timeoutMs } = options;
    const concurrency = options.concurrency ?? 1;
    if (nTrials !== undefined && (!Number.isSafeInteger(nTrials) || nTrials < 0)) {
      throw new InvalidArgumentError(`nTrials must be a non-negative integer, got ${nTrials}`, ['nTrials']);
    }
    if (timeoutMs !== undefined && !(timeoutMs >= 0)) throw new InvalidArgumentError(`timeoutMs must be >= 0, got ${timeoutMs}`, ['timeoutMs']);
    if (!Number.isSafeInteger(concurrency) || concurrency < 1) {
      throw new InvalidArgumentError(`concurrency must be a positive integer, got ${concurrency}`, ['concurrency']);
    }
    const deadline = timeoutMs === undefined ? Number.POSITIVE_INFINITY : Date.now() + timeoutMs;
    const catches = (e: unknown): boolean =>
      options.catch === true || (Array.isArray(options.catch) && options.catch.some((C) => e instanceof (C as new () => Error)));
    this.stopRequested = false;
    let started = 0;
    let firstError: unknown;
    let stop = false;

    const slot = async (): Promise<void> => {
      while (!stop && !this.stopRequested) {
        if (nTrials !== undefined && started >= nTrials) return;
        if (Date.now() >= deadline) return;
        started++;
        const trial = await this.askOrNull();
        if (trial === null) {
          stop = true;
          return;
        }
        let frozen: FrozenTrial;
        try {
          let result: TrialResult;
          try {
            result = await objective(trial);
          } catch (e) {
            if (e instanceof TrialPruned) {
              result = { state: 'PRUNED' };
            } else {
              if (!catches(e)) {
                stop = true;
                firstError ??= e;
              }
              result = { state: 'FAIL', reason: errorReason(e) };
            }
          }
          frozen = await this.tell(trial, result);
        } catch (e) {
          // The reaper took this trial over (the worker was too slow to beat): carry on.
          if (e instanceof LeaseLostError) continue;
          stop = true;
          firstError ??= e;
          return;
        }
        for (const cb of options.callbacks ?? []) await cb(this, frozen);
      }
    };
    await Promise.all(Array.from({ length: concurrency }, slot));
    if (firstError !== undefined) throw firstError;
  }

  /** Makes a running optimize() return after its current trials. */
  stop(): void {
    this.stopRequested = true;
  }

  /**
   * Queues a trial with fixed parameters; it runs before any new sampled
   * trial. With `skipIfExists`, nothing is queued when a trial with the same
   * parameters exists or is queued (safe with many processes enqueueing at once).
   */
  async enqueueTrial(
    params: Readonly<Record<string, ParamValue>>,
    options: { skipIfExists?: boolean; userAttrs?: Readonly<Record<string, unknown>> } = {},
  ): Promise<{ number: number; created: boolean }> {
    if (params === null || typeof params !== 'object' || Array.isArray(params)) {
      throw new InvalidArgumentError('enqueueTrial() takes an object of parameter values', ['params']);
    }
    const clean: Record<string, ParamValue> = {};
    for (const [k, v] of Object.entries(params)) {
      validateName(k, 'parameter name');
      const ok = v === null || typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v));
      if (!ok) throw new InvalidArgumentError(`parameter ${JSON.stringify(k)}: ${String(v)} is not a finite number, string, boolean or null`, [k]);
      clean[k] = v;
    }
    const attrs = Object.entries(options.userAttrs ?? {}).map(([key, value]) => ({
      kind: 'user' as const,
      key: validateName(key, 'attribute key'),
      json: encodeAttr(value, `user attribute ${JSON.stringify(key)}`),
    }));
    if (options.skipIfExists) {
      const key = paramsKey(clean);
      const existing = (await this.storage.getTrials(this.studyId)).find((t) => paramsKey(pick(t.params, clean)) === key);
      if (existing) return { number: existing.number, created: false };
      const r = await this.storage.enqueueTrial(this.studyId, { params: clean, attrs, dedupeKey: key });
      return { number: r.number, created: r.created };
    }
    const r = await this.storage.enqueueTrial(this.studyId, { params: clean, attrs });
    return { number: r.number, created: true };
  }

  /**
   * Enqueues established baselines ('adam-default@1', …) before any sampled
   * trial, each once per study (see src/baselines).
   * @example await study.enqueueBaselines(['adam-default@1'], { rename: { lr: 'learningRate' } });
   */
  async enqueueBaselines(baselines: readonly (string | Baseline)[], options: EnqueueBaselinesOptions = {}): Promise<EnqueuedBaseline[]> {
    return enqueueBaselines(this, baselines, options);
  }

  /** All trials, in number order, optionally of some states only. */
  async getTrials(options: { states?: readonly TrialState[] } = {}): Promise<FrozenTrial[]> {
    return this.storage.getTrials(this.studyId, options.states ? { states: options.states } : {});
  }

  /** The best COMPLETE trial of a single-objective study. */
  async bestTrial(): Promise<FrozenTrial> {
    const dir = this.direction;
    let best: FrozenTrial | null = null;
    for (const t of await this.getTrials({ states: ['COMPLETE'] })) {
      const v = t.value as number;
      if (best === null || (dir === 'minimize' ? v < (best.value as number) : v > (best.value as number))) best = t;
    }
    if (best === null) {
      throw new DialsError('NO_TRIALS', `study ${JSON.stringify(this.studyName)} has no COMPLETE trial yet; run optimize() first`);
    }
    return best;
  }

  async bestValue(): Promise<number> {
    return (await this.bestTrial()).value as number;
  }

  async bestParams(): Promise<Record<string, ParamValue>> {
    return { ...(await this.bestTrial()).params };
  }

  /** The Pareto-optimal COMPLETE trials (for one objective: every trial with the best value). */
  async bestTrials(): Promise<FrozenTrial[]> {
    return paretoFront(await this.getTrials({ states: ['COMPLETE'] }), this.directions);
  }

  async setUserAttr(key: string, value: unknown): Promise<void> {
    await this.setAttr('user', key, value);
  }

  /** @internal For samplers and tools that record their choices on the study. */
  async setSystemAttr(key: string, value: unknown): Promise<void> {
    await this.setAttr('system', key, value);
  }

  private async setAttr(kind: 'user' | 'system', key: string, value: unknown): Promise<void> {
    validateName(key, 'attribute key');
    await this.storage.setStudyAttr(this.studyId, { kind, key, json: encodeAttr(value, `${kind} attribute ${JSON.stringify(key)}`) });
  }

  async userAttrs(): Promise<Record<string, JsonValue>> {
    return { ...((await this.storage.getStudy(this.studyName))?.userAttrs ?? {}) };
  }

  async systemAttrs(): Promise<Record<string, JsonValue>> {
    return { ...((await this.storage.getStudy(this.studyName))?.systemAttrs ?? {}) };
  }

  /** All trials as CSV (one column per parameter and attribute) or JSON (exact numbers). */
  async exportTrials(format: 'csv' | 'json'): Promise<string> {
    const trials = await this.getTrials();
    return format === 'csv' ? exportTrialsCsv(trials, this.directions) : exportTrialsJson(this.studyName, this.directions, trials);
  }

  /** Stops the heartbeat and reaper and, if the study opened its storage from a URL, closes it. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    await this.prunerRefresh;
    if (this.ownsStorage) await this.storage.close();
  }
}

function pick(params: Readonly<Record<string, ParamValue>>, like: Readonly<Record<string, ParamValue>>): Record<string, ParamValue> {
  const out: Record<string, ParamValue> = {};
  for (const k of Object.keys(like)) if (Object.hasOwn(params, k)) out[k] = params[k] as ParamValue;
  return out;
}

function describe(v: unknown): string {
  if (v === undefined) return 'undefined';
  try {
    return JSON.stringify(normalizeJson(v, 'result')).slice(0, 80);
  } catch {
    return typeof v;
  }
}

function errorReason(e: unknown): string {
  const msg = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  return msg.slice(0, 2000);
}
