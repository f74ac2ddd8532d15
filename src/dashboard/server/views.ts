/**
 * Everything the API returns, computed from slim trial rows: the trials
 * table (sorting and filtering on allowlisted keys), the overview and the
 * columnar, downsampled plot data. Pure functions of their inputs.
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

/** Index of the best COMPLETE trial of objective `k` (NaN never wins), or -1. */
export function bestIndex(trials: readonly (SlimTrial | undefined)[], direction: StudyDirection, k = 0): number {
  let best = -1;
  let bv = 0;
  for (let i = 0; i < trials.length; i++) {
    const t = trials[i];
    if (!t || t.state !== 'COMPLETE' || !t.values) continue;
    const v = t.values[k];
    if (v === undefined || Number.isNaN(v)) continue;
    if (best < 0 || better(direction, v, bv)) {
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
export function baselineImprovement(trials: readonly (SlimTrial | undefined)[], direction: StudyDirection): BaselineImprovementDto | null {
  const candidates: SlimTrial[] = [];
  const bi = bestIndex(trials, direction);
  for (let i = 0; i < trials.length; i++) {
    const t = trials[i];
    if (!t || t.state !== 'COMPLETE' || !t.values || t.values.length !== 1 || Number.isNaN(t.values[0])) continue;
    if (i === bi || t.baseline !== null) candidates.push(t);
  }
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

export function summaryDto(s: StudySummary, trials: readonly (SlimTrial | undefined)[] | null): StudySummaryDto {
  let bestValue: number | null = null;
  let bestTrialNumber: number | null = null;
  let last = s.createdAt.getTime();
  let nTrials = s.nTrials;
  let stateCounts = s.stateCounts;
  if (trials) {
    // Counted from the cache, which is newer than the list's counts.
    const counts: Record<TrialState, number> = { WAITING: 0, RUNNING: 0, COMPLETE: 0, PRUNED: 0, FAIL: 0 };
    nTrials = 0;
    for (const t of trials) {
      if (!t) continue;
      counts[t.state]++;
      nTrials++;
    }
    stateCounts = counts;
    if (s.directions.length === 1) {
      const i = bestIndex(trials, s.directions[0] as StudyDirection);
      if (i >= 0) {
        const t = trials[i] as SlimTrial;
        bestValue = (t.values as number[])[0] as number;
        bestTrialNumber = t.number;
      }
    }
    for (const t of trials) {
      if (!t) continue;
      if (t.start !== null && t.start > last) last = t.start;
      if (t.complete !== null && t.complete > last) last = t.complete;
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

export function durationStats(trials: readonly (SlimTrial | undefined)[]): DurationStatsDto | null {
  const d: number[] = [];
  for (const t of trials) if (t && t.start !== null && t.complete !== null) d.push(t.complete - t.start);
  if (d.length === 0) return null;
  d.sort((a, b) => a - b);
  const q = (p: number) => d[Math.min(d.length - 1, Math.floor(p * d.length))] as number;
  const total = d.reduce((a, b) => a + b, 0);
  return {
    count: d.length,
    minMs: d[0] as number,
    medianMs: q(0.5),
    meanMs: total / d.length,
    p95Ms: q(0.95),
    maxMs: d[d.length - 1] as number,
    totalMs: total,
  };
}

export function paramInfos(trials: readonly (SlimTrial | undefined)[]): ParamInfoDto[] {
  const info = new Map<string, { distribution: ParamInfoDto['distribution']; count: number }>();
  for (const t of trials) {
    if (!t) continue;
    for (const [name, d] of Object.entries(t.distributions)) {
      const e = info.get(name);
      if (e) {
        e.count++;
        e.distribution = d;
      } else info.set(name, { distribution: d, count: 1 });
    }
  }
  return [...info.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map(([name, e]) => ({ name, ...e }));
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
    if (!t || t.state !== 'COMPLETE' || !t.values || t.values.length < nObj) continue;
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

export function historyData(
  trials: readonly (SlimTrial | undefined)[],
  direction: StudyDirection,
  objective: number,
  maxPoints: number,
  cursor: string,
): HistoryData {
  const pts: SlimTrial[] = [];
  for (const t of trials) if (t && t.state === 'COMPLETE' && t.values && finiteOrInf(t.values[objective])) pts.push(t);
  const best: number[] = [];
  const improved: number[] = [];
  let b = Number.NaN;
  pts.forEach((t, i) => {
    const v = (t.values as number[])[objective] as number;
    if (i === 0 || better(direction, v, b)) {
      b = v;
      improved.push(i);
    }
    best.push(b);
  });
  const { idx, sampled } = downsample(pts.length, maxPoints, improved);
  return {
    objective,
    direction,
    numbers: idx.map((i) => (pts[i] as SlimTrial).number),
    values: idx.map((i) => ((pts[i] as SlimTrial).values as number[])[objective] as number),
    datetimeComplete: idx.map((i) => (pts[i] as SlimTrial).complete),
    best: idx.map((i) => best[i] as number),
    total: pts.length,
    sampled,
    cursor,
  };
}

/** Columns of the named parameters (null where a trial did not use one). */
export function paramColumns(rows: readonly SlimTrial[], names: readonly string[], space?: ReadonlyMap<string, Distribution>): ParamColumn[] {
  return names.map((name) => {
    let dist = (space?.get(name) ?? null) as Distribution | null;
    for (let i = rows.length - 1; i >= 0 && dist === null; i--) dist = (rows[i] as SlimTrial).distributions[name] ?? null;
    if (dist?.kind === 'categorical') {
      return { name, kind: 'categorical', choices: dist.choices, values: rows.map((t) => (name in t.internal ? (t.internal[name] as number) : null)) };
    }
    const values = rows.map((t) => (name in t.internal ? (t.internal[name] as number) : null));
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
  trials: readonly (SlimTrial | undefined)[],
  direction: StudyDirection,
  objective: number,
  names: readonly string[],
  maxPoints: number,
  cursor: string,
  space?: ReadonlyMap<string, Distribution>,
): ParamsData {
  const pts: SlimTrial[] = [];
  for (const t of trials) if (t && t.state === 'COMPLETE' && t.values && finiteOrInf(t.values[objective])) pts.push(t);
  // Keep the best 1% whatever the sampling, so the good region stays visible.
  let keep: number[] = [];
  if (pts.length > maxPoints) {
    const sign = direction === 'minimize' ? 1 : -1;
    const v = Float64Array.from(pts, (t) => sign * ((t.values as number[])[objective] as number));
    const cut = Float64Array.from(v).sort()[Math.floor(maxPoints / 100)] as number;
    for (let k = 0; k < v.length; k++) if ((v[k] as number) < cut) keep.push(k);
    keep = keep.slice(0, Math.floor(maxPoints / 100));
  }
  const { idx, sampled } = downsample(pts.length, maxPoints, keep);
  const rows = idx.map((i) => pts[i] as SlimTrial);
  return {
    objective,
    direction,
    numbers: rows.map((t) => t.number),
    values: rows.map((t) => (t.values as number[])[objective] as number),
    params: paramColumns(rows, names, space),
    total: pts.length,
    sampled,
    cursor,
  };
}

export function edfData(trials: readonly (SlimTrial | undefined)[], objective: number, maxPoints: number, cursor: string): EdfData {
  const v: number[] = [];
  for (const t of trials) if (t && t.state === 'COMPLETE' && t.values && finiteOrInf(t.values[objective])) v.push(t.values[objective] as number);
  v.sort((a, b) => a - b);
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

export function timelineData(trials: readonly (SlimTrial | undefined)[], maxPoints: number, cursor: string): TimelineData {
  const pts: SlimTrial[] = [];
  for (const t of trials) if (t && t.start !== null) pts.push(t);
  pts.sort((a, b) => (a.start as number) - (b.start as number) || a.number - b.number);
  // Lanes: the worker attribute where trials carry one, else greedy packing (a lane is free once its last bar ended).
  const laneOf: string[] = [];
  const laneEnds: number[] = [];
  for (const t of pts) {
    if (t.worker !== null) {
      laneOf.push(t.worker);
      continue;
    }
    const end = t.complete ?? Number.POSITIVE_INFINITY;
    let lane = laneEnds.findIndex((e) => e <= (t.start as number));
    if (lane < 0) {
      lane = laneEnds.length;
      laneEnds.push(end);
    } else laneEnds[lane] = end;
    laneOf.push(String(lane + 1));
  }
  const { idx, sampled } = downsample(pts.length, maxPoints);
  return {
    numbers: idx.map((i) => (pts[i] as SlimTrial).number),
    states: idx.map((i) => (pts[i] as SlimTrial).state),
    start: idx.map((i) => (pts[i] as SlimTrial).start as number),
    complete: idx.map((i) => (pts[i] as SlimTrial).complete),
    lane: idx.map((i) => laneOf[i] as string),
    total: pts.length,
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

export function pbtData(trials: readonly (SlimTrial | undefined)[], maxPoints: number, cursor: string): PbtData {
  const rows: SlimTrial[] = [];
  for (const t of trials) if (t && t.pbt !== null && typeof t.pbt === 'object' && !Array.isArray(t.pbt)) rows.push(t);
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
    params: paramColumns(kept, allParamNames(kept)),
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
export function pickCurveTrials(
  trials: readonly (SlimTrial | undefined)[],
  direction: StudyDirection,
  maxTrials: number,
): { picked: SlimTrial[]; total: number } {
  const withReports: SlimTrial[] = [];
  for (const t of trials) if (t && t.lastStep !== null) withReports.push(t);
  if (withReports.length <= maxTrials) return { picked: withReports, total: withReports.length };
  const valued = withReports
    .map((t, i) => ({ i, v: t.state === 'COMPLETE' && t.values && finiteOrInf(t.values[0]) ? (t.values[0] as number) : null }))
    .filter((x): x is { i: number; v: number } => x.v !== null)
    .sort((a, b) => (direction === 'minimize' ? a.v - b.v : b.v - a.v));
  const keep = valued.slice(0, Math.floor(maxTrials / 2)).map((x) => x.i);
  const { idx } = downsample(withReports.length, maxTrials, keep);
  return { picked: idx.map((i) => withReports[i] as SlimTrial), total: withReports.length };
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

type KeyFn = (t: SlimTrial) => number | string | null;

const STATE_ORDER: Record<TrialState, number> = { WAITING: 0, RUNNING: 1, COMPLETE: 2, PRUNED: 3, FAIL: 4 };

/** Resolves an allowlisted key to an accessor; anything else is a BadRequest. */
export function keyAccessor(key: string, paramNames: ReadonlySet<string>, nObjectives: number, where: (string | number)[]): KeyFn {
  switch (key) {
    case 'number':
      return (t) => t.number;
    case 'state':
      return (t) => STATE_ORDER[t.state];
    case 'value':
      return (t) => (t.values ? (t.values[0] ?? null) : null);
    case 'duration':
      return (t) => (t.start !== null && t.complete !== null ? t.complete - t.start : null);
    case 'datetimeStart':
      return (t) => t.start;
    case 'datetimeComplete':
      return (t) => t.complete;
  }
  const obj = /^values\.(\d{1,3})$/.exec(key);
  if (obj) {
    const k = Number(obj[1]);
    if (k >= nObjectives) throw new BadRequest(`objective ${k} does not exist; this study has ${nObjectives}`, where);
    return (t) => (t.values ? (t.values[k] ?? null) : null);
  }
  if (key.startsWith('params.')) {
    const name = key.slice('params.'.length);
    if (!paramNames.has(name)) throw new BadRequest(`the study has no parameter named ${JSON.stringify(name.slice(0, 100))}`, where);
    return (t) => (name in t.internal ? (t.internal[name] as number) : null);
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
  test(t: SlimTrial): boolean;
}

export function compileFilter(
  f: TrialFilter,
  paramNames: ReadonlySet<string>,
  categorical: ReadonlyMap<string, readonly ParamValue[]>,
  nObj: number,
  where: (string | number)[],
): CompiledFilter {
  const key = f.key as string;
  if (key === 'state') {
    const states = f.value.split('|');
    for (const s of states) if (!(s in STATE_ORDER)) throw new BadRequest(`${JSON.stringify(s.slice(0, 40))} is not a trial state`, where);
    if (f.op !== 'eq' && f.op !== 'ne' && f.op !== 'in') throw new BadRequest('state filters take eq, ne or in', where);
    const set = new Set(states);
    return { test: (t) => (f.op === 'ne' ? !set.has(t.state) : set.has(t.state)) };
  }
  const acc = keyAccessor(key, paramNames, nObj, where);
  const choices = key.startsWith('params.') ? categorical.get(key.slice('params.'.length)) : undefined;
  const parseOne = (text: string): number => {
    if (!choices) return parseNumber(text, where);
    const c = parseChoice(text, where);
    return choices.findIndex((x) => Object.is(x, c));
  };
  const vals = f.op === 'in' ? f.value.split('|').map(parseOne) : [parseOne(f.value)];
  const v = vals[0] as number;
  const eq = (x: number) => (Number.isNaN(v) ? Number.isNaN(x) : x === v);
  switch (f.op) {
    case 'eq':
      return { test: (t) => typeof acc(t) === 'number' && eq(acc(t) as number) };
    case 'ne':
      return { test: (t) => typeof acc(t) === 'number' && !eq(acc(t) as number) };
    case 'lt':
      return { test: (t) => typeof acc(t) === 'number' && (acc(t) as number) < v };
    case 'lte':
      return { test: (t) => typeof acc(t) === 'number' && (acc(t) as number) <= v };
    case 'gt':
      return { test: (t) => typeof acc(t) === 'number' && (acc(t) as number) > v };
    case 'gte':
      return { test: (t) => typeof acc(t) === 'number' && (acc(t) as number) >= v };
    case 'in': {
      const set = new Set(vals);
      return { test: (t) => typeof acc(t) === 'number' && set.has(acc(t) as number) };
    }
  }
}

/** The trials matching every filter, sorted (missing values last; ties by number). */
export function selectTrials(
  trials: readonly (SlimTrial | undefined)[],
  space: ReadonlyMap<string, Distribution>,
  sortKey: string,
  order: SortOrder,
  filters: readonly string[],
  nObj: number,
): SlimTrial[] {
  const paramNames = new Set<string>(space.keys());
  const categorical = new Map<string, readonly ParamValue[]>();
  for (const [name, d] of space) if (d.kind === 'categorical') categorical.set(name, d.choices);
  const compiled = filters.map((text, i) => {
    const f = parseTrialFilter(text);
    if (!f) throw new BadRequest(`filter ${JSON.stringify(text.slice(0, 100))} is not <key>:<op>:<value>`, ['query', 'filter', i]);
    return compileFilter(f, paramNames, categorical, nObj, ['query', 'filter', i]);
  });
  const acc = keyAccessor(sortKey, paramNames, nObj, ['query', 'sort']);
  const rows: SlimTrial[] = [];
  for (const t of trials) if (t && (compiled.length === 0 || compiled.every((c) => c.test(t)))) rows.push(t);
  if (sortKey === 'number') {
    if (order === 'desc') rows.reverse();
    return rows;
  }
  // Keys as numbers (every sortable key is numeric); missing ones (null, NaN) go last whatever the order.
  const n = rows.length;
  const keys = new Float64Array(n);
  const missing = new Uint8Array(n);
  const sign = order === 'asc' ? 1 : -1;
  for (let i = 0; i < n; i++) {
    const k = acc(rows[i] as SlimTrial);
    if (k === null || typeof k !== 'number' || Number.isNaN(k)) missing[i] = 1;
    else keys[i] = sign * k;
  }
  const idx = new Uint32Array(n);
  for (let i = 0; i < n; i++) idx[i] = i;
  idx.sort((a, b) => {
    const ma = missing[a] as number;
    const mb = missing[b] as number;
    if (ma !== mb) return ma - mb;
    if (ma === 0) {
      const ka = keys[a] as number;
      const kb = keys[b] as number;
      if (ka !== kb) return ka < kb ? -1 : 1;
    }
    return (rows[a] as SlimTrial).number - (rows[b] as SlimTrial).number;
  });
  return Array.from(idx, (i) => rows[i] as SlimTrial);
}
