/**
 * The study commands from the shell: ask/tell (a tell after the trial was
 * reaped gets a clear error), enqueue, create-study, studies, delete-study,
 * storage check/backup; C8: a storage password never reaches output, errors
 * or trial processes; errors are one clear line with a non-zero exit.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createStudy, loadStudy } from '../../src/study/create-study.js';
import { dropSchema, newSchemaName, PG_BASE_URL, pgSchemaUrl } from '../helpers/pg.js';
import { dials, json } from './cli-harness.js';

const dir = mkdtempSync(join(tmpdir(), 'dials-cli-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const SPACE = '{"x": {"type": "float", "low": -5, "high": 5}, "n": {"type": "int", "low": 1, "high": 3}}';

/** Real processes on a shared 2-core machine: generous bounds, never a measure of speed. */
const SLOW = 240_000;

describe('study commands', () => {
  it(
    'ask and tell from the shell; a tell after the deadline reaped the trial is refused with a clear error',
    async () => {
      const storage = `sqlite:${join(dir, 'ask.db')}`;
      const s = ['--study', 'shell', '--storage', storage];
      expect((await dials(['create-study', ...s, '--direction', 'maximize', '--json'])).stdout).toContain('"directions":["maximize"]');
      const dup = await dials(['create-study', ...s]);
      expect(dup.code).toBe(1);
      expect(dup.stderr).toMatch(/^dials: a study named "shell" already exists/);
      expect((await dials(['enqueue', ...s, '--params', '{"x": 1.5, "n": 2}', '--skip-if-exists'])).stdout).toBe('queued trial #0\n');
      expect((await dials(['enqueue', ...s, '--params', '{"x": 1.5, "n": 2}', '--skip-if-exists'])).stdout).toMatch(/exists already: #0/);
      const a0 = json(await dials(['ask', ...s, '--space', SPACE, '--sampler', '{"type": "random", "seed": 3}']));
      expect(a0).toEqual({ number: 0, params: { x: 1.5, n: 2 } });
      const t0 = await dials(['tell', ...s, '--trial', '0', '--values', '0.25', '--json']);
      expect(json(t0)).toEqual({ number: 0, state: 'COMPLETE', values: [0.25], reason: null });
      const again = await dials(['tell', ...s, '--trial', '0', '--values', '0.5']);
      expect([again.code, again.stderr]).toEqual([1, 'dials: trial 0 is already COMPLETE; a finished trial cannot be changed\n']);
      const wrong = await dials(['tell', ...s, '--trial', '7', '--values', '1']);
      expect(wrong.stderr).toMatch(/^dials: study "shell" has no trial 7/);

      const a1 = json(await dials(['ask', ...s, '--space', SPACE, '--deadline', '300ms']));
      expect(a1.number).toBe(1);
      expect(a1.params.x).toBeGreaterThanOrEqual(-5);
      await new Promise((r) => setTimeout(r, 600));
      const late = await dials(['tell', ...s, '--trial', '1', '--values', '3']);
      expect(late.code).toBe(1);
      expect(late.stderr).toMatch(/^dials: trial 1 was failed by the heartbeat reaper because this worker stopped beating/);
      const study = await loadStudy({ studyName: 'shell', storage });
      try {
        const t = await study.getTrials();
        expect(t.map((x) => [x.state, x.value, x.failReason])).toEqual([
          ['COMPLETE', 0.25, null],
          ['FAIL', null, 'lease-expired'],
        ]);
      } finally {
        await study.close();
      }
      const bad = await dials(['ask', ...s, '--space', '{"x": {"type": "float", "low": 1, "high": 0}}']);
      expect([bad.code, bad.stderr]).toEqual([1, 'dials: --space: space.x: parameter "x": low (1) must not exceed high (0); swap them\n']);
    },
    SLOW,
  );

  it(
    'studies, trials, export, delete-study, storage check and an online backup',
    async () => {
      const db = join(dir, 'b.db');
      const storage = `sqlite:${db}`;
      const setup = await createStudy({ studyName: 'b', storage });
      for (const v of [1, Number.NEGATIVE_INFINITY, 2]) {
        const t = await setup.ask();
        t.suggestFloat('x', -5, 5);
        await setup.tell(t, v);
      }
      await setup.close();
      const studies = json(await dials(['studies', '--storage', storage, '--json']));
      expect(studies).toMatchObject([{ name: 'b', nTrials: 3, states: { COMPLETE: 3 } }]);
      const trials = json(await dials(['trials', '--study', 'b', '--storage', storage, '--json']));
      expect(trials.map((t: { values: unknown[] }) => t.values)).toEqual([[1], [{ '$dials.number': '-Infinity' }], [2]]);
      const best = json(await dials(['best', '--study', 'b', '--storage', storage, '--json']));
      expect(best[0].number).toBe(1);
      const csv = (await dials(['export', '--study', 'b', '--storage', storage, '--format', 'csv'])).stdout;
      expect(csv.split('\n')[2]).toMatch(/^1,COMPLETE,-inf,/);
      expect((await dials(['storage', 'check', '--storage', storage, '--json'])).stdout).toContain('"ok":true');
      const copy = join(dir, 'copy.db');
      const backup = await dials(['storage', 'backup', '--storage', storage, '--out', copy, '--json']);
      expect(json(backup)).toMatchObject({ ok: true, out: copy });
      expect(json(await dials(['studies', '--storage', `sqlite:${copy}`, '--json']))).toMatchObject([{ name: 'b', nTrials: 3 }]);
      const exists = await dials(['storage', 'backup', '--storage', storage, '--out', copy]);
      expect(exists.stderr).toMatch(/exists; choose a new file/);
      expect((await dials(['delete-study', '--study', 'b', '--storage', storage])).stdout).toBe('deleted study b\n');
      const gone = await dials(['best', '--study', 'b', '--storage', storage]);
      expect([gone.code, gone.stderr]).toEqual([1, 'dials: no study named "b" in this storage; create it with createStudy() first\n']);
    },
    SLOW,
  );

  it(
    'C8: a storage password never appears in output, errors, or the environment of trials; unknown schemes are refused',
    async () => {
      const secret = 'pw-s3cret-42';
      const down = await dials(['studies', '--storage', `postgresql://postgres:${secret}@127.0.0.1:1/test`]);
      expect(down.code).toBe(1);
      expect(down.stderr.split('\n').filter(Boolean)).toHaveLength(1);
      expect(down.stderr + down.stdout).not.toContain(secret);
      const scheme = await dials(['studies', '--storage', `mysql://root:${secret}@localhost/db`]);
      expect([scheme.code, scheme.stderr]).toEqual([
        1,
        'dials: unknown storage URL scheme "mysql:"; use memory:, sqlite:<path> or postgresql://user@host/db\n',
      ]);

      // The real server (trust auth ignores the password) through $DIALS_STORAGE and --storage-file.
      const schema = newSchemaName('c8');
      const u = new URL(pgSchemaUrl(schema));
      u.password = secret;
      const url = u.toString();
      expect(PG_BASE_URL).not.toContain(secret);
      try {
        const cfg = join(dir, 'c8.yaml');
        writeFileSync(cfg, `study: c8\ncommand: 'env; echo "dials: {\\"value\\": 1}"'\nspace:\n  x: { type: float, low: 0, high: 1 }\ntrials: 1\n`);
        const r = await dials(['tune', cfg, '--progress', 'lines'], { env: { DIALS_STORAGE: url } });
        expect(r.code, r.stderr).toBe(0);
        expect(r.stdout).toContain('postgresql://postgres:***@127.0.0.1');
        expect(r.stdout + r.stderr).not.toContain(secret);
        const urlFile = join(dir, 'storage-url');
        writeFileSync(urlFile, `${url}\n`);
        const logs = await dials(['logs', '--study', 'c8', '--trial', '0', '--storage-file', urlFile]);
        expect(logs.stdout).toContain('DIALS_PARAMS=');
        expect(logs.stdout).not.toContain(secret);
        expect(logs.stdout).not.toContain('DIALS_STORAGE');
        const studies = await dials(['studies', '--json'], { env: { DIALS_STORAGE: url } });
        expect(studies.stdout).toContain('"name":"c8"');
      } finally {
        await dropSchema(schema);
      }
    },
    SLOW,
  );
});
