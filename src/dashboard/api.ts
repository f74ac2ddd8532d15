/**
 * The dashboard's HTTP API: the one typed contract shared by the server
 * (src/dashboard/server) and the front end (src/dashboard/ui). Both sides
 * import route paths, query parameters, response types and the client from
 * here; nothing is declared twice.
 *
 * Wire rules:
 * - Every JSON body (requests, responses, SSE `data:`) is written with
 *   `encodeApiJson` and read with `decodeApiJson`. Finite numbers are plain
 *   JSON numbers; ±Infinity, NaN and -0 travel as the tagged object
 *   `{"$dials.number":"Infinity"}` (src/json.ts), never as `null`. After
 *   `decodeApiJson` every `number` field below is a real JS number again.
 * - Times are milliseconds since the Unix epoch (`EpochMs`), or null.
 * - A categorical parameter value is its choice (string, number, boolean or
 *   null) in row-shaped responses, and the index of its choice in columnar
 *   plot data (`ParamColumn.kind === 'categorical'` carries the choices).
 * - Errors: any status ≥ 400 carries `ApiErrorBody`, never a stack trace,
 *   SQL text or storage URL.
 * - Auth: when the server has a token, every /api route except
 *   `GET/POST /api/session` needs `Authorization: Bearer <token>` or the
 *   HttpOnly cookie `dials_token` (set by `POST /api/session`). The token
 *   never travels in a URL.
 * - Mutations (PUT, POST, DELETE) need `Content-Type: application/json` and,
 *   when the browser sends one, an `Origin` equal to the dashboard's own.
 *
 * This contract only grows: fields and routes are added, never renamed.
 */
import type { JsonValue } from '../json.js';
import { decodeJson, encodeJson } from '../json.js';
import type { Distribution, ParamValue } from '../space/distributions.js';
import type { StudyDirection, TrialState } from '../trial/state.js';

export type { Distribution, JsonValue, ParamValue, StudyDirection, TrialState };

export const API_VERSION = 1;

/** Milliseconds since the Unix epoch. */
export type EpochMs = number;

/**
 * An opaque position in the storage's change log. Pass it back to ask for
 * what changed since; compare only for equality.
 */
export type ChangeCursor = string;

// ---------------------------------------------------------------------------
// Encoding

/** Serializes an API body; non-finite numbers are tagged, not nulled. */
export function encodeApiJson(value: unknown): string {
  return encodeValue(value, '') ?? 'null';
}

/** A number as `encodeJson` writes it: plain when finite (and not -0), else tagged. */
function encodeNumberText(n: number): string {
  if (Number.isFinite(n) && !Object.is(n, -0)) return String(n);
  return encodeJson(n);
}

/**
 * `encodeJson` without a replacer call per value (10k-point plot columns are
 * the API's largest answers): arrays of plain numbers and nulls go to the
 * native JSON.stringify whole; anything else is walked with JSON.stringify's
 * rules (toJSON, undefined skipped in objects and null in arrays).
 */
function encodeValue(v: unknown, key: string): string | undefined {
  if (v !== null && typeof v === 'object' && typeof (v as { toJSON?: unknown }).toJSON === 'function') v = (v as { toJSON(k: string): unknown }).toJSON(key);
  switch (typeof v) {
    case 'number':
      return encodeNumberText(v);
    case 'string':
      return JSON.stringify(v);
    case 'boolean':
      return v ? 'true' : 'false';
    case 'object':
      break;
    default:
      return undefined;
  }
  if (v === null) return 'null';
  if (Array.isArray(v)) {
    let plain = true;
    for (let i = 0; i < v.length && plain; i++) {
      const x = v[i];
      if (x !== null && (typeof x !== 'number' || !Number.isFinite(x) || Object.is(x, -0))) plain = false;
    }
    if (plain) return JSON.stringify(v);
    const parts = new Array<string>(v.length);
    for (let i = 0; i < v.length; i++) parts[i] = encodeValue(v[i], String(i)) ?? 'null';
    return `[${parts.join(',')}]`;
  }
  const parts: string[] = [];
  for (const k of Object.keys(v)) {
    const text = encodeValue((v as Record<string, unknown>)[k], k);
    if (text !== undefined) parts.push(`${JSON.stringify(k)}:${text}`);
  }
  return `{${parts.join(',')}}`;
}

