/**
 * Workers that die by SIGKILL.
 *
 * (a) A worker killed in the middle of a trial: a process that merely has the
 *     study open with a heartbeat (and asks for nothing) fails the trial with
 *     'lease-expired' within grace + interval + 1 s, enqueues exactly one
 *     retry with the same parameters, and the next worker runs that retry.
 * (b) Every worker killed at once, three times over on one SQLite file (and
 *     once on PostgreSQL): every trial whose tell() had returned is COMPLETE
 *     with exactly the value told, numbers stay dense, and the SQLite file
 *     passes `PRAGMA integrity_check`.
 */
import Database from 'better-sqlite3';
import { createStudy, loadStudy } from 'dials';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { dropSchema, newSchemaName, pgSchemaUrl, withAdmin } from '../helpers/pg.js';
import {
  assertBuilt,
  killAll,
  killNow,
  LOCK_ERROR_RE,
  pollUntil,
  range,
  sleep,
  spawnWorker,
  startTogether,
  tempDir,
  testSeed,
  type Worker,
  workerReport,
} from './harness.js';

const HEARTBEAT = { intervalMs: 200, graceMs: 1000 };
const REAP_DEADLINE_MS = HEARTBEAT.graceMs + HEARTBEAT.intervalMs + 1000;

const tmp = tempDir('mp-kill');
const schemas: string[] = [];

beforeAll(assertBuilt);
afterEach(killAll);
afterAll(async () => {
  await killAll();
  tmp.remove();
  for (const s of schemas) await dropSchema(s);
});

function newPgUrl(prefix: string): { url: string; schema: string } {
  const schema = newSchemaName(prefix);
  schemas.push(schema);
  return { url: pgSchemaUrl(schema), schema };
}

interface RawWaiting {
  number: number;
  retryOf: number | null;
  fixedParams: unknown;
}

/**
 * The WAITING trials as stored, with their fixed parameters. FrozenTrial does
 * not expose the parameters a WAITING trial is fixed to, so this reads the
 * dials_trials table directly (read-only).
 */
type ReadWaiting = () => Promise<RawWaiting[]>;

function sqliteWaiting(path: string): ReadWaiting {
  return async () => {
    const db = new Database(path, { readonly: true, fileMustExist: true });
    try {
      const rows = db.prepare("SELECT number, retry_of, fixed_params FROM dials_trials WHERE state = 'WAITING' ORDER BY number").all() as {
        number: number;
        retry_of: number | null;
        fixed_params: string | null;
      }[];
      return rows.map((r) => ({
        number: Number(r.number),
        retryOf: r.retry_of === null ? null : Number(r.retry_of),
        fixedParams: r.fixed_params && JSON.parse(r.fixed_params),
      }));
    } finally {
      db.close();
    }
  };
}

function pgWaiting(schema: string): ReadWaiting {
  return () =>
    withAdmin(async (c) => {
      const res = await c.query(`SELECT number, retry_of, fixed_params FROM ${schema}.dials_trials WHERE state = 'WAITING' ORDER BY number`);
      return (res.rows as { number: string; retry_of: string | null; fixed_params: string | null }[]).map((r) => ({
        number: Number(r.number),
        retryOf: r.retry_of === null ? null : Number(r.retry_of),
        fixedParams: r.fixed_params && JSON.parse(r.fixed_params),
      }));
    });
}

