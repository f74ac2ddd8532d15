/**
 * Many processes on one storage: 16 workers × 125 trials = 2,000 trials on one
 * SQLite file, and again on one PostgreSQL schema. Every trial number 0..1999
 * is used exactly once, every trial is COMPLETE with the value its worker
 * computed, every worker exits 0, and no lock error leaks to stderr.
 */
import { createStudy, loadStudy } from 'dials';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { dropSchema, newSchemaName, pgSchemaUrl } from '../helpers/pg.js';
import { assertBuilt, killAll, LOCK_ERROR_RE, range, spawnWorker, startTogether, tempDir, testSeed, workerReport } from './harness.js';

const WORKERS = 16;
const PER_WORKER = 125;
const TOTAL = WORKERS * PER_WORKER;
const TEST_TIMEOUT_MS = 240_000;

const tmp = tempDir('mp-concurrency');
const schemas: string[] = [];

beforeAll(assertBuilt);
afterEach(killAll);
afterAll(async () => {
  await killAll();
  tmp.remove();
  for (const s of schemas) await dropSchema(s);
});

async function runAndCheck(storage: string, label: string, seed: number): Promise<void> {
  const studyName = `concurrency-${seed}`;
  await (await createStudy({ studyName, storage, direction: 'minimize' })).close();

  const workers = range(WORKERS).map((i) => spawnWorker('optimize-worker.mjs', { storage, studyName, nTrials: PER_WORKER, seed: seed + i }, `${label}-w${i}`));
  await startTogether(workers, 60_000);
  const t0 = performance.now();
  await Promise.all(workers.map((w) => w.waitForExit(TEST_TIMEOUT_MS - 30_000)));
  const seconds = (performance.now() - t0) / 1000;
  console.log(
    `[concurrency] ${label}: ${TOTAL} trials by ${WORKERS} processes in ${seconds.toFixed(1)} s (${Math.round(TOTAL / seconds)} trials/s), seed ${seed}`,
  );

  const report = workerReport(workers);
  for (const w of workers) {
    expect(w.exitInfo(), `${w.name} must exit 0 (seed ${seed})\n${report}`).toEqual({ code: 0, signal: null });
    expect(w.stderr(), `${w.name} stderr mentions a lock error (seed ${seed})`).not.toMatch(LOCK_ERROR_RE);
    expect(w.junk, `${w.name} printed non-JSON lines`).toEqual([]);
    expect(w.lines.filter((l) => typeof l.number === 'number').length, `${w.name} told trials (seed ${seed})`).toBe(PER_WORKER);
  }

  // What the workers reported: trial number → value, each number once.
  const reported = new Map<number, string>();
  const dupes: number[] = [];
  for (const w of workers) {
    for (const l of w.lines) {
      if (typeof l.number !== 'number') continue;
      expect(l.state, `${w.name} trial ${l.number}`).toBe('COMPLETE');
      if (reported.has(l.number)) dupes.push(l.number);
      reported.set(l.number, l.value as string);
    }
  }
  expect(dupes, `trial numbers told by two workers (seed ${seed})`).toEqual([]);
  expect(reported.size).toBe(TOTAL);

  const study = await loadStudy({ studyName, storage });
  try {
    const trials = await study.getTrials();
    expect(
      trials.map((t) => t.number).sort((a, b) => a - b),
      `trial numbers must be exactly 0..${TOTAL - 1} (seed ${seed})`,
    ).toEqual(range(TOTAL));
    const notComplete = trials.filter((t) => t.state !== 'COMPLETE').map((t) => ({ number: t.number, state: t.state, failReason: t.failReason }));
    expect(notComplete, `trials not COMPLETE (seed ${seed})`).toEqual([]);
    const mismatched = trials
      .filter((t) => reported.get(t.number) !== String(t.value))
      .map((t) => ({ number: t.number, stored: String(t.value), reported: reported.get(t.number) }));
    expect(mismatched, `stored values differ from what workers reported (seed ${seed})`).toEqual([]);
    expect(await study.storage.countTrials(study.studyId)).toBe(TOTAL);
  } finally {
    await study.close();
  }
}

describe('16 processes × 125 trials on one storage', () => {
  it(
    'SQLite: 2,000 trials, dense numbers, all COMPLETE with the reported values',
    async () => {
      await runAndCheck(`sqlite:${tmp.dir}/concurrency.db`, 'sqlite', testSeed());
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'PostgreSQL: 2,000 trials, dense numbers, all COMPLETE with the reported values',
    async () => {
      const schema = newSchemaName('mpconc');
      schemas.push(schema);
      await runAndCheck(pgSchemaUrl(schema), 'postgres', testSeed());
    },
    TEST_TIMEOUT_MS,
  );
});
