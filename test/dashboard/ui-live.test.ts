/**
 * Live updates without a reload: another process (a real child, writing to
 * the same SQLite file through the built package) starts and finishes a
 * trial, and the open pages show it, pushed by the server's SSE stream.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Dashboard, startDashboard } from '../../src/dashboard/server/start.js';
import { createStudy, RandomSampler } from '../../src/index.js';
import { type Browser, launchBrowser, pageCspViolations, screenshot, type WatchedPage } from './browser.js';

const ROOT = join(import.meta.dirname, '..', '..');

/** The other process: asks for a trial, waits for "go" on stdin, finishes it with 42. */
const WORKER = `
import { createStudy } from ${JSON.stringify(pathToFileURL(join(ROOT, 'dist', 'index.js')).href)};
import { createInterface } from 'node:readline';
const [storage, studyName] = process.argv.slice(1);
const study = await createStudy({ studyName, storage, direction: 'minimize', loadIfExists: true });
const trial = await study.ask();
trial.suggestFloat('x', -1, 1, {});
trial.report(50, 0);
await trial.flush();
console.log(JSON.stringify({ asked: trial.number }));
const lines = createInterface({ input: process.stdin });
for await (const line of lines) {
  if (line.trim() !== 'go') continue;
  await study.tell(trial, 42);
  console.log(JSON.stringify({ told: trial.number }));
  break;
}
lines.close();
process.exit(0);
`;

let dir: string;
let storage: string;
let dash: Dashboard;
let browser: Browser;
let child: ChildProcess | null = null;
let studyId: number;

function startWorker(): { child: ChildProcess; next: () => Promise<Record<string, number>> } {
  const c = spawn(process.execPath, ['--input-type=module', '-e', WORKER, storage, 'live'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let buf = '';
  let stderr = '';
  const queue: Record<string, number>[] = [];
  const waiters: ((v: Record<string, number>) => void)[] = [];
  c.stdout!.on('data', (d: Buffer) => {
    buf += d.toString();
    for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      const msg = JSON.parse(line) as Record<string, number>;
      const w = waiters.shift();
      if (w) w(msg);
      else queue.push(msg);
    }
  });
  c.stderr!.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const next = () =>
    new Promise<Record<string, number>>((resolve, reject) => {
      const m = queue.shift();
      if (m) return resolve(m);
      const timer = setTimeout(() => reject(new Error(`the worker process said nothing for 30 s; stderr: ${stderr}`)), 30_000);
      waiters.push((v) => {
        clearTimeout(timer);
        resolve(v);
      });
    });
  return { child: c, next };
}

beforeAll(async () => {
  if (!existsSync(join(ROOT, 'dist', 'index.js')) || !existsSync(join(ROOT, 'dist', 'dashboard', 'ui', 'index.html'))) {
    throw new Error('dist/ is missing: run `npm run build` first (the worker process imports the built package; the browser loads the built front end)');
  }
  dir = mkdtempSync(join(tmpdir(), 'dials-ui-live-'));
  storage = `sqlite:${join(dir, 'live.db')}`;
  const study = await createStudy({ studyName: 'live', storage, direction: 'minimize', sampler: new RandomSampler({ seed: 4 }) });
  await study.optimize((t) => t.suggestFloat('x', -1, 1) ** 2, { nTrials: 3 });
  studyId = study.studyId;
  await study.close();
  dash = await startDashboard({ storage, port: 0, log: () => {} });
  browser = await launchBrowser();
}, 120_000);

afterAll(async () => {
  child?.kill('SIGKILL');
  await browser?.close();
  await dash?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('live updates', () => {
  it('a trial started and finished by another process appears on open pages without a reload', async () => {
    const table: WatchedPage = await browser.newPage();
    const list: WatchedPage = await browser.newPage();
    await table.page.goto(`${dash.url}#/studies/${studyId}/trials`);
    await list.page.goto(`${dash.url}#/`);
    await table.page.locator('[data-testid="trials-total"]', { hasText: '3 trials' }).waitFor({ timeout: 20_000 });
    const row = list.page.locator(`tr[data-study-id="${studyId}"]`);
    await row.locator('td.count-complete', { hasText: '3' }).waitFor({ timeout: 20_000 });
    await table.page.locator('.live.on').waitFor({ timeout: 10_000 });
    // A mark that a reload would wipe.
    for (const p of [table.page, list.page]) await p.evaluate('window.__sameDocument = true');

    const worker = startWorker();
    child = worker.child;
    const asked = await worker.next();
    expect(asked.asked).toBe(3);
    let t0 = Date.now();
    const newRow = table.page.locator(`.vrow [data-trial="3"]`);
    await newRow.locator('.badge', { hasText: 'RUNNING' }).waitFor({ timeout: 15_000 });
    const runningMs = Date.now() - t0;
    await row.locator('td.count-running', { hasText: '1' }).waitFor({ timeout: 15_000 });
    await screenshot(table.page, 'live-running');

    worker.child.stdin!.write('go\n');
    const told = await worker.next();
    expect(told.told).toBe(3);
    t0 = Date.now();
    await newRow.locator('.badge', { hasText: 'COMPLETE' }).waitFor({ timeout: 15_000 });
    const finishedMs = Date.now() - t0;
    expect(await newRow.locator('.vcell:nth-child(3)').textContent()).toBe('42');
    await table.page.locator('[data-testid="trials-total"]', { hasText: '4 trials' }).waitFor({ timeout: 5_000 });
    await row.locator('td.count-complete', { hasText: '4' }).waitFor({ timeout: 15_000 });
    await screenshot(table.page, 'live-finished');
    // Shown, not timed here: the benchmark measures latency (npm run bench:dashboard).
    console.log(`live: RUNNING shown ${runningMs} ms after the worker's ask, COMPLETE ${finishedMs} ms after its tell`);

    for (const p of [table, list]) {
      expect(await p.page.evaluate('window.__sameDocument')).toBe(true);
      expect(p.cspViolations).toEqual([]);
      expect(await pageCspViolations(p.page)).toEqual([]);
      expect(p.pageErrors).toEqual([]);
    }
  }, 90_000);
});
