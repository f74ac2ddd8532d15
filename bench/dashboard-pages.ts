/**
 * The front end's part of `npm run bench:dashboard`: how long each page of
 * the dashboard takes to become usable in Chromium (Debian's, headless,
 * through playwright-core), on the benchmark's 100k-trial study.
 *
 * "Usable" is the page's own content on screen: the studies table's rows,
 * the overview's counts, the trials table's first rows, a trial's
 * parameters, a plot's marks drawn. Each page is opened in a new tab by its
 * URL (a full load: HTML, scripts, API calls, render); the HTTP cache is
 * warm after the first page, as for a user clicking around. The first load
 * of a page that plots also evaluates the plotting library (Plotly, 4.6 MB),
 * reported on its own row.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';

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
}

async function timeLoad(context: BrowserContext, page: Page, url: string, ready: string): Promise<{ ms: number; mainThreadMs: number }> {
  const cdp = await context.newCDPSession(page);
  await cdp.send('Performance.enable');
  const busy = async () => {
    const { metrics } = (await cdp.send('Performance.getMetrics')) as { metrics: { name: string; value: number }[] };
    return (metrics.find((m) => m.name === 'TaskDuration')?.value ?? 0) * 1000;
  };
  const b0 = await busy();
  const t0 = performance.now();
  await page.goto(url, { waitUntil: 'commit' });
  await page.locator(ready).first().waitFor({ state: 'visible', timeout: 60_000 });
  const ms = performance.now() - t0;
  return { ms, mainThreadMs: (await busy()) - b0 };
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
    ['plot: optimization history (first Plotly load)', `${s}/plots/history`, '[data-plot="history"][data-ready="true"]'],
    ['plot: optimization history', `${s}/plots/history`, '[data-plot="history"][data-ready="true"]'],
    ['overview: history drawn', s, '[data-plot="history-svg"]'],
    ['plot: parallel coordinates', `${s}/plots/parallel`, '[data-plot="parallel"] path.pc-line'],
    ['plot: slice', `${s}/plots/slice`, '[data-plot="slice"][data-ready="true"]'],
    ['plot: contour', `${s}/plots/contour`, '[data-plot="contour"][data-ready="true"]'],
    ['plot: importance (fANOVA)', `${s}/plots/importance`, '[data-plot="importance"][data-ready="true"]'],
    ['plot: interactions', `${s}/plots/interactions`, '[data-plot="interactions"][data-ready="true"]'],
    ['plot: EDF', `${s}/plots/edf`, '[data-plot="edf"][data-ready="true"]'],
    ['plot: intermediate values', `${s}/plots/intermediate`, '[data-plot="intermediate"][data-ready="true"]'],
    ['plot: timeline', `${s}/plots/timeline`, '[data-plot="timeline"][data-ready="true"]'],
  ];
  try {
    for (const [name, url, ready] of pages) {
      const page = await context.newPage();
      try {
        out.push({ page: name, ...(await timeLoad(context, page, url, ready)) });
      } catch (e) {
        out.push({ page: `${name} (failed: ${(e as Error).message.split('\n')[0]})`, ms: Number.NaN, mainThreadMs: Number.NaN });
      }
      if (name === 'trials table: first rows') {
        // Jump to the middle of the table: rows fetched for the new range and drawn.
        const t0 = performance.now();
        const mid = Math.floor(nTrials / 2);
        await page.evaluate(`document.querySelector('.vscroll').scrollTop = ${mid} * 28`);
        await page.locator(`.vrow [data-trial="${mid + 5}"]`).waitFor({ timeout: 30_000 });
        out.push({ page: `trials table: jump to row ${mid.toLocaleString('en')}`, ms: performance.now() - t0, mainThreadMs: Number.NaN });
      }
      await page.close();
    }
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
  return out;
}
