/**
 * In-process storage: the library's default (`memory:`). Same contract as the
 * databases, no durability. Finished trials are frozen once and shared, so
 * reading a long history costs no copies.
 */
import { DuplicateStudyError, InvalidArgumentError, StudyNotFoundError, TrialNotFoundError } from '../../errors.js';
import { decodeJson, type JsonValue } from '../../json.js';
import type { Distribution, ParamValue } from '../../space/distributions.js';
import type { FrozenTrial, IntermediateValue } from '../../trial/frozen-trial.js';
import { isFinal, type StudyDirection, TRIAL_STATES, type TrialState } from '../../trial/state.js';
import { newLeaseId, REASON_LEASE_EXPIRED, resolveStaleWrite } from '../lease.js';
import type {
  AttrWrite,
  ChangeQuery,
  ChangeSet,
  EnqueueInput,
  ReapedTrial,
  StartedTrial,
  StartTrialInput,
  Storage,
  StudyRecord,
  StudySummary,
  TrialInit,
  TrialPatch,
  TrialQuery,
} from '../storage.js';
import { BUDGET_EXEMPT_REASONS, changeLimit, checkNumbersFilter, initFailureReason, parseChangeCursor, type TrialChange } from '../storage.js';

interface MemTrial {
  trialId: number;
  studyId: number;
  number: number;
  state: TrialState;
  values: number[] | null;
  params: Map<string, { value: ParamValue; distribution: Distribution }>;
  intermediate: Map<string, IntermediateValue>;
  userAttrs: Map<string, JsonValue>;
  systemAttrs: Map<string, JsonValue>;
  fixedParams: Record<string, ParamValue>;
  start: number | null;
  end: number | null;
  leaseId: string | null;
  heartbeatAt: number;
  graceMs: number | null;
  maxRetries: number;
  retryOf: number | null;
  retryCount: number;
  gridIndex: number | null;
  failReason: string | null;
  frozen: FrozenTrial | null;
}

interface MemStudy {
  studyId: number;
  name: string;
  directions: StudyDirection[];
  userAttrs: Map<string, JsonValue>;
  systemAttrs: Map<string, JsonValue>;
  createdAt: Date;
  trials: MemTrial[];
  waiting: MemTrial[];
  gridCursor: number;
  dedupe: Set<string>;
}

function toRecord(m: Map<string, JsonValue>): Record<string, JsonValue> {
  const o: Record<string, JsonValue> = Object.create(null);
  for (const [k, v] of m) o[k] = v;
  return o;
}

function ivKey(iv: { step: number; fold: number | null }): string {
  return `${iv.fold ?? ''}:${iv.step}`;
}

function sortIntermediate(a: IntermediateValue, b: IntermediateValue): number {
  return (a.fold ?? -1) - (b.fold ?? -1) || a.step - b.step;
}

export class MemoryStorage implements Storage {
  readonly url: string;
  readonly capabilities = { multiProcess: false, persistent: false } as const;
  private studies = new Map<string, MemStudy>();
  private studyById = new Map<number, MemStudy>();
  private trials = new Map<number, MemTrial>();
  private nextStudyId = 1;
  private nextTrialId = 1;
  /** Change log: the latest change number of each trial and study. */
  private changeSeq = 0;
  private readonly trialChanges = new Map<number, number>();
  private readonly studyChanges = new Map<number, { seq: number; deleted: boolean }>();
  /** Injectable clock, in ms, for tests of leases. */
  now: () => number = Date.now;

  constructor(url = 'memory:') {
    this.url = url;
  }

  private touchTrial(t: MemTrial): void {
    this.trialChanges.set(t.trialId, ++this.changeSeq);
  }

  private touchStudy(studyId: number, deleted = false): void {
    this.studyChanges.set(studyId, { seq: ++this.changeSeq, deleted });
  }

  private study(studyId: number): MemStudy {
    const s = this.studyById.get(studyId);
    if (!s) throw new StudyNotFoundError(`#${studyId}`);
    return s;
  }

  private trial(trialId: number): MemTrial {
    const t = this.trials.get(trialId);
    if (!t) throw new TrialNotFoundError(`#${trialId}`);
    return t;
  }

  private record(s: MemStudy): StudyRecord {
    return {
      studyId: s.studyId,
      studyName: s.name,
      directions: s.directions.slice(),
      userAttrs: toRecord(s.userAttrs),
      systemAttrs: toRecord(s.systemAttrs),
      createdAt: new Date(s.createdAt.getTime()),
    };
  }

