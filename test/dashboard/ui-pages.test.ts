/**
 * Every dashboard page in a real Chromium against a real SQLite file: the
 * pages load, show the numbers the storage holds (±Infinity spelled out),
 * and each plot holds the marks its data calls for, counted in the data
 * Plotly drew. Screenshots go to test-results/screenshots/.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../../src/dashboard/api.js';
import { type Dashboard, startDashboard } from '../../src/dashboard/server/start.js';
import { formatNumber } from '../../src/dashboard/ui/format.js';
import { createStudy, RandomSampler } from '../../src/index.js';
import { type Browser, launchBrowser, pageCspViolations, plotMarks, screenshot, svgCount, type TraceMarks, type WatchedPage } from './browser.js';
import { MAIN_NOTE, type SeededStudies, seedStudies } from './ui-seed.js';

const ROOT = join(import.meta.dirname, '..', '..');
const MANY = 1500;

let dir: string;
let dash: Dashboard;
let browser: Browser;
let w: WatchedPage;
let seeded: SeededStudies;
let api: ApiClient;
const ids = new Map<string, number>();

function id(name: string): number {
  const v = ids.get(name);
  if (v === undefined) throw new Error(`no study ${name}`);
  return v;
}

/** Navigates inside the page (hash route), so the plotting library loads once per file. */
async function go(hash: string): Promise<void> {
  await w.page.evaluate(`window.location.hash = ${JSON.stringify(hash)}`);
}

async function text(selector: string): Promise<string> {
  return (await w.page.locator(selector).first().textContent({ timeout: 15_000 })) ?? '';
}

const sum = (marks: readonly TraceMarks[], f: (t: TraceMarks) => number) => marks.reduce((a, t) => a + f(t), 0);

