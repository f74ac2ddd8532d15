/**
 * Everything the API returns, computed from a study's slim rows and their
 * typed-array columns (./columns.ts): the trials table (sorting and
 * filtering on allowlisted keys), the overview and the columnar, downsampled
 * plot data. Pure functions of their inputs; the scans read the columns, the
 * row objects are touched only for the rows a response returns.
 */
import { BASELINE_ATTR, improvementFromTrials } from '../../baselines/baselines.js';
import type { JsonValue } from '../../json.js';
import type { Distribution, ParamValue } from '../../space/distributions.js';
import type { StudySummary } from '../../storage/storage.js';
import { frozenTrial } from '../../trial/frozen-trial.js';
import type { StudyDirection, TrialState } from '../../trial/state.js';
import {
  type BaselineImprovementDto,
  type DurationStatsDto,
  type EdfData,
  FIXED_SORT_KEYS,
  type HistoryData,
  type IntermediateCurve,
  type ParamColumn,
  type ParamInfoDto,
  type ParamsData,
  type ParetoData,
  type PbtData,
  parseTrialFilter,
  type SortOrder,
  type StudySummaryDto,
  type TimelineData,
  type TrialFilter,
  type TrialRowDto,
} from '../api.js';
import { COMPLETE, STATE_CODES, type TrialColumns } from './columns.js';
import type { StudyTrials } from './hub.js';
import type { SlimTrial } from './trial-loader.js';

/** A request input that is wrong: 400 with the path of the input. */
export class BadRequest extends Error {
  constructor(
    message: string,
    readonly path: readonly (string | number)[],
  ) {
    super(message);
  }
}

export function rowOf(t: SlimTrial): TrialRowDto {
  return {
    trialId: t.trialId,
    number: t.number,
    state: t.state,
    values: t.values,
    params: t.params,
    datetimeStart: t.start,
    datetimeComplete: t.complete,
    durationMs: t.start !== null && t.complete !== null ? t.complete - t.start : null,
    failReason: t.failReason,
    retryOf: t.retryOf,
    lastStep: t.lastStep,
  };
}

function better(direction: StudyDirection, a: number, b: number): boolean {
  return direction === 'minimize' ? a < b : a > b;
}

/** Number of the best COMPLETE trial of objective `k` (NaN never wins; the first of equals), or -1. */
export function bestIndex(cols: TrialColumns, direction: StudyDirection, k = 0): number {
  let best = -1;
  let bv = 0;
  const vk = cols.values[k];
  if (!vk) return -1;
  const min = direction === 'minimize';
  for (let i = 0; i < cols.length; i++) {
    if (cols.state[i] !== COMPLETE || (cols.nValues[i] as number) <= k) continue;
    const v = vk[i] as number;
    if (Number.isNaN(v)) continue;
    if (best < 0 || (min ? v < bv : v > bv)) {
      best = i;
      bv = v;
    }
  }
  return best;
}

/**
 * The best trial against the best baseline trial (single objective), by the
 * library's improvementFromTrials over the only trials it can pick: the best
 * trial and the finished baseline trials (a handful, not the whole study).
 */
export function baselineImprovement(st: StudyTrials, direction: StudyDirection): BaselineImprovementDto | null {
  const { cols } = st;
  const numbers = new Set<number>();
  const bi = bestIndex(cols, direction);
  if (bi >= 0) numbers.add(bi);
  for (const n of cols.baselines) if (cols.nValues[n] === 1 && !Number.isNaN(cols.scored(n, 0))) numbers.add(n);
  const candidates = [...numbers].sort((a, b) => a - b).map((n) => st.trials[n] as SlimTrial);
  return improvementFromTrials(
    candidates.map((t) =>
      frozenTrial({
        trialId: t.trialId,
        number: t.number,
        values: t.values,
        systemAttrs: t.baseline === null ? {} : { [BASELINE_ATTR]: t.baseline },
      }),
    ),
    direction,
  );
}

