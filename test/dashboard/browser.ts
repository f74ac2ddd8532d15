/**
 * Browser harness for the dashboard tests: Debian's Chromium driven by
 * playwright-core, headless, with a fresh profile per launch. Each page
 * records what a test must see stay empty: dialogs (alert/confirm/prompt),
 * uncaught page errors and CSP violations (both the console report and the
 * `securitypolicyviolation` event).
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';

export const CHROMIUM_PATH = '/usr/bin/chromium';
export const SCREENSHOT_DIR = join(process.cwd(), 'test-results', 'screenshots');

const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

export interface WatchedPage {
  readonly page: Page;
  /** Messages of dialogs that opened (each was dismissed). */
  readonly dialogs: string[];
  readonly pageErrors: string[];
  /** CSP violations, from the console and from `securitypolicyviolation` events. */
  readonly cspViolations: string[];
  readonly consoleErrors: string[];
}

export interface Browser {
  readonly context: BrowserContext;
  newPage(): Promise<WatchedPage>;
  close(): Promise<void>;
}

export async function launchBrowser(): Promise<Browser> {
  const profile = mkdtempSync(join(tmpdir(), 'dials-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: ARGS,
    viewport: { width: 1400, height: 900 },
    acceptDownloads: true,
  });
  // Runs before any page script; records CSP violations the page itself sees.
  await context.addInitScript(`
    window.__csp = [];
    document.addEventListener('securitypolicyviolation', (e) => {
      window.__csp.push(e.violatedDirective + ' ' + (e.blockedURI || '') + ' ' + (e.sourceFile || '') + ':' + e.lineNumber);
    });
  `);
  for (const p of context.pages()) await p.close();
  return {
    context,
    async newPage() {
      const page = await context.newPage();
      const watched: WatchedPage = { page, dialogs: [], pageErrors: [], cspViolations: [], consoleErrors: [] };
      page.on('dialog', (d) => {
        watched.dialogs.push(`${d.type()}: ${d.message()}`);
        void d.dismiss().catch(() => {});
      });
      page.on('pageerror', (e) => watched.pageErrors.push(e.message));
      page.on('console', (m) => {
        const text = m.text();
        if (/Content Security Policy/i.test(text)) watched.cspViolations.push(text);
        else if (m.type() === 'error') watched.consoleErrors.push(text);
      });
      return watched;
    },
    async close() {
      await context.close().catch(() => {});
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** CSP violations the page recorded through its `securitypolicyviolation` listener. */
export async function pageCspViolations(page: Page): Promise<string[]> {
  return (await page.evaluate('window.__csp ?? []')) as string[];
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const path = join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** A trace of a Plotly figure (the contour and the 3-D Pareto front), reduced to what tests count. */
export interface TraceMarks {
  readonly type: string;
  readonly name: string | null;
  /** Non-null x values (points, or line vertices). */
  readonly x: number;
  readonly y: number;
  readonly z: number;
}

// Plain JavaScript source, evaluated in the page (functions passed from a
// transpiled test file may carry helper calls the page does not define).
const MARKS_SOURCE = `function (el) {
  var count = function (a) {
    if (Array.isArray(a)) return a.filter(function (v) { return v !== null && v !== undefined; }).length;
    return a && typeof a === 'object' && 'length' in a ? Number(a.length) : 0;
  };
  return el.data.map(function (t) {
    return { type: String(t.type || 'scatter'), name: typeof t.name === 'string' ? t.name : null, x: count(t.x), y: count(t.y), z: Array.isArray(t.z) ? t.z.length : 0 };
  });
}`;

/**
 * Waits until the Plotly figure `name` has rendered, then returns its
 * traces from the element's own `data` (what Plotly drew, not what was meant).
 */
export async function plotMarks(page: Page, name: string, timeout = 60_000): Promise<TraceMarks[]> {
  const sel = `[data-plot="${name}"][data-ready="true"]`;
  await page.waitForSelector(sel, { timeout });
  return (await page.evaluate(`(${MARKS_SOURCE})(document.querySelector(${JSON.stringify(sel)}))`)) as TraceMarks[];
}

/** An SVG mark element of the dashboard's own charts: its path commands counted, and its data-* attributes. */
export interface SvgMark {
  /** Sub-paths (one per dot, bar or curve). */
  readonly M: number;
  /** Line-to commands (vertices after the first of each sub-path). */
  readonly L: number;
  /** Vertical steps (step lines: one per point after the first). */
  readonly V: number;
  readonly data: Readonly<Record<string, string>>;
}

/**
 * The marks matching `selector` (e.g. '[data-plot="slice"] path.dots'), as the
 * page holds them: counted from each path's `d`, not from the data behind it.
 */
export async function svgMarks(page: Page, selector: string, timeout = 30_000): Promise<SvgMark[]> {
  await page.locator(selector).first().waitFor({ state: 'attached', timeout });
  return (await page.evaluate(`Array.from(document.querySelectorAll(${JSON.stringify(selector)})).map(function (el) {
    var d = el.getAttribute('d') || '';
    var n = function (c) { return (d.match(new RegExp(c, 'g')) || []).length; };
    return { M: n('M'), L: n('L'), V: n('V'), data: Object.assign({}, el.dataset) };
  })`)) as SvgMark[];
}

/** Number of SVG nodes matching `selector` inside the figure `name` (what is on screen). */
export async function svgCount(page: Page, name: string, selector: string): Promise<number> {
  return (await page.evaluate(`document.querySelectorAll(${JSON.stringify(`[data-plot="${name}"] ${selector}`)}).length`)) as number;
}
