/**
 * The study-wide trial budget (tryAsk({ maxTrials })) under contention: several
 * workers with their own connections, enqueued trials, and failures that do
 * not count (interrupted, lease-expired) — exactly the budget's trials count,
 * on memory, SQLite and PostgreSQL.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MemoryStorage } from '../../src/storage/memory/memory-storage.js';
import { openStorage } from '../../src/storage/open-storage.js';
import { BUDGET_EXEMPT_REASONS, type Storage } from '../../src/storage/storage.js';
import { createStudy, loadStudy } from '../../src/study/create-study.js';
import type { FrozenTrial } from '../../src/trial/frozen-trial.js';
import { dropSchema, newSchemaName, pgSchemaUrl } from '../helpers/pg.js';

const dir = mkdtempSync(join(tmpdir(), 'dials-budget-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function counted(trials: readonly FrozenTrial[]): number {
  return trials.filter((t) => t.state !== 'WAITING' && !(t.state === 'FAIL' && BUDGET_EXEMPT_REASONS.includes(t.failReason ?? ''))).length;
}

async function contend(storage: string | Storage, seed: number): Promise<void> {
  const budget = 60;
  const setup = await createStudy({ studyName: 'budget', storage });
  for (let i = 0; i < 5; i++) await setup.enqueueTrial({ x: i / 10 });
  await setup.close();
  let r = seed;
  const rand = () => (r = (Math.imul(r, 1103515245) + 12345) >>> 0) / 2 ** 32;
  const workers = await Promise.all(Array.from({ length: 4 }, () => loadStudy({ studyName: 'budget', storage })));
  try {
    await Promise.all(
      workers.map(async (w) => {
        for (let t = await w.tryAsk({ maxTrials: budget }); t !== null; t = await w.tryAsk({ maxTrials: budget })) {
          const x = t.suggestFloat('x', 0, 1);
          const u = rand();
          // A quarter are interrupted (do not count); some fail for real (count).
          if (u < 0.25) await w.tell(t, { state: 'FAIL', reason: 'interrupted' });
          else if (u < 0.35) await w.tell(t, { state: 'FAIL', reason: 'exit code 1' });
          else await w.tell(t, x);
        }
      }),
    );
    const trials = await workers[0]!.getTrials();
    expect(counted(trials), `seed ${seed}`).toBe(budget);
    expect(new Set(trials.map((t) => t.number)).size).toBe(trials.length);
    expect(trials.filter((t) => t.state === 'RUNNING' || t.state === 'WAITING')).toEqual([]);
    // The enqueued trials ran first.
    expect(trials.slice(0, 5).map((t) => t.params.x)).toEqual([0, 0.1, 0.2, 0.3, 0.4]);
  } finally {
    for (const w of workers) await w.close();
  }
}

describe('study-wide trial budget', () => {
  const seed = Math.floor(Math.random() * 2 ** 31);
  it('memory', () => contend(new MemoryStorage(), seed));
  it('SQLite, four workers on one connection (other processes: test/cli/tune.test.ts)', async () => {
    const storage = await openStorage(`sqlite:${join(dir, 'b.db')}`);
    try {
      await contend(storage, seed);
    } finally {
      await storage.close();
    }
  });
  it('PostgreSQL, four connections', async () => {
    const schema = newSchemaName('budget');
    try {
      await contend(pgSchemaUrl(schema), seed);
    } finally {
      await dropSchema(schema);
    }
  });
});