export function summaryDto(s: StudySummary, st: StudyTrials | null): StudySummaryDto {
  let bestValue: number | null = null;
  let bestTrialNumber: number | null = null;
  let last = s.createdAt.getTime();
  let nTrials = s.nTrials;
  let stateCounts = s.stateCounts;
  if (st) {
    // Counted from the cache, which is newer than the list's counts.
    const { cols } = st;
    const byCode = [0, 0, 0, 0, 0];
    nTrials = 0;
    for (let i = 0; i < cols.length; i++) {
      if (cols.present[i] !== 1) continue;
      (byCode as number[])[cols.state[i] as number]++;
      nTrials++;
      const a = cols.start[i] as number;
      const b = cols.complete[i] as number;
      if (a > last) last = a;
      if (b > last) last = b;
    }
    stateCounts = {
      WAITING: byCode[STATE_CODES.WAITING] as number,
      RUNNING: byCode[STATE_CODES.RUNNING] as number,
      COMPLETE: byCode[STATE_CODES.COMPLETE] as number,
      PRUNED: byCode[STATE_CODES.PRUNED] as number,
      FAIL: byCode[STATE_CODES.FAIL] as number,
    };
    if (s.directions.length === 1) {
      const i = bestIndex(cols, s.directions[0] as StudyDirection);
      if (i >= 0) {
        bestValue = cols.scored(i, 0);
        bestTrialNumber = i;
      }
    }
  }
  return {
    studyId: s.studyId,
    studyName: s.studyName,
    directions: s.directions,
    createdAt: s.createdAt.getTime(),
    nTrials,
    stateCounts,
    bestValue,
    bestTrialNumber,
    lastActivity: last,
  };
}

export function durationStats(cols: TrialColumns): DurationStatsDto | null {
  const all = new Float64Array(cols.length);
  let n = 0;
  for (let i = 0; i < cols.length; i++) {
    const dt = (cols.complete[i] as number) - (cols.start[i] as number);
    if (!Number.isNaN(dt)) all[n++] = dt;
  }
  if (n === 0) return null;
  const d = all.subarray(0, n).sort();
  const q = (p: number) => d[Math.min(n - 1, Math.floor(p * n))] as number;
  let total = 0;
  for (let i = 0; i < n; i++) total += d[i] as number;
  return {
    count: n,
    minMs: d[0] as number,
    medianMs: q(0.5),
    meanMs: total / n,
    p95Ms: q(0.95),
    maxMs: d[n - 1] as number,
    totalMs: total,
  };
}

/** Every parameter with its latest distribution and the number of trials that used it, by name. */
export function paramInfos(st: StudyTrials): ParamInfoDto[] {
  const out: ParamInfoDto[] = [];
  for (const name of spaceNames(st.space)) {
    const col = st.cols.param(name);
    let count = 0;
    if (col) for (let i = 0; i < st.cols.length; i++) if (!Number.isNaN(col[i] as number)) count++;
    if (count > 0) out.push({ name, distribution: st.space.get(name) as Distribution, count });
  }
  return out;
}

// ---------------------------------------------------------------------------
// Pareto front

/** Whether a dominates b (all objectives at least as good, one strictly better); values in minimize form. */
function dominates(a: readonly number[], b: readonly number[]): boolean {
  let strict = false;
  for (let k = 0; k < a.length; k++) {
    const x = a[k] as number;
    const y = b[k] as number;
    if (x > y) return false;
    if (x < y) strict = true;
  }
  return strict;
}