/** Parses an API body written by `encodeApiJson`. */
export function decodeApiJson<T>(text: string): T {
  return decodeParsed(JSON.parse(text)) as T;
}

const NUM_TAG = '$dials.number';

/**
 * What `decodeJson` returns (tagged numbers decoded, objects without a
 * prototype), walking the parsed value once instead of calling a reviver
 * for every value: the numbers of a plot column are passed over in place.
 */
function decodeParsed(v: unknown): unknown {
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const x = v[i];
      if (x !== null && typeof x === 'object') v[i] = decodeParsed(x);
    }
    return v;
  }
  const o = v as Record<string, unknown>;
  const keys = Object.keys(o);
  if (keys.length === 1 && keys[0] === NUM_TAG) return decodeJson(JSON.stringify(o));
  const out: Record<string, unknown> = Object.create(null);
  for (const k of keys) out[k] = decodeParsed(o[k]);
  return out;
}

export const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';
export const TOKEN_COOKIE = 'dials_token';
export const TOKEN_HEADER = 'authorization';

// ---------------------------------------------------------------------------
// Errors

export type ApiErrorCode =
  | 'BAD_REQUEST' // malformed query, body or path parameter (400)
  | 'UNAUTHORIZED' // token missing or wrong (401)
  | 'FORBIDDEN' // foreign Origin, Host not allowed, cross-site request (403)
  | 'NOT_FOUND' // no such study, trial, route or file (404)
  | 'CONFLICT' // the note changed since it was read (409)
  | 'PAYLOAD_TOO_LARGE' // body over MAX_BODY_BYTES (413)
  | 'UNSUPPORTED_MEDIA_TYPE' // a mutation without application/json (415)
  | 'MISDIRECTED' // Host header not served by this dashboard (421)
  | 'NOT_AVAILABLE' // a feature this build or storage lacks, e.g. importance (501)
  | 'UNAVAILABLE' // the storage cannot be read right now; retry (503)
  | 'INTERNAL'; // anything else (500); details are only in the server log

export interface ApiErrorBody {
  readonly error: {
    readonly code: ApiErrorCode;
    /** Human-readable, safe to show; never a stack trace, SQL or storage URL. */
    readonly message: string;
    /** Which input was wrong, when one was: e.g. ['query', 'sort']. */
    readonly path?: readonly (string | number)[];
  };
}

/** Largest request body accepted, in bytes. */
export const MAX_BODY_BYTES = 256 * 1024;

// ---------------------------------------------------------------------------
// Shared shapes

export type StateCounts = Readonly<Record<TrialState, number>>;

export interface StudySummaryDto {
  readonly studyId: number;
  readonly studyName: string;
  readonly directions: readonly StudyDirection[];
  readonly createdAt: EpochMs;
  readonly nTrials: number;
  readonly stateCounts: StateCounts;
  /**
   * Best value of a single-objective study among COMPLETE trials (null when
   * none, and always null for several objectives).
   */
  readonly bestValue: number | null;
  /** Number of the trial holding bestValue. */
  readonly bestTrialNumber: number | null;
  /** Latest start or finish time of any trial, else the creation time. */
  readonly lastActivity: EpochMs;
}

/** A trial as a row of the trials table and of SSE updates. */
export interface TrialRowDto {
  readonly trialId: number;
  readonly number: number;
  readonly state: TrialState;
  /** One value per objective; null until finished, and on FAIL. */
  readonly values: readonly number[] | null;
  /** Choices for categorical parameters, numbers for float and int. */
  readonly params: Readonly<Record<string, ParamValue>>;
  readonly datetimeStart: EpochMs | null;
  readonly datetimeComplete: EpochMs | null;
  readonly durationMs: number | null;
  readonly failReason: string | null;
  readonly retryOf: number | null;
  /** Last reported step (any fold), for "pruned at step k". */
  readonly lastStep: number | null;
}

export interface IntermediateValueDto {
  readonly step: number;
  readonly fold: number | null;
  readonly values: readonly number[];
}

