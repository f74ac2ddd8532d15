/**
 * Importance and interactions over HTTP equal the library's own fit of the
 * same trials, whether the dashboard fits in its worker thread (a process
 * run under tsx, as the CLI in development) or in-process.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../../src/dashboard/api.js';
import { startDashboard } from '../../src/dashboard/server/start.js';
import { evaluateParamImportances } from '../../src/importance/importance.js';
import { createStudy, RandomSampler, type Study } from '../../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'dials-dash-imp-'));
const url = `sqlite:${join(dir, 'imp.db')}`;
const CHILD = new URL('./server-importance-child.ts', import.meta.url).pathname;
let study: Study;

beforeAll(async () => {
  study = await createStudy({ studyName: 'imp', storage: url, sampler: new RandomSampler({ seed: 3 }) });
  // x matters most; y and z only together.
  await study.optimize(
    (t) => {
      const x = t.suggestFloat('x', 0, 1);
      const y = t.suggestFloat('y', -1, 1);
      const z = t.suggestFloat('z', -1, 1);
      t.suggestCategorical('unused', ['a', 'b']);
      return 3 * x + 2 * y * z;
    },
    { nTrials: 80 },
  );
}, 60_000);

afterAll(async () => {
  await study?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function reference() {
  const trials = await study.getTrials({ states: ['COMPLETE'] });
  const main = evaluateParamImportances(trials, study.directions, { evaluator: 'fanova', target: 0 });
  const pairs = evaluateParamImportances(trials, study.directions, { evaluator: 'fanova', target: 0, pairs: true });
  return {
    importance: main.ranked.map((r) => ({ param: r.param, importance: r.importance })),
    interactions: (pairs.interactions ?? []).map((p) => ({ params: [...p.params], importance: p.importance })),
  };
}

describe('dashboard importance', () => {
  it('fits in a worker thread in a process run under tsx, with the library result', async () => {
    const out = await new Promise<string>((resolve, reject) => {
      const child = spawn(process.execPath, ['--import', 'tsx', CHILD, JSON.stringify({ storage: url, studyId: study.studyId })], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let text = '';
      let err = '';
      child.stdout.on('data', (b) => {
        text += String(b);
      });
      child.stderr.on('data', (b) => {
        err += String(b);
      });
      child.on('exit', (code) => (code === 0 ? resolve(text) : reject(new Error(`child exited with ${code}: ${err}`))));
    });
    const got = JSON.parse(out.trim().split('\n').pop() as string) as { ranIn: string; importance: unknown; interactions: unknown };
    expect(got.ranIn).toBe('worker');
    const ref = await reference();
    expect(got.importance).toEqual(ref.importance);
    expect(got.interactions).toEqual(ref.interactions);
    expect((got.importance as { param: string }[])[0]?.param).toBe('x');
    expect(got.interactions).toHaveLength(6);
  }, 60_000);

  it('gives the same answers wherever it fits (here: the test runner process)', async () => {
    const d = await startDashboard({ storage: url, port: 0, uiDir: null, log: () => {} });
    try {
      const api = new ApiClient(fetch, { baseUrl: d.url.replace(/\/$/, '') });
      const ref = await reference();
      expect((await api.importance(study.studyId)).importances).toEqual(ref.importance);
      expect((await api.interactions(study.studyId)).pairs).toEqual(ref.interactions);
      expect(['worker', 'in-process']).toContain(d.importance.lastRanIn);
    } finally {
      await d.close();
    }
  }, 60_000);
});
