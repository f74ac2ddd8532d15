/**
 * Dashboard benchmark (`npm run bench:dashboard`): a SQLite study of 100,000
 * trials × 10 parameters × 20 intermediate values, the dashboard serving it
 * from a read-only connection, and 8 worker processes writing to the same
 * file meanwhile. Reports the API's latency per route (p50/p95; aim p95 <
 * 200 ms), the first load, and the workers' trials and errors (aim: zero).
 *
 * Options (env): DIALS_BENCH_TRIALS (default 100000), DIALS_BENCH_WORKERS (8),
 * DIALS_BENCH_REQUESTS per route (30), DIALS_BENCH_TRAIN_MS: each worker's
 * "training" time per trial (default 20; 0 writes flat out).
 *
 * Results: bench/results/dashboard.json and a table on stdout (copied into
 * bench/README.md, section "Dashboard").
 */

import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { ApiClient } from '../src/dashboard/api.js';
import { startDashboard } from '../src/dashboard/server/start.js';
import { createStudy } from '../src/index.js';
import { Rng } from '../src/math/rng.js';
import { floatDistribution } from '../src/space/distributions.js';
import { SQLITE_V1_TO_V2 } from '../src/storage/sqlite/schema.js';
import { pageLoadTimings } from './dashboard-pages.js';

const N_TRIALS = Number(process.env.DIALS_BENCH_TRIALS ?? 100_000);
const N_WORKERS = Number(process.env.DIALS_BENCH_WORKERS ?? 8);
const REQUESTS = Number(process.env.DIALS_BENCH_REQUESTS ?? 30);
const N_PARAMS = 10;
const N_REPORTS = 20;
const TRAIN_MS = Number(process.env.DIALS_BENCH_TRAIN_MS ?? 20);
const STUDY = 'bench-dashboard';

const dir = mkdtempSync(join(tmpdir(), 'dials-bench-dash-'));
/** DIALS_BENCH_DB: keep the fixture at this path and reuse it when it exists (for repeated runs). */
const KEEP = process.env.DIALS_BENCH_DB;
const path = KEEP ?? join(dir, 'bench.db');
const url = `sqlite:${path}`;

function log(s: string): void {
  process.stdout.write(`${s}\n`);
}

/**
 * The fixture, by bulk SQL in one transaction (the library would take minutes
 * for 100k trials). The change-log triggers are dropped for the load and
 * re-created after it, with every trial logged at cursor 0.
 */
async function buildFixture(): Promise<number> {
  const study = await createStudy({ studyName: STUDY, storage: url });
  const studyId = study.studyId;
  await study.close();
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  const rng = new Rng(42);
  const rnd = () => rng.random();
  const dists = Array.from({ length: N_PARAMS }, (_, k) => JSON.stringify(floatDistribution(`p${k}`, 0, 1, k % 3 === 0 ? { log: false } : {})));
  const changeTriggers = SQLITE_V1_TO_V2.split(/;\s*\n(?=CREATE|INSERT)/)
    .map((s) => s.trim())
    .filter((s) => s.startsWith('CREATE TRIGGER dials_change_'))
    .map((s) => (s.endsWith(';') ? s : `${s};`));
  const names = changeTriggers.map((s) => /CREATE TRIGGER (\w+)/.exec(s)?.[1] as string);
  const t0 = Date.now() / 1000 - N_TRIALS * 0.05;
  db.transaction(() => {
    for (const n of names) db.exec(`DROP TRIGGER ${n}`);
    const insTrial = db.prepare(
      "INSERT INTO dials_trials (id, study_id, number, state, created_at, started_at, finished_at, max_retries, retry_count) VALUES (?, ?, ?, 'RUNNING', ?, ?, NULL, 0, 0)",
    );
    const insParam = db.prepare('INSERT INTO dials_trial_params (trial_id, name, value, distribution) VALUES (?, ?, ?, ?)');
    const insValue = db.prepare('INSERT INTO dials_trial_values (trial_id, objective, value) VALUES (?, 0, ?)');
    const insIv = db.prepare('INSERT INTO dials_trial_intermediate (trial_id, fold, step, objective, value) VALUES (?, -1, ?, 0, ?)');
    for (let i = 0; i < N_TRIALS; i++) {
      const id = i + 1;
      const start = t0 + i * 0.05;
      insTrial.run(id, studyId, i, start, start);
      let v = 0;
      for (let k = 0; k < N_PARAMS; k++) {
        const x = rnd();
        v += (x - 0.5) ** 2 * (k < 2 ? 10 : 0.1);
        insParam.run(id, `p${k}`, x, dists[k]);
      }
      for (let s = 0; s < N_REPORTS; s++) insIv.run(id, s, v + 1 / (s + 1));
      insValue.run(id, v);
    }
    db.prepare("UPDATE dials_trials SET state = 'COMPLETE', finished_at = started_at + 0.04 WHERE study_id = ?").run(studyId);
    db.prepare('UPDATE dials_studies SET next_number = ? WHERE id = ?').run(N_TRIALS, studyId);
    db.exec('INSERT INTO dials_trial_changes (trial_id, study_id, seq) SELECT id, study_id, 0 FROM dials_trials');
    for (const t of changeTriggers) db.exec(t);
  })();
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  return studyId;
}