export interface TrialLogDto {
  /** The system attribute the log came from. */
  readonly key: string;
  /** Stream name: 'stdout', 'stderr', or the attribute's suffix. */
  readonly stream: string;
  readonly text: string;
  /** True when the writer kept only the tail of a longer log. */
  readonly truncated: boolean;
}

/** PBT lineage of one trial, read from its system attributes. */
export interface PbtLineageDto {
  readonly generation: number | null;
  /** Trial number this member was exploited from (copied weights and params), or null. */
  readonly parent: number | null;
  /** Trial numbers of the chain of ancestors, oldest first. */
  readonly ancestors: readonly number[];
  /** Everything under the `dials:pbt` system attributes, verbatim. */
  readonly raw: Readonly<Record<string, JsonValue>>;
}

export interface TrialDetailDto extends TrialRowDto {
  readonly distributions: Readonly<Record<string, Distribution>>;
  readonly fixedParams: Readonly<Record<string, ParamValue>>;
  readonly intermediateValues: readonly IntermediateValueDto[];
  readonly userAttrs: Readonly<Record<string, JsonValue>>;
  readonly systemAttrs: Readonly<Record<string, JsonValue>>;
  readonly gridIndex: number | null;
  /** Logs of CLI trials: system attributes `dials:stdout`, `dials:stderr` (written by `dials tune`) and `dials:log[:stream]`. */
  readonly logs: readonly TrialLogDto[];
  readonly pbt: PbtLineageDto | null;
  /** Trial numbers of the retries of this trial. */
  readonly retries: readonly number[];
}

export interface ParamInfoDto {
  readonly name: string;
  /** Distribution of the latest trial that used this parameter. */
  readonly distribution: Distribution;
  /** Trials in which the parameter appears (conditional spaces: fewer than nTrials). */
  readonly count: number;
}

export interface DurationStatsDto {
  /** Finished trials with a start and a finish time. */
  readonly count: number;
  readonly minMs: number;
  readonly medianMs: number;
  readonly meanMs: number;
  readonly p95Ms: number;
  readonly maxMs: number;
  readonly totalMs: number;
}

export interface SamplerInfoDto {
  /** e.g. 'GpSampler', from the AutoSampler's record, else null. */
  readonly name: string | null;
  readonly reason: string | null;
  /** The `dials:auto_sampler` attribute verbatim. */
  readonly raw: JsonValue;
}

// ---------------------------------------------------------------------------
// Responses, route by route

/** GET /api/session (no auth) */
export interface SessionResponse {
  /** The server needs a token. */
  readonly tokenRequired: boolean;
  /** This request carried a valid token (always true when none is required). */
  readonly authenticated: boolean;
  readonly apiVersion: number;
}

/** POST /api/session body: exchanges the token for an HttpOnly SameSite=Strict cookie. */
export interface SessionRequest {
  readonly token: string;
}

/** GET /api/info */
export interface InfoResponse {
  readonly apiVersion: number;
  readonly dialsVersion: string;
  /** The backend kind only; the URL is never sent. */
  readonly storageKind: 'memory' | 'sqlite' | 'postgresql';
  /** False when notes cannot be saved (read-only storage). */
  readonly writable: boolean;
  readonly cursor: ChangeCursor;
}

/** GET /api/studies */
export interface StudiesResponse {
  readonly studies: readonly StudySummaryDto[];
  readonly cursor: ChangeCursor;
}

/** GET /api/studies/:studyId */
export interface StudyDetailResponse {
  readonly study: StudySummaryDto;
  readonly userAttrs: Readonly<Record<string, JsonValue>>;
  /** System attributes except the note (which has its own route). */
  readonly systemAttrs: Readonly<Record<string, JsonValue>>;
  readonly sampler: SamplerInfoDto | null;
  readonly durations: DurationStatsDto | null;
  /**
   * Single objective: the best COMPLETE trial (at most one). Several
   * objectives: the Pareto front, at most MAX_BEST_TRIALS trials.
   */
  readonly bestTrials: readonly TrialRowDto[];
  /** True when the Pareto front had more than MAX_BEST_TRIALS trials. */
  readonly bestTrialsTruncated: boolean;
  readonly params: readonly ParamInfoDto[];
  /** Keys of trial user attributes seen in the study. */
  readonly userAttrKeys: readonly string[];
  readonly intermediate: {
    /** Trials with at least one report. */
    readonly trials: number;
    readonly maxStep: number | null;
    /** Distinct folds (empty when no report carried a fold). */
    readonly folds: readonly number[];
  };
  readonly hasPbt: boolean;
  /**
   * Single objective only: the best COMPLETE trial against the best COMPLETE
   * trial enqueued from an established baseline (system attr
   * `dials:baseline`); null when no baseline trial has completed.
   */
  readonly baselineImprovement: BaselineImprovementDto | null;
  readonly cursor: ChangeCursor;
}