/** Indices of the non-dominated points; points given in minimize form. O(n log n) for 2 objectives. */
export function paretoIndices(points: readonly (readonly number[])[]): number[] {
  const n = points.length;
  if (n === 0) return [];
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => {
    const a = points[i] as readonly number[];
    const b = points[j] as readonly number[];
    for (let k = 0; k < a.length; k++) if (a[k] !== b[k]) return (a[k] as number) - (b[k] as number);
    return i - j;
  });
  const front: number[] = [];
  if ((points[0] as readonly number[]).length === 2) {
    let bestY = Number.POSITIVE_INFINITY;
    let lastX = Number.NaN;
    let lastY = Number.NaN;
    for (const i of order) {
      const [x, y] = points[i] as [number, number];
      if (y < bestY || (x === lastX && y === lastY)) {
        front.push(i);
        if (y < bestY) {
          bestY = y;
          lastX = x;
          lastY = y;
        }
      }
    }
    return front.sort((a, b) => a - b);
  }
  // Sorted lexicographically, a point can only be dominated by one before it.
  for (const i of order) {
    const p = points[i] as readonly number[];
    if (!front.some((j) => dominates(points[j] as readonly number[], p))) front.push(i);
  }
  return front.sort((a, b) => a - b);
}

function finiteOrInf(v: number | undefined): v is number {
  return v !== undefined && !Number.isNaN(v);
}

/** COMPLETE trials whose every objective is a number (±Infinity allowed). */
function scored(trials: readonly (SlimTrial | undefined)[], nObj: number): SlimTrial[] {
  const out: SlimTrial[] = [];
  for (const t of trials) {
    if (t?.state !== 'COMPLETE' || !t.values || t.values.length < nObj) continue;
    let ok = true;
    for (let k = 0; k < nObj; k++) if (!finiteOrInf(t.values[k])) ok = false;
    if (ok) out.push(t);
  }
  return out;
}

export function paretoFront(trials: readonly (SlimTrial | undefined)[], directions: readonly StudyDirection[]): SlimTrial[] {
  const pts = scored(trials, directions.length);
  const idx = paretoIndices(pts.map((t) => directions.map((d, k) => (d === 'minimize' ? 1 : -1) * ((t.values as number[])[k] as number))));
  return idx.map((i) => pts[i] as SlimTrial);
}

// ---------------------------------------------------------------------------
// Downsampling

/** Indices 0..n-1 to keep: all of `keep`, then an even spread up to `max` in total (always the first and last). */
export function downsample(n: number, max: number, keep: Iterable<number> = []): { idx: number[]; sampled: boolean } {
  if (n <= max) return { idx: Array.from({ length: n }, (_, i) => i), sampled: false };
  const set = new Set<number>(keep);
  set.add(0);
  set.add(n - 1);
  // Even spreads at finer and finer offsets until `max` points are kept (or all `keep` alone exceed it).
  for (let pass = 0; set.size < max && pass < 8; pass++) {
    const room = max - set.size;
    const stride = n / room;
    const offset = (stride * (pass % 2 === 0 ? 0 : 1)) / 2 + pass;
    for (let j = 0; j < room && set.size < max; j++) set.add(Math.min(n - 1, Math.floor(offset + j * stride)));
  }
  for (let i = 0; set.size < max && i < n; i++) set.add(i);
  return { idx: [...set].sort((a, b) => a - b), sampled: true };
}

// ---------------------------------------------------------------------------
// Plot data

export function historyData(st: StudyTrials, direction: StudyDirection, objective: number, maxPoints: number, cursor: string): HistoryData {
  const { cols } = st;
  const pts = cols.scoredNumbers(objective);
  const vk = cols.values[objective] as Float64Array;
  const best = new Float64Array(pts.length);
  const improved: number[] = [];
  let b = Number.NaN;
  for (let i = 0; i < pts.length; i++) {
    const v = vk[pts[i] as number] as number;
    if (i === 0 || better(direction, v, b)) {
      b = v;
      improved.push(i);
    }
    best[i] = b;
  }
  const { idx, sampled } = downsample(pts.length, maxPoints, improved);
  return {
    objective,
    direction,
    numbers: idx.map((i) => pts[i] as number),
    values: idx.map((i) => vk[pts[i] as number] as number),
    datetimeComplete: idx.map((i) => nullIfNaN(cols.complete[pts[i] as number] as number)),
    best: idx.map((i) => best[i] as number),
    total: pts.length,
    sampled,
    cursor,
  };
}

function nullIfNaN(x: number): number | null {
  return Number.isNaN(x) ? null : x;
}