async function killedTrialIsReapedAndRetried(storage: string, readWaiting: ReadWaiting, label: string, seed: number): Promise<void> {
  const studyName = `kill-one-${seed}`;
  await (await createStudy({ studyName, storage, direction: 'minimize' })).close();
  // The observer asks for no trial: only its heartbeat timer reaps.
  const observer = await loadStudy({ studyName, storage, heartbeat: HEARTBEAT, maxRetries: 1 });
  try {
    const common = { storage, studyName, ...HEARTBEAT, maxRetries: 1 };
    const hang = spawnWorker('lease-worker.mjs', { ...common, mode: 'hang', seed }, `${label}-hang`);
    const started = await hang.waitForLine((l) => typeof l.started === 'number', 30_000, '{"started": n}');
    const killed = started.started as number;
    const params = started.params as Record<string, unknown>;
    expect(Object.keys(params).sort()).toEqual(['x', 'y']);

    // While the worker is alive and beating, its trial runs, with its parameters flushed.
    const before = await observer.getTrials();
    expect(
      before.map((t) => ({ number: t.number, state: t.state, params: t.params })),
      'before the kill: the trial RUNNING, with its parameters flushed',
    ).toEqual([{ number: killed, state: 'RUNNING', params }]);

    const killedAt = performance.now();
    hang.child.kill('SIGKILL');
    const failed = await pollUntil(
      async () => {
        const t = (await observer.getTrials()).find((x) => x.number === killed);
        return t?.state === 'FAIL' ? t : undefined;
      },
      REAP_DEADLINE_MS,
      20,
      `trial ${killed} to be reaped (seed ${seed})`,
    );
    const reapedAfterMs = performance.now() - killedAt;
    console.log(`[kill] ${label}: killed trial ${killed} seen FAIL ${Math.round(reapedAfterMs)} ms after SIGKILL (limit ${REAP_DEADLINE_MS} ms), seed ${seed}`);
    expect(reapedAfterMs).toBeLessThanOrEqual(REAP_DEADLINE_MS);
    expect(await hang.exited).toEqual({ code: null, signal: 'SIGKILL' });
    expect(failed.failReason).toBe('lease-expired');
    expect(failed.params).toEqual(params);

    // Exactly one retry, WAITING, retrying the killed trial with the same parameters.
    const afterReap = await observer.getTrials();
    const waiting = afterReap.filter((t) => t.state === 'WAITING');
    expect(
      waiting.map((t) => ({ retryOf: t.retryOf })),
      `WAITING trials after the reap (seed ${seed})`,
    ).toEqual([{ retryOf: killed }]);
    const retryNumber = (waiting[0] as { number: number }).number;
    expect(afterReap.map((t) => [t.number, t.state])).toEqual(
      [
        [killed, 'FAIL'],
        [retryNumber, 'WAITING'],
      ].sort((a, b) => (a[0] as number) - (b[0] as number)),
    );
    expect(await readWaiting()).toEqual([{ number: retryNumber, retryOf: killed, fixedParams: params }]);

    // A second worker (another sampler seed) runs one trial: it must be the retry, with the same parameters.
    const runner = spawnWorker('lease-worker.mjs', { ...common, mode: 'run', nTrials: 1, seed: seed + 1 }, `${label}-run`);
    const ran = await runner.waitForLine((l) => typeof l.number === 'number', 30_000, 'a told trial');
    expect(await runner.waitForExit(30_000), workerReport([runner])).toEqual({ code: 0, signal: null });
    expect(runner.stderr()).toBe('');
    expect(ran).toMatchObject({ number: retryNumber, retryOf: killed, params, state: 'COMPLETE' });

    const final = await observer.getTrials();
    expect(
      final.filter((t) => t.state === 'WAITING'),
      'no WAITING trial may remain',
    ).toEqual([]);
    const completedRetries = final.filter((t) => t.state === 'COMPLETE' && t.retryOf === killed);
    expect(completedRetries.map((t) => ({ number: t.number, params: t.params, value: String(t.value) }))).toEqual([
      { number: retryNumber, params, value: ran.value },
    ]);
    expect(final.map((t) => [t.number, t.state]).sort((a, b) => (a[0] as number) - (b[0] as number))).toEqual(
      [
        [killed, 'FAIL'],
        [retryNumber, 'COMPLETE'],
      ].sort((a, b) => (a[0] as number) - (b[0] as number)),
    );
  } finally {
    await observer.close();
  }
}

const ACK_WORKERS = 4;
const RUN_BEFORE_KILL_MS = 1500;
const MIN_ACKS = 100;
const MAX_EXTRA_RUN_MS = 10_000;

/** Starts the ack workers, lets them run, SIGKILLs them all at once; returns the acknowledged trials. */
async function killCycle(storage: string, studyName: string, label: string, seed: number): Promise<Map<number, string>> {
  const workers: Worker[] = range(ACK_WORKERS).map((i) => spawnWorker('ack-worker.mjs', { storage, studyName, seed: seed + i }, `${label}-a${i}`));
  await startTogether(workers, 30_000);
  await sleep(RUN_BEFORE_KILL_MS);
  // On a loaded machine, give the workers a little longer to acknowledge enough trials to be worth checking.
  const acked = (): number => workers.reduce((n, w) => n + w.lines.filter((l) => typeof l.acked === 'number').length, 0);
  const extraUntil = Date.now() + MAX_EXTRA_RUN_MS;
  while (acked() < MIN_ACKS && Date.now() < extraUntil && workers.every((w) => w.alive())) await sleep(50);
  await killNow(workers);
  const report = workerReport(workers);
  const acks = new Map<number, string>();
  for (const w of workers) {
    // Each worker was still running when killed: it did not fail by itself first.
    expect(w.exitInfo(), `${w.name} (seed ${seed})\n${report}`).toEqual({ code: null, signal: 'SIGKILL' });
    expect(w.stderr(), `${w.name} stderr (seed ${seed})`).not.toMatch(LOCK_ERROR_RE);
    expect(w.junk, `${w.name} printed non-JSON lines`).toEqual([]);
    for (const l of w.lines) {
      if (typeof l.acked !== 'number') continue;
      expect(acks.has(l.acked), `trial ${l.acked} acknowledged twice (seed ${seed})`).toBe(false);
      acks.set(l.acked, l.value as string);
    }
  }
  console.log(`[kill] ${label}: ${acks.size} trials acknowledged before SIGKILL of all ${ACK_WORKERS} workers, seed ${seed}`);
  expect(acks.size, `the workers acknowledged too few trials to test anything (seed ${seed})`).toBeGreaterThanOrEqual(MIN_ACKS);
  return acks;
}