  async createStudy(input: { studyName: string; directions: readonly StudyDirection[] }): Promise<StudyRecord> {
    if (this.studies.has(input.studyName)) throw new DuplicateStudyError(input.studyName);
    const s: MemStudy = {
      studyId: this.nextStudyId++,
      name: input.studyName,
      directions: input.directions.slice(),
      userAttrs: new Map(),
      systemAttrs: new Map(),
      createdAt: new Date(this.now()),
      trials: [],
      waiting: [],
      gridCursor: 0,
      dedupe: new Set(),
    };
    this.studies.set(s.name, s);
    this.studyById.set(s.studyId, s);
    this.touchStudy(s.studyId);
    return this.record(s);
  }

  async getStudy(studyName: string): Promise<StudyRecord | null> {
    const s = this.studies.get(studyName);
    return s ? this.record(s) : null;
  }

  async listStudies(): Promise<StudySummary[]> {
    return [...this.studies.values()].map((s) => {
      const stateCounts = Object.fromEntries(TRIAL_STATES.map((st) => [st, 0])) as Record<TrialState, number>;
      for (const t of s.trials) stateCounts[t.state]++;
      return { ...this.record(s), nTrials: s.trials.length, stateCounts };
    });
  }

  async deleteStudy(studyName: string): Promise<void> {
    const s = this.studies.get(studyName);
    if (!s) throw new StudyNotFoundError(studyName);
    for (const t of s.trials) {
      this.trials.delete(t.trialId);
      this.trialChanges.delete(t.trialId);
    }
    this.studies.delete(studyName);
    this.studyById.delete(s.studyId);
    this.touchStudy(s.studyId, true);
  }

  async setStudyAttr(studyId: number, attr: AttrWrite): Promise<void> {
    const s = this.study(studyId);
    (attr.kind === 'user' ? s.userAttrs : s.systemAttrs).set(attr.key, decodeJson(attr.json));
    this.touchStudy(studyId);
  }

  private newTrial(s: MemStudy, state: TrialState): MemTrial {
    const t: MemTrial = {
      trialId: this.nextTrialId++,
      studyId: s.studyId,
      number: s.trials.length,
      state,
      values: null,
      params: new Map(),
      intermediate: new Map(),
      userAttrs: new Map(),
      systemAttrs: new Map(),
      fixedParams: Object.create(null),
      start: null,
      end: null,
      leaseId: null,
      heartbeatAt: 0,
      graceMs: null,
      maxRetries: 0,
      retryOf: null,
      retryCount: 0,
      gridIndex: null,
      failReason: null,
      frozen: null,
    };
    s.trials.push(t);
    this.trials.set(t.trialId, t);
    this.touchTrial(t);
    return t;
  }

  async enqueueTrial(studyId: number, input: EnqueueInput): Promise<{ trialId: number; number: number; created: boolean }> {
    const s = this.study(studyId);
    if (input.dedupeKey !== undefined) {
      if (s.dedupe.has(input.dedupeKey)) {
        const existing = s.trials.find((t) => t.systemAttrs.get('dials:dedupe_key') === input.dedupeKey);
        return { trialId: existing?.trialId ?? -1, number: existing?.number ?? -1, created: false };
      }
      s.dedupe.add(input.dedupeKey);
    }
    const t = this.newTrial(s, 'WAITING');
    t.fixedParams = Object.assign(Object.create(null), input.params);
    if (input.dedupeKey !== undefined) t.systemAttrs.set('dials:dedupe_key', input.dedupeKey);
    for (const a of input.attrs ?? []) (a.kind === 'user' ? t.userAttrs : t.systemAttrs).set(a.key, decodeJson(a.json));
    s.waiting.push(t);
    this.touchTrial(t);
    return { trialId: t.trialId, number: t.number, created: true };
  }

  private budgetCount(s: MemStudy): number {
    let n = 0;
    for (const t of s.trials) {
      if (t.state === 'WAITING') continue;
      if (t.state === 'FAIL' && BUDGET_EXEMPT_REASONS.includes(t.failReason ?? '')) continue;
      n++;
    }
    return n;
  }

