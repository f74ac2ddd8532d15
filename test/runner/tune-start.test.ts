/**
 * What `tune()` stores when a trial starts, on SQLite and PostgreSQL: the
 * parameters and the `dials:worker` attribute are written with the start, in
 * one transaction, so the command finds them stored when it runs (a retry
 * after the worker dies reuses them); each slot of a worker has its own id,
 * the dashboard's timeline lane; a suggestion that fails still fails its
 * trial with the reason and the run goes on.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseConfigText } from '../../src/config/load-config.js';
import { WORKER_ATTR as DASHBOARD_WORKER_ATTR } from '../../src/dashboard/server/trial-loader.js';
import { RUN_ATTR, WORKER_ATTR } from '../../src/runner/trial-attrs.js';
import { tune, workerId } from '../../src/runner/tune.js';
import { createStudy, loadStudy } from '../../src/study/create-study.js';
import { dropSchema, newSchemaName, pgSchemaUrl } from '../helpers/pg.js';

const dir = mkdtempSync(join(tmpdir(), 'dials-tune-start-test-'));
const schemas: string[] = [];
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  for (const s of schemas) await dropSchema(s);
});

/**
 * The trial command: reads its own trial from the storage, the way another
 * process would see it while the command runs, and reports what it found.
 */
const CHECK = join(dir, 'check.mjs');
writeFileSync(
  CHECK,
  `import { createRequire } from 'node:module';
const require = createRequire(${JSON.stringify(join(resolve('.'), 'package.json'))});
const url = process.env.CHECK_STORAGE;
const number = Number(process.env.DIALS_TRIAL_NUMBER);
const q = {
  params: 'SELECT p.name, p.value FROM dials_trial_params p JOIN dials_trials t ON t.id = p.trial_id JOIN dials_studies s ON s.id = t.study_id WHERE s.name = $1 AND t.number = $2',
  worker: "SELECT a.value FROM dials_trial_attrs a JOIN dials_trials t ON t.id = a.trial_id JOIN dials_studies s ON s.id = t.study_id WHERE s.name = $1 AND t.number = $2 AND a.kind = 'system' AND a.key = 'dials:worker'",
};
let params, worker;
if (url.startsWith('sqlite:')) {
  const Database = require('better-sqlite3');
  const db = new Database(url.slice(7), { readonly: true });
  const sql = (s) => s.replace(/\\$\\d/g, '?');
  params = db.prepare(sql(q.params)).all(process.env.DIALS_STUDY, number);
  worker = db.prepare(sql(q.worker)).all(process.env.DIALS_STUDY, number);
  db.close();
} else {
  const pg = require('pg');
  const u = new URL(url);
  const schema = u.searchParams.get('schema');
  u.searchParams.delete('schema');
  const c = new pg.Client({ connectionString: u.toString() });
  await c.connect();
  await c.query('SET search_path = ' + schema);
  params = (await c.query(q.params, [process.env.DIALS_STUDY, number])).rows;
  worker = (await c.query(q.worker, [process.env.DIALS_STUDY, number])).rows;
  await c.end();
}
const given = JSON.parse(process.env.DIALS_PARAMS);
const stored = Object.fromEntries(params.map((r) => [r.name, Number(r.value)]));
const ok = typeof given.x === 'number' && stored.x === given.x && worker.length === 1;
console.log('dials: ' + JSON.stringify({ value: ok ? 1 : 0 }));
`,
);

function config(study: string, extra = ''): ReturnType<typeof parseConfigText> {
  return parseConfigText(
    `study: ${study}\ndirection: maximize\ncommand: ['node', ${JSON.stringify(CHECK)}]\nspace:\n  x: { type: float, low: 0, high: 1 }\nsampler: { type: random, seed: 3 }\n${extra}`,
    join(dir, `${study}.yaml`),
  );
}

describe('tune: what a trial start stores', () => {
  it('the dashboard reads the attribute the runner writes', () => {
    expect(WORKER_ATTR).toBe(DASHBOARD_WORKER_ATTR);
    expect(workerId(2)).toBe(`${hostname()}:${process.pid}/2`);
  });

  for (const backend of ['sqlite', 'postgresql'] as const) {
    it(`${backend}: the command finds its parameters and worker stored; each slot is one worker lane`, async () => {
      let storage: string;
      if (backend === 'sqlite') storage = `sqlite:${join(dir, 'start.db')}`;
      else {
        const schema = newSchemaName('tunestart');
        schemas.push(schema);
        storage = pgSchemaUrl(schema);
      }
      process.env.CHECK_STORAGE = storage;
      try {
        const summary = await tune({ config: config('start', 'trials: 8\nparallel: 2\n'), storage, progress: 'none' });
        expect(summary.ran).toEqual({ complete: 8, pruned: 0, fail: 0 });
      } finally {
        delete process.env.CHECK_STORAGE;
      }
      const study = await loadStudy({ studyName: 'start', storage });
      try {
        const trials = await study.getTrials();
        expect(trials).toHaveLength(8);
        // value 1: the command saw its own parameter and worker in the storage.
        expect(trials.map((t) => t.value)).toEqual(trials.map(() => 1));
        const lanes = new Map<string, typeof trials>();
        for (const t of trials) {
          const w = t.systemAttrs[WORKER_ATTR];
          expect([workerId(1), workerId(2)]).toContain(w);
          lanes.set(w as string, [...(lanes.get(w as string) ?? []), t]);
        }
        // A lane's trials never overlap: one slot runs one trial at a time.
        for (const lane of lanes.values()) {
          const spans = lane
            .map((t) => [t.datetimeStart?.getTime() ?? 0, t.datetimeComplete?.getTime() ?? 0])
            .sort((a, b) => (a[0] as number) - (b[0] as number));
          for (let i = 1; i < spans.length; i++) expect((spans[i] as number[])[0]).toBeGreaterThanOrEqual((spans[i - 1] as number[])[1] as number);
        }
      } finally {
        await study.close();
      }
    }, 120_000);
  }

  it('an enqueued trial whose parameter is outside the space fails with the reason, and the run goes on', async () => {
    const storage = `sqlite:${join(dir, 'bad.db')}`;
    const setup = await createStudy({ studyName: 'bad', storage, direction: 'maximize' });
    await setup.enqueueTrial({ x: 5 });
    await setup.close();
    process.env.CHECK_STORAGE = storage;
    try {
      const summary = await tune({ config: config('bad', 'trials: 3\n'), storage, progress: 'none' });
      expect(summary.ran).toEqual({ complete: 2, pruned: 0, fail: 1 });
    } finally {
      delete process.env.CHECK_STORAGE;
    }
    const study = await loadStudy({ studyName: 'bad', storage });
    try {
      const [first, ...rest] = await study.getTrials();
      expect(first?.state).toBe('FAIL');
      expect(first?.failReason).toMatch(/"x" of trial 0 was fixed to 5/);
      expect(first?.systemAttrs[WORKER_ATTR]).toBe(workerId(1));
      // The command never ran for it.
      expect(first?.systemAttrs[RUN_ATTR]).toBeUndefined();
      expect(rest.map((t) => [t.state, t.value])).toEqual([
        ['COMPLETE', 1],
        ['COMPLETE', 1],
      ]);
    } finally {
      await study.close();
    }
  }, 60_000);
});