/** The best trial against the best baseline trial (see src/baselines). */
export interface BaselineImprovementDto {
  readonly direction: StudyDirection;
  /** Baseline reference 'name@version', its trial number and value. */
  readonly baseline: { readonly ref: string; readonly number: number; readonly value: number };
  readonly best: { readonly number: number; readonly value: number };
  /** How much better the best trial is, in objective units: ≥ 0 whatever the direction. */
  readonly absolute: number;
  /** absolute / |baseline value|; null when the baseline value is 0. */
  readonly relative: number | null;
}

export const MAX_BEST_TRIALS = 1000;

// -- Trials table -----------------------------------------------------------

/**
 * Keys the trials table sorts and filters on. `params.<name>` must name a
 * parameter of the study; `values.<k>` an objective index; anything else is
 * rejected with 400 before reaching the storage.
 */
export type TrialSortKey = 'number' | 'state' | 'value' | `values.${number}` | 'duration' | 'datetimeStart' | 'datetimeComplete' | `params.${string}`;

export const FIXED_SORT_KEYS = ['number', 'state', 'value', 'duration', 'datetimeStart', 'datetimeComplete'] as const;

export type SortOrder = 'asc' | 'desc';

/**
 * Comparison of a filter. `in` takes values separated by `|` (states, or
 * categorical choices as JSON text); the others take one value: a number
 * for numeric keys (`inf`, `-inf`, `nan` allowed), a choice as JSON text for
 * categorical parameters (`"relu"`, `3`, `true`, `null`).
 */
export type FilterOp = 'eq' | 'ne' | 'lt' | 'lte' | 'gt' | 'gte' | 'in';
export const FILTER_OPS: readonly FilterOp[] = ['eq', 'ne', 'lt', 'lte', 'gt', 'gte', 'in'];

export interface TrialFilter {
  readonly key: TrialSortKey;
  readonly op: FilterOp;
  readonly value: string;
}

/** One `filter=` query value: `<key>:<op>:<value>` (the value may hold colons). */
export function encodeTrialFilter(f: TrialFilter): string {
  return `${f.key}:${f.op}:${f.value}`;
}

/** Inverse of encodeTrialFilter; null when the text is not `<key>:<op>:<value>`. */
export function parseTrialFilter(text: string): TrialFilter | null {
  // Keys and values may hold ':'; the leftmost `:<op>:` separates them.
  let found: TrialFilter | null = null;
  let at = Number.POSITIVE_INFINITY;
  for (const op of FILTER_OPS) {
    const marker = `:${op}:`;
    const i = text.indexOf(marker);
    if (i > 0 && i < at) {
      at = i;
      found = { key: text.slice(0, i) as TrialSortKey, op, value: text.slice(i + marker.length) };
    }
  }
  return found;
}

/** GET /api/studies/:studyId/trials query. Repeated `filter` params all must hold. */
export interface TrialsQuery {
  /** Default 0. */
  readonly offset?: number;
  /** Default 100, at most MAX_PAGE_SIZE. */
  readonly limit?: number;
  /** Default 'number'. */
  readonly sort?: TrialSortKey;
  /** Default 'asc'. Missing values (null, absent parameter) sort last either way. */
  readonly order?: SortOrder;
  readonly filter?: readonly TrialFilter[];
}

export const MAX_PAGE_SIZE = 1000;

/** GET /api/studies/:studyId/trials */
export interface TrialsResponse {
  /** Trials matching the filters. */
  readonly total: number;
  readonly offset: number;
  readonly limit: number;
  readonly trials: readonly TrialRowDto[];
  /** Parameter names of the study, for the table's columns. */
  readonly paramNames: readonly string[];
  readonly cursor: ChangeCursor;
}