/** Columns of the named parameters for the trials numbered `rows` (null where a trial did not use one). */
export function paramColumns(st: StudyTrials, rows: readonly number[], names: readonly string[]): ParamColumn[] {
  return names.map((name) => {
    // The space holds every distribution of every trial read, so a trial's own record adds nothing.
    const dist = st.space.get(name) ?? null;
    const col = st.cols.param(name);
    const values = rows.map((n) => (col ? nullIfNaN(col[n] as number) : null));
    if (dist?.kind === 'categorical') return { name, kind: 'categorical', choices: dist.choices, values };
    let low = dist ? dist.low : Number.POSITIVE_INFINITY;
    let high = dist ? dist.high : Number.NEGATIVE_INFINITY;
    for (const v of values) {
      if (v === null) continue;
      if (v < low) low = v;
      if (v > high) high = v;
    }
    return { name, kind: dist?.kind === 'int' ? 'int' : 'float', log: dist ? dist.log : false, low, high, values };
  });
}

/** Sorted names of a parameter space. */
export function spaceNames(space: ReadonlyMap<string, Distribution>): string[] {
  return [...space.keys()].sort();
}

export function allParamNames(trials: readonly (SlimTrial | undefined)[]): string[] {
  const names = new Set<string>();
  for (const t of trials) if (t) for (const k of Object.keys(t.params)) names.add(k);
  return [...names].sort();
}

export function paramsData(
  st: StudyTrials,
  direction: StudyDirection,
  objective: number,
  names: readonly string[],
  maxPoints: number,
  cursor: string,
): ParamsData {
  const pts = st.cols.scoredNumbers(objective);
  const vk = st.cols.values[objective] as Float64Array;
  // Keep the best 1% whatever the sampling, so the good region stays visible.
  let keep: number[] = [];
  if (pts.length > maxPoints) {
    const sign = direction === 'minimize' ? 1 : -1;
    const v = Float64Array.from(pts, (n) => sign * (vk[n] as number));
    const cut = Float64Array.from(v).sort()[Math.floor(maxPoints / 100)] as number;
    for (let k = 0; k < v.length; k++) if ((v[k] as number) < cut) keep.push(k);
    keep = keep.slice(0, Math.floor(maxPoints / 100));
  }
  const { idx, sampled } = downsample(pts.length, maxPoints, keep);
  const rows = idx.map((i) => pts[i] as number);
  return {
    objective,
    direction,
    numbers: rows,
    values: rows.map((n) => vk[n] as number),
    params: paramColumns(st, rows, names),
    total: pts.length,
    sampled,
    cursor,
  };
}

export function edfData(st: StudyTrials, objective: number, maxPoints: number, cursor: string): EdfData {
  const pts = st.cols.scoredNumbers(objective);
  const vk = st.cols.values[objective] as Float64Array;
  const v = Float64Array.from(pts, (n) => vk[n] as number).sort();
  const n = v.length;
  const { idx, sampled } = downsample(n, maxPoints);
  return { objective, x: idx.map((i) => v[i] as number), y: idx.map((i) => (i + 1) / n), total: n, sampled, cursor };
}

export function paretoData(trials: readonly (SlimTrial | undefined)[], directions: readonly StudyDirection[], maxPoints: number, cursor: string): ParetoData {
  const pts = scored(trials, directions.length);
  const front = paretoIndices(pts.map((t) => directions.map((d, k) => (d === 'minimize' ? 1 : -1) * ((t.values as number[])[k] as number))));
  const onFront = new Set(front);
  const { idx, sampled } = downsample(pts.length, maxPoints, front);
  return {
    directions,
    numbers: idx.map((i) => (pts[i] as SlimTrial).number),
    values: directions.map((_, k) => idx.map((i) => ((pts[i] as SlimTrial).values as number[])[k] as number)),
    onFront: idx.map((i) => onFront.has(i)),
    total: pts.length,
    sampled,
    cursor,
  };
}

