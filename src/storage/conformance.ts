/**
 * The storage conformance suite. Every backend runs it with a few lines:
 *
 *   runStorageConformance({ describe, it }, { name: 'sqlite', open, reopen });
 *
 * It is runner-agnostic (assertions use node:assert) and exported from
 * 'dials/testing' so a future backend can prove itself. Skips must say why.
 */
import assert from 'node:assert/strict';
import { DuplicateStudyError, LeaseLostError, StudyNotFoundError, TrialFinishedError } from '../errors.js';
import { encodeAttr } from '../json.js';
import { categoricalDistribution, floatDistribution, intDistribution } from '../space/distributions.js';
import { initFailureReason, type StartedTrial, type Storage } from './storage.js';

type Fn = () => Promise<void> | void;
export interface TestApi {
  describe(name: string, fn: () => void): void;
  it(name: string, fn: Fn, timeoutMs?: number): void;
}

export interface StorageConformanceOptions {
  readonly name: string;
  /** A fresh, empty storage. */
  readonly open: () => Promise<Storage>;
  /** Closes `s` and opens the same data again; omit for non-persistent storage. */
  readonly reopen?: (s: Storage) => Promise<Storage>;
  readonly skip?: readonly { readonly reason: string; readonly tests: readonly string[] }[];
  /**
   * getChanges may report a trial or study again though it did not change
   * (PostgreSQL: while other transactions run, the cursor cannot pass them).
   */
  readonly changesMayRepeat?: boolean;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function runStorageConformance(api: TestApi, options: StorageConformanceOptions): void {
  const skipped = new Map<string, string>();
  for (const s of options.skip ?? []) for (const t of s.tests) skipped.set(t, s.reason);
  const test = (name: string, fn: (s: Storage) => Promise<void>, timeoutMs = 20_000): void => {
    const reason = skipped.get(name);
    if (reason !== undefined) {
      api.it(`${name} (skipped: ${reason})`, () => {});
      return;
    }
    api.it(
      name,
      async () => {
        const s = await options.open();
        try {
          await fn(s);
        } finally {
          await s.close();
        }
      },
      timeoutMs,
    );
  };

  api.describe(`storage conformance: ${options.name}`, () => {
    test('creates, finds, lists and deletes studies', async (s) => {
      const a = await s.createStudy({ studyName: 'a', directions: ['minimize'] });
      const b = await s.createStudy({ studyName: 'b', directions: ['minimize', 'maximize'] });
      assert.notEqual(a.studyId, b.studyId);
      await assert.rejects(s.createStudy({ studyName: 'a', directions: ['maximize'] }), DuplicateStudyError);
      assert.deepEqual((await s.getStudy('b'))?.directions, ['minimize', 'maximize']);
      assert.equal(await s.getStudy('nope'), null);
      await s.startTrial(a.studyId, {});
      const list = await s.listStudies();
      assert.deepEqual(list.map((x) => x.studyName).sort(), ['a', 'b']);
      const la = list.find((x) => x.studyName === 'a');
      assert.equal(la?.nTrials, 1);
      assert.equal(la?.stateCounts.RUNNING, 1);
      await s.deleteStudy('a');
      assert.equal(await s.getStudy('a'), null);
      await assert.rejects(s.deleteStudy('a'), StudyNotFoundError);
      assert.equal((await s.listStudies()).length, 1);
    });

    test('gives dense, unique trial numbers to concurrent asks', async (s) => {
      const st = await s.createStudy({ studyName: 'dense', directions: ['minimize'] });
      const started = await Promise.all(Array.from({ length: 120 }, () => s.startTrial(st.studyId, {})));
      const numbers = started.map((t) => t?.number).sort((x, y) => (x as number) - (y as number));
      assert.deepEqual(
        numbers,
        Array.from({ length: 120 }, (_, i) => i),
      );
      assert.equal(new Set(started.map((t) => t?.trialId)).size, 120);
      assert.equal(await s.countTrials(st.studyId), 120);
    });

    test('round-trips params of every kind exactly', async (s) => {
      const st = await s.createStudy({ studyName: 'params', directions: ['minimize'] });
      const t = await s.startTrial(st.studyId, {});
      assert.ok(t);
      const params = [
        { name: 'lr', value: 0.0001234567890123, distribution: floatDistribution('lr', 1e-6, 1, { log: true }) },
        { name: 'q', value: 0.75, distribution: floatDistribution('q', 0, 2, { step: 0.25 }) },
        { name: 'n', value: 7, distribution: intDistribution('n', 1, 9, { step: 2 }) },
        { name: 'act', value: 'tanh', distribution: categoricalDistribution('act', ['relu', 'tanh']) },
        { name: 'flag', value: false, distribution: categoricalDistribution('flag', [true, false]) },
        { name: 'opt', value: null, distribution: categoricalDistribution('opt', ['x', null]) },
        { name: 'w', value: 2.5, distribution: categoricalDistribution('w', [1, 2.5, 4]) },
        { name: "'; DROP TABLE trials;--\u202e<script>", value: 1, distribution: intDistribution('x', 0, 3) },
      ];
      await s.updateTrial(t.trialId, t.leaseId, { params });
      await s.updateTrial(t.trialId, t.leaseId, { finish: { state: 'COMPLETE', values: [1], reason: null } });
      const f = await s.getTrial(t.trialId);
      for (const p of params) {
        assert.ok(Object.is(f.params[p.name], p.value), `param ${p.name}: ${String(f.params[p.name])} !== ${String(p.value)}`);
        assert.deepEqual(f.distributions[p.name], p.distribution);
      }
    });

    test('keeps ±Infinity, extreme values and multi-objective values exactly', async (s) => {
      const st = await s.createStudy({ studyName: 'inf', directions: ['minimize', 'maximize'] });
      const cases: number[][] = [
        [Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY],
        [5e-324, -1.7976931348623157e308],
        [0.1 + 0.2, 1 / 3],
      ];
      const ids: number[] = [];
      for (const values of cases) {
        const t = await s.startTrial(st.studyId, {});
        assert.ok(t);
        await s.updateTrial(t.trialId, t.leaseId, { finish: { state: 'COMPLETE', values, reason: null } });
        ids.push(t.trialId);
      }
      const all = await s.getTrials(st.studyId);
      all.forEach((t, i) => {
        assert.deepEqual(t.values, cases[i]);
      });
      assert.equal(all[0]?.value, null, 'value is null for a multi-objective trial');
    });

    test('stores intermediate values by step and fold; the first report of a step wins; NaN is kept', async (s) => {
      const st = await s.createStudy({ studyName: 'iv', directions: ['minimize'] });
      const t = await s.startTrial(st.studyId, {});
      assert.ok(t);
      await s.updateTrial(t.trialId, t.leaseId, {
        intermediate: [
          { step: 2, fold: null, values: [0.5] },
          { step: 1, fold: null, values: [Number.POSITIVE_INFINITY] },
          { step: 1, fold: 0, values: [0.25] },
        ],
      });
      await s.updateTrial(t.trialId, t.leaseId, {
        intermediate: [
          { step: 2, fold: null, values: [9] },
          { step: 3, fold: null, values: [Number.NaN] },
        ],
      });
      const f = await s.getTrial(t.trialId);
      assert.deepEqual(
        f.intermediateValues.map((iv) => [iv.fold, iv.step, iv.values[0]]),
        [
          [null, 1, Number.POSITIVE_INFINITY],
          [null, 2, 0.5],
          [null, 3, Number.NaN],
          [0, 1, 0.25],
        ],
      );
    });

    test('moves states only forward and rejects writes to finished trials', async (s) => {
      const st = await s.createStudy({ studyName: 'fwd', directions: ['minimize'] });
      const t = await s.startTrial(st.studyId, {});
      assert.ok(t);
      await s.updateTrial(t.trialId, t.leaseId, { finish: { state: 'COMPLETE', values: [1], reason: null } });
      // The same tell again (a retry after an unknown commit outcome) succeeds and changes nothing.
      await s.updateTrial(t.trialId, t.leaseId, { finish: { state: 'COMPLETE', values: [1], reason: null } });
      await assert.rejects(s.updateTrial(t.trialId, t.leaseId, { finish: { state: 'FAIL', values: null, reason: 'x' } }), TrialFinishedError);
      await assert.rejects(s.updateTrial(t.trialId, t.leaseId, { finish: { state: 'COMPLETE', values: [2], reason: null } }), TrialFinishedError);
      await assert.rejects(s.updateTrial(t.trialId, t.leaseId, { intermediate: [{ step: 9, fold: null, values: [1] }] }), TrialFinishedError);
      assert.equal(await s.heartbeat(t.trialId, t.leaseId), false);
      const f = await s.getTrial(t.trialId);
      assert.equal(f.state, 'COMPLETE');
      assert.deepEqual(f.values, [1]);
      assert.deepEqual(f.intermediateValues, []);
    });

    test('rejects writes under a wrong lease', async (s) => {
      const st = await s.createStudy({ studyName: 'lease', directions: ['minimize'] });
      const t = await s.startTrial(st.studyId, {});
      assert.ok(t);
      await assert.rejects(s.updateTrial(t.trialId, 'not-the-lease', { finish: { state: 'COMPLETE', values: [1], reason: null } }), LeaseLostError);
      assert.equal(await s.heartbeat(t.trialId, 'not-the-lease'), false);
      assert.equal(await s.heartbeat(t.trialId, t.leaseId), true);
    });

    test('returns frozen snapshots that later writes do not change', async (s) => {
      const st = await s.createStudy({ studyName: 'frozen', directions: ['minimize'] });
      const t = await s.startTrial(st.studyId, {});
      assert.ok(t);
      const before = await s.getTrials(st.studyId);
      await s.updateTrial(t.trialId, t.leaseId, {
        params: [{ name: 'x', value: 1, distribution: floatDistribution('x', 0, 2) }],
        finish: { state: 'COMPLETE', values: [3], reason: null },
      });
      assert.equal(before[0]?.state, 'RUNNING');
      assert.deepEqual(Object.keys(before[0]?.params ?? { x: 1 }), []);
      assert.ok(Object.isFrozen(before[0]));
      const after = await s.getTrials(st.studyId);
      assert.equal(after[0]?.state, 'COMPLETE');
      assert.throws(() => {
        (after[0] as { state: string }).state = 'RUNNING';
      });
    });

    test('claims enqueued trials first, in order, each once, with their fixed params', async (s) => {
      const st = await s.createStudy({ studyName: 'enq', directions: ['minimize'] });
      const e1 = await s.enqueueTrial(st.studyId, { params: { x: 1, act: 'relu' } });
      const e2 = await s.enqueueTrial(st.studyId, { params: { x: 2 }, attrs: [{ kind: 'user', key: 'why', json: encodeAttr('baseline', 'why') }] });
      assert.deepEqual([e1.number, e2.number, e1.created], [0, 1, true]);
      const d1 = await s.enqueueTrial(st.studyId, { params: { x: 3 }, dedupeKey: 'k' });
      const d2 = await s.enqueueTrial(st.studyId, { params: { x: 3 }, dedupeKey: 'k' });
      assert.equal(d1.created, true);
      assert.equal(d2.created, false);
      assert.equal(d2.number, d1.number);
      const waiting = await s.getTrials(st.studyId, { states: ['WAITING'] });
      assert.deepEqual(
        waiting.map((t) => t.number),
        [0, 1, 2],
      );
      assert.deepEqual({ ...waiting[0]?.fixedParams }, { x: 1, act: 'relu' });
      const claimed = await Promise.all([0, 1, 2, 3].map(() => s.startTrial(st.studyId, {})));
      const byNumber = claimed.map((c) => c?.number).sort();
      assert.deepEqual(byNumber, [0, 1, 2, 3]);
      const first = claimed.find((c) => c?.number === 0);
      assert.deepEqual(first?.fixedParams, { x: 1, act: 'relu' });
      assert.deepEqual(claimed.find((c) => c?.number === 3)?.fixedParams, {});
      assert.equal((await s.getTrial(claimed.find((c) => c?.number === 1)?.trialId as number)).userAttrs.why, 'baseline');
      assert.equal(await s.countTrials(st.studyId, { states: ['WAITING'] }), 0);
    });

    test('hands out each grid index exactly once, then null', async (s) => {
      const st = await s.createStudy({ studyName: 'grid', directions: ['minimize'] });
      const got = await Promise.all(Array.from({ length: 9 }, () => s.startTrial(st.studyId, { gridSize: 6 })));
      const idx = got.filter((g) => g !== null).map((g) => g?.gridIndex);
      assert.deepEqual(idx.sort(), [0, 1, 2, 3, 4, 5]);
      assert.equal(got.filter((g) => g === null).length, 3);
      assert.equal(await s.countTrials(st.studyId), 6);
    });

    test('reaps expired leases, retries with the same params once, and keeps live leases', async (s) => {
      const st = await s.createStudy({ studyName: 'reap', directions: ['minimize'] });
      const lease = { graceMs: 150, maxRetries: 1 };
      const dead = await s.startTrial(st.studyId, { lease });
      const live = await s.startTrial(st.studyId, { lease });
      const noLease = await s.startTrial(st.studyId, {});
      assert.ok(dead && live && noLease);
      await s.updateTrial(dead.trialId, dead.leaseId, { params: [{ name: 'x', value: 0.5, distribution: floatDistribution('x', 0, 1) }] });
      for (let i = 0; i < 6; i++) {
        await sleep(60);
        assert.equal(await s.heartbeat(live.trialId, live.leaseId), true);
      }
      const reaped = await s.reapStaleTrials(st.studyId);
      assert.deepEqual(
        reaped.map((r) => r.number),
        [dead.number],
      );
      assert.deepEqual(await s.reapStaleTrials(st.studyId), []);
      const f = await s.getTrial(dead.trialId);
      assert.equal(f.state, 'FAIL');
      assert.equal(f.failReason, 'lease-expired');
      await assert.rejects(s.updateTrial(dead.trialId, dead.leaseId, { finish: { state: 'COMPLETE', values: [1], reason: null } }), LeaseLostError);
      assert.equal((await s.getTrial(live.trialId)).state, 'RUNNING');
      assert.equal((await s.getTrial(noLease.trialId)).state, 'RUNNING');
      const retry = await s.startTrial(st.studyId, { lease });
      assert.equal(retry?.number, reaped[0]?.retryNumber);
      assert.equal(retry?.retryOf, dead.number);
      assert.deepEqual(retry?.fixedParams, { x: 0.5 });
      // The retry dies too: it is failed, with no second retry (maxRetries: 1);
      // `live` stopped beating as well and gets its first retry.
      await sleep(250);
      const again = await s.reapStaleTrials(st.studyId);
      const byNumber = new Map(again.map((r) => [r.number, r.retryNumber]));
      assert.equal(again.length, 2);
      assert.equal(byNumber.get(retry?.number as number), null);
      assert.equal(typeof byNumber.get(live.number), 'number');
      assert.equal(await s.countTrials(st.studyId, { states: ['WAITING'] }), 1);
    });

    test('stores the writes of init with the start, on every start path', async (s) => {
      const st = await s.createStudy({ studyName: 'init', directions: ['minimize'] });
      const x = floatDistribution('x', 0, 1);
      const seen: { number: number; fixed: Record<string, unknown>; grid: number | null }[] = [];
      const init = (tag: string) => (started: StartedTrial) => {
        seen.push({ number: started.number, fixed: { ...started.fixedParams }, grid: started.gridIndex });
        return {
          params: [{ name: 'x', value: typeof started.fixedParams.x === 'number' ? started.fixedParams.x : started.number / 10, distribution: x }],
          attrs: [
            { kind: 'system' as const, key: 'dials:worker', json: encodeAttr('old', 'w') },
            { kind: 'system' as const, key: 'dials:worker', json: encodeAttr(tag, 'w') },
            { kind: 'user' as const, key: 'n', json: encodeAttr(started.number, 'n') },
          ],
        };
      };
      await s.enqueueTrial(st.studyId, { params: { x: 0.25 } });
      const paths = [
        ['claim', { maxTrials: 10 }],
        ['new', {}],
        ['budget', { maxTrials: 10 }],
        ['grid', { gridSize: 5 }],
        ['lease', { lease: { graceMs: 60_000, maxRetries: 1 } }],
      ] as const;
      for (const [tag, input] of paths) {
        const t = await s.startTrial(st.studyId, { ...input, init: init(tag) });
        assert.ok(t, tag);
        const f = await s.getTrial(t.trialId);
        assert.equal(f.state, 'RUNNING', tag);
        assert.equal(seen.at(-1)?.number, t.number, tag);
        assert.equal(f.params.x, tag === 'claim' ? 0.25 : t.number / 10, tag);
        assert.deepEqual(f.distributions.x, x, tag);
        assert.equal(f.systemAttrs['dials:worker'], tag, tag);
        assert.equal(f.userAttrs.n, t.number, tag);
        // The trial goes on as any other: later writes and the end under its lease.
        await s.updateTrial(t.trialId, t.leaseId, {
          intermediate: [{ step: 0, fold: null, values: [1] }],
          finish: { state: 'COMPLETE', values: [2], reason: null },
        });
      }
      assert.deepEqual(seen[0]?.fixed, { x: 0.25 });
      assert.equal(seen.find((v) => v.grid !== null)?.grid, 0);
      assert.deepEqual(
        (await s.getTrials(st.studyId)).map((t) => [t.number, t.state]),
        paths.map((_, i) => [i, 'COMPLETE']),
      );
      // An init with nothing to write starts the trial all the same.
      const empty = await s.startTrial(st.studyId, { maxTrials: 10, init: () => ({}) });
      assert.equal(empty?.number, paths.length);
    });

    test('fails the trial when init throws, and rethrows', async (s) => {
      const st = await s.createStudy({ studyName: 'init-throws', directions: ['minimize'] });
      const boom = () => {
        throw new Error('sampler failed');
      };
      await s.enqueueTrial(st.studyId, { params: { x: 1 } });
      for (const input of [{ maxTrials: 5 }, {}, { maxTrials: 5 }, { gridSize: 3 }]) {
        await assert.rejects(s.startTrial(st.studyId, { ...input, init: boom }), /sampler failed/);
      }
      const trials = await s.getTrials(st.studyId);
      assert.deepEqual(
        trials.map((t) => [t.number, t.state, t.failReason]),
        [0, 1, 2, 3].map((n) => [n, 'FAIL', initFailureReason(new Error('sampler failed'))]),
      );
      // The enqueued trial was the one claimed first; the grid's first index is used.
      assert.deepEqual({ ...trials[0]?.fixedParams }, { x: 1 });
      assert.equal(trials[3]?.gridIndex, 0);
      const next = await s.startTrial(st.studyId, { gridSize: 3, init: () => ({}) });
      assert.deepEqual([next?.number, next?.gridIndex], [4, 1]);
    });

    test('filters and counts trials by state', async (s) => {
      const st = await s.createStudy({ studyName: 'states', directions: ['minimize'] });
      const states = ['COMPLETE', 'PRUNED', 'FAIL', 'COMPLETE'] as const;
      for (const state of states) {
        const t = await s.startTrial(st.studyId, {});
        assert.ok(t);
        await s.updateTrial(t.trialId, t.leaseId, { finish: { state, values: state === 'FAIL' ? null : [1], reason: state === 'FAIL' ? 'boom' : null } });
      }
      await s.startTrial(st.studyId, {});
      assert.equal(await s.countTrials(st.studyId, { states: ['COMPLETE'] }), 2);
      assert.deepEqual(
        (await s.getTrials(st.studyId, { states: ['PRUNED', 'FAIL'] })).map((t) => t.number),
        [1, 2],
      );
      assert.equal((await s.getTrials(st.studyId, { states: ['FAIL'] }))[0]?.failReason, 'boom');
      assert.equal(await s.countTrials(st.studyId), 5);
      assert.deepEqual(
        (await s.getTrials(st.studyId, { minNumber: 3 })).map((t) => t.number),
        [3, 4],
      );
      assert.deepEqual(
        (await s.getTrials(st.studyId, { numbers: [4, 0, 9, 4] })).map((t) => t.number),
        [0, 4],
      );
      assert.deepEqual(
        (await s.getTrials(st.studyId, { numbers: [0, 1, 3], minNumber: 1, states: ['COMPLETE'] })).map((t) => t.number),
        [3],
      );
      assert.deepEqual(await s.getTrials(st.studyId, { numbers: [] }), []);
    });

    test('keeps study and trial attributes, with exact numbers and hostile keys', async (s) => {
      const st = await s.createStudy({ studyName: 'attrs', directions: ['minimize'] });
      const hostile = '__proto__';
      await s.setStudyAttr(st.studyId, { kind: 'user', key: 'note', json: encodeAttr({ a: [1, Number.NEGATIVE_INFINITY] }, 'note') });
      await s.setStudyAttr(st.studyId, { kind: 'system', key: hostile, json: encodeAttr('x', 'k') });
      await s.setStudyAttr(st.studyId, { kind: 'user', key: 'note', json: encodeAttr('replaced', 'note') });
      const rec = await s.getStudy('attrs');
      assert.equal(rec?.userAttrs.note, 'replaced');
      assert.equal(Object.getOwnPropertyDescriptor(rec?.systemAttrs, hostile)?.value, 'x');
      const t = await s.startTrial(st.studyId, {});
      assert.ok(t);
      await s.updateTrial(t.trialId, t.leaseId, { attrs: [{ kind: 'user', key: 'curve', json: encodeAttr([1, Number.POSITIVE_INFINITY, null], 'c') }] });
      assert.deepEqual((await s.getTrial(t.trialId)).userAttrs.curve, [1, Number.POSITIVE_INFINITY, null]);
    });

    test('reports what changed after a change cursor, and nothing else', async (s) => {
      // Where changes may be reported again (PostgreSQL, while other transactions run), a report must hold
      // every expected item and otherwise only items this test touched before.
      const repeat = options.changesMayRepeat === true;
      const same = <T extends string | number>(actual: readonly T[], expected: readonly T[], earlier: ReadonlySet<T>, what: string): void => {
        const got = [...new Set(actual)].sort();
        const want = [...new Set(expected)].sort();
        if (!repeat) {
          assert.deepEqual(got, want, what);
          return;
        }
        for (const x of want) assert.ok(got.includes(x), `${what}: ${String(x)} missing from ${JSON.stringify(got)}`);
        for (const x of got) assert.ok(want.includes(x) || earlier.has(x), `${what}: ${String(x)} was never changed`);
      };
      const keys = new Set<string>();
      const studies = new Set<number>();
      const key = (studyId: number, n: number) => `${studyId}:${n}`;
      const numbersOf = (cs: { trials: readonly { number: number; studyId: number }[] }) => cs.trials.map((t) => key(t.studyId, t.number));

      const a = await s.createStudy({ studyName: 'changes-a', directions: ['minimize'] });
      const b = await s.createStudy({ studyName: 'changes-b', directions: ['minimize'] });
      studies.add(a.studyId).add(b.studyId);
      const idle = await s.startTrial(b.studyId, {});
      assert.ok(idle);
      keys.add(key(b.studyId, idle.number));
      const c0 = (await s.getChanges(null)).cursor;
      const none = await s.getChanges(c0);
      same(numbersOf(none), [], keys, 'nothing changed');
      same(none.studyIds, [], studies, 'no study changed');
      assert.deepEqual([none.deletedStudyIds, none.truncated], [[], false]);

      const t0 = await s.startTrial(a.studyId, {});
      const t1 = await s.startTrial(a.studyId, {});
      assert.ok(t0 && t1);
      const ch1 = await s.getChanges(c0);
      same(numbersOf(ch1), [key(a.studyId, 0), key(a.studyId, 1)], keys, 'two new trials');
      same(ch1.studyIds, [a.studyId], studies, 'their study');
      same(ch1.recordStudyIds, [], studies, 'no study record changed');
      keys.add(key(a.studyId, 0)).add(key(a.studyId, 1));

      // A heartbeat is not a change; a report, an attribute and a finish are, each on its own.
      const c1 = ch1.cursor;
      assert.equal(await s.heartbeat(idle.trialId, idle.leaseId), true);
      same(numbersOf(await s.getChanges(c1)), [], keys, 'a heartbeat');
      await s.updateTrial(t1.trialId, t1.leaseId, { intermediate: [{ step: 0, fold: null, values: [1] }] });
      const ch2 = await s.getChanges(c1);
      same(numbersOf(ch2), [key(a.studyId, 1)], keys, 'a report');
      await s.updateTrial(t0.trialId, t0.leaseId, { attrs: [{ kind: 'user', key: 'k', json: encodeAttr(1, 'k') }] });
      const ch3 = await s.getChanges(ch2.cursor);
      same(numbersOf(ch3), [key(a.studyId, 0)], keys, 'an attribute');
      await s.updateTrial(t0.trialId, t0.leaseId, {
        params: [{ name: 'x', value: 0.5, distribution: floatDistribution('x', 0, 1) }],
        finish: { state: 'COMPLETE', values: [2], reason: null },
      });
      const ch4 = await s.getChanges(ch3.cursor);
      same(numbersOf(ch4), [key(a.studyId, 0)], keys, 'a finish');
      same(numbersOf(await s.getChanges(ch4.cursor)), [], keys, 'nothing since');

      // Cursors never move backwards; `studyId` narrows trials but not studies.
      assert.ok(Number(ch4.cursor) >= Number(ch3.cursor) && Number(ch3.cursor) >= Number(c0));
      const w = await s.enqueueTrial(b.studyId, { params: { x: 0.1 } });
      const onlyA = await s.getChanges(ch4.cursor, { studyId: a.studyId });
      same(numbersOf(onlyA), [], keys, 'study a only');
      assert.ok(onlyA.trials.every((t) => t.studyId === a.studyId));
      same(onlyA.studyIds, [b.studyId], studies, 'studies are not narrowed');
      same(numbersOf(await s.getChanges(ch4.cursor, { studyId: b.studyId })), [key(b.studyId, w.number)], keys, 'study b only');
      keys.add(key(b.studyId, w.number));

      // Study attributes, new and deleted studies.
      const c5 = (await s.getChanges(null)).cursor;
      await s.setStudyAttr(a.studyId, { kind: 'system', key: 'dials:note', json: encodeAttr('hi', 'note') });
      const c = await s.createStudy({ studyName: 'changes-c', directions: ['maximize'] });
      await s.deleteStudy('changes-b');
      const ch5 = await s.getChanges(c5);
      same(ch5.studyIds, [a.studyId, c.studyId], studies, 'changed studies');
      assert.ok(!ch5.studyIds.includes(b.studyId));
      assert.deepEqual(ch5.deletedStudyIds, [b.studyId]);
      same(ch5.recordStudyIds, [a.studyId, c.studyId], studies, 'study records');
      same(numbersOf(ch5), [], keys, 'no trial changed');
      studies.add(c.studyId);

      // A limit truncates, oldest change first.
      const c6 = (await s.getChanges(null)).cursor;
      for (let i = 0; i < 5; i++) await s.startTrial(c.studyId, {});
      const lim = await s.getChanges(c6, { studyId: c.studyId, limit: 3 });
      assert.equal(lim.truncated, true);
      assert.deepEqual(
        lim.trials.map((t) => t.number),
        [0, 1, 2],
      );
      await assert.rejects(s.getChanges('not-a-cursor'), /change cursor/);
      await assert.rejects(s.getChanges(c6, { limit: 0 }), /limit/);
    });

    if (options.reopen) {
      const reopen = options.reopen;
      api.it(`keeps every study and trial across a reopen${skipped.has('reopen') ? ' (skipped)' : ''}`, async () => {
        let s = await options.open();
        try {
          const st = await s.createStudy({ studyName: 'persist', directions: ['maximize'] });
          const t = await s.startTrial(st.studyId, {});
          assert.ok(t);
          await s.updateTrial(t.trialId, t.leaseId, {
            params: [{ name: 'x', value: 0.25, distribution: floatDistribution('x', 0, 1) }],
            finish: { state: 'COMPLETE', values: [Number.POSITIVE_INFINITY], reason: null },
          });
          await s.startTrial(st.studyId, {});
          const before = (await s.getChanges(null)).cursor;
          s = await reopen(s);
          const again = await s.getStudy('persist');
          assert.deepEqual(again?.directions, ['maximize']);
          const trials = await s.getTrials(again?.studyId as number);
          assert.deepEqual(
            trials.map((x) => [x.number, x.state, x.values?.[0] ?? null, x.params.x ?? null]),
            [
              [0, 'COMPLETE', Number.POSITIVE_INFINITY, 0.25],
              [1, 'RUNNING', null, null],
            ],
          );
          const next = await s.startTrial(again?.studyId as number, {});
          assert.equal(next?.number, 2);
          // The change log survives too: a cursor taken before the reopen sees the trial started after it.
          const changed = await s.getChanges(before);
          const numbers = [...new Set(changed.trials.map((x) => x.number))].sort();
          if (options.changesMayRepeat) assert.ok(numbers.includes(2) && numbers.every((n) => n <= 2));
          else assert.deepEqual(numbers, [2]);
          assert.ok(Number(changed.cursor) >= Number(before));
        } finally {
          await s.close();
        }
      });
    }
  });
}
