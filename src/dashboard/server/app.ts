/**
 * The dashboard's HTTP routes (Hono), one per entry of API_ROUTES in
 * ../api.ts. Every request: guards (Host, Origin, token), then the route,
 * whose errors are mapped in one onError to the API error shape (never a
 * stack trace, SQL text or storage URL).
 */
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { streamSSE } from 'hono/streaming';
import { DialsError } from '../../errors.js';
import { encodeAttr, type JsonValue } from '../../json.js';
import { parseChangeCursor, type Storage } from '../../storage/storage.js';
import { exportTrialsCsv, exportTrialsJson } from '../../study/export.js';
import type { FrozenTrial } from '../../trial/frozen-trial.js';
import type { StudyDirection } from '../../trial/state.js';
import {
  API_VERSION,
  DEFAULT_MAX_POINTS,
  encodeApiJson,
  IMPORTANCE_EVALUATORS,
  type ImportanceEvaluator,
  type ImportanceResponse,
  type InfoResponse,
  type InteractionsResponse,
  JSON_CONTENT_TYPE,
  MAX_BEST_TRIALS,
  MAX_BODY_BYTES,
  MAX_IMPORTANCE_TRIALS,
  MAX_MAX_POINTS,
  MAX_NOTE_LENGTH,
  MAX_PAGE_SIZE,
  MAX_SSE_TRIALS,
  NOTE_ATTR,
  type NoteResponse,
  type PbtLineageDto,
  PLOT_KINDS,
  type PlotKind,
  type SamplerInfoDto,
  type SessionResponse,
  type SseEvent,
  type StudiesResponse,
  type StudyDetailResponse,
  TOKEN_COOKIE,
  type TrialDetailResponse,
  type TrialLogDto,
  type TrialsResponse,
} from '../api.js';
import type { DataHub, StudyTrials } from './hub.js';
import { ImportanceFitError, type ImportanceRunner, type ImportanceRunReport } from './importance-runner.js';
import { errorResponse, type GuardOptions, guards, requestToken, tokenMatches } from './security.js';
import type { StaticFiles } from './static-files.js';
import { PBT_SEGMENT_ATTR, type SlimTrial } from './trial-loader.js';
import {
  BadRequest,
  baselineImprovement,
  bestIndex,
  curvesOf,
  durationStats,
  edfData,
  historyData,
  paramInfos,
  paramsData,
  paretoData,
  paretoFront,
  pbtData,
  pickCurveTrials,
  rowOf,
  selectTrials,
  spaceNames,
  summaryDto,
  timelineData,
} from './views.js';

export interface AppContext {
  readonly hub: DataHub;
  /** Where notes are written (a read-write connection opened on first use); null when read-only. */
  readonly writer: (() => Promise<Storage>) | null;
  readonly storageKind: InfoResponse['storageKind'];
  readonly token: string | null;
  readonly staticFiles: StaticFiles;
  readonly dialsVersion: string;
  /** Server-side log; never given the token. */
  readonly log: (line: string) => void;
  readonly maxStreams: number;
  readonly guard: GuardOptions;
  /** Where importance fits run (a worker thread when one can start). */
  readonly importance: ImportanceRunner;
}

const AUTO_SAMPLER_ATTR = 'dials:auto_sampler';
/** How stale derived data (plots, sorted tables) may be while trials keep changing, when it is costly to recompute. */
const STALE_MS = 1000;
/** The longest a stale result is served, whatever its cost. */
const MAX_STALE_MS = 2000;
/** Results cheaper than this are recomputed whenever the trials changed (never stale). */
const CHEAP_MS = 5;
/**
 * How long a result computed in `costMs` may be reused after the trials
 * changed: never for a cheap one; for a costly one at least STALE_MS and
 * four times its cost (so at most a fifth of the time goes to recomputing),
 * at most MAX_STALE_MS. A live stream that saw a change sends the page one
 * more nudge after MAX_STALE_MS, so a refetch that got stale data is
 * followed by one that cannot.
 */
function staleWindowMs(costMs: number | undefined): number {
  const cost = costMs ?? 0;
  return cost < CHEAP_MS ? 0 : Math.min(MAX_STALE_MS, Math.max(STALE_MS, 4 * cost));
}
/** Requests closer together than this share one look at the change cursor. */
const REQUEST_FRESH_MS = 20;
/** How long the list of user attribute keys is reused. */
const EXTRAS_TTL_MS = 10_000;
/** Trial logs: `dials tune` keeps each command's output tail in `dials:stdout` and `dials:stderr`; `dials:log[:stream]` also counts. */
const LOG_ATTR_PREFIX = 'dials:log';

/** A JSON response; a string is taken as already encoded. */
function json(body: unknown, status = 200): Response {
  return new Response(typeof body === 'string' ? body : encodeApiJson(body), { status, headers: { 'content-type': JSON_CONTENT_TYPE } });
}