export function timelineData(st: StudyTrials, maxPoints: number, cursor: string): TimelineData {
  const { cols } = st;
  const all = new Int32Array(cols.length);
  let n = 0;
  let ordered = true;
  for (let i = 0; i < cols.length; i++) {
    if (cols.present[i] !== 1 || Number.isNaN(cols.start[i] as number)) continue;
    if (n > 0 && (cols.start[i] as number) < (cols.start[all[n - 1] as number] as number)) ordered = false;
    all[n++] = i;
  }
  const pts = all.subarray(0, n);
  // By start, then number (trials are numbered as they start, so this is usually already so).
  if (!ordered) pts.sort((a, b) => (cols.start[a] as number) - (cols.start[b] as number) || a - b);
  // Lanes: the worker attribute where trials carry one, else greedy packing (a lane is free once its last bar ended).
  const laneOf: string[] = new Array(n);
  const laneEnds: number[] = [];
  for (let j = 0; j < n; j++) {
    const i = pts[j] as number;
    const w = cols.worker(i);
    if (w !== null) {
      laneOf[j] = w;
      continue;
    }
    const c = cols.complete[i] as number;
    const end = Number.isNaN(c) ? Number.POSITIVE_INFINITY : c;
    const s0 = cols.start[i] as number;
    let lane = laneEnds.findIndex((e) => e <= s0);
    if (lane < 0) {
      lane = laneEnds.length;
      laneEnds.push(end);
    } else laneEnds[lane] = end;
    laneOf[j] = String(lane + 1);
  }
  const { idx, sampled } = downsample(n, maxPoints);
  return {
    numbers: idx.map((j) => pts[j] as number),
    states: idx.map((j) => (st.trials[pts[j] as number] as SlimTrial).state),
    start: idx.map((j) => cols.start[pts[j] as number] as number),
    complete: idx.map((j) => nullIfNaN(cols.complete[pts[j] as number] as number)),
    lane: idx.map((j) => laneOf[j] as string),
    total: n,
    sampled,
    cursor,
  };
}

interface SegmentLike {
  member?: unknown;
  start?: unknown;
  end?: unknown;
  parent?: unknown;
  exploit?: { fromTrial?: unknown } | null;
}

const numOrNull = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

export function pbtData(st: StudyTrials, maxPoints: number, cursor: string): PbtData {
  const rows: SlimTrial[] = [];
  if (st.cols.pbtCount > 0) for (const t of st.trials) if (t && t.pbt !== null && typeof t.pbt === 'object' && !Array.isArray(t.pbt)) rows.push(t);
  const seg = (t: SlimTrial) => t.pbt as SegmentLike;
  const byNumber = new Map(rows.map((t) => [t.number, t]));
  const generation = (t: SlimTrial): number => {
    let g = 0;
    let p = numOrNull(seg(t).parent);
    const seen = new Set<number>();
    while (p !== null && !seen.has(p)) {
      seen.add(p);
      g++;
      const parent = byNumber.get(p);
      p = parent ? numOrNull(seg(parent).parent) : null;
    }
    return g;
  };
  const { idx, sampled } = downsample(rows.length, maxPoints);
  const kept = idx.map((i) => rows[i] as SlimTrial);
  return {
    numbers: kept.map((t) => t.number),
    generation: kept.map(generation),
    parent: kept.map((t) => numOrNull(seg(t).parent)),
    params: paramColumns(
      st,
      kept.map((t) => t.number),
      allParamNames(kept),
    ),
    values: kept.map((t) => (t.state === 'COMPLETE' && t.values ? (t.values[0] ?? null) : null)),
    member: kept.map((t) => numOrNull(seg(t).member)),
    start: kept.map((t) => numOrNull(seg(t).start)),
    end: kept.map((t) => numOrNull(seg(t).end)),
    exploitedFrom: kept.map((t) => numOrNull(seg(t).exploit?.fromTrial)),
    total: rows.length,
    sampled,
    cursor,
  };
}