/** Every acknowledged trial is COMPLETE with exactly the acknowledged value; numbers are dense. */
async function checkAcks(storage: string, studyName: string, acks: ReadonlyMap<number, string>, seed: number): Promise<void> {
  const study = await loadStudy({ studyName, storage });
  try {
    const trials = await study.getTrials();
    expect(
      trials.map((t) => t.number),
      `trial numbers must stay dense after SIGKILL (seed ${seed})`,
    ).toEqual(range(trials.length));
    const byNumber = new Map(trials.map((t) => [t.number, t]));
    const bad: unknown[] = [];
    for (const [number, value] of acks) {
      const t = byNumber.get(number);
      const ok = t !== undefined && t.state === 'COMPLETE' && String(t.value) === value && Object.is(t.value, Number(value));
      if (!ok) bad.push({ number, acked: value, stored: t ? { state: t.state, value: t.value, failReason: t.failReason } : 'missing' });
    }
    expect(bad, `acknowledged trials lost or changed (seed ${seed})`).toEqual([]);
  } finally {
    await study.close();
  }
}

function sqliteIntegrity(path: string): { integrity: unknown; foreignKeys: unknown[] } {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    return { integrity: db.pragma('integrity_check', { simple: true }), foreignKeys: db.pragma('foreign_key_check') as unknown[] };
  } finally {
    db.close();
  }
}

describe('SIGKILL of a worker in the middle of a trial', () => {
  it('SQLite: reaped as lease-expired, retried once with the same params by the next worker', async () => {
    const path = `${tmp.dir}/kill-one.db`;
    await killedTrialIsReapedAndRetried(`sqlite:${path}`, sqliteWaiting(path), 'sqlite', testSeed());
  }, 60_000);

  it('PostgreSQL: reaped as lease-expired, retried once with the same params by the next worker', async () => {
    const { url, schema } = newPgUrl('mpkill1');
    await killedTrialIsReapedAndRetried(url, pgWaiting(schema), 'postgres', testSeed());
  }, 60_000);
});

describe('SIGKILL of every worker at once', () => {
  it('SQLite, 3 kill cycles on one file: acknowledged trials keep their values, the file stays intact', async () => {
    const seed = testSeed();
    const path = `${tmp.dir}/kill-all.db`;
    const storage = `sqlite:${path}`;
    const studyName = `kill-all-${seed}`;
    await (await createStudy({ studyName, storage, direction: 'minimize' })).close();
    const acked = new Map<number, string>();
    for (let cycle = 0; cycle < 3; cycle++) {
      const acks = await killCycle(storage, studyName, `sqlite-cycle${cycle}`, seed + 1000 * cycle);
      for (const [n, v] of acks) {
        expect(acked.has(n), `trial ${n} acknowledged again in cycle ${cycle} (seed ${seed})`).toBe(false);
        acked.set(n, v);
      }
      // Straight after the kill, before Dials reopens the file.
      expect(sqliteIntegrity(path), `after cycle ${cycle} (seed ${seed})`).toEqual({ integrity: 'ok', foreignKeys: [] });
      // Every trial acknowledged so far, in this cycle and the earlier ones.
      await checkAcks(storage, studyName, acked, seed);
    }
    // The file is still fully usable by new workers.
    const w = spawnWorker('optimize-worker.mjs', { storage, studyName, nTrials: 20, seed }, 'sqlite-after');
    await startTogether([w], 30_000);
    expect(await w.waitForExit(60_000), workerReport([w])).toEqual({ code: 0, signal: null });
    expect(sqliteIntegrity(path)).toEqual({ integrity: 'ok', foreignKeys: [] });
  }, 120_000);

  it('PostgreSQL, 1 kill cycle: acknowledged trials keep their values', async () => {
    const seed = testSeed();
    const { url } = newPgUrl('mpkillall');
    const studyName = `kill-all-${seed}`;
    await (await createStudy({ studyName, storage: url, direction: 'minimize' })).close();
    const acks = await killCycle(url, studyName, 'postgres', seed);
    await checkAcks(url, studyName, acks, seed);
  }, 60_000);
});