/** GET /api/studies/:studyId/trials/:number */
export interface TrialDetailResponse {
  readonly trial: TrialDetailDto;
  readonly cursor: ChangeCursor;
}

// -- Plot data (columnar, downsampled) ---------------------------------------

/**
 * Every plot-data route takes `maxPoints` (default DEFAULT_MAX_POINTS, at
 * most MAX_MAX_POINTS) and reports `total` (points before downsampling) and
 * `sampled` (whether some were left out). Downsampling keeps the extremes
 * and every best-so-far improvement, and is deterministic.
 */
export const DEFAULT_MAX_POINTS = 20_000;
export const MAX_MAX_POINTS = 200_000;

interface Sampled {
  readonly total: number;
  readonly sampled: boolean;
  readonly cursor: ChangeCursor;
}

/** GET plot-data/history?objective=k — COMPLETE trials in number order. */
export interface HistoryData extends Sampled {
  readonly objective: number;
  readonly direction: StudyDirection;
  readonly numbers: readonly number[];
  readonly values: readonly number[];
  readonly datetimeComplete: readonly (EpochMs | null)[];
  /** Best value so far at each point (over all COMPLETE trials, including left-out ones). */
  readonly best: readonly number[];
}

export type ParamColumn =
  | {
      readonly name: string;
      readonly kind: 'float' | 'int';
      readonly log: boolean;
      readonly low: number;
      readonly high: number;
      readonly values: readonly (number | null)[];
    }
  | {
      readonly name: string;
      readonly kind: 'categorical';
      readonly choices: readonly ParamValue[];
      /** Index into choices, or null when the trial did not use the parameter. */
      readonly values: readonly (number | null)[];
    };

/**
 * GET plot-data/params?params=a,b,c&objective=k — COMPLETE trials as columns:
 * parallel coordinates, slice, and contour (ask for two params). Without
 * `params`, every parameter of the study (at most 64).
 */
export interface ParamsData extends Sampled {
  readonly objective: number;
  readonly direction: StudyDirection;
  readonly numbers: readonly number[];
  readonly values: readonly number[];
  readonly params: readonly ParamColumn[];
}

/** GET plot-data/edf?objective=k — empirical distribution of COMPLETE values. */
export interface EdfData extends Sampled {
  readonly objective: number;
  /** Sorted ascending (finite first, then ±Infinity at its end; NaN left out). */
  readonly x: readonly number[];
  /** Fraction of values ≤ x, in (0, 1]. */
  readonly y: readonly number[];
}

export interface IntermediateCurve {
  readonly number: number;
  readonly state: TrialState;
  readonly fold: number | null;
  readonly steps: readonly number[];
  /** First objective of each report. */
  readonly values: readonly number[];
}

/**
 * GET plot-data/intermediate?maxTrials=n&objective=k — learning curves. When
 * more trials reported than `maxTrials` (default 300, at most 5000), the
 * curves shown are the best by last value plus an even spread over numbers;
 * `total` counts trials with reports.
 */
export interface IntermediateData extends Sampled {
  readonly curves: readonly IntermediateCurve[];
}

/** GET plot-data/pareto — several-objective studies, COMPLETE trials. */
export interface ParetoData extends Sampled {
  readonly directions: readonly StudyDirection[];
  readonly numbers: readonly number[];
  /** values[k][i] is objective k of trial numbers[i]. */
  readonly values: readonly (readonly number[])[];
  /** Whether trial i is on the Pareto front (the front is never left out). */
  readonly onFront: readonly boolean[];
}

/** GET plot-data/timeline — one bar per started trial. */
export interface TimelineData extends Sampled {
  readonly numbers: readonly number[];
  readonly states: readonly TrialState[];
  readonly start: readonly EpochMs[];
  /** Null while running. */
  readonly complete: readonly (EpochMs | null)[];
  /**
   * Lane of each bar: the `dials:worker` system attribute when trials carry
   * one, else lanes packed greedily so that bars in one lane never overlap.
   */
  readonly lane: readonly string[];
}

