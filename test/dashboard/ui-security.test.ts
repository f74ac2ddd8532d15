/**
 * RELIABILITY D6 in a real Chromium: XSS payloads in study, parameter,
 * choice, attribute, note and log text are shown as text on every page and
 * plot. No dialog opens, no injected element or `javascript:` link appears,
 * no payload runs, and the CSP (`script-src 'self'`) reports no violation.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, NOTE_ATTR } from '../../src/dashboard/api.js';
import { type Dashboard, startDashboard } from '../../src/dashboard/server/start.js';
import { createStudy, RandomSampler } from '../../src/index.js';
import { type Browser, launchBrowser, pageCspViolations, screenshot, type WatchedPage } from './browser.js';

const ROOT = join(import.meta.dirname, '..', '..');

// Every payload would set window.__xss or open a dialog if it ran.
const STUDY = '<img src=x onerror="window.__xss=1;alert(1)">';
const PARAM_A = '"><svg onload="window.__xss=2;alert(2)">';
const PARAM_B = '<script>window.__xss=3;alert(3)</script>';
const CHOICES = ['<img src=x onerror="window.__xss=4">', 'javascript:alert(4)', 'plain'];
const ATTR_KEY = '<b onmouseover="window.__xss=5">key</b>';
const ATTR_VALUE = '<iframe src="javascript:window.__xss=6"></iframe>';
const NOTE = [
  '# <img src=x onerror="window.__xss=7">',
  '',
  '<script>window.__xss=8</script> [click](javascript:window.__xss=9) <a href="javascript:window.__xss=10">raw</a>',
  '',
  '[data](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==) [ok](https://example.com/)',
].join('\n');
const LOG = '<svg onload="window.__xss=11"></svg>\n';

let dir: string;
let dash: Dashboard;
let browser: Browser;
let w: WatchedPage;
let studyId: number;
let moStudyId: number;

/** What a payload that ran would have left in the page. */
const INJECTED = `(() => {
  const sel = 'img[src="x"], svg[onload], iframe, [onerror], [onload], [onmouseover], a[href^="javascript:" i], a[href^="data:" i], body script:not([src])';
  return { xss: window.__xss ?? null, injected: document.querySelectorAll(sel).length };
})()`;