interface RouteStats {
  route: string;
  n: number;
  p50: number;
  p95: number;
  max: number;
}

function stats(route: string, ms: number[]): RouteStats {
  const s = [...ms].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))] as number;
  return { route, n: s.length, p50: q(0.5), p95: q(0.95), max: s[s.length - 1] as number };
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}

function startWorkers(seconds: number): Promise<{ trials: number; errors: number; messages: string[]; p95Ms: number | null }[]> {
  const script = new URL('./dashboard-worker.ts', import.meta.url).pathname;
  return Promise.all(
    Array.from(
      { length: N_WORKERS },
      (_, i) =>
        new Promise<{ trials: number; errors: number; messages: string[]; p95Ms: number | null }>((resolve) => {
          const child = spawn(
            process.execPath,
            ['--import', 'tsx', script, JSON.stringify({ storage: url, studyName: STUDY, seconds, seed: 1000 + i, sleepMs: TRAIN_MS })],
            {
              stdio: ['ignore', 'pipe', 'inherit'],
            },
          );
          let out = '';
          child.stdout.on('data', (b) => {
            out += String(b);
          });
          child.on('exit', (code) => {
            try {
              resolve(JSON.parse(out.trim().split('\n').pop() as string));
            } catch {
              resolve({ trials: 0, errors: 1, messages: [`worker exited with ${code}`], p95Ms: null });
            }
          });
        }),
    ),
  );
}