/** Which trials get a learning curve: the best by value, then an even spread over the rest. */
export function pickCurveTrials(st: StudyTrials, direction: StudyDirection, maxTrials: number): { picked: SlimTrial[]; total: number } {
  const { cols } = st;
  const all = new Int32Array(cols.length);
  let n = 0;
  for (let i = 0; i < cols.length; i++) if (cols.present[i] === 1 && !Number.isNaN(cols.lastStep[i] as number)) all[n++] = i;
  const withReports = all.subarray(0, n);
  const rowsAt = (idx: Iterable<number>) => Array.from(idx, (j) => st.trials[withReports[j] as number] as SlimTrial);
  if (n <= maxTrials) return { picked: rowsAt(withReports.keys()), total: n };
  // The best half of maxTrials: everything better than the m-th best key, then equals to it in number order.
  const sign = direction === 'minimize' ? 1 : -1;
  const keys = new Float64Array(n);
  let nk = 0;
  for (let j = 0; j < n; j++) {
    const v = cols.scored(withReports[j] as number, 0);
    keys[j] = Number.isNaN(v) ? Number.NaN : sign * v;
    if (!Number.isNaN(v)) nk++;
  }
  const m = Math.min(Math.floor(maxTrials / 2), nk);
  const keep: number[] = [];
  if (m > 0) {
    const cut = keys.slice().sort()[m - 1] as number;
    for (let j = 0; j < n; j++) if ((keys[j] as number) < cut) keep.push(j);
    for (let j = 0; j < n && keep.length < m; j++) if (keys[j] === cut) keep.push(j);
  }
  const { idx } = downsample(n, maxTrials, keep);
  return { picked: rowsAt(idx), total: n };
}

export function curvesOf(
  picked: readonly SlimTrial[],
  curves: readonly { trialId: number; fold: number | null; steps: number[]; values: number[] }[],
): IntermediateCurve[] {
  const byId = new Map(picked.map((t) => [t.trialId, t]));
  const out: IntermediateCurve[] = [];
  for (const c of curves) {
    const t = byId.get(c.trialId);
    if (t) out.push({ number: t.number, state: t.state, fold: c.fold, steps: c.steps, values: c.values });
  }
  return out.sort((a, b) => a.number - b.number || (a.fold ?? -1) - (b.fold ?? -1));
}

// ---------------------------------------------------------------------------
// Trials table

/** A sort or filter key over the columns: `has(i)` false for a trial without it (null in a row). */
interface KeyFn {
  get(i: number): number;
  has(i: number): boolean;
}

const always = () => true;
const notNaN = (col: Float64Array) => (i: number) => !Number.isNaN(col[i] as number);

/** Resolves an allowlisted key to an accessor; anything else is a BadRequest. */
export function keyAccessor(key: string, cols: TrialColumns, paramNames: ReadonlySet<string>, nObjectives: number, where: (string | number)[]): KeyFn {
  const objectiveKey = (k: number): KeyFn => ({
    get: (i) => (cols.values[k] ? ((cols.values[k] as Float64Array)[i] as number) : Number.NaN),
    has: (i) => (cols.nValues[i] as number) > k,
  });
  switch (key) {
    case 'number':
      return { get: (i) => i, has: always };
    case 'state':
      return { get: (i) => cols.state[i] as number, has: always };
    case 'value':
      return objectiveKey(0);
    case 'duration':
      return {
        get: (i) => (cols.complete[i] as number) - (cols.start[i] as number),
        has: (i) => !Number.isNaN((cols.complete[i] as number) - (cols.start[i] as number)),
      };
    case 'datetimeStart':
      return { get: (i) => cols.start[i] as number, has: notNaN(cols.start) };
    case 'datetimeComplete':
      return { get: (i) => cols.complete[i] as number, has: notNaN(cols.complete) };
  }
  const obj = /^values\.(\d{1,3})$/.exec(key);
  if (obj) {
    const k = Number(obj[1]);
    if (k >= nObjectives) throw new BadRequest(`objective ${k} does not exist; this study has ${nObjectives}`, where);
    return objectiveKey(k);
  }
  if (key.startsWith('params.')) {
    const name = key.slice('params.'.length);
    if (!paramNames.has(name)) throw new BadRequest(`the study has no parameter named ${JSON.stringify(name.slice(0, 100))}`, where);
    const col = cols.param(name) ?? new Float64Array(cols.length).fill(Number.NaN);
    return { get: (i) => col[i] as number, has: notNaN(col) };
  }
  throw new BadRequest(
    `cannot sort or filter on ${JSON.stringify(key.slice(0, 100))}; use one of ${FIXED_SORT_KEYS.join(', ')}, values.<k> or params.<name>`,
    where,
  );
}

