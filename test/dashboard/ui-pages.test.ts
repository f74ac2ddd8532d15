/**
 * Every dashboard page in a real Chromium against a real SQLite file: the
 * pages load, show the numbers the storage holds (±Infinity spelled out),
 * and each plot holds the marks its data calls for, counted in the SVG the
 * page holds (the dashboard's own charts) or in the traces Plotly drew (the
 * 3-objective Pareto front, the only figure that loads Plotly).
 * Screenshots go to test-results/screenshots/.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../../src/dashboard/api.js';
import { type Dashboard, startDashboard } from '../../src/dashboard/server/start.js';
import { formatNumber } from '../../src/dashboard/ui/format.js';
import { createStudy, RandomSampler } from '../../src/index.js';
import { type Browser, launchBrowser, pageCspViolations, plotMarks, type SvgMark, screenshot, svgCount, svgMarks, type WatchedPage } from './browser.js';
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

const total = (list: readonly SvgMark[], f: (m: SvgMark) => number) => list.reduce((a, m) => a + f(m), 0);
/** Requests for the plotting library's chunk, in order. */
const plotlyRequests: string[] = [];

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
  w.page.on('request', (r) => {
    if (/plotly/i.test(r.url())) plotlyRequests.push(r.url());
  });
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
    // The best trial against the established baseline the study started from (trial 0).
    const b = main.baseline;
    expect(b.number).toBe(0);
    expect(await text('[data-testid="baseline-improvement"]')).toBe(
      `Best ${formatNumber(main.bestValue)} (trial ${main.bestNumber}) vs baseline adam-default@1 ${formatNumber(b.value)} (trial 0): ` +
        `+${formatNumber(b.value - main.bestValue)}, ${(((b.value - main.bestValue) / Math.abs(b.value)) * 100).toFixed(1)}% better`,
    );
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
    // No baseline ran in this study: no comparison is shown.
    await go(`#/studies/${id(seeded.infBest.name)}`);
    await w.page.locator('h1.study-title', { hasText: seeded.infBest.name }).waitFor({ timeout: 15_000 });
    await w.page.locator('[data-testid="best-value"]').waitFor({ timeout: 15_000 });
    expect(await w.page.locator('[data-testid="baseline-improvement"]').count()).toBe(0);
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

  it('optimization history on a log scale: every positive value still drawn, decades on the axis', async () => {
    const many = id('many');
    await go(`#/studies/${many}/plots/history`);
    const dots = '[data-plot="history"] path.dots';
    await w.page.locator(dots).waitFor({ timeout: 15_000 });
    const linear = await w.page.locator('[data-plot="history"] .grid text').allTextContents();
    await w.page.getByLabel('Log scale').check();
    await w.page.waitForFunction(`Array.from(document.querySelectorAll('[data-plot="history"] .grid text')).some((t) => t.textContent === '0.01')`, undefined, {
      timeout: 15_000,
    });
    expect(linear).not.toContain('0.01');
    expect((await svgMarks(w.page, dots))[0]!.M).toBe(MANY);
    await screenshot(w.page, 'plot-history-log');
    // Drag across the middle of the plot: the x axis zooms in to those trials; the button resets it.
    const xTicks = () =>
      w.page.evaluate(`Array.from(document.querySelectorAll('[data-plot="history"] .grid g[transform^="translate("]'))
      .filter((g) => !g.getAttribute('transform').startsWith('translate(0,')).map((g) => Number(g.textContent))`) as Promise<number[]>;
    const before = await xTicks();
    const box = (await w.page.locator('[data-plot="history"] .chart-area svg').boundingBox())!;
    const y = box.y + box.height / 2;
    await w.page.mouse.move(box.x + box.width * 0.4, y);
    await w.page.mouse.down();
    await w.page.mouse.move(box.x + box.width * 0.5, y, { steps: 4 });
    await w.page.mouse.move(box.x + box.width * 0.6, y, { steps: 4 });
    await w.page.mouse.up();
    await w.page.getByRole('button', { name: 'Reset zoom' }).waitFor({ timeout: 15_000 });
    const zoomed = await xTicks();
    expect(Math.min(...zoomed)).toBeGreaterThan(Math.min(...before));
    expect(Math.max(...zoomed)).toBeLessThan(Math.max(...before));
    expect(Math.max(...zoomed) - Math.min(...zoomed)).toBeLessThan((Math.max(...before) - Math.min(...before)) / 2);
    await w.page.getByRole('button', { name: 'Reset zoom' }).click();
    await w.page.getByRole('button', { name: 'Reset zoom' }).waitFor({ state: 'detached', timeout: 15_000 });
    expect(await xTicks()).toEqual(before);
    // A click on a dot opens its trial.
    const at = (await w.page.evaluate(`(() => {
      const path = document.querySelector('[data-plot="history"] path.dots');
      const m = /^M([\\d.]+) ([\\d.]+)/.exec(path.getAttribute('d'));
      const r = path.ownerSVGElement.getBoundingClientRect();
      return [r.left + Number(m[1]), r.top + Number(m[2])];
    })()`)) as [number, number];
    await w.page.mouse.move(at[0], at[1]);
    await w.page.mouse.down();
    await w.page.mouse.up();
    await w.page.waitForFunction(`window.location.hash === '#/studies/${many}/trials/0'`, undefined, { timeout: 15_000 });
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
    // Trial 0 ran the established baseline.
    expect(await text('table.kv tr:has(th:text-is("Baseline")) td')).toBe(main.baseline.ref);
    await screenshot(w.page, 'trial');
    await go(`#/studies/${studyId}/trials/${main.infTrial}`);
    await w.page.locator('h1', { hasText: `Trial ${main.infTrial}` }).waitFor({ timeout: 15_000 });
    expect(await text('[data-testid="value-0"]')).toBe('Infinity');
    await go(`#/studies/${studyId}/trials/${main.logTrial}`);
    await w.page.locator('pre.logtext').waitFor({ timeout: 15_000 });
    expect(await text('pre.logtext')).toContain('<b>not bold</b>');
    expect(await w.page.locator('pre.logtext b').count()).toBe(0);
  });

  it('plots of a single-objective study hold one mark per trial, drawn without the plotting library', async () => {
    const main = seeded.main;
    const studyId = id(main.name);
    const detail = await api.study(studyId);
    const paramNames = detail.params.map((p) => p.name).sort();
    const marks = (selector: string) => svgMarks(w.page, selector);

    await go(`#/studies/${studyId}/plots/history`);
    // One dot per finite value (the +Infinity trial cannot be drawn); the best-so-far line steps through every complete trial.
    expect(total(await marks('[data-plot="history"] path.dots'), (m) => m.M)).toBe(main.completeFinite);
    expect((await marks('[data-plot="history"] path.best'))[0]!.V).toBe(main.complete - 1);
    await screenshot(w.page, 'plot-history');

    await go(`#/studies/${studyId}/plots/parallel`);
    await w.page.locator('[data-plot="parallel"] path.pc-line').first().waitFor({ timeout: 15_000 });
    expect(await svgCount(w.page, 'parallel', 'path.pc-line')).toBe(main.completeFinite);
    expect((await w.page.locator('[data-plot="parallel"] text.pc-label').allTextContents()).sort()).toEqual(['Objective', ...paramNames].sort());
    // Each line crosses every axis: one vertex per axis.
    const vertices = (await w.page.locator('[data-plot="parallel"] path.pc-line').first().getAttribute('d'))?.match(/[ML]/g)?.length;
    expect(vertices).toBe(paramNames.length + 1);
    await screenshot(w.page, 'plot-parallel');

    // Slice: a panel per parameter, one dot per complete trial with a finite value in each.
    await go(`#/studies/${studyId}/plots/slice`);
    await w.page.locator('[data-plot="slice"][data-ready="true"]').waitFor({ timeout: 15_000 });
    const panels = w.page.locator('[data-plot="slice"] [data-plot="slice-panel"]');
    expect(await panels.count()).toBe(paramNames.length);
    const perPanel: [string, number][] = [];
    for (let k = 0; k < paramNames.length; k++) {
      const param = (await panels.nth(k).getAttribute('data-param')) ?? '';
      perPanel.push([param, total(await marks(`[data-plot="slice"] [data-plot="slice-panel"][data-param="${param}"] path.dots`), (m) => m.M)]);
    }
    expect(perPanel.sort()).toEqual(paramNames.map((n) => [n, main.completeFinite]));
    await screenshot(w.page, 'plot-slice');

    // Importance: one bar per parameter, the largest first.
    await go(`#/studies/${studyId}/plots/importance`);
    await w.page.locator('[data-plot="importance"] rect.bar').first().waitFor({ timeout: 30_000 });
    const imp = await api.importance(studyId, { evaluator: 'fanova' });
    expect(await svgCount(w.page, 'importance', 'rect.bar')).toBe(paramNames.length);
    expect(await w.page.locator('[data-plot="importance"] rect.bar title').first().textContent()).toContain(imp.importances[0]!.param);
    await screenshot(w.page, 'plot-importance');

    // Interactions: a heat map cell for each ordered pair, and the top pairs as bars.
    await go(`#/studies/${studyId}/plots/interactions`);
    await w.page.locator('[data-plot="interactions"][data-ready="true"]').waitFor({ timeout: 30_000 });
    const nPairs = (paramNames.length * (paramNames.length - 1)) / 2;
    expect(await svgCount(w.page, 'interaction-matrix', 'rect.cell')).toBe(2 * nPairs);
    expect(await svgCount(w.page, 'top-pairs', 'rect.bar')).toBe(Math.min(10, nPairs));
    await screenshot(w.page, 'plot-interactions');

    // EDF: a step line through every finite value.
    await go(`#/studies/${studyId}/plots/edf`);
    const edf = await marks('[data-plot="edf"] path.edf');
    expect(edf).toHaveLength(1);
    expect(edf[0]!.V + 1).toBe(main.completeFinite);
    await screenshot(w.page, 'plot-edf');

    // Learning curves: two per cross-validated trial, one per plain one (plus the running trial's); a sub-path each.
    await go(`#/studies/${studyId}/plots/intermediate`);
    const curves = (await api.plot(studyId, 'intermediate', { maxTrials: 300 })).curves;
    expect(curves.length).toBe(2 * Math.ceil(48 / 3) + Math.floor(48 / 3) + 1);
    const groups = await marks('[data-plot="intermediate"] path.curves');
    expect(total(groups, (m) => m.M)).toBe(curves.length);
    expect(total(groups, (m) => m.M + m.L)).toBe(curves.reduce((a, c) => a + c.steps.length, 0));
    expect(groups.map((m) => m.data.group)).toContain('complete · fold 1');
    await screenshot(w.page, 'plot-intermediate');

    // Timeline: one bar per started trial (the waiting one has not started), by state.
    await go(`#/studies/${studyId}/plots/timeline`);
    const bars = await marks('[data-plot="timeline"] path.bars');
    expect(total(bars, (m) => m.M)).toBe(main.total - main.waiting);
    expect(Object.fromEntries(bars.map((m) => [m.data.state, m.M]))).toEqual({
      COMPLETE: main.complete,
      PRUNED: main.pruned,
      FAIL: main.failed,
      RUNNING: main.running,
    });
    await screenshot(w.page, 'plot-timeline');

    // Contour of a pair: the interpolated surface as an image on a 48×48 grid (a column per choice of a
    // categorical parameter, without iso-lines), iso-lines between numeric axes, and one dot per trial.
    await go(`#/studies/${studyId}/plots/contour`);
    const surface = w.page.locator('[data-plot="contour"] image.surface');
    await surface.waitFor({ timeout: 15_000 });
    await w.page.getByLabel('x parameter').selectOption('act');
    await w.page.getByLabel('y parameter').selectOption('depth');
    await w.page.locator('[data-plot="contour"] image.surface[data-grid="3x48"]').waitFor({ timeout: 15_000 });
    expect(await svgCount(w.page, 'contour', 'path.iso')).toBe(0);
    await screenshot(w.page, 'plot-contour-categorical');
    await w.page.getByLabel('x parameter').selectOption('x');
    await w.page.getByLabel('y parameter').selectOption('lr');
    await w.page.locator('[data-plot="contour"] image.surface[data-grid="48x48"]').waitFor({ timeout: 15_000 });
    expect((await surface.getAttribute('href'))?.startsWith('data:image/png;base64,')).toBe(true);
    expect((await svgMarks(w.page, '[data-plot="contour"] path.dots.trials'))[0]!.M).toBe(main.completeFinite);
    const iso = await svgMarks(w.page, '[data-plot="contour"] path.iso');
    expect(iso.length).toBeGreaterThan(2);
    expect(iso.every((m) => m.M > 0 && m.M === m.L)).toBe(true); // segments: a move and a line each
    await screenshot(w.page, 'plot-contour');

    await go(`#/studies/${studyId}/plots/pareto`);
    await w.page.locator('.unavailable-note').waitFor({ timeout: 15_000 });
    // Every page so far drew without the plotting library.
    expect(plotlyRequests).toEqual([]);
  }, 120_000);

  it('Pareto front: 2 objectives drawn here, 3 by Plotly; the front counted as the storage has it', async () => {
    const p2 = seeded.pareto2;
    await go(`#/studies/${id(p2.name)}/plots/pareto`);
    const front = await svgMarks(w.page, '[data-plot="pareto"] path.dots.front');
    const dominated = await svgMarks(w.page, '[data-plot="pareto"] path.dots.dominated');
    expect([dominated[0]!.M, front[0]!.M]).toEqual([p2.complete - p2.front, p2.front]);
    // The front's staircase: a step per front trial after the first.
    expect((await svgMarks(w.page, '[data-plot="pareto"] path.front-line'))[0]!.V).toBe(p2.front - 1);
    expect(await text('[data-testid="front-size"]')).toBe(String(p2.front));
    await screenshot(w.page, 'plot-pareto-2');
    expect(plotlyRequests).toEqual([]);
    // Three objectives in 3-D: the one figure that fetches the plotting library.
    const p3 = seeded.pareto3;
    await go(`#/studies/${id(p3.name)}/plots/pareto`);
    const m3 = await plotMarks(w.page, 'pareto');
    expect(plotlyRequests).toHaveLength(1);
    expect(m3.map((t) => [t.type, t.name, t.x, t.y])).toEqual([
      ['scatter3d', 'Dominated', p3.complete - p3.front, p3.complete - p3.front],
      ['scatter3d', 'Pareto front', p3.front, p3.front],
    ]);
    await screenshot(w.page, 'plot-pareto-3');
    // Two of the three objectives: drawn here again.
    await w.page.getByLabel('Show').selectOption('2');
    const front2 = await svgMarks(w.page, '[data-plot="pareto"] path.dots.front');
    const dominated2 = await svgMarks(w.page, '[data-plot="pareto"] path.dots.dominated');
    expect(front2[0]!.M + dominated2[0]!.M).toBe(p3.complete);
    expect(front2[0]!.M).toBe(p3.front);
    await go(`#/studies/${id(p3.name)}`);
    await w.page.locator('h2', { hasText: `Pareto front (${p3.front} trials)` }).waitFor({ timeout: 15_000 });
  }, 120_000);

  it('PBT: lineage on the trial page and one schedule line per member', async () => {
    const pbt = seeded.pbt;
    const studyId = id(pbt.name);
    await go(`#/studies/${studyId}/plots/pbt`);
    const lines = await svgMarks(w.page, '[data-plot="pbt"] path.member');
    expect(await text('[data-testid="pbt-members"]')).toBe(String(pbt.members));
    // Panels h0, h1 and the score: one line per member in each, two vertices (start, end) per segment for parameters.
    expect(lines).toHaveLength(3 * pbt.members);
    expect(await svgCount(w.page, 'pbt', '[data-plot="pbt-panel"]')).toBe(3);
    expect(total(lines.slice(0, pbt.members), (m) => m.M + m.L)).toBe(2 * pbt.segments);
    expect(total(lines.slice(2 * pbt.members), (m) => m.M + m.L)).toBe(pbt.segments);
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