async function main(): Promise<void> {
  log(`building ${N_TRIALS} trials × ${N_PARAMS} params × ${N_REPORTS} reports in ${path}`);
  let t = Date.now();
  const studyId = KEEP && existsSync(KEEP) ? 1 : await buildFixture();
  const buildS = (Date.now() - t) / 1000;
  log(`  fixture built in ${buildS.toFixed(1)} s`);

  // The built front end (npm run build) is served too, for the page-load timings.
  const d = await startDashboard({ storage: url, port: 0, log: (l) => log(`  [dashboard] ${l}`) });
  const api = new ApiClient(fetch, { baseUrl: d.url.replace(/\/$/, '') });
  t = performance.now();
  const nTrials = (await api.studies()).studies.find((x) => x.studyId === studyId)?.nTrials ?? 0;
  const coldLoadMs = performance.now() - t;
  log(`  study holds ${nTrials} trials`);
  log(`  first load (studies list, reads every trial once): ${coldLoadMs.toFixed(0)} ms`);
  t = performance.now();
  await api.importance(studyId);
  const importanceColdMs = performance.now() - t;

  // Writers run during the whole measurement.
  const seconds = Math.max(20, Math.ceil((REQUESTS * 14 * 60) / 1000));
  const workers = startWorkers(seconds);
  await new Promise((r) => setTimeout(r, 3000));

  const routes: [string, () => Promise<unknown>][] = [
    ['GET /api/studies', () => api.studies()],
    ['GET /api/studies/:id', () => api.study(studyId)],
    ['GET trials (page 1, by number)', () => api.trials(studyId, { limit: 100 })],
    ['GET trials (sorted by value)', () => api.trials(studyId, { sort: 'value', order: 'asc', limit: 100 })],
    [
      'GET trials (sorted by params.p3, filtered)',
      () => api.trials(studyId, { sort: 'params.p3', order: 'desc', filter: [{ key: 'params.p1', op: 'lt', value: '0.5' }], limit: 100, offset: 500 }),
    ],
    ['GET trials/:number', () => api.trial(studyId, Math.floor(Math.random() * N_TRIALS))],
    ['GET plot-data/history', () => api.plot(studyId, 'history')],
    ['GET plot-data/params (parallel coords)', () => api.plot(studyId, 'params')],
    ['GET plot-data/params (contour pair)', () => api.plot(studyId, 'params', { params: ['p0', 'p1'] })],
    ['GET plot-data/edf', () => api.plot(studyId, 'edf')],
    ['GET plot-data/intermediate', () => api.plot(studyId, 'intermediate')],
    ['GET plot-data/timeline', () => api.plot(studyId, 'timeline')],
    ['GET importance (cached)', () => api.importance(studyId)],
    ['GET note', () => api.note(studyId)],
  ];
  const results: RouteStats[] = [];
  let httpErrors = 0;
  for (const [name, fn] of routes) {
    const ms: number[] = [];
    for (let i = 0; i < REQUESTS; i++) {
      try {
        ms.push(await timed(fn));
      } catch (e) {
        httpErrors++;
        log(`  ${name}: ${(e as Error).message}`);
      }
    }
    const st = stats(name, ms);
    results.push(st);
    log(`  ${name.padEnd(44)} p50 ${st.p50.toFixed(1).padStart(7)} ms   p95 ${st.p95.toFixed(1).padStart(7)} ms`);
  }
  const w = await workers;
  const workerTrials = w.reduce((a, b) => a + b.trials, 0);
  const workerErrors = w.reduce((a, b) => a + b.errors, 0);
  log(
    `  workers: ${N_WORKERS} × ${seconds} s → ${workerTrials} trials, ${workerErrors} errors${workerErrors ? ` (${w.flatMap((x) => x.messages).join('; ')})` : ''}`,
  );

  // ---------------------------------------------------------------------------
  // Page-load timings in Chromium: the front end's section. It receives the
  // running dashboard (d.url) and the study id, and returns rows of
  // { page, ms } that are added to the results below.
  const pages = await pageLoadTimings(d.url, studyId, N_TRIALS);
  for (const p of pages) log(`  page: ${p.page.padEnd(48)} ${p.ms.toFixed(0).padStart(6)} ms (main thread busy ${p.mainThreadMs.toFixed(0)} ms)`);
  // ---------------------------------------------------------------------------

  const out = {
    date: new Date().toISOString(),
    trials: nTrials,
    params: N_PARAMS,
    reports: N_REPORTS,
    fixtureBuildS: buildS,
    coldLoadMs,
    importanceColdMs,
    requestsPerRoute: REQUESTS,
    routes: results,
    httpErrors,
    workers: { n: N_WORKERS, seconds, trainMs: TRAIN_MS, trials: workerTrials, errors: workerErrors, tellP95Ms: Math.max(...w.map((x) => x.p95Ms ?? 0)) },
    pages,
    /** The machine's 1-minute load average at the end (2 cores): figures taken above ~2 include waiting for a CPU. */
    loadAverage: loadavg()[0],
  };
  mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
  writeFileSync(new URL('./results/dashboard.json', import.meta.url), `${JSON.stringify(out, null, 2)}\n`);
  log('\n| route | p50 ms | p95 ms |\n|---|---:|---:|');
  for (const r of results) log(`| ${r.route} | ${r.p50.toFixed(1)} | ${r.p95.toFixed(1)} |`);
  await Promise.race([d.close(), new Promise((r) => setTimeout(r, 10_000))]);
  log(
    `\nfirst load ${coldLoadMs.toFixed(0)} ms; importance (fANOVA, 2,000 latest trials) first call ${importanceColdMs.toFixed(0)} ms; workers ${workerTrials} trials, ${workerErrors} errors; HTTP errors ${httpErrors}; load average ${loadavg()[0]?.toFixed(1)} on ${cpus().length} cores`,
  );
  rmSync(dir, { recursive: true, force: true });
}

await main();
// Nothing may keep the process alive once the figures are written.
process.exit(0);