function intParam(raw: string | undefined, name: string, def: number, min: number, max: number): number {
  if (raw === undefined || raw === '') return def;
  if (!/^-?\d{1,15}$/.test(raw)) throw new BadRequest(`${name} must be an integer, got ${JSON.stringify(raw.slice(0, 40))}`, ['query', name]);
  const n = Number(raw);
  if (n < min || n > max) throw new BadRequest(`${name} must be in [${min}, ${max}], got ${n}`, ['query', name]);
  return n;
}

function idParam(raw: string, name: string): number {
  if (!/^\d{1,15}$/.test(raw)) throw new BadRequest(`${name} must be a non-negative integer`, ['path', name]);
  return Number(raw);
}

class NotFound extends Error {}
class Conflict extends Error {}
class NotAvailable extends Error {}

/** RFC 6266 attachment header: an ASCII fallback plus the exact UTF-8 name; control characters stripped. */
export function contentDisposition(filename: string): string {
  // Control characters are stripped.
  const clean = filename.replace(/[\u0000-\u001f\u007f]/g, '');
  const ascii = clean.replace(/[^\x20-\x7e]/g, '_').replace(/["\\/;]/g, '_') || 'download';
  const star = encodeURIComponent(clean).replace(/['()*]/g, (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase()}`);
  return `attachment; filename="${ascii}"; filename*=UTF-8''${star}`;
}

function logsOf(systemAttrs: Readonly<Record<string, JsonValue>>): TrialLogDto[] {
  const out: TrialLogDto[] = [];
  for (const [key, v] of Object.entries(systemAttrs)) {
    let stream: string;
    if (key === 'dials:stdout' || key === 'dials:stderr') stream = key.slice('dials:'.length);
    else if (key === LOG_ATTR_PREFIX) stream = 'log';
    else if (key.startsWith(`${LOG_ATTR_PREFIX}:`)) stream = key.slice(LOG_ATTR_PREFIX.length + 1);
    else continue;
    const text = typeof v === 'string' ? v : Array.isArray(v) ? v.filter((x) => typeof x === 'string').join('\n') : JSON.stringify(v);
    out.push({ key, stream, text, truncated: text.startsWith('[dials: ') });
  }
  return out.sort((a, b) => (a.key < b.key ? -1 : 1));
}

function pbtOf(t: FrozenTrial, all: readonly (SlimTrial | undefined)[]): PbtLineageDto | null {
  const raw: Record<string, JsonValue> = {};
  for (const [k, v] of Object.entries(t.systemAttrs)) if (k.startsWith('dials:pbt')) raw[k] = v;
  if (Object.keys(raw).length === 0) return null;
  const seg = raw[PBT_SEGMENT_ATTR] as { parent?: unknown; exploit?: { fromTrial?: unknown } | null } | undefined;
  const parentOf = (s: unknown): number | null => {
    const p = (s as { parent?: unknown } | null)?.parent;
    return typeof p === 'number' ? p : null;
  };
  const ancestors: number[] = [];
  let p = parentOf(seg);
  while (p !== null && !ancestors.includes(p) && ancestors.length < 10_000) {
    ancestors.unshift(p);
    p = parentOf(all[p]?.pbt ?? null);
  }
  const exploited = seg?.exploit?.fromTrial;
  return {
    generation: seg ? ancestors.length : null,
    parent: typeof exploited === 'number' ? exploited : parentOf(seg),
    ancestors,
    raw,
  };
}

function samplerOf(systemAttrs: Readonly<Record<string, JsonValue>>): SamplerInfoDto | null {
  const raw = systemAttrs[AUTO_SAMPLER_ATTR];
  if (raw === undefined) return null;
  const o = raw !== null && typeof raw === 'object' && !Array.isArray(raw) ? (raw as Record<string, JsonValue>) : {};
  return {
    name: typeof o.sampler === 'string' ? o.sampler : typeof raw === 'string' ? raw : null,
    reason: typeof o.reason === 'string' ? o.reason : null,
    raw,
  };
}

function noteOf(systemAttrs: Readonly<Record<string, JsonValue>>): NoteResponse {
  const n = systemAttrs[NOTE_ATTR];
  if (n === null || typeof n !== 'object' || Array.isArray(n)) return { markdown: '', version: 0, updatedAt: null };
  const o = n as Record<string, JsonValue>;
  return {
    markdown: typeof o.markdown === 'string' ? o.markdown : '',
    version: typeof o.version === 'number' ? o.version : 0,
    updatedAt: typeof o.updatedAt === 'number' ? o.updatedAt : null,
  };
}

/** Slim rows as the frozen trials the importance module reads (no reports or attributes needed). */
function asFrozen(rows: readonly SlimTrial[]): FrozenTrial[] {
  return rows.map((t) => ({
    trialId: t.trialId,
    number: t.number,
    state: t.state,
    value: t.values && t.values.length === 1 ? (t.values[0] as number) : null,
    values: t.values,
    params: t.params,
    distributions: t.distributions,
    fixedParams: {},
    intermediateValues: [],
    userAttrs: {},
    systemAttrs: {},
    datetimeStart: t.start === null ? null : new Date(t.start),
    datetimeComplete: t.complete === null ? null : new Date(t.complete),
    failReason: t.failReason,
    retryOf: t.retryOf,
    gridIndex: null,
  }));
}

export function createApp(ctx: AppContext): Hono {
  const { hub } = ctx;
  const app = new Hono();
  let streams = 0;
  app.use(
    '*',
    guards(() => ctx.guard),
  );
  // A refresh before each API request (shared by concurrent ones, reused for REQUEST_FRESH_MS), so an answer
  // holds every change committed more than that before it; the reads inside the request reuse it.
  // The time spent on each answer, change-cursor refresh included, as a Server-Timing header (browser devtools
  // and the benchmark read it; it says nothing about the data).
  app.use('/api/*', async (c, next) => {
    const t0 = performance.now();
    if (c.req.path === '/api/events') return next();
    if (c.req.path !== '/api/session') await hub.refresh(REQUEST_FRESH_MS);
    await next();
    c.res.headers.set('server-timing', `app;dur=${(performance.now() - t0).toFixed(1)}`);
  });

  const extrasCache = new Map<number, { at: number; value: import('./trial-loader.js').StudyExtras }>();
  /** Derived results per study, per data version. */
  const memo = new Map<string, { version: number; at: number; value: unknown; costMs?: number }>();
  /**
   * While a study is being written to, derived data up to STALE_MS old is
   * served as is (live rows reach the page by SSE anyway); at 100k trials a
   * recomputation per request would cost more than the request budget.
   */
  const remember = <T>(key: string, st: StudyTrials, compute: () => T): T => {
    const hit = recall(key, st.version, staleWindowMs);
    if (hit) return hit.value as T;
    const t0 = performance.now();
    return store(key, st.version, compute(), t0);
  };
  /** The memo entry for key if it is of this data version or younger than window(its cost). */
  const recall = (key: string, version: number, window: (costMs: number | undefined) => number) => {
    const hit = memo.get(key);
    return hit && (hit.version === version || Date.now() - hit.at < window(hit.costMs)) ? hit : undefined;
  };
  /** Keeps value (computed from data version since t0) under key; returns it. */
  const store = <T>(key: string, version: number, value: T, t0: number): T => {
    if (memo.size > 256) memo.clear();
    memo.set(key, { version, at: Date.now(), value, costMs: performance.now() - t0 });
    return value;
  };

  const studyOr404 = async (raw: string) => {
    const id = idParam(raw, 'studyId');
    const s = await hub.study(id);
    if (!s) throw new NotFound(`no study with id ${id}`);
    return s;
  };

  app.use(
    '/api/*',
    bodyLimit({
      maxSize: MAX_BODY_BYTES,
      onError: () => {
        const res = errorResponse('PAYLOAD_TOO_LARGE', `a request body may hold at most ${MAX_BODY_BYTES} bytes`);
        // The rest of the body is not read: the connection cannot carry another request.
        res.headers.set('connection', 'close');
        return res;
      },
    }),
  );

  const readJsonBody = async (c: { req: { text(): Promise<string> } }): Promise<Record<string, unknown>> => {
    const text = await c.req.text();
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw new BadRequest('the body is not valid JSON', ['body']);
    }
    if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new BadRequest('the body must be a JSON object', ['body']);
    return body as Record<string, unknown>;
  };

  // -- session ---------------------------------------------------------------
  const session = (authenticated: boolean): SessionResponse => ({ tokenRequired: ctx.token !== null, authenticated, apiVersion: API_VERSION });

  app.get('/api/session', (c) => json(session(ctx.token === null || tokenMatches(requestToken(c), ctx.token))));

  app.post('/api/session', async (c) => {
    const body = await readJsonBody(c);
    if (typeof body.token !== 'string' || body.token.length > 4096) throw new BadRequest('token must be a string', ['body', 'token']);
    if (ctx.token === null) return json(session(true));
    if (!tokenMatches(body.token, ctx.token)) return errorResponse('UNAUTHORIZED', 'wrong token');
    const res = json(session(true));
    res.headers.append('set-cookie', `${TOKEN_COOKIE}=${encodeURIComponent(body.token)}; HttpOnly; SameSite=Strict; Path=/`);
    return res;
  });

  app.delete('/api/session', () => {
    const res = json(session(ctx.token === null));
    res.headers.append('set-cookie', `${TOKEN_COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0`);
    return res;
  });

  // -- reads -----------------------------------------------------------------
  app.get('/api/info', async () => {
    await hub.refresh();
    const info: InfoResponse = {
      apiVersion: API_VERSION,
      dialsVersion: ctx.dialsVersion,
      storageKind: ctx.storageKind,
      writable: ctx.writer !== null,
      cursor: hub.currentCursor,
    };
    return json(info);
  });

  /**
   * Summaries of every study (each scans a study's trials), shared by all requests and streams while no change was seen
   * since; after a change reused only as derived data is (staleWindowMs: never when cheap), and then marked stale, so a
   * stream sends fresh ones once that window has passed. (They used to be reused for 250 ms whatever changed: a trial
   * finished right after a refetch stayed RUNNING on the studies page until the next change.)
   */
  const summaries = async (): Promise<{ value: ReturnType<typeof summaryDto>[]; stale: boolean }> => {
    const list = await hub.studies();
    // The memo's data version is the change cursor, read before the trials: a change seen while they load makes the
    // result look older, never newer.
    const version = parseChangeCursor(hub.currentCursor);
    const hit = recall('summaries', version, staleWindowMs);
    const cached = hit?.value as ReturnType<typeof summaryDto>[] | undefined;
    if (hit && cached && cached.length === list.length) return { value: cached, stale: hit.version !== version };
    const t0 = performance.now();
    const out = [];
    for (const s of list) out.push(summaryDto(s, await hub.trials(s.studyId)));
    return { value: store('summaries', version, out, t0), stale: false };
  };

  app.get('/api/studies', async () => {
    const studies = (await summaries()).value;
    const body: StudiesResponse = { studies, cursor: hub.currentCursor };
    return json(body);
  });

  app.get('/api/studies/:studyId', async (c) => {
    const s = await studyOr404(c.req.param('studyId'));
    const st = await hub.trials(s.studyId);
    const cachedExtras = extrasCache.get(s.studyId);
    let extras = cachedExtras && Date.now() - cachedExtras.at < EXTRAS_TTL_MS ? cachedExtras.value : null;
    if (!extras) {
      extras = await hub.loader.extras(s.studyId);
      extrasCache.set(s.studyId, { at: Date.now(), value: extras });
    }
    const body = remember(`detail:${s.studyId}`, st, (): Omit<StudyDetailResponse, 'cursor' | 'study' | 'userAttrs' | 'systemAttrs' | 'sampler'> => {
      let best: SlimTrial[] = [];
      let truncated = false;
      if (s.directions.length === 1) {
        const i = bestIndex(st.cols, s.directions[0] as StudyDirection);
        if (i >= 0) best = [st.trials[i] as SlimTrial];
      } else {
        best = paretoFront(st.trials, s.directions);
        truncated = best.length > MAX_BEST_TRIALS;
        best = best.slice(0, MAX_BEST_TRIALS);
      }
      let withReports = 0;
      let maxStep: number | null = null;
      const folds = new Set<number>();
      const { cols } = st;
      for (let i = 0; i < cols.length; i++) {
        const step = cols.lastStep[i] as number;
        if (cols.present[i] !== 1 || Number.isNaN(step)) continue;
        withReports++;
        if (maxStep === null || step > maxStep) maxStep = step;
        const f0 = cols.fold0[i] as number;
        const f1 = cols.fold1[i] as number;
        if (!Number.isNaN(f0) && !(folds.has(f0) && folds.has(f1))) for (let f = f0; f <= f1 && f - f0 < 1000; f++) folds.add(f);
      }
      const hasPbt = cols.pbtCount > 0;
      return {
        durations: durationStats(st.cols),
        bestTrials: best.map(rowOf),
        bestTrialsTruncated: truncated,
        params: paramInfos(st),
        userAttrKeys: extras.userAttrKeys,
        intermediate: { trials: withReports, maxStep, folds: [...folds].sort((a, b) => a - b) },
        hasPbt,
        baselineImprovement: s.directions.length === 1 ? baselineImprovement(st, s.directions[0] as StudyDirection) : null,
      };
    });
    const systemAttrs: Record<string, JsonValue> = {};
    for (const [k, v] of Object.entries(s.systemAttrs)) if (k !== NOTE_ATTR) systemAttrs[k] = v;
    const detail: StudyDetailResponse = {
      ...body,
      study: summaryDto(s, st),
      userAttrs: s.userAttrs,
      systemAttrs,
      sampler: samplerOf(s.systemAttrs),
      cursor: hub.currentCursor,
    };
    return json(detail);
  });

  app.get('/api/studies/:studyId/trials', async (c) => {
    const s = await studyOr404(c.req.param('studyId'));
    const offset = intParam(c.req.query('offset'), 'offset', 0, 0, 1e12);
    const limit = intParam(c.req.query('limit'), 'limit', 100, 1, MAX_PAGE_SIZE);
    const sort = c.req.query('sort') ?? 'number';
    const order = c.req.query('order') ?? 'asc';
    if (order !== 'asc' && order !== 'desc') throw new BadRequest('order must be asc or desc', ['query', 'order']);
    const filters = c.req.queries('filter') ?? [];
    if (filters.length > 20) throw new BadRequest('at most 20 filters', ['query', 'filter']);
    const st = await hub.trials(s.studyId);
    const rows = remember(`sel:${s.studyId}:${sort}:${order}:${filters.join('\u0000')}`, st, () => selectTrials(st, sort, order, filters, s.directions.length));
    const body: TrialsResponse = {
      total: rows.length,
      offset,
      limit,
      trials: Array.from(rows.subarray(offset, offset + limit), (n) => rowOf(st.trials[n] as SlimTrial)),
      paramNames: spaceNames(st.space),
      cursor: hub.currentCursor,
    };
    return json(body);
  });

  app.get('/api/studies/:studyId/trials/:number', async (c) => {
    const s = await studyOr404(c.req.param('studyId'));
    const number = idParam(c.req.param('number'), 'number');
    const [t] = await hub.storage.getTrials(s.studyId, { numbers: [number] });
    if (!t) throw new NotFound(`study ${s.studyId} has no trial ${number}`);
    const st = await hub.trials(s.studyId);
    const retries: number[] = [];
    for (let i = 0; i < st.cols.length; i++) if (st.cols.retryOf[i] === number) retries.push(i);
    const lastStep = t.intermediateValues.reduce<number | null>((m, iv) => (m === null || iv.step > m ? iv.step : m), null);
    const body: TrialDetailResponse = {
      trial: {
        trialId: t.trialId,
        number: t.number,
        state: t.state,
        values: t.values,
        params: t.params,
        datetimeStart: t.datetimeStart?.getTime() ?? null,
        datetimeComplete: t.datetimeComplete?.getTime() ?? null,
        durationMs: t.datetimeStart && t.datetimeComplete ? t.datetimeComplete.getTime() - t.datetimeStart.getTime() : null,
        failReason: t.failReason,
        retryOf: t.retryOf,
        lastStep,
        distributions: t.distributions,
        fixedParams: t.fixedParams,
        intermediateValues: t.intermediateValues,
        userAttrs: t.userAttrs,
        systemAttrs: t.systemAttrs,
        gridIndex: t.gridIndex,
        logs: logsOf(t.systemAttrs),
        pbt: pbtOf(t, st.trials),
        retries,
      },
      cursor: hub.currentCursor,
    };
    return json(body);
  });

  app.get('/api/studies/:studyId/plot-data/:kind', async (c) => {
    const s = await studyOr404(c.req.param('studyId'));
    const kind = c.req.param('kind') as PlotKind;
    if (!PLOT_KINDS.includes(kind)) throw new NotFound(`no plot named ${JSON.stringify(kind.slice(0, 40))}; use ${PLOT_KINDS.join(', ')}`);
    const objective = intParam(c.req.query('objective'), 'objective', 0, 0, s.directions.length - 1);
    const maxPoints = intParam(c.req.query('maxPoints'), 'maxPoints', DEFAULT_MAX_POINTS, 10, MAX_MAX_POINTS);
    const direction = s.directions[objective] as StudyDirection;
    const st = await hub.trials(s.studyId);
    const cursor = hub.currentCursor;
    const key = `plot:${s.studyId}:${kind}:${objective}:${maxPoints}`;
    switch (kind) {
      case 'history':
        return json(remember(key, st, () => encodeApiJson(historyData(st, direction, objective, maxPoints, cursor))));
      case 'params': {
        const raw = c.req.query('params');
        const known = spaceNames(st.space);
        let names = known.slice(0, 64);
        if (raw !== undefined && raw !== '') {
          names = raw.split(',');
          if (names.length > 64) throw new BadRequest('at most 64 parameters', ['query', 'params']);
          for (const n of names)
            if (!known.includes(n)) throw new BadRequest(`the study has no parameter named ${JSON.stringify(n.slice(0, 100))}`, ['query', 'params']);
        }
        return json(remember(`${key}:${names.join('\u0000')}`, st, () => encodeApiJson(paramsData(st, direction, objective, names, maxPoints, cursor))));
      }
      case 'edf':
        return json(remember(key, st, () => encodeApiJson(edfData(st, objective, maxPoints, cursor))));
      case 'pareto':
        return json(remember(key, st, () => encodeApiJson(paretoData(st.trials, s.directions, maxPoints, cursor))));
      case 'timeline':
        return json(remember(key, st, () => encodeApiJson(timelineData(st, maxPoints, cursor))));
      case 'pbt':
        return json(remember(key, st, () => encodeApiJson(pbtData(st, maxPoints, cursor))));
      case 'intermediate': {
        const maxTrials = intParam(c.req.query('maxTrials'), 'maxTrials', 300, 1, 5000);
        const ikey = `${key}:${maxTrials}`;
        const hit = recall(ikey, st.version, staleWindowMs);
        if (hit) return json(hit.value as string);
        const t0 = performance.now();
        const version = st.version;
        const { picked, total } = pickCurveTrials(st, s.directions[0] as StudyDirection, maxTrials);
        const curves = await hub.loader.curves(s.studyId, picked);
        return json(store(ikey, version, encodeApiJson({ curves: curvesOf(picked, curves), total, sampled: picked.length < total, cursor }), t0));
      }
    }
  });

  const importanceOf = async (raw: string, evaluatorRaw: string | undefined, objectiveRaw: string | undefined, pairs: boolean) => {
    const s = await studyOr404(raw);
    const evaluator = (evaluatorRaw ?? 'fanova') as ImportanceEvaluator;
    if (!IMPORTANCE_EVALUATORS.includes(evaluator))
      throw new BadRequest(`evaluator must be one of ${IMPORTANCE_EVALUATORS.join(', ')}`, ['query', 'evaluator']);
    if (pairs && evaluator !== 'fanova') throw new BadRequest('pairwise interactions come from fANOVA; use evaluator=fanova', ['query', 'evaluator']);
    const objective = intParam(objectiveRaw, 'objective', 0, 0, s.directions.length - 1);
    if (!(await ctx.importance.available())) throw new NotAvailable('parameter importance is not part of this build');
    const st = await hub.trials(s.studyId);
    const report = await importanceFit(st, s.directions, s.studyId, evaluator, objective, pairs);
    // The interactions come from a larger fit of the same forest: started now, off the event loop, it is ready (or
    // under way) when the interactions are asked for next.
    if (evaluator === 'fanova' && !pairs && ctx.importance.inWorker)
      // A failure is reported to whoever asks for the interactions (the fit is redone then).
      importanceFit(st, s.directions, s.studyId, evaluator, objective, true).catch(() => {});
    return { s, objective, evaluator, report };
  };

  /** A fresh enough fit from the memo, the one in flight, or a new one. */
  const importanceFit = (
    st: StudyTrials,
    directions: readonly StudyDirection[],
    studyId: number,
    evaluator: ImportanceEvaluator,
    objective: number,
    pairs: boolean,
  ): Promise<ImportanceRunReport> => {
    const key = `imp:${studyId}:${evaluator}:${objective}:${pairs}`;
    // Refitted at most every 5 s while a study runs, and at most a tenth of the time: a forest fit is the
    // slowest thing the dashboard does (it runs in a worker thread where one can start).
    const hit = recall(key, st.version, (costMs) => Math.max(5000, 10 * (costMs ?? 0)));
    if (hit) return Promise.resolve(hit.value as ImportanceRunReport);
    let fit = fits.get(key);
    if (!fit) {
      fit = fitImportance(st, directions, key, evaluator, objective, pairs).finally(() => fits.delete(key));
      fits.set(key, fit);
    }
    return fit;
  };

  /** Importance fits in flight, by memo key: concurrent requests share one. */
  const fits = new Map<string, Promise<ImportanceRunReport>>();
  const fitImportance = async (
    st: StudyTrials,
    directions: readonly StudyDirection[],
    key: string,
    evaluator: ImportanceEvaluator,
    objective: number,
    pairs: boolean,
  ): Promise<ImportanceRunReport> => {
    const version = st.version;
    const complete: SlimTrial[] = [];
    for (let i = st.trials.length - 1; i >= 0 && complete.length < MAX_IMPORTANCE_TRIALS; i--) {
      const t = st.trials[i];
      if (t && t.state === 'COMPLETE' && t.values && Number.isFinite(t.values[objective])) complete.push(t);
    }
    complete.reverse();
    let report: ImportanceRunReport;
    const t0 = performance.now();
    try {
      report = await ctx.importance.run(asFrozen(complete), directions, { evaluator, target: objective, pairs });
    } catch (e) {
      if (e instanceof ImportanceFitError && (e.code === 'NO_TRIALS' || e.code === 'INVALID_ARGUMENT')) {
        report = { evaluator, nTrials: complete.length, ranked: [], interactions: pairs ? [] : null };
      } else if (e instanceof ImportanceFitError && e.code === 'NOT_AVAILABLE') throw new NotAvailable(e.message);
      else throw e;
    }
    return store(key, version, report, t0);
  };

  app.get('/api/studies/:studyId/importance', async (c) => {
    const { objective, evaluator, report } = await importanceOf(c.req.param('studyId'), c.req.query('evaluator'), c.req.query('objective'), false);
    const body: ImportanceResponse = {
      evaluator,
      objective,
      importances: report.ranked.map((r) => ({ param: r.param, importance: r.importance })),
      nTrials: report.nTrials,
      cursor: hub.currentCursor,
    };
    return json(body);
  });

  app.get('/api/studies/:studyId/interactions', async (c) => {
    const { objective, evaluator, report } = await importanceOf(c.req.param('studyId'), c.req.query('evaluator'), c.req.query('objective'), true);
    const body: InteractionsResponse = {
      evaluator,
      objective,
      pairs: (report.interactions ?? []).map((p) => ({ params: [p.params[0], p.params[1]], importance: p.importance })),
      nTrials: report.nTrials,
      cursor: hub.currentCursor,
    };
    return json(body);
  });

  // -- note ------------------------------------------------------------------
  app.get('/api/studies/:studyId/note', async (c) => {
    const s = await studyOr404(c.req.param('studyId'));
    return json(noteOf(s.systemAttrs));
  });

  app.put('/api/studies/:studyId/note', async (c) => {
    const s = await studyOr404(c.req.param('studyId'));
    const body = await readJsonBody(c);
    if (typeof body.markdown !== 'string') throw new BadRequest('markdown must be a string', ['body', 'markdown']);
    if (body.markdown.length > MAX_NOTE_LENGTH) throw new BadRequest(`a note holds at most ${MAX_NOTE_LENGTH} characters`, ['body', 'markdown']);
    if (typeof body.version !== 'number' || !Number.isSafeInteger(body.version) || body.version < 0) {
      throw new BadRequest('version must be the non-negative integer read with the note', ['body', 'version']);
    }
    if (!ctx.writer) throw new NotAvailable('this dashboard is read-only; notes cannot be saved');
    const writer = await ctx.writer();
    const current = await writer.getStudy(s.studyName);
    if (!current || current.studyId !== s.studyId) throw new NotFound(`no study with id ${s.studyId}`);
    const now = noteOf(current.systemAttrs);
    if (now.version !== body.version)
      throw new Conflict(`the note changed since it was read (version ${now.version}, not ${body.version}); reload it and edit again`);
    const next: NoteResponse = { markdown: body.markdown, version: now.version + 1, updatedAt: Date.now() };
    await writer.setStudyAttr(s.studyId, { kind: 'system', key: NOTE_ATTR, json: encodeAttr(next, 'note') });
    await hub.refresh();
    return json(next);
  });

  // -- export ----------------------------------------------------------------
  app.get('/api/studies/:studyId/export', async (c) => {
    const s = await studyOr404(c.req.param('studyId'));
    const format = c.req.query('format') ?? 'csv';
    if (format !== 'csv' && format !== 'json') throw new BadRequest('format must be csv or json', ['query', 'format']);
    const trials = await hub.storage.getTrials(s.studyId);
    const text = format === 'csv' ? exportTrialsCsv(trials, s.directions) : exportTrialsJson(s.studyName, s.directions, trials);
    return new Response(text, {
      headers: {
        'content-type': format === 'csv' ? 'text/csv; charset=utf-8' : JSON_CONTENT_TYPE,
        'content-disposition': contentDisposition(`${s.studyName}.${format}`),
        'cache-control': 'no-store',
      },
    });
  });

  // -- live updates ----------------------------------------------------------
  app.get('/api/events', async (c) => {
    const rawStudy = c.req.query('study');
    const studyId = rawStudy === undefined || rawStudy === '' ? null : idParam(rawStudy, 'study');
    const lastId = c.req.header('last-event-id');
    if (lastId !== undefined && !/^\d{1,16}$/.test(lastId))
      throw new BadRequest('Last-Event-ID is not a cursor of this dashboard', ['header', 'last-event-id']);
    if (studyId !== null && !(await hub.study(studyId))) throw new NotFound(`no study with id ${studyId}`);
    if (streams >= ctx.maxStreams) return errorResponse('UNAVAILABLE', 'too many live connections; close some dashboard tabs');
    streams++;
    c.header('cache-control', 'no-store');
    c.header('x-accel-buffering', 'no');
    return streamSSE(c, async (stream) => {
      let open = true;
      const queue: SseEvent[] = [];
      let wake: (() => void) | null = null;
      const push = (e: SseEvent) => {
        queue.push(e);
        wake?.();
      };
      const rowsOf = async (numbers: readonly number[]) => {
        if (studyId === null) return { rows: [], truncated: false };
        const st = await hub.trials(studyId);
        const uniq = [...new Set(numbers)];
        const truncated = uniq.length > MAX_SSE_TRIALS;
        return { rows: uniq.slice(0, MAX_SSE_TRIALS).flatMap((n) => (st.trials[n] ? [rowOf(st.trials[n])] : [])), truncated };
      };
      // One more event once any stale result has expired (see staleWindowMs): 'study' after the study's trials change,
      // fresh summaries after stale ones were sent. A later change restarts the wait.
      const afterStale = (fn: () => void) => {
        let timer: ReturnType<typeof setTimeout> | null = null;
        const cancel = () => {
          if (timer !== null) clearTimeout(timer);
          timer = null;
        };
        const schedule = () => {
          cancel();
          timer = setTimeout(() => {
            timer = null;
            if (open) fn();
          }, MAX_STALE_MS + 100);
        };
        return { schedule, cancel };
      };
      const studyNudge = afterStale(() => {
        if (studyId !== null) push({ type: 'study', cursor: hub.currentCursor, studyId });
      });
      const pushSummaries = async (cursor: string): Promise<void> => {
        const { value, stale } = await summaries();
        push({ type: 'studies', cursor, studies: value });
        if (stale) summariesNudge.schedule();
      };
      const summariesNudge = afterStale(() => {
        pushSummaries(hub.currentCursor).catch((e) => ctx.log(`dashboard: live update failed: ${(e as Error).message}`));
      });
      const onBatch = (b: import('./hub.js').RefreshBatch) => {
        void (async () => {
          if (b.studiesChanged || b.trials.size > 0) await pushSummaries(b.to);
          if (studyId === null) return;
          if (b.deletedStudyIds.includes(studyId)) {
            push({ type: 'deleted', cursor: b.to, studyId });
            return;
          }
          const numbers = b.trials.get(studyId);
          if (numbers || b.truncated) {
            const { rows, truncated } = await rowsOf(numbers ?? []);
            push({ type: 'trials', cursor: b.to, studyId, trials: rows, truncated: truncated || b.truncated });
            studyNudge.schedule();
          } else if (b.studiesChanged) push({ type: 'study', cursor: b.to, studyId });
        })().catch((e) => ctx.log(`dashboard: live update failed: ${(e as Error).message}`));
      };
      const unsubscribe = hub.subscribe(onBatch);
      if (studyId !== null) await hub.trials(studyId);
      await hub.refresh();
      push({ type: 'hello', cursor: hub.currentCursor });
      if (lastId !== undefined && lastId !== hub.currentCursor) {
        // A reconnect: what changed while the stream was down, in one read.
        const cs = await hub.storage.getChanges(lastId, studyId === null ? { limit: MAX_SSE_TRIALS } : { studyId, limit: MAX_SSE_TRIALS });
        if (studyId !== null) {
          const { rows, truncated } = await rowsOf(cs.trials.map((t) => t.number));
          push({ type: 'trials', cursor: hub.currentCursor, studyId, trials: rows, truncated: truncated || cs.truncated });
        }
        await pushSummaries(hub.currentCursor);
      }
      const keepAlive = setInterval(() => {
        stream.write(': keep-alive\n\n').catch(() => {});
      }, 15_000);
      stream.onAbort(() => {
        open = false;
        wake?.();
      });
      try {
        while (open && !hub.isClosed) {
          while (queue.length > 0 && open) {
            const e = queue.shift() as SseEvent;
            await stream.writeSSE({ event: e.type, id: e.cursor, data: encodeApiJson(e) });
          }
          await new Promise<void>((r) => {
            wake = r;
            setTimeout(r, 1000);
          });
          wake = null;
        }
      } finally {
        clearInterval(keepAlive);
        studyNudge.cancel();
        summariesNudge.cancel();
        unsubscribe();
        streams--;
      }
    });
  });

  app.all('/api/*', () => errorResponse('NOT_FOUND', 'no such API route; see API_ROUTES in src/dashboard/api.ts'));

  // -- the front end ---------------------------------------------------------
  app.get('*', (c) => {
    const raw = new URL(c.req.url).pathname;
    const found = ctx.staticFiles.lookup(raw);
    if (found.kind === 'bad') return errorResponse('BAD_REQUEST', 'bad path');
    if (found.kind === 'missing') return errorResponse('NOT_FOUND', 'no such file');
    return new Response(found.file.body, {
      headers: {
        'content-type': found.file.type,
        'cache-control': found.file.immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
      },
    });
  });
  app.all('*', () => errorResponse('NOT_FOUND', 'no such route'));

  app.onError((err) => {
    if (err instanceof BadRequest) return errorResponse('BAD_REQUEST', err.message, err.path);
    if (err instanceof NotFound) return errorResponse('NOT_FOUND', err.message);
    if (err instanceof Conflict) return errorResponse('CONFLICT', err.message);
    if (err instanceof NotAvailable) return errorResponse('NOT_AVAILABLE', err.message);
    if (err instanceof DialsError) {
      if (err.code === 'STUDY_NOT_FOUND' || err.code === 'TRIAL_NOT_FOUND') return errorResponse('NOT_FOUND', 'no such study or trial');
      if (err.code === 'INVALID_ARGUMENT') return errorResponse('BAD_REQUEST', err.message);
    }
    // Storage and unexpected errors: details only in the server log (their messages may name files or hosts).
    ctx.log(`dashboard: ${err instanceof DialsError ? err.code : 'internal'} error: ${err instanceof Error ? err.message : String(err)}`);
    if (err instanceof DialsError && (err.code === 'STORAGE' || err.code === 'LEASE_LOST'))
      return errorResponse('UNAVAILABLE', 'the storage could not be read; see the dashboard log');
    return errorResponse('INTERNAL', 'internal error; see the dashboard log');
  });

  return app;
}