  async startTrial(studyId: number, input: StartTrialInput): Promise<StartedTrial | null> {
    const s = this.study(studyId);
    if (input.maxTrials !== undefined && this.budgetCount(s) >= input.maxTrials) return null;
    const waiting = s.waiting[0];
    if (!waiting && input.gridSize !== undefined && s.gridCursor >= input.gridSize) return null;
    const leaseId = newLeaseId();
    const started: StartedTrial = waiting
      ? {
          trialId: waiting.trialId,
          number: waiting.number,
          leaseId,
          fixedParams: { ...waiting.fixedParams },
          gridIndex: waiting.gridIndex,
          retryOf: waiting.retryOf === null ? null : this.trial(waiting.retryOf).number,
        }
      : {
          trialId: this.nextTrialId,
          number: s.trials.length,
          leaseId,
          fixedParams: {},
          gridIndex: input.gridSize !== undefined ? s.gridCursor : null,
          retryOf: null,
        };
    let t: MemTrial;
    if (waiting) {
      s.waiting.shift();
      t = waiting;
      t.state = 'RUNNING';
    } else {
      if (input.gridSize !== undefined) s.gridCursor++;
      t = this.newTrial(s, 'RUNNING');
      t.gridIndex = started.gridIndex;
    }
    t.start = this.now();
    t.leaseId = leaseId;
    t.heartbeatAt = t.start;
    t.graceMs = input.lease?.graceMs ?? null;
    t.maxRetries = input.lease?.maxRetries ?? 0;
    let init: TrialInit | undefined;
    try {
      init = input.init?.(started);
    } catch (e) {
      t.state = 'FAIL';
      t.failReason = initFailureReason(e);
      t.end = this.now();
      this.touchTrial(t);
      throw e;
    }
    for (const p of init?.params ?? []) if (!t.params.has(p.name)) t.params.set(p.name, { value: p.value, distribution: p.distribution });
    for (const a of init?.attrs ?? []) (a.kind === 'user' ? t.userAttrs : t.systemAttrs).set(a.key, decodeJson(a.json));
    this.touchTrial(t);
    return started;
  }

  async updateTrial(trialId: number, leaseId: string, patch: TrialPatch): Promise<void> {
    const t = this.trial(trialId);
    if (t.state !== 'RUNNING' || t.leaseId !== leaseId) {
      resolveStaleWrite(t, leaseId, patch);
      return;
    }
    for (const p of patch.params ?? []) {
      const old = t.params.get(p.name);
      if (old && !Object.is(old.value, p.value)) {
        throw new InvalidArgumentError(`parameter ${JSON.stringify(p.name)} of trial ${t.number} is already set to ${JSON.stringify(old.value)}`);
      }
      t.params.set(p.name, { value: p.value, distribution: p.distribution });
    }
    for (const iv of patch.intermediate ?? []) {
      const k = ivKey(iv);
      if (!t.intermediate.has(k)) t.intermediate.set(k, { step: iv.step, fold: iv.fold, values: iv.values.slice() });
    }
    for (const a of patch.attrs ?? []) (a.kind === 'user' ? t.userAttrs : t.systemAttrs).set(a.key, decodeJson(a.json));
    if (patch.finish) {
      t.state = patch.finish.state;
      t.values = patch.finish.values === null ? null : patch.finish.values.slice();
      t.failReason = patch.finish.reason;
      t.end = this.now();
    }
    if (patch.params?.length || patch.intermediate?.length || patch.attrs?.length || patch.finish) this.touchTrial(t);
  }

  async heartbeat(trialId: number, leaseId: string): Promise<boolean> {
    const t = this.trial(trialId);
    if (t.state !== 'RUNNING' || t.leaseId !== leaseId) return false;
    t.heartbeatAt = this.now();
    return true;
  }

  async reapStaleTrials(studyId: number): Promise<ReapedTrial[]> {
    const s = this.study(studyId);
    const now = this.now();
    const out: ReapedTrial[] = [];
    for (const t of s.trials) {
      if (t.state !== 'RUNNING' || t.graceMs === null || t.heartbeatAt + t.graceMs >= now) continue;
      t.state = 'FAIL';
      t.failReason = REASON_LEASE_EXPIRED;
      t.end = now;
      this.touchTrial(t);
      let retryNumber: number | null = null;
      if (t.retryCount < t.maxRetries) {
        const r = this.newTrial(s, 'WAITING');
        for (const [k, p] of t.params) r.fixedParams[k] = p.value;
        for (const [k, v] of Object.entries(t.fixedParams)) if (!(k in r.fixedParams)) r.fixedParams[k] = v;
        r.retryOf = t.trialId;
        r.retryCount = t.retryCount + 1;
        s.waiting.push(r);
        retryNumber = r.number;
      }
      out.push({ trialId: t.trialId, number: t.number, retryNumber });
    }
    return out;
  }

