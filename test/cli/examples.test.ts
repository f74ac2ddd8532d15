/** The examples run as documented: the Python protocol script, scikit-learn's SVM and the Node MLP (the quickstart), through `dials tune`. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { dials, ROOT, trialsOf } from './cli-harness.js';

const dir = mkdtempSync(join(tmpdir(), 'dials-examples-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Real processes on a shared 2-core machine: generous bounds, never a measure of speed. */
const SLOW = 240_000;

/**
 * A python3 that imports scikit-learn: the one on PATH, else Debian's
 * (python3-sklearn, which .ci/run installs). PATH's python3 may be another
 * interpreter (pyenv, a venv) without it.
 */
function sklearnPython(): string | null {
  for (const py of ['python3', '/usr/bin/python3']) {
    const r = spawnSync(py, ['-c', 'import sklearn'], { stdio: 'ignore' });
    if (r.status === 0) return py;
  }
  return null;
}
const SKLEARN_PYTHON = sklearnPython();
/** CI always runs it (a missing scikit-learn fails there); elsewhere it needs python3-sklearn or pip's scikit-learn. */
const runSklearn = SKLEARN_PYTHON !== null || process.env.CI !== undefined;

describe('examples', () => {
  it(
    'examples/python: the ten-line protocol in pure Python, with intermediate values',
    async () => {
      const storage = `sqlite:${join(dir, 'py.db')}`;
      const r = await dials([
        'tune',
        join(ROOT, 'examples/python/dials.yaml'),
        '--storage',
        storage,
        '--trials',
        '4',
        '--parallel',
        '2',
        '--json',
        '--progress',
        'none',
      ]);
      expect(r.code, r.stderr).toBe(0);
      const ts = await trialsOf(storage, 'python-demo');
      expect(ts.map((t) => t.state)).toEqual(Array(4).fill('COMPLETE'));
      for (const t of ts) {
        const { lr, depth, opt } = t.params as { lr: number; depth: number; opt: string };
        const target = (Math.log10(lr) + 2) ** 2 + 0.3 * (depth - 3) ** 2 + (opt === 'adam' ? 0 : 0.5);
        // Five halvings of the distance from 10 to the target.
        expect(t.value).toBeCloseTo(target + (10 - target) / 32, 9);
        expect(t.intermediateValues.map((iv) => iv.step)).toEqual([0, 1, 2, 3, 4]);
      }
    },
    SLOW,
  );

  it.runIf(runSklearn)(
    'examples/sklearn: an SVM on the digits, folds reported as steps, the median pruner stopping weak kernels',
    async () => {
      if (SKLEARN_PYTHON === null) throw new Error('no python3 with scikit-learn: apt-get install python3-sklearn (or pip install scikit-learn)');
      const storage = `sqlite:${join(dir, 'sk.db')}`;
      // The config says `python3`: put the interpreter that has scikit-learn first on PATH.
      const PATH = SKLEARN_PYTHON.includes('/') ? `${dirname(SKLEARN_PYTHON)}${delimiter}${process.env.PATH ?? ''}` : process.env.PATH;
      const r = await dials(
        ['tune', join(ROOT, 'examples/sklearn/dials.yaml'), '--storage', storage, '--trials', '8', '--parallel', '2', '--json', '--progress', 'none'],
        { env: { PATH }, timeoutMs: 200_000 },
      );
      expect(r.code, r.stderr).toBe(0);
      const ts = await trialsOf(storage, 'svm-digits');
      expect(ts).toHaveLength(8);
      for (const t of ts) {
        expect(['COMPLETE', 'PRUNED'], `trial ${t.number}: ${t.state} ${t.failReason ?? ''}`).toContain(t.state);
        const steps = t.intermediateValues.map((iv) => iv.step);
        // Folds arrive in order. A pruned trial stops at the fold the pruner judged: its fifth
        // too (the median pruner may stop a trial on its last report, before its final value).
        expect(steps).toEqual([0, 1, 2, 3, 4].slice(0, steps.length));
        if (t.state === 'COMPLETE') {
          expect(steps).toHaveLength(5);
          expect(t.value).toBeCloseTo(t.intermediateValues[4]?.values[0] as number, 12);
        } else expect(steps.length).toBeGreaterThanOrEqual(2); // n_warmup_steps: 1, so no prune before step 1
        if (t.params.kernel === 'rbf') expect(t.params.degree).toBeUndefined();
      }
      // A 5-fold CV accuracy of an SVM on the digits: the best of 8 TPE start-up draws learns them.
      const best = Math.max(...ts.filter((t) => t.state === 'COMPLETE').map((t) => t.value as number));
      expect(best).toBeGreaterThan(0.9);
    },
    SLOW,
  );

  it(
    'examples/node-mlp: a small MLP in plain JavaScript learns the digits (dials/trial helper)',
    async () => {
      const storage = `sqlite:${join(dir, 'node.db')}`;
      const r = await dials(['tune', join(ROOT, 'examples/node-mlp/dials.yaml'), '--storage', storage, '--trials', '2', '--json', '--progress', 'none'], {
        timeoutMs: 60_000,
      });
      expect(r.code, r.stderr).toBe(0);
      const ts = await trialsOf(storage, 'digits-mlp');
      expect(ts.map((t) => t.state)).toEqual(['COMPLETE', 'COMPLETE']);
      for (const t of ts) expect(t.intermediateValues.length).toBe(20);
      // TPE's first trials are seeded random draws; the better of the two learns the digits well.
      expect(Math.max(...ts.map((t) => t.value as number))).toBeGreaterThan(0.9);
    },
    SLOW,
  );
});
