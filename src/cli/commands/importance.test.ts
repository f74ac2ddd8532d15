import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dials as runCli } from '../../../test/cli/cli-harness.js';
import { decodeJson } from '../../json.js';
import { RandomSampler } from '../../samplers/random/random-sampler.js';
import { createStudy } from '../../study/create-study.js';

/** The built CLI as a child process, without a storage from the environment. */
const dials = (args: readonly string[]) => runCli(args, { env: { DIALS_STORAGE: '' } });

describe('dials importance (a real child process on a SQLite file)', () => {
  let dir: string;
  let storage: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'dials-importance-'));
    storage = `sqlite:${join(dir, 'study.db')}`;
    const study = await createStudy({ studyName: 'planted', storage, sampler: new RandomSampler({ seed: 8 }) });
    await study.optimize(
      (t) => {
        const a = t.suggestFloat('a', 0, 1);
        const b = t.suggestFloat('b', 0, 1);
        t.suggestFloat('noise', 0, 1);
        t.suggestCategorical('<script>', ['x', 'y']);
        return (a - 0.5) * (b - 0.5);
      },
      { nTrials: 300 },
    );
    await study.close();
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('prints importances and the planted pair first as JSON', async () => {
    const r = await dials(['importance', '--study', 'planted', '--storage', storage, '--pairs', '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = decodeJson(r.stdout) as {
      evaluator: string;
      nTrials: number;
      importances: { param: string; importance: number }[];
      interactions: { params: string[]; importance: number }[];
    };
    expect(out.evaluator).toBe('fanova');
    expect(out.nTrials).toBe(300);
    expect(out.importances.map((p) => p.param).sort()).toEqual(['<script>', 'a', 'b', 'noise']);
    expect(out.importances.reduce((s, p) => s + p.importance, 0)).toBeCloseTo(1, 10);
    expect(out.interactions[0]?.params).toEqual(['a', 'b']);
    expect(out.interactions).toHaveLength(6);
  });

  it('prints a table with another evaluator, and refuses --pairs without fANOVA', async () => {
    const r = await dials(['importance', '--study', 'planted', '--storage', storage, '--evaluator', 'mdi']);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toBe('study planted: mdi importance over 300 COMPLETE trials');
    expect(lines[1]).toMatch(/^PARAM\s+IMPORTANCE$/);
    expect(lines.slice(2).map((l) => l.split(/\s+/)[0])).toHaveLength(4);
    const bad = await dials(['importance', '--study', 'planted', '--storage', storage, '--evaluator', 'ped-anova', '--pairs']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/--pairs needs --evaluator fanova/);
  });
});