  private freeze(t: MemTrial): FrozenTrial {
    if (t.frozen) return t.frozen;
    const params: Record<string, ParamValue> = Object.create(null);
    const distributions: Record<string, Distribution> = Object.create(null);
    for (const [k, p] of t.params) {
      params[k] = p.value;
      distributions[k] = p.distribution;
    }
    const frozen: FrozenTrial = Object.freeze({
      trialId: t.trialId,
      number: t.number,
      state: t.state,
      value: t.values && t.values.length === 1 ? (t.values[0] as number) : null,
      values: t.values ? Object.freeze(t.values.slice()) : null,
      params: Object.freeze(params),
      distributions: Object.freeze(distributions),
      fixedParams: Object.freeze({ ...t.fixedParams }),
      intermediateValues: Object.freeze([...t.intermediate.values()].sort(sortIntermediate)),
      userAttrs: Object.freeze(toRecord(t.userAttrs)),
      systemAttrs: Object.freeze(toRecord(t.systemAttrs)),
      datetimeStart: t.start === null ? null : new Date(t.start),
      datetimeComplete: t.end === null ? null : new Date(t.end),
      failReason: t.failReason,
      retryOf: t.retryOf === null ? null : (this.trials.get(t.retryOf)?.number ?? null),
      gridIndex: t.gridIndex,
    });
    // Finished trials never change again, so their snapshot is kept.
    if (isFinal(t.state)) t.frozen = frozen;
    return frozen;
  }

  async getTrial(trialId: number): Promise<FrozenTrial> {
    return this.freeze(this.trial(trialId));
  }

  async getTrials(studyId: number, query: TrialQuery = {}): Promise<FrozenTrial[]> {
    const s = this.study(studyId);
    const states = query.states ? new Set(query.states) : null;
    const out: FrozenTrial[] = [];
    const pick = (t: MemTrial | undefined): void => {
      if (t && (!states || states.has(t.state)) && (query.minNumber === undefined || t.number >= query.minNumber)) out.push(this.freeze(t));
    };
    if (query.numbers) {
      checkNumbersFilter(query.numbers);
      for (const n of [...new Set(query.numbers)].sort((a, b) => a - b)) pick(s.trials[n]);
    } else {
      // s.trials is indexed by trial number.
      for (let i = Math.max(0, query.minNumber ?? 0); i < s.trials.length; i++) pick(s.trials[i]);
    }
    return out;
  }

  async countTrials(studyId: number, query: TrialQuery = {}): Promise<number> {
    const s = this.study(studyId);
    if (!query.states) return s.trials.length;
    const states = new Set(query.states);
    let n = 0;
    for (const t of s.trials) if (states.has(t.state)) n++;
    return n;
  }

  async getChanges(since: string | null, query: ChangeQuery = {}): Promise<ChangeSet> {
    const limit = changeLimit(query);
    const cursor = String(this.changeSeq);
    if (since === null) return { cursor, trials: [], truncated: false, studyIds: [], recordStudyIds: [], deletedStudyIds: [] };
    const after = parseChangeCursor(since);
    const changed: [number, TrialChange][] = [];
    const studyIds = new Set<number>();
    for (const [trialId, seq] of this.trialChanges) {
      if (seq <= after) continue;
      const t = this.trials.get(trialId) as MemTrial;
      studyIds.add(t.studyId);
      if (query.studyId === undefined || t.studyId === query.studyId) changed.push([seq, { studyId: t.studyId, trialId, number: t.number }]);
    }
    const deletedStudyIds: number[] = [];
    const recordStudyIds: number[] = [];
    for (const [studyId, c] of this.studyChanges) {
      if (c.seq <= after) continue;
      if (c.deleted) deletedStudyIds.push(studyId);
      else {
        studyIds.add(studyId);
        recordStudyIds.push(studyId);
      }
    }
    for (const id of deletedStudyIds) studyIds.delete(id);
    changed.sort((a, b) => a[0] - b[0]);
    return {
      cursor,
      trials: changed.slice(0, limit).map((c) => c[1]),
      truncated: changed.length > limit,
      studyIds: [...studyIds].sort((a, b) => a - b),
      recordStudyIds: recordStudyIds.sort((a, b) => a - b),
      deletedStudyIds: deletedStudyIds.sort((a, b) => a - b),
    };
  }

  async close(): Promise<void> {}
}