/** GET plot-data/pbt — PBT hyperparameter schedules, one member per trial. */
export interface PbtData extends Sampled {
  /** Segment trials (one trial = one member trained from step `start` to `end`). */
  readonly numbers: readonly number[];
  /** Segments before this one in its member's chain (0 for the first). */
  readonly generation: readonly (number | null)[];
  /** The member's previous segment (trial number), or null for its first. */
  readonly parent: readonly (number | null)[];
  readonly params: readonly ParamColumn[];
  /** Score at `end` (COMPLETE only). */
  readonly values: readonly (number | null)[];
  readonly member: readonly (number | null)[];
  readonly start: readonly (number | null)[];
  readonly end: readonly (number | null)[];
  /** Trial whose checkpoint an exploit copied, else null. */
  readonly exploitedFrom: readonly (number | null)[];
}

// -- Importance ---------------------------------------------------------------

/** Interactions come from fANOVA only. */
export type ImportanceEvaluator = 'fanova' | 'ped-anova' | 'mdi';
export const IMPORTANCE_EVALUATORS: readonly ImportanceEvaluator[] = ['fanova', 'ped-anova', 'mdi'];

/**
 * GET /api/studies/:studyId/importance?evaluator=fanova&objective=0 — over
 * at most MAX_IMPORTANCE_TRIALS COMPLETE trials (the latest ones); computed
 * once per change cursor and cached.
 */
export interface ImportanceResponse {
  readonly evaluator: ImportanceEvaluator;
  readonly objective: number;
  /** Sorted by importance, largest first; importances sum to 1 (or all 0). */
  readonly importances: readonly { readonly param: string; readonly importance: number }[];
  /** COMPLETE trials used. */
  readonly nTrials: number;
  readonly cursor: ChangeCursor;
}

export const MAX_IMPORTANCE_TRIALS = 2000;

/** GET /api/studies/:studyId/interactions?evaluator=fanova&objective=0 */
export interface InteractionsResponse {
  readonly evaluator: ImportanceEvaluator;
  readonly objective: number;
  /** Pairwise (second-order) terms, largest first. */
  readonly pairs: readonly { readonly params: readonly [string, string]; readonly importance: number }[];
  readonly nTrials: number;
  readonly cursor: ChangeCursor;
}

// -- Note ---------------------------------------------------------------------

/** Study system attribute holding the note. */
export const NOTE_ATTR = 'dials:note';
export const MAX_NOTE_LENGTH = 100_000;

/** GET /api/studies/:studyId/note */
export interface NoteResponse {
  /** Markdown source; render it without raw HTML. */
  readonly markdown: string;
  /** Increases with every save; 0 when no note was ever saved. */
  readonly version: number;
  readonly updatedAt: EpochMs | null;
}

/** PUT /api/studies/:studyId/note body. `version` is the one read; a stale one → 409. */
export interface NoteRequest {
  readonly markdown: string;
  readonly version: number;
}

// -- Export -------------------------------------------------------------------

/**
 * GET /api/studies/:studyId/export?format=csv|json — a download
 * (Content-Disposition: attachment; filename*=UTF-8''<study>.csv), in the
 * format of `study.exportTrials` (CSV cells neutralised for spreadsheets).
 */
export type ExportFormat = 'csv' | 'json';

// -- Server-sent events ------------------------------------------------------

/**
 * GET /api/events?study=<studyId> (study optional). Each event's `id:` is its
 * cursor; a reconnecting EventSource sends it back as Last-Event-ID and gets
 * what changed since. A `:` comment line is sent every 15 s to keep proxies
 * from closing the stream.
 */
export type SseEvent =
  /** First event of a stream. */
  | { readonly type: 'hello'; readonly cursor: ChangeCursor }
  /** Studies were created, deleted or their trials changed: refetch the list. */
  | { readonly type: 'studies'; readonly cursor: ChangeCursor; readonly studies: readonly StudySummaryDto[] }
  /**
   * Trials of the watched study were created or changed (at most
   * MAX_SSE_TRIALS; when `truncated`, refetch what is shown).
   */
  | { readonly type: 'trials'; readonly cursor: ChangeCursor; readonly studyId: number; readonly trials: readonly TrialRowDto[]; readonly truncated: boolean }
  /** The watched study's attributes or note changed. */
  | { readonly type: 'study'; readonly cursor: ChangeCursor; readonly studyId: number }
  /** The watched study was deleted. */
  | { readonly type: 'deleted'; readonly cursor: ChangeCursor; readonly studyId: number };

