/**
 * How the dashboard reads trials: a slim row per trial (no reports, no
 * attributes but the few the dashboard lays out), so a 100k-trial study fits
 * in memory and is read in a constant number of queries. SQL storages are read
 * with the dashboard's own SELECTs on a read-only connection; any other
 * storage through the Storage contract.
 */
import { BASELINE_ATTR } from '../../baselines/baselines.js';
import { decodeJson, type JsonValue } from '../../json.js';
import { type Distribution, DistributionCache, fromInternal, type ParamValue } from '../../space/distributions.js';
import type { SqlDriver, SqlExecutor } from '../../storage/sql/driver.js';
import type { Storage } from '../../storage/storage.js';
import { MAX_NUMBERS_FILTER } from '../../storage/storage.js';
import type { FrozenTrial } from '../../trial/frozen-trial.js';
import type { TrialState } from '../../trial/state.js';

/** Trial system attributes the dashboard lays out without reading the whole trial. */
export const WORKER_ATTR = 'dials:worker';
export const PBT_SEGMENT_ATTR = 'dials:pbt:segment';

export interface SlimTrial {
  readonly trialId: number;
  readonly number: number;
  readonly state: TrialState;
  readonly values: readonly number[] | null;
  readonly params: Readonly<Record<string, ParamValue>>;
  /** Internal representation (categorical: index of the choice), for sorting and plots. */
  readonly internal: Readonly<Record<string, number>>;
  readonly distributions: Readonly<Record<string, Distribution>>;
  readonly start: number | null;
  readonly complete: number | null;
  readonly failReason: string | null;
  readonly retryOf: number | null;
  readonly lastStep: number | null;
  /** Smallest and largest fold reported (null: no report carried a fold). */
  readonly folds: readonly [number, number] | null;
  readonly worker: string | null;
  readonly pbt: JsonValue | null;
  /** The baseline reference ('name@version') of a trial enqueued from a baseline, else null. */
  readonly baseline: string | null;
}

export interface Curve {
  readonly trialId: number;
  readonly fold: number | null;
  readonly steps: number[];
  readonly values: number[];
}

export interface StudyExtras {
  readonly userAttrKeys: readonly string[];
}

export interface TrialLoader {
  /** Every trial of the study (numbers null) or only those numbers, in number order. */
  load(studyId: number, numbers: readonly number[] | null): Promise<SlimTrial[]>;
  /** First-objective reports of these trials, by trial and fold. */
  curves(studyId: number, trials: readonly { trialId: number; number: number }[]): Promise<Curve[]>;
  extras(studyId: number): Promise<StudyExtras>;
}

const NO_FOLD = -1;
/**
 * Prototype of the per-trial records keyed by parameter name: empty and
 * without a prototype of its own, so any name ('__proto__', 'constructor')
 * is an own key, while the records stay in V8's compact (fast) mode, which
 * Object.create(null) objects do not (at 100k trials: a third of the heap).
 */
const NAMES: object = Object.freeze(Object.create(null));
/** Ranges a whole-study read is split into. */
const LOAD_CHUNKS = 64;
/** At most this many parameters are read as columns of the trial row (the rest as rows). */
const MAX_PARAM_COLUMNS = 64;

function ms(seconds: number | null): number | null {
  return seconds === null ? null : Math.round(Number(seconds) * 1000);
}

function placeholders(n: number): string {
  return new Array(n).fill('?').join(', ');
}

/** Last step and fold range of a trial's reports (index seeks on the reports' primary key, no GROUP BY over all reports). */
const REPORT_COLUMNS =
  '(SELECT MAX(x.step) FROM dials_trial_intermediate x WHERE x.trial_id = t.id) AS s, ' +
  '(SELECT MIN(x.fold) FROM dials_trial_intermediate x WHERE x.trial_id = t.id) AS f0, ' +
  '(SELECT MAX(x.fold) FROM dials_trial_intermediate x WHERE x.trial_id = t.id) AS f1';

/** `n` parameter columns c0…c(n-1), each bound to a parameter name. */
function paramColumns(n: number): string {
  let sql = '';
  for (let k = 0; k < n; k++) sql += ', (SELECT x.value FROM dials_trial_params x WHERE x.trial_id = t.id AND x.name = ?) AS c' + String(k);
  return sql;
}

