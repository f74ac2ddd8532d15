/**
 * Dashboard benchmark (`npm run bench:dashboard`): a SQLite study of 100,000
 * trials × 10 parameters × 20 intermediate values, the dashboard serving it
 * from a read-only connection, and 8 worker processes writing to the same
 * file meanwhile. Reports the API's latency per route (p50/p95; aim p95 <
 * 200 ms), the first load, and the workers' trials and errors (aim: zero).
 *
 * Options (env): DIALS_BENCH_TRIALS (default 100000), DIALS_BENCH_WORKERS (8),
 * DIALS_BENCH_REQUESTS per route (30), DIALS_BENCH_TRAIN_MS: each worker's
 * "training" time per trial (default 20; 0 writes flat out), DIALS_BENCH_PAGES=0
 * skips the Chromium page loads.
 *
 * Results: bench/results/dashboard.json and a table on stdout (copied into
 * bench/README.md, section "Dashboard").
 */

import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiClient } from '../src/dashboard/api.js';
import { startDashboard } from '../src/dashboard/server/start.js';
import { buildFixture, N_PARAMS, N_REPORTS, BENCH_STUDY as STUDY } from './dashboard-fixture.js';
import { pageLoadTimings } from './dashboard-pages.js';

const N_TRIALS = Number(process.env.DIALS_BENCH_TRIALS ?? 100_000);
const N_WORKERS = Number(process.env.DIALS_BENCH_WORKERS ?? 8);
const REQUESTS = Number(process.env.DIALS_BENCH_REQUESTS ?? 30);
const TRAIN_MS = Number(process.env.DIALS_BENCH_TRAIN_MS ?? 20);

const dir = mkdtempSync(join(tmpdir(), 'dials-bench-dash-'));
/** DIALS_BENCH_DB: keep the fixture at this path and reuse it when it exists (for repeated runs). */
const KEEP = process.env.DIALS_BENCH_DB;
const path = KEEP ?? join(dir, 'bench.db');
const url = `sqlite:${path}`;

function log(s: string): void {
  process.stdout.write(`${s}\n`);
}

interface RouteStats {
  route: string;
  n: number;
  p50: number;
  p95: number;
  max: number;
  /** The server's own time per answer (its Server-Timing header): less dependent on the client's share of the CPU. */
  server: { p50: number; p95: number; max: number };
}

function quantiles(ms: readonly number[]): { p50: number; p95: number; max: number } {
  const s = [...ms].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? Number.NaN;
  return { p50: q(0.5), p95: q(0.95), max: s[s.length - 1] ?? Number.NaN };
}

function stats(route: string, ms: number[], serverMs: number[]): RouteStats {
  return { route, n: ms.length, ...quantiles(ms), server: quantiles(serverMs) };
}

