/**
 * The front end's part of `npm run bench:dashboard`: how long each page of
 * the dashboard takes to become usable in Chromium (Debian's, headless,
 * through playwright-core), on the benchmark's 100k-trial study.
 *
 * "Usable" is the page's own content on screen: the studies table's rows,
 * the overview's counts, the trials table's first rows, a trial's
 * parameters, a plot's marks drawn. Each page is opened in a new tab by its
 * URL (a full load: HTML, scripts, API calls, render); the HTTP cache is
 * warm after the first page, as for a user clicking around. Every plot but
 * the contour (and a 3-objective Pareto front) is drawn by the dashboard
 * itself; only a 3-objective Pareto front loads Plotly (4.6 MB; the
 * benchmark's study has one objective). Each row says whether the page
 * fetched Plotly. DIALS_BENCH_SCREENSHOTS=<dir> saves each page as it was
 * when usable.
 *
 * Standalone, on a fixture kept by `DIALS_BENCH_DB=… npm run bench:dashboard`
 * (no writers; the server's caches warmed by one request per route first):
 *   DIALS_BENCH_DB=/tmp/bench.db npx tsx bench/dashboard-pages.ts
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { ApiClient } from '../src/dashboard/api.js';
import { startDashboard } from '../src/dashboard/server/start.js';

const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

export interface PageTiming {
  readonly page: string;
  /** Wall-clock time from navigation to usable. */
  readonly ms: number;
  /**
   * Main-thread busy time of the page meanwhile (Chromium's TaskDuration):
   * what the load costs the page itself, which other processes on a busy
   * machine do not inflate the way they inflate wall-clock time.
   */
  readonly mainThreadMs: number;
  /** The page fetched the plotting library's chunk. */
  readonly loadsPlotly: boolean;
}

async function timeLoad(context: BrowserContext, page: Page, url: string, ready: string): Promise<Omit<PageTiming, 'page'>> {
  const cdp = await context.newCDPSession(page);
  await cdp.send('Performance.enable');
  const busy = async () => {
    const { metrics } = (await cdp.send('Performance.getMetrics')) as { metrics: { name: string; value: number }[] };
    return (metrics.find((m) => m.name === 'TaskDuration')?.value ?? 0) * 1000;
  };
  let loadsPlotly = false;
  page.on('request', (r) => {
    if (/plotly/i.test(r.url())) loadsPlotly = true;
  });
  const b0 = await busy();
  const t0 = performance.now();
  await page.goto(url, { waitUntil: 'commit' });
  await page.locator(ready).first().waitFor({ state: 'visible', timeout: 60_000 });
  const ms = performance.now() - t0;
  return { ms, mainThreadMs: (await busy()) - b0, loadsPlotly };
}

/**
 * Opens every page of the study `studyId` served at `baseUrl` (the built
 * front end must be served there) and returns the time to usable, in ms.
 */