export type SseEventType = SseEvent['type'];
export const MAX_SSE_TRIALS = 500;
/** How often the server looks at the change cursor, in milliseconds. */
export const SSE_POLL_MS = 250;

// ---------------------------------------------------------------------------
// Routes

export type PlotKind = 'history' | 'params' | 'edf' | 'intermediate' | 'pareto' | 'timeline' | 'pbt';
export const PLOT_KINDS: readonly PlotKind[] = ['history', 'params', 'edf', 'intermediate', 'pareto', 'timeline', 'pbt'];

export interface PlotDataMap {
  readonly history: HistoryData;
  readonly params: ParamsData;
  readonly edf: EdfData;
  readonly intermediate: IntermediateData;
  readonly pareto: ParetoData;
  readonly timeline: TimelineData;
  readonly pbt: PbtData;
}

export interface PlotQuery {
  readonly objective?: number;
  readonly maxPoints?: number;
  /** plot-data/params only: parameter names. */
  readonly params?: readonly string[];
  /** plot-data/intermediate only. */
  readonly maxTrials?: number;
}

/** Path builders: the only place URLs are spelled. Ids are integers, so no escaping is needed. */
export const apiPaths = {
  session: () => '/api/session',
  info: () => '/api/info',
  studies: () => '/api/studies',
  study: (studyId: number) => `/api/studies/${studyId}`,
  trials: (studyId: number) => `/api/studies/${studyId}/trials`,
  trial: (studyId: number, number: number) => `/api/studies/${studyId}/trials/${number}`,
  plot: (studyId: number, kind: PlotKind) => `/api/studies/${studyId}/plot-data/${kind}`,
  importance: (studyId: number) => `/api/studies/${studyId}/importance`,
  interactions: (studyId: number) => `/api/studies/${studyId}/interactions`,
  note: (studyId: number) => `/api/studies/${studyId}/note`,
  export: (studyId: number) => `/api/studies/${studyId}/export`,
  events: () => '/api/events',
} as const;

/** Route patterns as the server registers them (Hono syntax). */
export const API_ROUTES = [
  { method: 'GET', path: '/api/session' },
  { method: 'POST', path: '/api/session' },
  { method: 'DELETE', path: '/api/session' },
  { method: 'GET', path: '/api/info' },
  { method: 'GET', path: '/api/studies' },
  { method: 'GET', path: '/api/studies/:studyId' },
  { method: 'GET', path: '/api/studies/:studyId/trials' },
  { method: 'GET', path: '/api/studies/:studyId/trials/:number' },
  { method: 'GET', path: '/api/studies/:studyId/plot-data/:kind' },
  { method: 'GET', path: '/api/studies/:studyId/importance' },
  { method: 'GET', path: '/api/studies/:studyId/interactions' },
  { method: 'GET', path: '/api/studies/:studyId/note' },
  { method: 'PUT', path: '/api/studies/:studyId/note' },
  { method: 'GET', path: '/api/studies/:studyId/export' },
  { method: 'GET', path: '/api/events' },
] as const;

function query(params: Record<string, string | number | readonly string[] | undefined>): string {
  const sp = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined) continue;
    if (Array.isArray(v)) for (const x of v) sp.append(k, x);
    else sp.append(k, String(v));
  }
  const s = sp.toString();
  return s === '' ? '' : `?${s}`;
}

/** Query string of a trials request. */
export function trialsQueryString(q: TrialsQuery): string {
  return query({ offset: q.offset, limit: q.limit, sort: q.sort, order: q.order, filter: q.filter?.map(encodeTrialFilter) });
}

/** Query string of a plot-data request. */
export function plotQueryString(q: PlotQuery): string {
  return query({ objective: q.objective, maxPoints: q.maxPoints, params: q.params === undefined ? undefined : q.params.join(','), maxTrials: q.maxTrials });
}