/** Reads through a SqlDriver (a read-only SQLite connection, or PostgreSQL): four or five queries per range. */
export class SqlTrialLoader implements TrialLoader {
  private readonly dists = new DistributionCache();
  /** Counts statements, for the constant-query tests. */
  queries = 0;

  constructor(private readonly driver: SqlDriver) {}

  private readonly distIds = new Map<Distribution, number>();
  private readonly interned = new Map<string, Readonly<Record<string, Distribution>>>();

  /** Trials of one search space share one distributions record (100k trials: one object, not 100k). */
  private intern(d: Record<string, Distribution>): Readonly<Record<string, Distribution>> {
    let key = '';
    for (const name in d) {
      const dist = d[name] as Distribution;
      let id = this.distIds.get(dist);
      if (id === undefined) {
        id = this.distIds.size;
        this.distIds.set(dist, id);
      }
      key += `${name}\u0000${id}\u0001`;
    }
    let o = this.interned.get(key);
    if (!o) {
      if (this.interned.size > 10_000) return d;
      o = Object.freeze(d);
      this.interned.set(key, o);
    }
    return o;
  }

  private distribution(name: string, json: string): Distribution {
    return this.dists.parse(name, json);
  }

  private all<R>(tx: SqlExecutor, sql: string, args: readonly unknown[]): Promise<R[]> {
    this.queries++;
    return tx.all<R>(sql, args);
  }

  /**
   * A whole study is read in LOAD_CHUNKS ranges of trial numbers, each in its
   * own short read transaction, yielding to the event loop in between: a
   * 100k-trial study never holds a transaction open for long nor stalls the
   * other requests, and the number of queries does not grow with its size.
   */
  async load(studyId: number, numbers: readonly number[] | null): Promise<SlimTrial[]> {
    if (numbers !== null) {
      if (numbers.length === 0) return [];
      return this.loadPart(`t.study_id = ? AND t.number IN (${placeholders(numbers.length)})`, [studyId, ...numbers]);
    }
    const max = await this.driver.transaction('read', (tx) =>
      this.all<{ n: number | null }>(tx, 'SELECT MAX(number) AS n FROM dials_trials WHERE study_id = ?', [studyId]),
    );
    const top = max[0]?.n === null || max[0]?.n === undefined ? -1 : Number(max[0].n);
    const size = Math.max(1, Math.ceil((top + 1) / LOAD_CHUNKS));
    const out: SlimTrial[] = [];
    for (let lo = 0; lo <= top; lo += size) {
      out.push(...(await this.loadPart('t.study_id = ? AND t.number >= ? AND t.number < ?', [studyId, lo, lo + size])));
      await new Promise((r) => setImmediate(r));
    }
    return out;
  }