export async function pageLoadTimings(baseUrl: string, studyId: number, nTrials: number): Promise<PageTiming[]> {
  const profile = mkdtempSync(join(tmpdir(), 'dials-bench-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ARGS,
    viewport: { width: 1400, height: 900 },
  });
  const out: PageTiming[] = [];
  const s = `${baseUrl}#/studies/${studyId}`;
  const pages: [string, string, string][] = [
    ['studies list', `${baseUrl}#/`, 'tr[data-study-id]'],
    ['overview: counts', s, '[data-testid="n-trials"]'],
    ['trials table: first rows', `${s}/trials`, '.vrow [data-trial="0"]'],
    ['trial page', `${s}/trials/${Math.floor(nTrials / 2)}`, 'table.params tbody tr'],
    ['overview: history drawn', s, '[data-plot="history-svg"] path.dots'],
    ['plot: optimization history', `${s}/plots/history`, '[data-plot="history"] path.dots'],
    ['plot: parallel coordinates', `${s}/plots/parallel`, '[data-plot="parallel"] path.pc-line'],
    ['plot: slice', `${s}/plots/slice`, '[data-plot="slice-panel"] path.dots'],
    ['plot: importance (fANOVA)', `${s}/plots/importance`, '[data-plot="importance"] rect.bar'],
    ['plot: interactions', `${s}/plots/interactions`, '[data-plot="interaction-matrix"] rect.cell'],
    ['plot: EDF', `${s}/plots/edf`, '[data-plot="edf"] path.edf'],
    ['plot: intermediate values', `${s}/plots/intermediate`, '[data-plot="intermediate"] path.curves'],
    ['plot: timeline', `${s}/plots/timeline`, '[data-plot="timeline"] path.bars'],
    ['plot: contour (first time)', `${s}/plots/contour`, '[data-plot="contour"] image.surface'],
    ['plot: contour (again)', `${s}/plots/contour`, '[data-plot="contour"] image.surface'],
  ];
  try {
    for (const [name, url, ready] of pages) {
      const page = await context.newPage();
      try {
        out.push({ page: name, ...(await timeLoad(context, page, url, ready)) });
        const shots = process.env.DIALS_BENCH_SCREENSHOTS;
        if (shots !== undefined) {
          mkdirSync(shots, { recursive: true });
          await page.screenshot({ path: join(shots, `${name.replace(/[^a-z0-9]+/gi, '-').replace(/-$/, '')}.png`), fullPage: true });
        }
      } catch (e) {
        out.push({ page: `${name} (failed: ${(e as Error).message.split('\n')[0]})`, ms: Number.NaN, mainThreadMs: Number.NaN, loadsPlotly: false });
      }
      if (name === 'trials table: first rows') {
        // Jump to the middle of the table: rows fetched for the new range and drawn.
        const t0 = performance.now();
        const mid = Math.floor(nTrials / 2);
        await page.evaluate(`document.querySelector('.vscroll').scrollTop = ${mid} * 28`);
        await page.locator(`.vrow [data-trial="${mid + 5}"]`).waitFor({ timeout: 30_000 });
        out.push({ page: `trials table: jump to row ${mid.toLocaleString('en')}`, ms: performance.now() - t0, mainThreadMs: Number.NaN, loadsPlotly: false });
      }
      await page.close();
    }
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
  return out;
}

/** Standalone run on a kept fixture (see the header). */
async function standalone(): Promise<void> {
  const db = process.env.DIALS_BENCH_DB;
  if (db === undefined || !existsSync(db)) {
    throw new Error('set DIALS_BENCH_DB to a fixture kept by `DIALS_BENCH_DB=/tmp/bench.db npm run bench:dashboard` (the file must exist)');
  }
  const d = await startDashboard({ storage: `sqlite:${db}`, port: 0, log: () => {} });
  try {
    const api = new ApiClient(fetch, { baseUrl: d.url.replace(/\/$/, '') });
    const studies = (await api.studies()).studies;
    const study = studies.reduce((a, b) => (b.nTrials > a.nTrials ? b : a));
    const id = study.studyId;
    const names = (await api.study(id)).params.map((p) => p.name);
    // One request per route first: the server's first load and caches, as after bench:dashboard's API phase.
    await Promise.all([
      api.plot(id, 'history', { maxPoints: 3000 }),
      api.plot(id, 'history', { maxPoints: 10_000 }),
      api.plot(id, 'params', { maxPoints: 1000 }),
      api.plot(id, 'params', { maxPoints: 1500 }),
      api.plot(id, 'params', { maxPoints: 1000, params: names.slice(0, 2) }),
      api.plot(id, 'edf', { maxPoints: 5000 }),
      api.plot(id, 'intermediate', { maxTrials: 300 }),
      api.plot(id, 'timeline', { maxPoints: 2000 }),
      api.importance(id),
      api.interactions(id),
      api.trials(id, { limit: 200 }),
    ]);
    const load = loadavg()[0]!;
    const rows = await pageLoadTimings(d.url, id, study.nTrials);
    process.stdout.write(
      `${study.nTrials.toLocaleString('en')} trials; load average ${load.toFixed(1)} → ${loadavg()[0]!.toFixed(1)} on ${cpus().length} cores\n\n`,
    );
    process.stdout.write('| page (usable when…) | wall ms | main thread busy ms | Plotly fetched |\n|---|---:|---:|---|\n');
    for (const r of rows) {
      const busy = Number.isNaN(r.mainThreadMs) ? '—' : r.mainThreadMs.toFixed(0);
      process.stdout.write(`| ${r.page} | ${r.ms.toFixed(0)} | ${busy} | ${r.loadsPlotly ? 'yes' : 'no'} |\n`);
    }
  } finally {
    await Promise.race([d.close(), new Promise((r) => setTimeout(r, 10_000))]);
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await standalone();
  process.exit(0);
}