beforeAll(async () => {
  if (!existsSync(join(ROOT, 'dist', 'dashboard', 'ui', 'index.html'))) {
    throw new Error('dist/dashboard/ui/index.html is missing: run `npm run build` first (the browser tests load the built front end)');
  }
  dir = mkdtempSync(join(tmpdir(), 'dials-ui-pages-'));
  const storage = `sqlite:${join(dir, 'ui.db')}`;
  seeded = await seedStudies(storage);
  const many = await createStudy({ studyName: 'many', storage, direction: 'minimize', sampler: new RandomSampler({ seed: 2 }) });
  await many.optimize((t) => t.suggestFloat('u', 0, 1), { nTrials: MANY });
  dash = await startDashboard({ storage, port: 0, log: () => {} });
  api = new ApiClient(fetch, { baseUrl: dash.url.replace(/\/$/, '') });
  for (const s of (await api.studies()).studies) ids.set(s.studyName, s.studyId);
  browser = await launchBrowser();
  w = await browser.newPage();
  await w.page.goto(`${dash.url}#/`);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await dash?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('dashboard pages in Chromium', () => {
  it('studies: state counts, best value (±Infinity spelled out) and last activity', async () => {
    const main = seeded.main;
    const row = w.page.locator(`tr[data-study-id="${id(main.name)}"]`);
    await row.waitFor({ timeout: 20_000 });
    expect(await w.page.locator('tr[data-study-id]').count()).toBe(6);
    expect(await row.locator('td.count-complete').textContent()).toBe(String(main.complete));
    expect(await row.locator('td.count-pruned').textContent()).toBe(String(main.pruned));
    expect(await row.locator('td.count-fail').textContent()).toBe(String(main.failed));
    expect(await row.locator('td.count-running').textContent()).toBe(String(main.running));
    expect(await row.locator('td.count-waiting').textContent()).toBe(String(main.waiting));
    expect(await row.locator('td.best').textContent()).toBe(formatNumber(main.bestValue));
    expect(await w.page.locator(`tr[data-study-id="${id(seeded.infBest.name)}"] td.best`).textContent()).toBe('Infinity');
    expect(await row.locator('td').last().textContent()).toMatch(/ago|just now/);
    await screenshot(w.page, 'studies');
  });

  it('overview: counts, best trial, durations, the history with its best-so-far line, the note, downloads', async () => {
    const main = seeded.main;
    await go(`#/studies/${id(main.name)}`);
    expect(await text('[data-testid="n-trials"]')).toBe(String(main.total));
    expect(await text('[data-testid="count-COMPLETE"]')).toBe(String(main.complete));
    expect(await text('[data-testid="best-value"]')).toBe(formatNumber(main.bestValue));
    // The overview's history is plain SVG (no plotting library): one dot per finite value,
    // and the best-so-far line through every complete trial, the +Infinity one included.
    const history = w.page.locator('[data-plot="history-svg"]');
    await history.waitFor({ timeout: 15_000 });
    expect(Number(await history.getAttribute('data-points'))).toBe(main.completeFinite);
    expect(Number(await history.getAttribute('data-best-points'))).toBe(main.complete);
    const dots = (await history.locator('path.dots').first().getAttribute('d'))?.match(/M/g)?.length;
    expect(dots).toBe(main.completeFinite);
    expect((await history.locator('path.best').first().getAttribute('d'))?.match(/V/g)?.length).toBe(main.complete - 1);
    expect(await text('.plot-note')).toContain('1 with a non-finite value');
    // The note, rendered from Markdown into elements.
    expect(await text('.notes .markdown h3')).toBe('Findings');
    expect(await text('.notes .markdown strong')).toBe('learning rate');
    expect(await w.page.locator('.notes .markdown li').count()).toBe(2);
    expect(await w.page.locator('.notes .markdown a').getAttribute('href')).toBe('https://example.com/docs');
    // Downloads.
    const csvHref = await w.page.locator('[data-testid="download-csv"]').getAttribute('href');
    const jsonHref = await w.page.locator('[data-testid="download-json"]').getAttribute('href');
    const csv = (await w.page.evaluate(
      `fetch(${JSON.stringify(csvHref)}).then(async (r) => [r.status, r.headers.get('content-disposition'), await r.text()])`,
    )) as [number, string, string];
    expect(csv[0]).toBe(200);
    expect(csv[1]).toMatch(/attachment/);
    expect(csv[2].trim().split('\n')).toHaveLength(main.total + 1);
    const json = (await w.page.evaluate(`fetch(${JSON.stringify(jsonHref)}).then((r) => r.text())`)) as string;
    expect(json).toContain('"number"');
    await screenshot(w.page, 'overview');
  });

  it('notes: edited in the page, saved, and rendered without raw HTML', async () => {
    const studyId = id(seeded.main.name);
    await go(`#/studies/${studyId}`);
    await w.page.getByRole('button', { name: 'Edit' }).click();
    const md = `${MAIN_NOTE}\n\n1. first\n2. second <img src=x>\n\n[bad](javascript:alert(1))`;
    await w.page.locator('textarea.note-editor').fill(md);
    await w.page.getByRole('button', { name: 'Save' }).click();
    await w.page.locator('.notes .markdown ol li').nth(1).waitFor({ timeout: 15_000 });
    expect(await text('.notes .markdown ol li:nth-child(2)')).toBe('second <img src=x>');
    expect(await w.page.locator('.notes .markdown img').count()).toBe(0);
    expect(await w.page.locator('.notes a[href^="javascript"]').count()).toBe(0);
    const saved = await api.note(studyId);
    expect(saved.markdown).toBe(md);
    expect(saved.version).toBe(2);
  });

  it('trials: server-side sorting and filtering; ±Infinity spelled out', async () => {
    const main = seeded.main;
    await go(`#/studies/${id(main.name)}/trials`);
    await w.page.locator('[data-testid="trials-total"]', { hasText: `${main.total} ` }).waitFor({ timeout: 15_000 });
    await w.page.locator('.vrow [data-trial="0"]').waitFor();
    expect(await text(`.vrow [data-trial="${main.infTrial}"] .vcell:nth-child(3)`)).toBe('Infinity');
    await screenshot(w.page, 'trials');
    // Sort by value, ascending: the best trial first; descending: +Infinity first.
    await w.page.getByRole('button', { name: 'Value (min)' }).click();
    await w.page
      .locator('.vrow')
      .first()
      .locator('.vcell:nth-child(3)', { hasText: formatNumber(main.bestValue) })
      .waitFor({ timeout: 15_000 });
    await w.page.getByRole('button', { name: /Value \(min\)/ }).click();
    await w.page.locator('.vrow').first().locator('.vcell:nth-child(3)', { hasText: 'Infinity' }).waitFor({ timeout: 15_000 });
    // Hide COMPLETE trials: only pruned, failed, running and waiting remain.
    await w.page.getByLabel('complete').uncheck();
    const rest = main.pruned + main.failed + main.running + main.waiting;
    await w.page.locator('[data-testid="trials-total"]', { hasText: `${rest} matching` }).waitFor({ timeout: 15_000 });
    await w.page.getByLabel('complete').check();
    // A numeric filter runs on the server.
    await w.page.getByLabel('Filter column').selectOption('number');
    await w.page.getByLabel('Comparison').selectOption('lt');
    await w.page.getByLabel('Filter value').fill('10');
    await w.page.getByRole('button', { name: 'Add filter' }).click();
    await w.page.locator('[data-testid="trials-total"]', { hasText: '10 matching' }).waitFor({ timeout: 15_000 });
  });

  it(`trials: ${MANY} rows scroll with only the rows in view in the page`, async () => {
    await go(`#/studies/${id('many')}/trials`);
    await w.page.locator('[data-testid="trials-total"]', { hasText: `${MANY.toLocaleString('en')} ` }).waitFor({ timeout: 15_000 });
    await w.page.locator('.vrow [data-trial="0"]').waitFor();
    const inDom = await w.page.locator('.vrow').count();
    expect(inDom).toBeGreaterThan(10);
    expect(inDom).toBeLessThan(80);
    await w.page.evaluate(`document.querySelector('.vscroll').scrollTop = 1e9`);
    await w.page.locator(`.vrow [data-trial="${MANY - 1}"]`).waitFor({ timeout: 15_000 });
    expect(await w.page.locator('.vrow').count()).toBeLessThan(80);
    await screenshot(w.page, 'trials-scrolled');
    // Jump to a trial by number.
    await w.page.getByLabel('Go to trial number').fill('700');
    await w.page.getByRole('button', { name: 'Go' }).click();
    await w.page.locator('.vrow [data-trial="700"]').waitFor({ timeout: 15_000 });
    expect(await w.page.locator(`.vrow [data-trial="${MANY - 1}"]`).count()).toBe(0);
  });

  it('trial: parameters, values, learning curves by fold, attributes and CLI logs as text', async () => {
    const main = seeded.main;
    const studyId = id(main.name);
    await go(`#/studies/${studyId}/trials/0`);
    // Learning curves, one line per fold, 6 steps each (plain SVG: no plotting library here).
    const curves = w.page.locator('[data-plot="trial-intermediate"] path.series');
    await curves.first().waitFor({ timeout: 15_000 });
    expect(await curves.count()).toBe(2);
    const shown = [];
    for (let k = 0; k < 2; k++) shown.push([await curves.nth(k).textContent(), Number(await curves.nth(k).getAttribute('data-points'))]);
    expect(shown).toEqual([
      ['fold 0', 6],
      ['fold 1', 6],
    ]);
    expect(await w.page.locator('table.params tbody tr').count()).toBe(4);
    expect(await text('.trial-page')).toContain('epoch_time');
    await screenshot(w.page, 'trial');
    await go(`#/studies/${studyId}/trials/${main.infTrial}`);
    await w.page.locator('h1', { hasText: `Trial ${main.infTrial}` }).waitFor({ timeout: 15_000 });
    expect(await text('[data-testid="value-0"]')).toBe('Infinity');
    await go(`#/studies/${studyId}/trials/${main.logTrial}`);
    await w.page.locator('pre.logtext').waitFor({ timeout: 15_000 });
    expect(await text('pre.logtext')).toContain('<b>not bold</b>');
    expect(await w.page.locator('pre.logtext b').count()).toBe(0);
  });

  it('plots of a single-objective study hold one mark per trial', async () => {
    const main = seeded.main;
    const studyId = id(main.name);
    const detail = await api.study(studyId);
    const paramNames = detail.params.map((p) => p.name).sort();

    await go(`#/studies/${studyId}/plots/history`);
    const history = await plotMarks(w.page, 'history', 60_000); // the first page here that loads the plotting library
    expect(history.map((t) => t.name)).toEqual(['Objective value', 'Best so far']);
    expect(history[0]!.x).toBe(main.completeFinite); // the +Infinity trial cannot be drawn…
    expect(history[1]!.x).toBe(main.complete); // …but the best-so-far line goes on through it
    await screenshot(w.page, 'plot-history');

    await go(`#/studies/${studyId}/plots/parallel`);
    await w.page.locator('[data-plot="parallel"] path.pc-line').first().waitFor({ timeout: 15_000 });
    expect(await svgCount(w.page, 'parallel', 'path.pc-line')).toBe(main.completeFinite);
    expect((await w.page.locator('[data-plot="parallel"] text.pc-label').allTextContents()).sort()).toEqual(['Objective', ...paramNames].sort());
    // Each line crosses every axis: one vertex per axis.
    const vertices = (await w.page.locator('[data-plot="parallel"] path.pc-line').first().getAttribute('d'))?.match(/[ML]/g)?.length;
    expect(vertices).toBe(paramNames.length + 1);
    await screenshot(w.page, 'plot-parallel');

    await go(`#/studies/${studyId}/plots/slice`);
    const slice = await plotMarks(w.page, 'slice');
    expect(slice.map((t) => t.x)).toEqual(paramNames.map(() => main.completeFinite));
    await screenshot(w.page, 'plot-slice');

    await go(`#/studies/${studyId}/plots/contour`);
    const contour = await plotMarks(w.page, 'contour');
    expect(contour.map((t) => t.type)).toEqual(['contour', 'scatter']);
    expect(contour[0]!.z).toBeGreaterThan(2);
    expect(contour[1]!.x).toBe(main.completeFinite);
    await screenshot(w.page, 'plot-contour');

    await go(`#/studies/${studyId}/plots/importance`);
    const importance = await plotMarks(w.page, 'importance', 30_000);
    expect(importance[0]!.type).toBe('bar');
    expect(importance[0]!.y).toBe(paramNames.length);
    await screenshot(w.page, 'plot-importance');

    await go(`#/studies/${studyId}/plots/interactions`);
    const interactions = await plotMarks(w.page, 'interactions', 30_000);
    expect(interactions.map((t) => t.type)).toEqual(['heatmap', 'bar']);
    expect(interactions[0]!.z).toBe(paramNames.length);
    expect(interactions[1]!.y).toBe((paramNames.length * (paramNames.length - 1)) / 2);
    await screenshot(w.page, 'plot-interactions');

    await go(`#/studies/${studyId}/plots/edf`);
    const edf = await plotMarks(w.page, 'edf');
    expect(edf[0]!.x).toBe(main.completeFinite);
    await screenshot(w.page, 'plot-edf');

    // Learning curves: two per cross-validated trial, one per plain one (plus the running trial's).
    await go(`#/studies/${studyId}/plots/intermediate`);
    const inter = await plotMarks(w.page, 'intermediate');
    const curves = (await api.plot(studyId, 'intermediate', { maxTrials: 300 })).curves;
    expect(sum(inter, (t) => (t.x > 0 ? t.gaps + 1 : 0))).toBe(curves.length);
    expect(curves.length).toBe(2 * Math.ceil(48 / 3) + Math.floor(48 / 3) + 1);
    expect(new Set(inter.map((t) => t.name))).toContain('complete · fold 1');
    await screenshot(w.page, 'plot-intermediate');

    // Timeline: one bar per started trial (the waiting one has not started).
    await go(`#/studies/${studyId}/plots/timeline`);
    const timeline = await plotMarks(w.page, 'timeline');
    expect(sum(timeline, (t) => t.y)).toBe(main.total - main.waiting);
    await screenshot(w.page, 'plot-timeline');

    await go(`#/studies/${studyId}/plots/pareto`);
    await w.page.locator('.unavailable-note').waitFor({ timeout: 15_000 });
  }, 120_000);

  it('Pareto front: 2 and 3 objectives, the front counted as the storage has it', async () => {
    const p2 = seeded.pareto2;
    await go(`#/studies/${id(p2.name)}/plots/pareto`);
    const m2 = await plotMarks(w.page, 'pareto');
    expect(m2.map((t) => [t.name, t.x])).toEqual([
      ['Dominated', p2.complete - p2.front],
      ['Pareto front', p2.front],
    ]);
    await screenshot(w.page, 'plot-pareto-2');
    const p3 = seeded.pareto3;
    await go(`#/studies/${id(p3.name)}/plots/pareto`);
    const m3 = await plotMarks(w.page, 'pareto');
    expect(m3.map((t) => [t.type, t.name, t.x, t.y])).toEqual([
      ['scatter3d', 'Dominated', p3.complete - p3.front, p3.complete - p3.front],
      ['scatter3d', 'Pareto front', p3.front, p3.front],
    ]);
    await screenshot(w.page, 'plot-pareto-3');
    await go(`#/studies/${id(p3.name)}`);
    await w.page.locator('h2', { hasText: `Pareto front (${p3.front} trials)` }).waitFor({ timeout: 15_000 });
  }, 120_000);

  it('PBT: lineage on the trial page and one schedule line per member', async () => {
    const pbt = seeded.pbt;
    const studyId = id(pbt.name);
    await go(`#/studies/${studyId}/plots/pbt`);
    const marks = await plotMarks(w.page, 'pbt');
    expect(await text('[data-testid="pbt-members"]')).toBe(String(pbt.members));
    // Per panel (h0, h1, score): one line per member, two points (start, end) per segment for parameters.
    const memberLines = marks.filter((t) => t.name?.startsWith('member '));
    expect(memberLines).toHaveLength(3 * pbt.members);
    expect(sum(memberLines.slice(0, pbt.members), (t) => t.x)).toBe(2 * pbt.segments);
    await screenshot(w.page, 'plot-pbt');
    await go(`#/studies/${studyId}/trials/${pbt.segments - 1}`);
    await w.page.locator('h2', { hasText: 'PBT lineage' }).waitFor({ timeout: 15_000 });
    expect(await text('.lineage')).toMatch(/^#\d+ → .*#\d+$/);
  });

  it('the page kept its CSP: no violation, no dialog, no uncaught error', async () => {
    const res = await fetch(dash.url);
    const csp = res.headers.get('content-security-policy') ?? '';
    const scriptSrc = /script-src ([^;]*)/.exec(csp)?.[1] ?? '';
    expect(scriptSrc.trim()).toBe("'self'");
    expect(w.cspViolations).toEqual([]);
    expect(await pageCspViolations(w.page)).toEqual([]);
    expect(w.dialogs).toEqual([]);
    expect(w.pageErrors).toEqual([]);
  });
});