function parseNumber(text: string, where: (string | number)[]): number {
  const t = text.trim().toLowerCase();
  if (t === 'inf' || t === 'infinity' || t === '+inf') return Number.POSITIVE_INFINITY;
  if (t === '-inf' || t === '-infinity') return Number.NEGATIVE_INFINITY;
  if (t === 'nan') return Number.NaN;
  const n = Number(t);
  if (t === '' || Number.isNaN(n)) throw new BadRequest(`${JSON.stringify(text.slice(0, 60))} is not a number`, where);
  return n;
}

function parseChoice(text: string, where: (string | number)[]): ParamValue {
  try {
    const v = JSON.parse(text) as JsonValue;
    if (v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
  } catch {
    // fall through: a bare word is taken as a string
  }
  if (/^[^"[\]{}]*$/.test(text)) return text;
  throw new BadRequest(`${JSON.stringify(text.slice(0, 60))} is not a categorical choice (JSON text such as "relu", 3, true or null)`, where);
}

export interface CompiledFilter {
  test(i: number): boolean;
}

export function compileFilter(
  f: TrialFilter,
  cols: TrialColumns,
  paramNames: ReadonlySet<string>,
  categorical: ReadonlyMap<string, readonly ParamValue[]>,
  nObj: number,
  where: (string | number)[],
): CompiledFilter {
  const key = f.key as string;
  if (key === 'state') {
    const states = f.value.split('|');
    for (const s of states) if (!(s in STATE_CODES)) throw new BadRequest(`${JSON.stringify(s.slice(0, 40))} is not a trial state`, where);
    if (f.op !== 'eq' && f.op !== 'ne' && f.op !== 'in') throw new BadRequest('state filters take eq, ne or in', where);
    const set = new Set(states.map((s) => STATE_CODES[s as TrialState]));
    return { test: (i) => (f.op === 'ne' ? !set.has(cols.state[i] as number) : set.has(cols.state[i] as number)) };
  }
  const acc = keyAccessor(key, cols, paramNames, nObj, where);
  const choices = key.startsWith('params.') ? categorical.get(key.slice('params.'.length)) : undefined;
  const parseOne = (text: string): number => {
    if (!choices) return parseNumber(text, where);
    const c = parseChoice(text, where);
    return choices.findIndex((x) => Object.is(x, c));
  };
  const vals = f.op === 'in' ? f.value.split('|').map(parseOne) : [parseOne(f.value)];
  const v = vals[0] as number;
  const eq = (x: number) => (Number.isNaN(v) ? Number.isNaN(x) : x === v);
  const { get, has } = acc;
  switch (f.op) {
    case 'eq':
      return { test: (i) => has(i) && eq(get(i)) };
    case 'ne':
      return { test: (i) => has(i) && !eq(get(i)) };
    case 'lt':
      return { test: (i) => has(i) && get(i) < v };
    case 'lte':
      return { test: (i) => has(i) && get(i) <= v };
    case 'gt':
      return { test: (i) => has(i) && get(i) > v };
    case 'gte':
      return { test: (i) => has(i) && get(i) >= v };
    case 'in': {
      const set = new Set(vals);
      return { test: (i) => has(i) && set.has(get(i)) };
    }
  }
}

/** Numbers of the trials matching every filter, sorted (missing values last; ties by number). */
export function selectTrials(st: StudyTrials, sortKey: string, order: SortOrder, filters: readonly string[], nObj: number): Int32Array {
  const { cols, space } = st;
  const paramNames = new Set<string>(space.keys());
  const categorical = new Map<string, readonly ParamValue[]>();
  for (const [name, d] of space) if (d.kind === 'categorical') categorical.set(name, d.choices);
  const compiled = filters.map((text, i) => {
    const f = parseTrialFilter(text);
    if (!f) throw new BadRequest(`filter ${JSON.stringify(text.slice(0, 100))} is not <key>:<op>:<value>`, ['query', 'filter', i]);
    return compileFilter(f, cols, paramNames, categorical, nObj, ['query', 'filter', i]);
  });
  const acc = keyAccessor(sortKey, cols, paramNames, nObj, ['query', 'sort']);
  const all = new Int32Array(cols.length);
  let n = 0;
  outer: for (let i = 0; i < cols.length; i++) {
    if (cols.present[i] !== 1) continue;
    for (const c of compiled) if (!c.test(i)) continue outer;
    all[n++] = i;
  }
  const rows = all.subarray(0, n);
  if (sortKey === 'number') return order === 'desc' ? rows.reverse() : rows;
  // Keys as numbers (every sortable key is numeric); missing ones (null, NaN) go last whatever the order.
  const sign = order === 'asc' ? 1 : -1;
  const keys = new Float64Array(n);
  const present = new Int32Array(n);
  const absent: number[] = [];
  let m = 0;
  for (let j = 0; j < n; j++) {
    const i = rows[j] as number;
    const k = acc.get(i);
    if (!acc.has(i) || Number.isNaN(k)) absent.push(i);
    else {
      keys[m] = sign * k + 0; // + 0: -0 and 0 are equal keys
      present[m++] = i;
    }
  }
  const out = new Int32Array(n);
  const order0 = stableArgsort(keys.subarray(0, m));
  for (let j = 0; j < m; j++) out[j] = present[order0[j] as number] as number;
  out.set(absent, m);
  return out;
}

/**
 * Indices of `keys` in ascending key order, equal keys in index order: an
 * LSD radix sort on the keys' bits (four 16-bit digits), O(n) where a
 * comparator sort of 100k rows took tens of milliseconds. Keys must not be NaN.
 */
export function stableArgsort(keys: Float64Array): Uint32Array {
  const n = keys.length;
  // IEEE 754 bits (little-endian words: low, high) made unsigned-comparable: negatives have every bit
  // flipped, positives only the sign bit.
  const bits = new Uint32Array(Float64Array.from(keys).buffer);
  for (let i = 0; i < n; i++) {
    const hi = bits[2 * i + 1] as number;
    if (hi & 0x80000000) {
      bits[2 * i + 1] = ~hi >>> 0;
      bits[2 * i] = ~(bits[2 * i] as number) >>> 0;
    } else bits[2 * i + 1] = (hi | 0x80000000) >>> 0;
  }
  let idx = new Uint32Array(n);
  for (let i = 0; i < n; i++) idx[i] = i;
  let tmp = new Uint32Array(n);
  const count = new Uint32Array(65536);
  for (let pass = 0; pass < 4; pass++) {
    const word = pass < 2 ? 0 : 1;
    const shift = pass % 2 === 0 ? 0 : 16;
    count.fill(0);
    for (let i = 0; i < n; i++) {
      const d = ((bits[2 * i + word] as number) >>> shift) & 0xffff;
      count[d] = (count[d] as number) + 1;
    }
    // All keys share this digit: the pass would not move anything.
    if (count[((bits[word] as number) >>> shift) & 0xffff] === n) continue;
    let sum = 0;
    for (let d = 0; d < 65536; d++) {
      const c = count[d] as number;
      count[d] = sum;
      sum += c;
    }
    for (let j = 0; j < n; j++) {
      const i = idx[j] as number;
      const d = ((bits[2 * i + word] as number) >>> shift) & 0xffff;
      tmp[count[d] as number] = i;
      count[d] = (count[d] as number) + 1;
    }
    [idx, tmp] = [tmp, idx];
  }
  return idx;
}