beforeAll(async () => {
  if (!existsSync(join(ROOT, 'dist', 'dashboard', 'ui', 'index.html'))) {
    throw new Error('dist/dashboard/ui/index.html is missing: run `npm run build` first (the browser tests load the built front end)');
  }
  dir = mkdtempSync(join(tmpdir(), 'dials-ui-xss-'));
  const storage = `sqlite:${join(dir, 'xss.db')}`;
  const study = await createStudy({ studyName: STUDY, storage, direction: 'minimize', sampler: new RandomSampler({ seed: 9 }) });
  for (let i = 0; i < 12; i++) {
    const t = await study.ask();
    const a = t.suggestFloat(PARAM_A, 0, 1);
    const b = t.suggestFloat(PARAM_B, 1e-3, 1, { log: true });
    const c = t.suggestCategorical(ATTR_KEY, CHOICES);
    t.setUserAttr(ATTR_KEY, ATTR_VALUE);
    for (let s = 0; s < 4; s++) t.report(a + b / (s + 1), s, { fold: s % 2 });
    if (i === 0) {
      await t.flush();
      await study.storage.updateTrial(t.trialId, t.leaseId, { attrs: [{ kind: 'system', key: 'dials:log:stdout', json: JSON.stringify(LOG) }] });
    }
    await study.tell(t, a + b + (c === 'plain' ? 0 : 0.5));
  }
  await study.setUserAttr(ATTR_KEY, ATTR_VALUE);
  await study.setSystemAttr(NOTE_ATTR, { markdown: NOTE, version: 1, updatedAt: Date.now() });
  studyId = study.studyId;
  const mo = await createStudy({ studyName: `${STUDY} mo`, storage, directions: ['minimize', 'maximize'], sampler: new RandomSampler({ seed: 1 }) });
  for (let i = 0; i < 8; i++) {
    const t = await mo.ask();
    const a = t.suggestFloat(PARAM_A, 0, 1);
    await mo.tell(t, [a, 1 - a * a]);
  }
  moStudyId = mo.studyId;
  dash = await startDashboard({ storage, port: 0, log: () => {} });
  browser = await launchBrowser();
  w = await browser.newPage();
  await w.page.goto(`${dash.url}#/`);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await dash?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function visit(hash: string, ready: string): Promise<void> {
  await w.page.evaluate(`window.location.hash = ${JSON.stringify(hash)}`);
  await w.page.locator(ready).first().waitFor({ timeout: 60_000 });
  // Give anything injected a moment to fire (image errors, onload handlers).
  await w.page.waitForTimeout(150);
  expect(await w.page.evaluate(INJECTED), hash).toEqual({ xss: null, injected: 0 });
}

describe('XSS payloads stay inert text (D6)', () => {
  it('on every page and plot', async () => {
    await visit('#/', 'tr[data-study-id]');
    expect(await w.page.locator('a.study-link').first().textContent()).toBe(STUDY);
    await screenshot(w.page, 'xss-studies');

    await visit(`#/studies/${studyId}`, '[data-plot="history-svg"]');
    expect(await w.page.locator('h1.study-title').textContent()).toBe(STUDY);
    expect(await w.page.locator('.notes .markdown h3').textContent()).toBe('<img src=x onerror="window.__xss=7">');
    expect(await w.page.locator('.notes .markdown').textContent()).toContain('<script>window.__xss=8</script>');
    expect(await w.page.locator('.notes .markdown a').count()).toBe(1);
    expect(await w.page.locator('.notes .markdown a').getAttribute('href')).toBe('https://example.com/');
    await screenshot(w.page, 'xss-overview');

    await visit(`#/studies/${studyId}/trials`, '.vrow [data-trial="0"]');
    expect(await w.page.locator('.vhead').textContent()).toContain(PARAM_B);
    await screenshot(w.page, 'xss-trials');

    await visit(`#/studies/${studyId}/trials/0`, 'pre.logtext');
    expect(await w.page.locator('pre.logtext').textContent()).toBe(LOG);
    expect(await w.page.locator('.trial-page').textContent()).toContain(JSON.stringify(ATTR_VALUE)); // shown as JSON text
    await screenshot(w.page, 'xss-trial');

    const plots: [string, string][] = [
      ['history', '[data-plot="history"][data-ready="true"]'],
      ['parallel', '[data-plot="parallel"] path.pc-line'],
      ['slice', '[data-plot="slice"][data-ready="true"]'],
      ['contour', '[data-plot="contour"][data-ready="true"]'],
      ['importance', '[data-plot="importance"][data-ready="true"]'],
      ['interactions', '[data-plot="interactions"][data-ready="true"]'],
      ['edf', '[data-plot="edf"][data-ready="true"]'],
      ['intermediate', '[data-plot="intermediate"][data-ready="true"]'],
      ['timeline', '[data-plot="timeline"][data-ready="true"]'],
    ];
    for (const [plot, ready] of plots) await visit(`#/studies/${studyId}/plots/${plot}`, ready);
    // Chart labels show the names as text.
    await visit(`#/studies/${studyId}/plots/slice`, '[data-plot="slice"][data-ready="true"]');
    expect(await w.page.locator('[data-plot="slice"]').textContent()).toContain(PARAM_A);
    await visit(`#/studies/${studyId}/plots/parallel`, '[data-plot="parallel"] path.pc-line');
    expect(await w.page.locator('[data-plot="parallel"] text.pc-label').allTextContents()).toContain(`${PARAM_B.slice(0, 23)}…`);
    await screenshot(w.page, 'xss-parallel');
    await visit(`#/studies/${moStudyId}/plots/pareto`, '[data-plot="pareto"][data-ready="true"]');

    // Hover a point: tooltips are text too.
    await visit(`#/studies/${studyId}/plots/slice`, '[data-plot="slice"][data-ready="true"]');
    const at = (await w.page.evaluate(`(() => {
      const path = document.querySelector('[data-plot="slice-panel"] path.dots[d^="M"]');
      const m = /^M([\\d.]+) ([\\d.]+)/.exec(path.getAttribute('d'));
      const box = path.ownerSVGElement.getBoundingClientRect();
      return [box.left + Number(m[1]), box.top + Number(m[2])];
    })()`)) as [number, number];
    await w.page.mouse.move(at[0], at[1]);
    await w.page.locator('[data-plot="slice-panel"] .tip').first().waitFor({ timeout: 10_000 });
    const tip = (await w.page.locator('[data-plot="slice-panel"] .tip').first().textContent()) ?? '';
    expect(tip).toContain('trial');
    expect([PARAM_A, PARAM_B, ATTR_KEY].some((name) => tip.includes(name))).toBe(true);
    expect(await w.page.evaluate(INJECTED)).toEqual({ xss: null, injected: 0 });

    expect(w.dialogs).toEqual([]);
    expect(w.pageErrors).toEqual([]);
    expect(w.cspViolations).toEqual([]);
    expect(await pageCspViolations(w.page)).toEqual([]);
    // With a token, the page asks for it first; only the right one opens the studies.
    const token = 'correct horse battery staple';
    const guarded = await startDashboard({ storage: `sqlite:${join(dir, 'xss.db')}`, port: 0, token, log: () => {} });
    try {
      const p = await browser.newPage();
      await p.page.goto(`${guarded.url}#/`);
      await p.page.getByRole('heading', { name: 'Token required' }).waitFor({ timeout: 15_000 });
      expect(await p.page.locator('tr[data-study-id]').count()).toBe(0);
      await p.page.getByLabel('Token').fill('wrong token, 8+ chars');
      await p.page.getByRole('button', { name: 'Sign in' }).click();
      await p.page.getByRole('alert').waitFor({ timeout: 15_000 });
      await p.page.getByLabel('Token').fill(token);
      await p.page.getByRole('button', { name: 'Sign in' }).click();
      await p.page.locator('tr[data-study-id]').first().waitFor({ timeout: 15_000 });
      expect(p.page.url()).not.toContain(encodeURIComponent(token).slice(0, 7));
      expect(p.cspViolations).toEqual([]);
      await p.page.close();
    } finally {
      await guarded.close();
    }
    // The API answered with the payloads intact: they were shown, not dropped.
    const api = new ApiClient(fetch, { baseUrl: dash.url.replace(/\/$/, '') });
    expect((await api.study(studyId)).study.studyName).toBe(STUDY);
  }, 180_000);
});
