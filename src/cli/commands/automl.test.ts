import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dials as runCli } from '../../../test/cli/cli-harness.js';
import { parseCsv } from '../../automl/csv.js';
import { loadStudy } from '../../study/create-study.js';

/** The built CLI as a child process, without a storage from the environment. */
const dials = (args: readonly string[]) => runCli(args, { env: { DIALS_STORAGE: '' } });

// Three classes from two numeric columns and a categorical one, with gaps and labels that need quoting.
const labels = ['setosa', 'versi"color, x', 'virginica'];
function csvText(n: number): string {
  const lines = ['size,width,colour,species'];
  for (let i = 0; i < n; i++) {
    const c = i % 3;
    const size = i % 17 === 0 ? '' : (c * 2 + Math.sin(i)).toFixed(3);
    const colour = ['red', 'green', 'blue'][(c + (i % 5 === 0 ? 1 : 0)) % 3];
    const label = labels[c] as string;
    lines.push([size, (c + Math.cos(i * 7) * 0.4).toFixed(3), colour, /[",]/.test(label) ? `"${label.replace(/"/g, '""')}"` : label].join(','));
  }
  return `${lines.join('\n')}\n`;
}

describe('dials automl and dials predict (real child processes)', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'dials-automl-cli-'));
    writeFileSync(join(dir, 'train.csv'), csvText(90));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('searches, saves the model, stores the study in SQLite; predict writes a CSV of labels', async () => {
    const storage = `sqlite:${join(dir, 'dials.db')}`;
    const model = join(dir, 'model.json');
    const r = await dials([
      'automl',
      join(dir, 'train.csv'),
      '--target',
      'species',
      '--trials',
      '5',
      '--families',
      'knn,naive_bayes,gbdt',
      '--out',
      model,
      '--storage',
      storage,
      '--study',
      'flowers',
      '--json',
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.stdout) as {
      task: string;
      metric: string;
      best: { mean: number };
      baseline: number;
      leaderboard: unknown[];
      ensembleGain: { gain: number; stdErr: number; splits: number; candidates: number } | null;
    };
    expect(summary.task).toBe('classification');
    // A trial budget: no confirmation, so the ensemble was selected on the search's folds, and --json says by how much it gained.
    expect(summary.ensembleGain?.splits).toBe(1);
    expect(summary.ensembleGain?.candidates).toBeGreaterThanOrEqual(2);
    expect(Number.isFinite(summary.ensembleGain?.gain)).toBe(true);
    expect(summary.metric).toBe('accuracy');
    expect(summary.leaderboard).toHaveLength(5);
    expect(summary.best.mean).toBeGreaterThan(0.9);
    const study = await loadStudy({ studyName: 'flowers', storage });
    expect((await study.getTrials()).length).toBe(5);
    await study.close();
    const saved = JSON.parse(readFileSync(model, 'utf8')) as { format: string; version: number; classes: string[] };
    expect(saved.format).toBe('dials-automl-model');
    expect(saved.classes).toEqual(labels);

    writeFileSync(join(dir, 'new.csv'), csvText(30));
    const out = join(dir, 'preds.csv');
    const p = await dials(['predict', model, join(dir, 'new.csv'), '--out', out]);
    expect(p.stderr).toBe('');
    expect(p.code).toBe(0);
    const rows = parseCsv(readFileSync(out, 'utf8'));
    expect(rows[0]).toEqual(['species']);
    const truth = parseCsv(csvText(30))
      .slice(1)
      .map((row) => row[3]);
    const hits = rows.slice(1).filter((row, i) => row[0] === truth[i]).length;
    expect(hits / 30).toBeGreaterThan(0.85);
  }, 60_000);

  it('a second run in the same storage learns from the first (one line names the study); --no-warm-start does not', async () => {
    const storage = `sqlite:${join(dir, 'warm.db')}`;
    writeFileSync(join(dir, 'more.csv'), csvText(120));
    const args = (csv: string, study: string) => [
      'automl',
      join(dir, csv),
      '--target',
      'species',
      '--trials',
      '3',
      '--families',
      'knn,naive_bayes',
      '--storage',
      storage,
      '--study',
      study,
    ];
    const first = await dials(args('train.csv', 'first'));
    expect(first.code).toBe(0);
    expect(first.stdout).not.toMatch(/warm start/);
    // Every report states the improvement over the established baseline: the best family default.
    expect(first.stdout).toMatch(
      /^improvement over the best default \(the established baseline: (knn|naive_bayes) with its default settings, trial [01], \d\.\d+\): \+\d\.\d+$/m,
    );
    const second = await dials(args('more.csv', 'second'));
    expect(second.stderr).toBe('');
    expect(second.code).toBe(0);
    const lines = second.stdout.split('\n').filter((l) => l.startsWith('warm start'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^warm start from 1 earlier study nearest by dataset meta-features: first \(distance \d+\.\d\d\); [12] of their best configurations tried first$/,
    );
    const cold = await dials([...args('more.csv', 'third'), '--no-warm-start', '--json']);
    expect(cold.code).toBe(0);
    const coldJson = JSON.parse(cold.stdout) as { warmStart: unknown; best: { mean: number }; bestDefault: { source: string; trial: number; mean: number } };
    expect(coldJson.warmStart).toBeNull();
    expect(coldJson.bestDefault.source).toBe('default');
    expect(coldJson.bestDefault.trial).toBeLessThan(2);
    expect(coldJson.best.mean).toBeGreaterThanOrEqual(coldJson.bestDefault.mean);
    const bad = await dials([...args('more.csv', 'fourth'), '--warm-start-from', 'nope']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/nope/);
  }, 60_000);

  it('fails with a clear message and exit code 1 on a missing target column, an empty CSV, a one-class target', async () => {
    writeFileSync(join(dir, 'empty.csv'), '');
    writeFileSync(join(dir, 'one.csv'), 'a,y\n1,k\n2,k\n3,k\n');
    const [missing, empty, one, badModel] = await Promise.all([
      dials(['automl', join(dir, 'train.csv'), '--target', 'nope', '--trials', '1', '--storage', 'memory:']),
      dials(['automl', join(dir, 'empty.csv'), '--target', 'y', '--storage', 'memory:']),
      dials(['automl', join(dir, 'one.csv'), '--target', 'y', '--storage', 'memory:']),
      dials(['predict', join(dir, 'one.csv'), join(dir, 'one.csv')]),
    ]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/dials: the target column "nope" is not in the data; its columns are "size", "width", "colour", "species"/);
    expect(empty.code).toBe(1);
    expect(empty.stderr).toMatch(/empty\.csv is empty/);
    expect(one.code).toBe(1);
    expect(one.stderr).toMatch(/only one class \("k"\)/);
    expect(badModel.code).toBe(1);
    expect(badModel.stderr).toMatch(/is not valid JSON/);
  }, 60_000);
});
