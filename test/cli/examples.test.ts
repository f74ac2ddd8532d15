/** The examples run as documented: the Python protocol script and the Node MLP (the quickstart), through `dials tune`. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { dials, ROOT, trialsOf } from './cli-harness.js';

const dir = mkdtempSync(join(tmpdir(), 'dials-examples-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Real processes on a shared 2-core machine: generous bounds, never a measure of speed. */
const SLOW = 240_000;

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
