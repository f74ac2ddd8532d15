import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dials as runCli, trialsOf } from './cli-harness.js';

/** The built CLI as a child process, without a storage from the environment. */
const dials = (args: readonly string[]) => runCli(args, { env: { DIALS_STORAGE: '' } });

// Two well-separated classes with string labels in a column named "kind".
function csvText(n: number): string {
  const lines = ['a,b,kind'];
  for (let i = 0; i < n; i++) {
    const c = i % 2;
    lines.push([(c * 3 + Math.sin(i)).toFixed(3), (c * -2 + Math.cos(i * 3)).toFixed(3), c === 0 ? 'left' : 'right'].join(','));
  }
  return `${lines.join('\n')}\n`;
}

describe('dials nas (real child processes)', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'dials-nas-cli-'));
    writeFileSync(join(dir, 'two.csv'), csvText(80));
    writeFileSync(join(dir, 'mixed.csv'), 'x,colour,y\n1,red,a\n2,blue,b\n3,red,a\n4,blue,b\n');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('searches a bundled dataset with evolution and Hyperband, storing every trial in SQLite', async () => {
    const storage = `sqlite:${join(dir, 'nas.db')}`;
    const r = await dials(['nas', 'iris', '--trials', '6', '--epochs', '3', '--population', '3', '--storage', storage, '--study', 'iris-nas', '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as {
      study: string;
      rows: number;
      features: number;
      classes: number[];
      sampler: string;
      trials: number;
      complete: number;
      pruned: number;
      epochsTrained: number;
      best: { trial: number; accuracy: number; description: string; architecture: { family: string; blocks: unknown[] } };
      leaderboard: { trial: number; state: string; accuracy: number; epochs: number }[];
    };
    expect(out).toMatchObject({ study: 'iris-nas', rows: 150, features: 4, classes: [0, 1, 2], sampler: 'RegularizedEvolutionSampler', trials: 6 });
    expect(out.complete + out.pruned).toBe(6);
    expect(out.complete).toBeGreaterThanOrEqual(1);
    // Iris has no image shape: dense blocks only.
    expect(out.best.architecture.family).toBe('dense');
    expect(out.best.accuracy).toBeGreaterThan(0.5);
    // Complete trials trained all 3 epochs; the best is the leaderboard's first row.
    expect(out.leaderboard[0]).toMatchObject({ trial: out.best.trial, state: 'COMPLETE', epochs: 3 });
    expect(out.epochsTrained).toBe(out.leaderboard.reduce((s, l) => s + l.epochs, 0));
    const stored = await trialsOf(storage, 'iris-nas');
    expect(stored).toHaveLength(6);
    const bestStored = stored.find((t) => t.number === out.best.trial);
    expect(bestStored?.value).toBe(out.best.accuracy);
    expect((bestStored?.userAttrs.nas as { description?: string } | undefined)?.description).toBe(out.best.description);
  }, 60_000);

  it('reads a CSV with string labels and prints a leaderboard', async () => {
    const r = await dials(['nas', join(dir, 'two.csv'), '--target', 'kind', '--trials', '3', '--epochs', '2', '--sampler', 'random', '--storage', 'memory:']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/two\.csv \(80 rows, 2 features, 2 classes; 16 validation rows\), 3 trials/);
    expect(r.stdout).toMatch(/RANK\s+TRIAL\s+STATE\s+VAL ACC/);
    expect(r.stdout).toMatch(/^best: trial \d+, validation accuracy \d\.\d{4}: dense\[/m);
  }, 60_000);

  it('names what is wrong and how to fix it', async () => {
    const cases: [string[], RegExp][] = [
      [['nas', 'mnist'], /neither a bundled dataset \(digits, breast_cancer, iris, wine\) nor a CSV path/],
      [['nas', join(dir, 'two.csv')], /--target <column> is required/],
      [['nas', join(dir, 'two.csv'), '--target', 'label'], /has no column "label"; its columns are "a", "b", "kind"/],
      [['nas', join(dir, 'mixed.csv'), '--target', 'y'], /column "colour" is not numeric/],
      [['nas', join(dir, 'two.csv'), '--target', 'a'], /looks continuous/],
      [['nas', 'iris', '--trials', '0'], /--trials must be an integer >= 1/],
      [['nas', 'iris', '--sampler', 'cmaes'], /--sampler must be evolution, tpe or random/],
      [['nas', 'iris', '--image-shape', '2x3x1'], /has 6 values per row, but the data has 4 features/],
      [['nas', join(dir, 'missing.csv'), '--target', 'y'], /cannot read .*missing\.csv/],
    ];
    for (const [args, message] of cases) {
      const r = await dials([...args, '--storage', 'memory:']);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stderr, args.join(' ')).toMatch(message);
      expect(r.stdout).toBe('');
    }
  }, 60_000);
});
