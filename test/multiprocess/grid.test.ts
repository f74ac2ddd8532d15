/**
 * A 500-point grid (x: 20 values × y: 25 values) run by 8 processes at once:
 * every point runs exactly once, grid indices 0..499 are each claimed once,
 * and every worker's optimize() (with no trial count) returns by itself when
 * the grid is exhausted, so the workers exit on their own.
 */
import { createStudy, GridSampler, loadStudy } from 'dials';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { dropSchema, newSchemaName, pgSchemaUrl } from '../helpers/pg.js';
import { assertBuilt, killAll, LOCK_ERROR_RE, range, spawnWorker, startTogether, tempDir, testSeed, workerReport } from './harness.js';

const WORKERS = 8;
const GRID = {
  x: range(20),
  y: range(25).map((j) => j / 10),
};
const POINTS = GRID.x.length * GRID.y.length;
const TEST_TIMEOUT_MS = 180_000;

const tmp = tempDir('mp-grid');
const schemas: string[] = [];

beforeAll(assertBuilt);
afterEach(killAll);
afterAll(async () => {
  await killAll();
  tmp.remove();
  for (const s of schemas) await dropSchema(s);
});

async function runAndCheck(storage: string, label: string, seed: number): Promise<void> {
  const studyName = `grid-${seed}`;
  await (await createStudy({ studyName, storage, direction: 'minimize' })).close();

  const workers = range(WORKERS).map((i) => spawnWorker('grid-worker.mjs', { storage, studyName, seed: seed + i, grid: GRID }, `${label}-g${i}`));
  await startTogether(workers, 60_000);
  const t0 = performance.now();
  // No signal is ever sent: each worker must return from optimize() and exit by itself.
  await Promise.all(workers.map((w) => w.waitForExit(60_000)));
  const seconds = (performance.now() - t0) / 1000;
  console.log(`[grid] ${label}: ${POINTS} grid points by ${WORKERS} processes in ${seconds.toFixed(1)} s, seed ${seed}`);

  const report = workerReport(workers);
  let told = 0;
  for (const w of workers) {
    expect(w.exitInfo(), `${w.name} must exit 0 by itself (seed ${seed})\n${report}`).toEqual({ code: 0, signal: null });
    expect(w.stderr(), `${w.name} stderr mentions a lock error (seed ${seed})`).not.toMatch(LOCK_ERROR_RE);
    const done = w.lines.find((l) => l.done === true);
    expect(done, `${w.name} never returned from optimize()`).toBeDefined();
    const mine = w.lines.filter((l) => typeof l.number === 'number');
    expect(done?.count).toBe(mine.length);
    told += mine.length;
  }
  expect(told, `trials told across workers (seed ${seed})`).toBe(POINTS);

  const sampler = new GridSampler(GRID);
  const study = await loadStudy({ studyName, storage });
  try {
    const trials = await study.getTrials();
    expect(trials.length, `trials in the study (seed ${seed})`).toBe(POINTS);
    expect(trials.filter((t) => t.state !== 'COMPLETE').map((t) => [t.number, t.state, t.failReason])).toEqual([]);
    expect(trials.map((t) => t.number).sort((a, b) => a - b)).toEqual(range(POINTS));
    expect(
      trials.map((t) => t.gridIndex as number).sort((a, b) => a - b),
      `grid indices must be exactly 0..${POINTS - 1} (seed ${seed})`,
    ).toEqual(range(POINTS));

    // Each (x, y) point exactly once, and each trial has the point of its grid index.
    const seen = new Map<string, number[]>();
    const wrongPoint: unknown[] = [];
    for (const t of trials) {
      const key = JSON.stringify([t.params.x, t.params.y]);
      seen.set(key, [...(seen.get(key) ?? []), t.number]);
      const expected = sampler.point(t.gridIndex as number);
      if (expected.x !== t.params.x || expected.y !== t.params.y) wrongPoint.push({ number: t.number, gridIndex: t.gridIndex, params: t.params, expected });
    }
    const twice = [...seen].filter(([, ns]) => ns.length > 1);
    expect(twice, `grid points run more than once (seed ${seed})`).toEqual([]);
    const all = GRID.x.flatMap((x) => GRID.y.map((y) => JSON.stringify([x, y]))).sort();
    expect([...seen.keys()].sort(), 'every grid point must have run').toEqual(all);
    expect(wrongPoint, 'params must be the point of the claimed grid index').toEqual([]);

    // What the workers saw agrees with what was stored.
    const byNumber = new Map(trials.map((t) => [t.number, t]));
    for (const w of workers) {
      for (const l of w.lines) {
        if (typeof l.number !== 'number') continue;
        const t = byNumber.get(l.number);
        expect({ gridIndex: l.gridIndex, x: l.x, y: l.y }, `${w.name} trial ${l.number}`).toEqual({
          gridIndex: t?.gridIndex,
          x: t?.params.x,
          y: t?.params.y,
        });
      }
    }
  } finally {
    await study.close();
  }
}

describe('GridSampler with 8 processes on one storage', () => {
  it(
    'SQLite: 500 points, each exactly once, and every worker stops by itself',
    async () => {
      await runAndCheck(`sqlite:${tmp.dir}/grid.db`, 'sqlite', testSeed());
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'PostgreSQL: 500 points, each exactly once, and every worker stops by itself',
    async () => {
      const schema = newSchemaName('mpgrid');
      schemas.push(schema);
      await runAndCheck(pgSchemaUrl(schema), 'postgres', testSeed());
    },
    TEST_TIMEOUT_MS,
  );
});
