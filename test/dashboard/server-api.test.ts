/**
 * The dashboard API over real HTTP against a real SQLite file: every route's
 * answers checked against what the library itself reads, ±Infinity kept
 * exact on the wire, server-side paging/sorting/filtering equal to a
 * reference, constant query counts (RELIABILITY A8), notes, exports.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ApiClient,
  ApiError,
  decodeApiJson,
  encodeApiJson,
  encodeTrialFilter,
  type HistoryData,
  type ParamsData,
  parseTrialFilter,
  type TrialRowDto,
} from '../../src/dashboard/api.js';
import { type Dashboard, startDashboard } from '../../src/dashboard/server/start.js';
import type { SqlTrialLoader } from '../../src/dashboard/server/trial-loader.js';
import { paretoIndices, stableArgsort } from '../../src/dashboard/server/views.js';
import { createStudy, improvementOverBaseline, RandomSampler, type Study } from '../../src/index.js';
import { decodeJson, encodeAttr, encodeJson, type JsonValue } from '../../src/json.js';
import { Rng } from '../../src/math/rng.js';
import { categoricalDistribution, floatDistribution } from '../../src/space/distributions.js';
import { dropSchema, newSchemaName, pgSchemaUrl } from '../helpers/pg.js';

const dir = mkdtempSync(join(tmpdir(), 'dials-dash-api-'));
const path = join(dir, 'api.db');
const url = `sqlite:${path}`;
let d: Dashboard;
let api: ApiClient;
let main: Study;
let mo: Study;
const N = 60;

beforeAll(async () => {
  main = await createStudy({ studyName: 'main "<b>x</b>"', storage: url, sampler: new RandomSampler({ seed: 7 }) });
  await main.optimize(
    (t) => {
      const x = t.suggestFloat('x', -2, 2);
      const lr = t.suggestFloat('lr', 1e-4, 1e-1, { log: true });
      const act = t.suggestCategorical('act', ['relu', 'tanh', '=cmd']);
      for (let s = 0; s < 4; s++) t.report(x * x + 1 / (s + 1), s);
      if (t.number === 5) return Number.POSITIVE_INFINITY;
      if (t.number === 6) return Number.NEGATIVE_INFINITY;
      if (t.number % 11 === 3) throw new Error('boom');
      return x * x + Math.log10(lr) ** 2 / 10 + (act === 'tanh' ? 0.5 : 0);
    },
    { nTrials: N, catch: true },
  );
  // A CLI-like log and a PBT segment on one more trial.
  const t = await main.storage.startTrial(main.studyId, {});
  if (!t) throw new Error('no trial');
  await main.storage.updateTrial(t.trialId, t.leaseId, {
    params: [{ name: 'x', value: 0.25, distribution: floatDistribution('x', -2, 2) }],
    attrs: [
      { kind: 'system', key: 'dials:log:stdout', json: encodeAttr('line 1\nline 2', 'log') },
      { kind: 'system', key: 'dials:pbt:segment', json: encodeAttr({ member: 0, start: 0, end: 10, parent: 3, exploit: null }, 'seg') },
    ],
    finish: { state: 'COMPLETE', values: [0.5], reason: null },
  });
  mo = await createStudy({ studyName: 'mo', storage: url, directions: ['minimize', 'minimize'], sampler: new RandomSampler({ seed: 3 }) });
  await mo.optimize(
    (tr) => {
      const a = tr.suggestFloat('a', 0, 1);
      return [a, (1 - a) ** 2 + tr.suggestFloat('b', 0, 1)];
    },
    { nTrials: 80 },
  );
  d = await startDashboard({ storage: url, port: 0, uiDir: null, log: () => {} });
  api = new ApiClient(fetch, { baseUrl: d.url.replace(/\/$/, '') });
}, 60_000);

afterAll(async () => {
  await d?.close();
  await main?.close();
  await mo?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('dashboard API over HTTP', () => {
  it('serves on 127.0.0.1 by default and lists the studies with counts and best values', async () => {
    expect((d.server.address() as { address: string }).address).toBe('127.0.0.1');
    const { studies } = await api.studies();
    const s = studies.find((x) => x.studyName === main.studyName);
    const trials = await main.getTrials();
    expect(s?.nTrials).toBe(trials.length);
    expect(s?.stateCounts.COMPLETE).toBe(trials.filter((t) => t.state === 'COMPLETE').length);
    expect(s?.stateCounts.FAIL).toBeGreaterThan(0);
    // minimize with a -Infinity trial: the best value is -Infinity, sent tagged and decoded exactly.
    expect(s?.bestValue).toBe(Number.NEGATIVE_INFINITY);
    expect(s?.bestTrialNumber).toBe(6);
    const raw = await (await fetch(`${d.url}api/studies`)).text();
    expect(raw).toContain('{"$dials.number":"-Infinity"}');
    expect(raw).toContain('"bestValue":{"$dials.number":"-Infinity"},"bestTrialNumber":6');
  });

  it('gives a study overview: params, durations, best trials, the Pareto front of a two-objective study', async () => {
    const detail = await api.study(main.studyId);
    expect(detail.params.map((p) => p.name)).toEqual(['act', 'lr', 'x']);
    expect(detail.params.find((p) => p.name === 'act')?.distribution).toEqual({ kind: 'categorical', choices: ['relu', 'tanh', '=cmd'] });
    expect(detail.durations?.count).toBe((await main.getTrials()).filter((t) => t.datetimeComplete).length);
    expect(detail.bestTrials.map((t) => t.number)).toEqual([6]);
    expect(detail.intermediate.maxStep).toBe(3);
    const moDetail = await api.study(mo.studyId);
    const front = (await mo.bestTrials()).map((t) => t.number).sort((a, b) => a - b);
    expect(moDetail.bestTrials.map((t) => t.number).sort((a, b) => a - b)).toEqual(front);
    const pareto = await api.plot(mo.studyId, 'pareto');
    expect(pareto.numbers.filter((_, i) => pareto.onFront[i]).sort((a, b) => a - b)).toEqual(front);
    expect(pareto.values).toHaveLength(2);
  });

  it('pages, sorts and filters trials on the server exactly as a reference does', async () => {
    const all = await main.getTrials();
    const val = (t: { values: readonly number[] | null }) => t.values?.[0] ?? null;
    const ref = all
      .filter((t) => t.state === 'COMPLETE' && (t.params.lr as number) < 0.01)
      .sort((a, b) => {
        const x = val(b) as number;
        const y = val(a) as number;
        return x === y ? a.number - b.number : x > y ? 1 : -1;
      })
      .map((t) => t.number);
    const got: number[] = [];
    for (let offset = 0; ; offset += 7) {
      const page = await api.trials(main.studyId, {
        offset,
        limit: 7,
        sort: 'value',
        order: 'desc',
        filter: [
          { key: 'state', op: 'eq', value: 'COMPLETE' },
          { key: 'params.lr', op: 'lt', value: '0.01' },
        ],
      });
      expect(page.total).toBe(ref.length);
      got.push(...page.trials.map((t) => t.number));
      if (page.trials.length < 7) break;
    }
    expect(got).toEqual(ref);
    // Categorical filter by choice, with a choice a spreadsheet would run.
    const cmd = await api.trials(main.studyId, { filter: [{ key: 'params.act', op: 'eq', value: '"=cmd"' }], limit: 1000 });
    expect(cmd.trials.map((t) => t.number)).toEqual(all.filter((t) => t.params.act === '=cmd').map((t) => t.number));
    // Missing values sort last both ways.
    const asc = await api.trials(main.studyId, { sort: 'value', order: 'asc', limit: 1000 });
    const desc = await api.trials(main.studyId, { sort: 'value', order: 'desc', limit: 1000 });
    const missing = all.filter((t) => t.values === null).length;
    expect(asc.trials.slice(-missing).every((t) => t.values === null)).toBe(true);
    expect(desc.trials.slice(-missing).every((t) => t.values === null)).toBe(true);
    expect(asc.trials[0]?.values?.[0]).toBe(Number.NEGATIVE_INFINITY);
    expect(desc.trials[0]?.values?.[0]).toBe(Number.POSITIVE_INFINITY);
  });

  it('refuses sort and filter keys that are not allowlisted', async () => {
    for (const q of [{ sort: 'params.nope' }, { sort: 'userAttrs.x' }, { sort: 'values.3' }] as const) {
      const err = await api.trials(main.studyId, q as never).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ApiError);
      expect((err as ApiError).status).toBe(400);
    }
    const r = await fetch(`${d.url}api/studies/${main.studyId}/trials?filter=${encodeURIComponent('number:zz:1')}`);
    expect(r.status).toBe(400);
    expect(parseTrialFilter(encodeTrialFilter({ key: 'params.a:b', op: 'eq', value: 'x:gt:1' }))).toEqual({ key: 'params.a:b', op: 'eq', value: 'x:gt:1' });
  });

  it('shows a trial with its reports, attributes and logs', async () => {
    const all = await main.getTrials();
    const last = all[all.length - 1] as (typeof all)[number];
    const { trial } = await api.trial(main.studyId, last.number);
    expect(trial.params).toEqual(last.params);
    expect(trial.intermediateValues).toEqual(last.intermediateValues);
    expect(trial.logs).toEqual([{ key: 'dials:log:stdout', stream: 'stdout', text: 'line 1\nline 2', truncated: false }]);
    expect(trial.pbt).toMatchObject({ parent: 3, ancestors: [3], generation: 1 });
    const pbt = await api.plot(main.studyId, 'pbt');
    expect(pbt.numbers).toEqual([last.number]);
    expect(pbt.member).toEqual([0]);
    const inf = await api.trial(main.studyId, 5);
    expect(inf.trial.values).toEqual([Number.POSITIVE_INFINITY]);
    const err = await api.trial(main.studyId, 99_999).catch((e: unknown) => e);
    expect((err as ApiError).status).toBe(404);
  });

  it('returns columnar plot data that matches the trials', async () => {
    const all = await main.getTrials();
    const complete = all.filter((t) => t.state === 'COMPLETE');
    const h: HistoryData = await api.plot(main.studyId, 'history');
    expect(h.numbers).toEqual(complete.map((t) => t.number));
    let best = Number.POSITIVE_INFINITY;
    expect(h.best).toEqual(complete.map((t) => (best = Math.min(best, t.values?.[0] as number))));
    const p: ParamsData = await api.plot(main.studyId, 'params', { params: ['act', 'x'] });
    expect(p.params.map((c) => c.name)).toEqual(['act', 'x']);
    const act = p.params[0];
    expect(act?.kind).toBe('categorical');
    expect(act?.values).toEqual(complete.map((t) => (t.params.act === undefined ? null : ['relu', 'tanh', '=cmd'].indexOf(t.params.act as string))));
    const edf = await api.plot(main.studyId, 'edf');
    expect(edf.x).toHaveLength(complete.length);
    expect(edf.y[edf.y.length - 1]).toBe(1);
    const iv = await api.plot(main.studyId, 'intermediate', { maxTrials: 10 });
    expect(iv.curves).toHaveLength(10);
    expect(iv.total).toBe(all.filter((t) => t.intermediateValues.length > 0).length);
    expect(iv.sampled).toBe(true);
    const tl = await api.plot(main.studyId, 'timeline');
    expect([...tl.numbers].sort((a, b) => a - b)).toEqual(all.map((t) => t.number));
    // Sequential trials never overlap, so they share one lane.
    expect(new Set(tl.lane).size).toBe(1);
    const small = await api.plot(main.studyId, 'history', { maxPoints: 10 });
    expect(small.sampled).toBe(true);
    expect(small.numbers.length).toBeLessThanOrEqual(Math.max(10, new Set(small.best).size + 2));
    expect(small.best[small.best.length - 1]).toBe(Number.NEGATIVE_INFINITY);
  });

  it('sorts keys by radix exactly as a stable comparator sort does (negatives, ±0, ±Infinity, ties)', () => {
    const rng = new Rng(11);
    for (const n of [0, 1, 2, 17, 5000]) {
      const pool = [0, -0, 1, -1, 0.5, -2.25, 1e-310, -1e-310, 3e300, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY];
      const keys = Float64Array.from({ length: n }, () =>
        rng.random() < 0.5 ? (pool[Math.floor(rng.random() * pool.length)] as number) + 0 : (rng.random() - 0.5) * 10 ** Math.floor(rng.random() * 12 - 6),
      );
      const ref = Array.from(keys.keys()).sort((a, b) =>
        (keys[a] as number) < (keys[b] as number) ? -1 : (keys[a] as number) > (keys[b] as number) ? 1 : a - b,
      );
      expect(Array.from(stableArgsort(keys)), `n = ${n}, seed 11`).toEqual(ref);
    }
  });

  it('computes the Pareto front like a brute-force reference, in 2 and 3 objectives', () => {
    let seed = 5;
    const rnd = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
    for (const dims of [2, 3]) {
      const pts = Array.from({ length: 300 }, () => Array.from({ length: dims }, () => Math.round(rnd() * 20)));
      const brute = pts.flatMap((p, i) => (pts.some((q) => q.every((v, k) => v <= (p[k] as number)) && q.some((v, k) => v < (p[k] as number))) ? [] : [i]));
      expect(paretoIndices(pts)).toEqual(brute);
    }
  });

  it('saves a note with optimistic versions and refuses a stale one', async () => {
    const n0 = await api.note(main.studyId);
    const saved = await api.saveNote(main.studyId, { markdown: '# Findings <script>alert(1)</script>', version: n0.version });
    expect(saved.version).toBe(n0.version + 1);
    expect((await api.note(main.studyId)).markdown).toBe('# Findings <script>alert(1)</script>');
    const stale = await api.saveNote(main.studyId, { markdown: 'x', version: n0.version }).catch((e: unknown) => e);
    expect((stale as ApiError).status).toBe(409);
    // The note lives in the study's system attributes, where the library reads it too.
    expect((await main.storage.getStudy(main.studyName))?.systemAttrs['dials:note']).toMatchObject({ markdown: '# Findings <script>alert(1)</script>' });
  });

  it('exports CSV with neutralised cells and an RFC 6266 file name, and JSON with exact numbers', async () => {
    const r = await fetch(api.exportUrl(main.studyId, 'csv'));
    expect(r.headers.get('content-disposition')).toBe(`attachment; filename="main _<b>x<_b>_.csv"; filename*=UTF-8''main%20%22%3Cb%3Ex%3C%2Fb%3E%22.csv`);
    const csv = await r.text();
    expect(csv).toContain(",'=cmd,");
    expect(csv).not.toMatch(/,=cmd/);
    const j = await fetch(api.exportUrl(main.studyId, 'json'));
    const body = decodeApiJson<{ trials: TrialRowDto[] }>(await j.text());
    expect(body.trials[5]?.values).toEqual([Number.POSITIVE_INFINITY]);
  });

  it('states the improvement of the best trial over the best baseline trial, through both trial loaders', async () => {
    expect((await api.study(main.studyId)).baselineImprovement).toBeNull();
    expect((await api.study(mo.studyId)).baselineImprovement).toBeNull();
    const b = await createStudy({
      studyName: 'with baselines',
      storage: url,
      sampler: new RandomSampler({ seed: 5 }),
      baselines: {
        use: ['adam-default@1', 'sgd-momentum@1'],
        space: { lr: floatDistribution('lr', 1e-5, 1, { log: true }), optimizer: categoricalDistribution('optimizer', ['adam', 'sgd']) },
      },
    });
    try {
      const objective = (t: import('../../src/index.js').Trial) => {
        const lr = t.suggestFloat('lr', 1e-5, 1, { log: true });
        return (Math.log10(lr) + 2.5) ** 2 + (t.suggestCategorical('optimizer', ['adam', 'sgd']) === 'adam' ? 0 : 0.5);
      };
      // Enqueued, not yet run: no baseline value to compare with (requests within 20 ms share one look at the cursor).
      await new Promise((r) => setTimeout(r, 30));
      expect((await api.study(b.studyId)).baselineImprovement).toBeNull();
      await b.optimize(objective, { nTrials: 25 });
      // The overview may be up to STALE_MS (1 s) old while trials keep changing: let it lapse.
      await new Promise((r) => setTimeout(r, 1100));
      const ref = await improvementOverBaseline(b);
      // adam: (−3 + 2.5)² = 0.25 beats sgd's 0.75; the best sampled trial does better still.
      expect(ref?.baseline).toEqual({ ref: 'adam-default@1', number: 0, value: 0.25 });
      expect(ref?.absolute).toBeGreaterThan(0);
      const viaSql = (await api.study(b.studyId)).baselineImprovement;
      expect(viaSql).toEqual(ref);
      // The same study served from a Storage object (the Storage-contract loader).
      const m = await startDashboard({ storage: b.storage, port: 0, uiDir: null, log: () => {} });
      try {
        const c = new ApiClient(fetch, { baseUrl: m.url.replace(/\/$/, '') });
        expect((await c.study(b.studyId)).baselineImprovement).toEqual(ref);
      } finally {
        await m.close();
      }
    } finally {
      await b.close();
    }
  });

  it('keeps parameters named like Object properties (__proto__, constructor, toString) as plain parameters', async () => {
    const names = ['__proto__', 'constructor', 'toString', 'hasOwnProperty'];
    const proto = names[0] as string;
    const h = await createStudy({ studyName: 'hostile names', storage: url, sampler: new RandomSampler({ seed: 9 }) });
    try {
      await h.optimize((t) => names.reduce((v, n, k) => v + (k + 1) * t.suggestFloat(n, 0, 1), 0), { nTrials: 12 });
      await new Promise((r) => setTimeout(r, 30));
      const ref = await h.getTrials();
      const detail = await api.study(h.studyId);
      expect(detail.params.map((p) => [p.name, p.count])).toEqual([...names].sort().map((n) => [n, 12]));
      const page = await api.trials(h.studyId, { sort: 'params.__proto__', order: 'desc' });
      const byProto = [...ref].sort((a, b) => (b.params[proto] as number) - (a.params[proto] as number));
      expect(page.trials.map((t) => t.number)).toEqual(byProto.map((t) => t.number));
      for (const row of page.trials) {
        const t = ref.find((x) => x.number === row.number);
        expect(Object.keys(row.params).sort()).toEqual([...names].sort());
        for (const n of names) expect(Object.getOwnPropertyDescriptor(row.params, n)?.value).toBe(t?.params[n]);
      }
      const cols = await api.plot(h.studyId, 'params', { params: ['constructor', '__proto__'] });
      expect(cols.params.map((c) => c.name)).toEqual(['constructor', '__proto__']);
      expect(cols.params[1]?.values).toEqual(cols.numbers.map((n) => ref[n]?.params[proto]));
    } finally {
      await h.close();
    }
  });

  it('reads a 400-trial study in the same number of queries as a 10-trial one (A8)', async () => {
    const big = await createStudy({ studyName: 'big', storage: url, sampler: new RandomSampler({ seed: 1 }) });
    await big.optimize(
      (t) => {
        let v = 0;
        for (let k = 0; k < 5; k++) v += t.suggestFloat(`p${k}`, 0, 1);
        for (let s = 0; s < 5; s++) t.report(v + s, s);
        return v;
      },
      { nTrials: 10 },
    );
    // Requests within 20 ms share one look at the change cursor: let the new study become visible.
    await new Promise((r) => setTimeout(r, 30));
    const loader = d.loader as SqlTrialLoader;
    const count = async () => {
      const before = loader.queries;
      await api.study(big.studyId);
      await api.trials(big.studyId, { sort: 'params.p1', order: 'desc', limit: 50 });
      await api.plot(big.studyId, 'params');
      await api.plot(big.studyId, 'intermediate');
      return loader.queries - before;
    };
    const small = await count();
    await big.optimize(
      (t) => {
        let v = 0;
        for (let k = 0; k < 5; k++) v += t.suggestFloat(`p${k}`, 0, 1);
        for (let s = 0; s < 5; s++) t.report(v + s, s);
        return v;
      },
      { nTrials: 390 },
    );
    // Derived data (sorted tables, plots) may be up to STALE_MS (1 s) old while trials keep changing;
    // on a fast machine the 390 trials take less than that, so let it lapse.
    await new Promise((r) => setTimeout(r, 1100));
    const large = await count();
    expect(large).toBeLessThanOrEqual(small + 6);
    expect(large).toBeLessThan(20);
    const page = await api.trials(big.studyId, { sort: 'params.p1', order: 'desc', limit: 5 });
    const ref = (await big.getTrials())
      .sort((a, b) => (b.params.p1 as number) - (a.params.p1 as number))
      .slice(0, 5)
      .map((t) => t.number);
    expect(page.total).toBe(400);
    expect(page.trials.map((t) => t.number)).toEqual(ref);
    await big.close();
  }, 60_000);
});

describe('dashboard over other storages', () => {
  it('serves a memory storage handed in as an object, including the note', async () => {
    const s = await createStudy({ studyName: 'mem', storage: 'memory:dash-test', sampler: new RandomSampler({ seed: 2 }) });
    await s.optimize((t) => t.suggestFloat('x', 0, 1), { nTrials: 5 });
    const m = await startDashboard({ storage: s.storage, port: 0, uiDir: null, log: () => {} });
    try {
      const c = new ApiClient(fetch, { baseUrl: m.url.replace(/\/$/, '') });
      const { studies } = await c.studies();
      expect(studies.map((x) => x.nTrials)).toEqual([5]);
      expect((await c.info()).storageKind).toBe('memory');
      await c.saveNote(s.studyId, { markdown: 'hi', version: 0 });
      expect((await c.note(s.studyId)).markdown).toBe('hi');
      const t = await s.ask();
      await s.tell(t, 0.5);
      // Requests within 20 ms share one look at the change cursor.
      await new Promise((r) => setTimeout(r, 30));
      expect((await c.trials(s.studyId)).total).toBe(6);
    } finally {
      await m.close();
      await s.close();
    }
  });

  it('serves a PostgreSQL storage by URL, following its changes', async () => {
    const schema = newSchemaName('dash');
    const pgUrl = pgSchemaUrl(schema);
    try {
      const s = await createStudy({ studyName: 'pg', storage: pgUrl, sampler: new RandomSampler({ seed: 4 }) });
      await s.optimize(
        (t) => {
          const x = t.suggestFloat('x', 0, 1);
          t.report(1, 0);
          return x;
        },
        { nTrials: 6 },
      );
      const m = await startDashboard({ storage: pgUrl, port: 0, uiDir: null, log: () => {} });
      try {
        const c = new ApiClient(fetch, { baseUrl: m.url.replace(/\/$/, '') });
        expect((await c.info()).storageKind).toBe('postgresql');
        const page = await c.trials(s.studyId, { sort: 'value', order: 'desc' });
        const ref = (await s.getTrials()).sort((x, y) => (y.value as number) - (x.value as number)).map((t) => t.number);
        expect(page.trials.map((t) => t.number)).toEqual(ref);
        await s.optimize((t) => t.suggestFloat('x', 0, 1), { nTrials: 2 });
        await new Promise((r) => setTimeout(r, 30));
        expect((await c.study(s.studyId)).study.nTrials).toBe(8);
        expect((await c.plot(s.studyId, 'intermediate')).curves).toHaveLength(6);
        await c.saveNote(s.studyId, { markdown: 'pg note', version: 0 });
        expect((await c.note(s.studyId)).markdown).toBe('pg note');
      } finally {
        await m.close();
        await s.close();
      }
    } finally {
      await dropSchema(schema);
    }
  });

  it('encodes API bodies exactly as encodeJson does, non-finite numbers tagged wherever they sit', () => {
    const samples: unknown[] = [
      { numbers: [1, 2.5, -3e-9, null, 0], tagged: [1, Number.NaN, -0, Number.POSITIVE_INFINITY, null, Number.NEGATIVE_INFINITY] },
      { s: 'a "quoted" \\ line\n\u2028é', u: undefined, n: null, b: [true, false], nested: { deep: [[-0], [Number.NaN, 'x']] } },
      [undefined, () => 1, { toJSON: () => ({ at: Number.POSITIVE_INFINITY }) }],
      Object.assign(Object.create(null), { k: -0, 'weird "key"': 1 }),
      [],
      {},
      Number.NaN,
      'text',
    ];
    for (const v of samples) expect(encodeApiJson(v)).toBe(encodeJson(v as JsonValue));
    // And back: the same values decodeJson gives, prototype-less objects and hostile keys included.
    for (const v of samples) {
      const text = encodeApiJson(v);
      expect(decodeApiJson(text)).toStrictEqual(decodeJson(text));
    }
    const hostile = '{"__proto__":{"polluted":1},"a":[{"$dials.number":"NaN"},{"$dials.number":"-0"},{"b":{"$dials.number":"-Infinity"}}]}';
    const decoded = decodeApiJson<Record<string, unknown>>(hostile);
    expect(decoded).toStrictEqual(decodeJson(hostile));
    expect(Object.getPrototypeOf(decoded)).toBeNull();
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.is((decoded.a as number[])[1], -0)).toBe(true);
  });

  it('encodes attribute values exactly, hostile keys included', () => {
    expect(encodeAttr({ a: Number.NaN }, 'x')).toBe('{"a":{"$dials.number":"NaN"}}');
  });
});