  /**
   * One range of trials in one read transaction, in four queries: the
   * distinct (name, distribution) pairs; one row per trial with its last
   * step, fold range and every parameter whose distribution is the same
   * throughout the range as a column (no per-parameter rows: at 100k trials ×
   * 10 parameters, building a million row objects cost more than SQLite's
   * reading); the values; the few system attributes laid out. Parameters whose
   * distribution changes within the range (or beyond MAX_PARAM_COLUMNS
   * names) are read as rows with their distribution.
   */
  private async loadPart(where: string, args: readonly unknown[]): Promise<SlimTrial[]> {
    return this.driver.transaction('read', async (tx) => {
      const join = `JOIN dials_trials t ON t.id = x.trial_id WHERE ${where}`;
      const kinds = await this.all<{ name: string; distribution: string }>(
        tx,
        `SELECT DISTINCT x.name, x.distribution FROM dials_trial_params x ${join}`,
        args,
      );
      const single = new Map<string, string | null>();
      for (const k of kinds) single.set(k.name, single.has(k.name) ? null : k.distribution);
      const columns: string[] = [];
      const asRows: string[] = [];
      for (const [name, d] of single) (d !== null && columns.length < MAX_PARAM_COLUMNS ? columns : asRows).push(name);
      const rows = await this.all<
        {
          id: number;
          number: number;
          state: TrialState;
          started_at: number | null;
          finished_at: number | null;
          fail_reason: string | null;
          retry_of: number | null;
          s: number | null;
          f0: number | null;
          f1: number | null;
        } & Record<string, unknown>
      >(
        tx,
        `SELECT t.id, t.number, t.state, t.started_at, t.finished_at, t.fail_reason, t.retry_of, ${REPORT_COLUMNS}${paramColumns(columns.length)} FROM dials_trials t WHERE ${where} ORDER BY t.number`,
        [...columns, ...args],
      );
      const values = await this.all<{ trial_id: number; objective: number; value: number | null }>(
        tx,
        `SELECT x.trial_id, x.objective, x.value FROM dials_trial_values x ${join}`,
        args,
      );
      const params =
        asRows.length === 0
          ? []
          : await this.all<{ trial_id: number; name: string; value: number; distribution: string }>(
              tx,
              `SELECT x.trial_id, x.name, x.value, x.distribution FROM dials_trial_params x ${join} AND x.name IN (${placeholders(asRows.length)})`,
              [...args, ...asRows],
            );
      const attrs = await this.all<{ trial_id: number; key: string; value: string }>(
        tx,
        `SELECT x.trial_id, x.key, x.value FROM dials_trial_attrs x ${join} AND x.kind = 'system' AND x.key IN (?, ?, ?)`,
        [...args, WORKER_ATTR, PBT_SEGMENT_ATTR, BASELINE_ATTR],
      );
      const columnDists = columns.map((name) => this.distribution(name, single.get(name) as string));
      interface Acc {
        values: number[];
        params: Record<string, ParamValue>;
        internal: Record<string, number>;
        dists: Record<string, Distribution>;
        worker: string | null;
        pbt: JsonValue | null;
        baseline: string | null;
      }
      const acc = new Map<number, Acc>();
      for (const r of rows) {
        const a: Acc = {
          values: [],
          params: Object.create(NAMES),
          internal: Object.create(NAMES),
          dists: Object.create(NAMES),
          worker: null,
          pbt: null,
          baseline: null,
        };
        for (let k = 0; k < columns.length; k++) {
          const raw = r[`c${k}`];
          if (raw === null || raw === undefined) continue;
          const name = columns[k] as string;
          const d = columnDists[k] as Distribution;
          const x = Number(raw);
          a.params[name] = fromInternal(d, x);
          a.internal[name] = x;
          a.dists[name] = d;
        }
        acc.set(Number(r.id), a);
      }
      const stray: Acc = { values: [], params: {}, internal: {}, dists: {}, worker: null, pbt: null, baseline: null };
      const get = (id: number): Acc => acc.get(Number(id)) ?? stray;
      for (const v of values) get(v.trial_id).values[Number(v.objective)] = v.value === null ? Number.NaN : Number(v.value);
      for (const p of params) {
        const a = get(p.trial_id);
        const d = this.distribution(p.name, p.distribution);
        const x = Number(p.value);
        a.params[p.name] = fromInternal(d, x);
        a.internal[p.name] = x;
        a.dists[p.name] = d;
      }
      for (const r of attrs) {
        const a = get(r.trial_id);
        const v = decodeJson(r.value);
        if (r.key === WORKER_ATTR) a.worker = typeof v === 'string' ? v : JSON.stringify(v);
        else if (r.key === BASELINE_ATTR) a.baseline = typeof v === 'string' ? v : null;
        else a.pbt = v;
      }
      return rows.map((r) => {
        const a = get(r.id);
        // NO_FOLD (-1) sorts first: a trial with fold-less and folded reports keeps its folded range.
        const f1 = r.f1 === null ? NO_FOLD : Number(r.f1);
        return {
          trialId: Number(r.id),
          number: Number(r.number),
          state: r.state,
          values: a.values.length > 0 ? a.values : null,
          params: a.params,
          internal: a.internal,
          distributions: this.intern(a.dists),
          start: ms(r.started_at),
          complete: ms(r.finished_at),
          failReason: r.fail_reason,
          retryOf: r.retry_of === null ? null : Number(r.retry_of),
          lastStep: r.s === null ? null : Number(r.s),
          folds: f1 === NO_FOLD ? null : [Number(r.f0) === NO_FOLD ? 0 : Number(r.f0), f1],
          worker: a.worker,
          pbt: a.pbt,
          baseline: a.baseline,
        };
      });
    });
  }