/** Thrown by ApiClient for any status ≥ 400. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: ApiErrorCode;
  constructor(status: number, body: ApiErrorBody['error']) {
    super(body.message);
    this.name = 'ApiError';
    this.status = status;
    this.code = body.code;
  }
}

type FetchLike = (
  input: string,
  init?: { method?: string; headers?: Record<string, string>; body?: string; credentials?: 'same-origin' },
) => Promise<{
  ok: boolean;
  status: number;
  text(): Promise<string>;
}>;

/**
 * A typed client over fetch. In the browser, `new ApiClient(fetch.bind(window))`
 * authenticates by cookie; elsewhere pass `{ token }` to send the header.
 */
export class ApiClient {
  private readonly fetchFn: FetchLike;
  private readonly base: string;
  private readonly token: string | undefined;

  constructor(fetchFn: FetchLike, options: { readonly baseUrl?: string; readonly token?: string } = {}) {
    this.fetchFn = fetchFn;
    this.base = options.baseUrl ?? '';
    this.token = options.token;
  }

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.token !== undefined) headers[TOKEN_HEADER] = `Bearer ${this.token}`;
    const init: Parameters<FetchLike>[1] = { method, headers, credentials: 'same-origin' };
    if (body !== undefined) {
      headers['content-type'] = JSON_CONTENT_TYPE;
      init.body = encodeApiJson(body);
    }
    const res = await this.fetchFn(this.base + path, init);
    const text = await res.text();
    if (!res.ok) {
      let err: ApiErrorBody['error'] = { code: 'INTERNAL', message: `HTTP ${res.status}` };
      try {
        err = decodeApiJson<ApiErrorBody>(text).error;
      } catch {
        // a non-JSON error page (proxy); keep the status
      }
      throw new ApiError(res.status, err);
    }
    return decodeApiJson<T>(text);
  }

  session(): Promise<SessionResponse> {
    return this.call('GET', apiPaths.session());
  }
  login(token: string): Promise<SessionResponse> {
    return this.call('POST', apiPaths.session(), { token } satisfies SessionRequest);
  }
  logout(): Promise<SessionResponse> {
    return this.call('DELETE', apiPaths.session(), {});
  }
  info(): Promise<InfoResponse> {
    return this.call('GET', apiPaths.info());
  }
  studies(): Promise<StudiesResponse> {
    return this.call('GET', apiPaths.studies());
  }
  study(studyId: number): Promise<StudyDetailResponse> {
    return this.call('GET', apiPaths.study(studyId));
  }
  trials(studyId: number, q: TrialsQuery = {}): Promise<TrialsResponse> {
    return this.call('GET', apiPaths.trials(studyId) + trialsQueryString(q));
  }
  trial(studyId: number, number: number): Promise<TrialDetailResponse> {
    return this.call('GET', apiPaths.trial(studyId, number));
  }
  plot<K extends PlotKind>(studyId: number, kind: K, q: PlotQuery = {}): Promise<PlotDataMap[K]> {
    return this.call('GET', apiPaths.plot(studyId, kind) + plotQueryString(q));
  }
  importance(studyId: number, q: { evaluator?: ImportanceEvaluator; objective?: number } = {}): Promise<ImportanceResponse> {
    return this.call('GET', apiPaths.importance(studyId) + query({ evaluator: q.evaluator, objective: q.objective }));
  }
  interactions(studyId: number, q: { evaluator?: ImportanceEvaluator; objective?: number } = {}): Promise<InteractionsResponse> {
    return this.call('GET', apiPaths.interactions(studyId) + query({ evaluator: q.evaluator, objective: q.objective }));
  }
  note(studyId: number): Promise<NoteResponse> {
    return this.call('GET', apiPaths.note(studyId));
  }
  saveNote(studyId: number, body: NoteRequest): Promise<NoteResponse> {
    return this.call('PUT', apiPaths.note(studyId), body);
  }
  /** URL of a download (same origin; the cookie authenticates it). */
  exportUrl(studyId: number, format: ExportFormat): string {
    return `${this.base}${apiPaths.export(studyId)}${query({ format })}`;
  }
  /** URL for `new EventSource(url)`. */
  eventsUrl(studyId?: number): string {
    return `${this.base}${apiPaths.events()}${query({ study: studyId })}`;
  }
}

/** Parses one SSE `data:` payload. */
export function parseSseEvent(data: string): SseEvent {
  return decodeApiJson<SseEvent>(data);
}