/** The server time of the last answer fetched (Server-Timing: app;dur=…). */
let lastServerMs = Number.NaN;
const timingFetch: typeof fetch = async (input, init) => {
  const res = await fetch(input, init);
  const m = /app;dur=([\d.]+)/.exec(res.headers.get('server-timing') ?? '');
  lastServerMs = m ? Number(m[1]) : Number.NaN;
  return res;
};

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
  const loadAtStart = loadavg()[0];
  log(`building ${N_TRIALS} trials × ${N_PARAMS} params × ${N_REPORTS} reports in ${path}`);
  let t = Date.now();
  const studyId = KEEP && existsSync(KEEP) ? 1 : await buildFixture(path, N_TRIALS);
  const buildS = (Date.now() - t) / 1000;
  log(`  fixture built in ${buildS.toFixed(1)} s`);

  // The built front end (npm run build) is served too, for the page-load timings.
  const d = await startDashboard({ storage: url, port: 0, log: (l) => log(`  [dashboard] ${l}`) });
  const api = new ApiClient(timingFetch, { baseUrl: d.url.replace(/\/$/, '') });
  t = performance.now();
  const nTrials = (await api.studies()).studies.find((x) => x.studyId === studyId)?.nTrials ?? 0;
  const coldLoadMs = performance.now() - t;
  log(`  study holds ${nTrials} trials`);
  log(`  first load (studies list, reads every trial once): ${coldLoadMs.toFixed(0)} ms`);
  t = performance.now();
  await api.importance(studyId);
  const importanceColdMs = performance.now() - t;

  // Writers run during the whole measurement.
  // Long enough to outlast the measurement on a busy machine (the routes are measured only while all write).
  const seconds = Math.max(40, Math.ceil((REQUESTS * 17 * 120) / 1000));
  const workers = startWorkers(seconds);
  // Measure once every worker is writing (starting 8 Node processes takes seconds of CPU on a busy machine).
  const writingSince = Date.now();
  while (Date.now() - writingSince < 120_000) {
    const now = (await api.studies()).studies.find((x) => x.studyId === studyId)?.nTrials ?? 0;
    if (now >= nTrials + 2 * N_WORKERS) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  log(`  writers running after ${((Date.now() - writingSince) / 1000).toFixed(1)} s`);
  const measureFrom = Date.now();

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
    // maxPoints as the front end asks (src/dashboard/ui/plots/*), plus the API's default of 20,000 for two of them.
    ['GET plot-data/history (10k points)', () => api.plot(studyId, 'history', { maxPoints: 10_000 })],
    ['GET plot-data/history (default 20k)', () => api.plot(studyId, 'history')],
    ['GET plot-data/params (parallel coords, 1k lines)', () => api.plot(studyId, 'params', { maxPoints: 1000 })],
    ['GET plot-data/params (10 axes, default 20k)', () => api.plot(studyId, 'params')],
    ['GET plot-data/params (slice, 1.5k)', () => api.plot(studyId, 'params', { maxPoints: 1500 })],
    ['GET plot-data/params (contour pair, 1k)', () => api.plot(studyId, 'params', { params: ['p0', 'p1'], maxPoints: 1000 })],
    ['GET plot-data/edf (5k)', () => api.plot(studyId, 'edf', { maxPoints: 5000 })],
    ['GET plot-data/intermediate', () => api.plot(studyId, 'intermediate')],
    ['GET plot-data/timeline (2k)', () => api.plot(studyId, 'timeline', { maxPoints: 2000 })],
    ['GET importance (cached)', () => api.importance(studyId)],
    ['GET note', () => api.note(studyId)],
  ];
  const results: RouteStats[] = [];
  let httpErrors = 0;
  for (const [name, fn] of routes) {
    const ms: number[] = [];
    const serverMs: number[] = [];
    for (let i = 0; i < REQUESTS; i++) {
      try {
        ms.push(await timed(fn));
        serverMs.push(lastServerMs);
      } catch (e) {
        httpErrors++;
        log(`  ${name}: ${(e as Error).message}`);
      }
    }
    const st = stats(name, ms, serverMs);
    results.push(st);
    log(
      `  ${name.padEnd(50)} p50 ${st.p50.toFixed(1).padStart(7)} ms   p95 ${st.p95.toFixed(1).padStart(7)} ms   server p50 ${st.server.p50.toFixed(1).padStart(7)}   p95 ${st.server.p95.toFixed(1).padStart(7)} ms`,
    );
  }
  const measuredS = (Date.now() - measureFrom) / 1000;
  const writersThroughout = Date.now() - writingSince < seconds * 1000;
  log(`  routes measured in ${measuredS.toFixed(1)} s, ${writersThroughout ? 'all of it' : 'NOT all of it'} with the writers running`);
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
  const pages = process.env.DIALS_BENCH_PAGES === '0' ? [] : await pageLoadTimings(d.url, studyId, N_TRIALS);
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
    measuredS,
    writersThroughout,
    workers: { n: N_WORKERS, seconds, trainMs: TRAIN_MS, trials: workerTrials, errors: workerErrors, tellP95Ms: Math.max(...w.map((x) => x.p95Ms ?? 0)) },
    pages,
    /** The machine's 1-minute load average at the end (2 cores): figures taken above ~2 include waiting for a CPU. */
    loadAverage: loadavg()[0],
    loadAverageAtStart: loadAtStart,
  };
  mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
  writeFileSync(new URL('./results/dashboard.json', import.meta.url), `${JSON.stringify(out, null, 2)}\n`);
  log('\n| route | p50 ms | p95 ms | server p50 ms | server p95 ms |\n|---|---:|---:|---:|---:|');
  for (const r of results) log(`| ${r.route} | ${r.p50.toFixed(1)} | ${r.p95.toFixed(1)} | ${r.server.p50.toFixed(1)} | ${r.server.p95.toFixed(1)} |`);
  await Promise.race([d.close(), new Promise((r) => setTimeout(r, 10_000))]);
  log(
    `\nfirst load ${coldLoadMs.toFixed(0)} ms; importance (fANOVA, 2,000 latest trials) first call ${importanceColdMs.toFixed(0)} ms; workers ${workerTrials} trials, ${workerErrors} errors; HTTP errors ${httpErrors}; load average ${loadavg()[0]?.toFixed(1)} on ${cpus().length} cores`,
  );
  rmSync(dir, { recursive: true, force: true });
}

await main();
// Nothing may keep the process alive once the figures are written.
process.exit(0);