  async curves(_studyId: number, trials: readonly { trialId: number; number: number }[]): Promise<Curve[]> {
    if (trials.length === 0) return [];
    const ids = trials.map((t) => t.trialId);
    const rows = await this.driver.transaction('read', (tx) =>
      this.all<{ trial_id: number; fold: number; step: number; value: number | null }>(
        tx,
        `SELECT trial_id, fold, step, value FROM dials_trial_intermediate WHERE objective = 0 AND trial_id IN (${placeholders(ids.length)}) ORDER BY trial_id, fold, step`,
        ids,
      ),
    );
    const out: Curve[] = [];
    let cur: Curve | null = null;
    for (const r of rows) {
      const fold = Number(r.fold) === NO_FOLD ? null : Number(r.fold);
      if (cur === null || cur.trialId !== Number(r.trial_id) || cur.fold !== fold) {
        cur = { trialId: Number(r.trial_id), fold, steps: [], values: [] };
        out.push(cur);
      }
      cur.steps.push(Number(r.step));
      cur.values.push(r.value === null ? Number.NaN : Number(r.value));
    }
    return out;
  }

  async extras(studyId: number): Promise<StudyExtras> {
    return this.driver.transaction('read', async (tx) => {
      const keys = await this.all<{ key: string }>(
        tx,
        "SELECT DISTINCT x.key FROM dials_trial_attrs x JOIN dials_trials t ON t.id = x.trial_id WHERE t.study_id = ? AND x.kind = 'user' ORDER BY x.key",
        [studyId],
      );
      return { userAttrKeys: keys.map((k) => k.key) };
    });
  }
}

function slimOf(t: FrozenTrial): SlimTrial {
  const internal: Record<string, number> = Object.create(null);
  for (const [name, v] of Object.entries(t.params)) {
    const d = t.distributions[name];
    if (d?.kind === 'categorical') internal[name] = d.choices.findIndex((c) => Object.is(c, v));
    else internal[name] = v as number;
  }
  let lastStep: number | null = null;
  let folds: [number, number] | null = null;
  for (const iv of t.intermediateValues) {
    if (lastStep === null || iv.step > lastStep) lastStep = iv.step;
    if (iv.fold !== null) folds = folds === null ? [iv.fold, iv.fold] : [Math.min(folds[0], iv.fold), Math.max(folds[1], iv.fold)];
  }
  const worker = t.systemAttrs[WORKER_ATTR];
  const baseline = t.systemAttrs[BASELINE_ATTR];
  return {
    trialId: t.trialId,
    number: t.number,
    state: t.state,
    values: t.values,
    params: t.params,
    internal,
    distributions: t.distributions,
    start: t.datetimeStart?.getTime() ?? null,
    complete: t.datetimeComplete?.getTime() ?? null,
    failReason: t.failReason,
    retryOf: t.retryOf,
    lastStep,
    folds,
    worker: worker === undefined ? null : typeof worker === 'string' ? worker : JSON.stringify(worker),
    pbt: t.systemAttrs[PBT_SEGMENT_ATTR] ?? null,
    baseline: typeof baseline === 'string' ? baseline : null,
  };
}

/** Reads through the Storage contract (memory storage, or a Storage object handed in). */
export class StorageTrialLoader implements TrialLoader {
  constructor(private readonly storage: Storage) {}

  private async frozen(studyId: number, numbers: readonly number[] | null): Promise<FrozenTrial[]> {
    if (numbers === null) return this.storage.getTrials(studyId);
    const out: FrozenTrial[] = [];
    for (let i = 0; i < numbers.length; i += MAX_NUMBERS_FILTER)
      out.push(...(await this.storage.getTrials(studyId, { numbers: numbers.slice(i, i + MAX_NUMBERS_FILTER) })));
    return out;
  }

  async load(studyId: number, numbers: readonly number[] | null): Promise<SlimTrial[]> {
    return (await this.frozen(studyId, numbers)).map(slimOf);
  }

  async curves(studyId: number, trials: readonly { trialId: number; number: number }[]): Promise<Curve[]> {
    const out: Curve[] = [];
    for (const t of await this.frozen(
      studyId,
      trials.map((x) => x.number),
    )) {
      const byFold = new Map<number | null, Curve>();
      for (const iv of t.intermediateValues) {
        let c = byFold.get(iv.fold);
        if (!c) {
          c = { trialId: t.trialId, fold: iv.fold, steps: [], values: [] };
          byFold.set(iv.fold, c);
          out.push(c);
        }
        c.steps.push(iv.step);
        c.values.push(iv.values[0] ?? Number.NaN);
      }
    }
    return out;
  }

  async extras(studyId: number): Promise<StudyExtras> {
    const keys = new Set<string>();
    for (const t of await this.storage.getTrials(studyId)) for (const k of Object.keys(t.userAttrs)) keys.add(k);
    return { userAttrKeys: [...keys].sort() };
  }
}
