/**
 * `dials storage check` and `dials storage backup` on the real PostgreSQL
 * server: a healthy storage passes (an expired lease is a warning); damage
 * done with raw SQL (a disabled trigger, a missing trial number, a duplicate
 * number, an orphan row, a COMPLETE trial without its value, a stale
 * next_number) is named; nothing is created where no storage exists; a
 * backup holds only Dials' tables and restores with psql into a working
 * storage; pg_dump gets the password through its environment, never its
 * arguments; a missing or failing pg_dump gives a clear error and no file.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findPgDump } from '../../src/storage/postgres/postgres-backup.js';
import { createStudy, loadStudy } from '../../src/study/create-study.js';
import { dropSchema, newSchemaName, PG_BASE_URL, pgSchemaUrl, withAdmin } from '../helpers/pg.js';
import { dials, json } from './cli-harness.js';

const dir = mkdtempSync(join(tmpdir(), 'dials-storage-pg-test-'));
const schemas: string[] = [];
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  for (const s of schemas) await dropSchema(s);
});

function schema(): { name: string; url: string } {
  const name = newSchemaName('stpg');
  schemas.push(name);
  return { name, url: pgSchemaUrl(name) };
}

/** A study with finished trials, one enqueued and one RUNNING trial whose lease expires at once. */
async function seed(url: string): Promise<void> {
  const study = await createStudy({ studyName: 'sv', storage: url, heartbeat: { intervalMs: 60_000, graceMs: 120_000 } });
  for (let i = 0; i < 4; i++) {
    const t = await study.ask();
    t.suggestFloat('x', 0, 1);
    t.report(i, 0);
    await study.tell(t, i);
  }
  await study.enqueueTrial({ x: 0.5 });
  await study.close();
  const other = await createStudy({ studyName: 'mo', storage: url, directions: ['minimize', 'maximize'] });
  const t = await other.ask();
  await other.tell(t, [1, 2]);
  await other.close();
}

const sql = (name: string, text: string) => withAdmin((c) => c.query(`SET search_path = ${name}; ${text}`));

describe('dials storage check (PostgreSQL)', () => {
  it('passes a healthy storage, warns of an expired lease, and names each kind of damage', async () => {
    const { name, url } = schema();
    await seed(url);
    const healthy = await dials(['storage', 'check', '--storage', url, '--json']);
    expect(healthy.code, healthy.stderr).toBe(0);
    expect(json(healthy)).toEqual({ ok: true, schemaVersion: 2, problems: [], warnings: [] });

    // A worker that died: its RUNNING trial's lease has expired.
    const study = await loadStudy({ studyName: 'sv', storage: url, heartbeat: { intervalMs: 60_000, graceMs: 120_000 } });
    await study.ask();
    await study.ask();
    await study.close();
    await sql(name, "UPDATE dials_trials SET lease_grace = 0.001 WHERE state = 'RUNNING' AND number = 5");
    const warned = await dials(['storage', 'check', '--storage', url]);
    expect(warned.code, warned.stderr).toBe(0);
    expect(warned.stdout).toMatch(/^ok: .* \(schema version 2, 1 warning\(s\)\)\n/);
    expect(warned.stdout).toMatch(/warning: study "sv": 1 trial\(s\) RUNNING past their lease \(5, /);

    await sql(
      name,
      `ALTER TABLE dials_trials DISABLE TRIGGER dials_trials_forward_only;
       DELETE FROM dials_trials WHERE number = 1 AND study_id = (SELECT id FROM dials_studies WHERE name = 'sv');
       ALTER TABLE dials_trials DROP CONSTRAINT dials_trials_study_id_number_key;
       UPDATE dials_trials SET number = 3 WHERE number = 2 AND study_id = (SELECT id FROM dials_studies WHERE name = 'sv');
       ALTER TABLE dials_trial_params DROP CONSTRAINT dials_trial_params_trial_id_fkey;
       INSERT INTO dials_trial_params (trial_id, name, value, distribution) VALUES (999999, 'x', 0.5, '{}');
       DELETE FROM dials_trial_values WHERE trial_id = (SELECT t.id FROM dials_trials t JOIN dials_studies s ON s.id = t.study_id WHERE s.name = 'mo' AND t.number = 0) AND objective = 1;
       UPDATE dials_studies SET next_number = 0 WHERE name = 'mo';`,
    );
    const broken = await dials(['storage', 'check', '--storage', url, '--json']);
    expect(broken.code).toBe(1);
    const r = JSON.parse(broken.stdout);
    expect(r.ok).toBe(false);
    const problems: string = r.problems.join('\n');
    expect(problems).toContain('trigger dials_trials_forward_only on dials_trials is disabled');
    expect(problems).toContain('study "sv": duplicate trial numbers 3');
    expect(problems).toMatch(/study "sv": 2 trial number\(s\) missing below 5, first 1, 2/);
    expect(problems).toContain('1 orphan row(s): parameters without their trial');
    expect(problems).toContain('study "mo": trial(s) 0 (COMPLETE, 1 of 2 values) have the wrong number of objective values');
    expect(problems).toContain('study "mo": next_number is 0 but trial 0 exists');
    expect(r.warnings).toHaveLength(1);
    expect(broken.stderr).toBe(`dials: storage check found ${r.problems.length} problem(s) in ${url}\n`);
  }, 60_000);

  it('refuses a schema without a Dials storage, and creates nothing there', async () => {
    const { name, url } = schema();
    const r = await dials(['storage', 'check', '--storage', url]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`holds no Dials storage in ${name}`);
    const found = await withAdmin((c) => c.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [name]));
    expect(found.rowCount).toBe(0);
  }, 30_000);
});

describe('dials storage backup (PostgreSQL)', () => {
  it('dumps only the Dials tables; the dump restores with psql into a working storage', async () => {
    const { name, url } = schema();
    await seed(url);
    await withAdmin((c) => c.query(`CREATE TABLE ${name}.not_dials (x int); INSERT INTO ${name}.not_dials VALUES (1)`));
    const out = join(dir, 'pg.sql');
    const b = await dials(['storage', 'backup', '--storage', url, '--out', out, '--json']);
    expect(b.code, b.stderr).toBe(0);
    const info = json(b);
    expect(info).toMatchObject({ ok: true, out, schema: name });
    expect(info.tables).toContain('dials_trials');
    expect(info.tables).not.toContain('not_dials');
    const text = readFileSync(out, 'utf8');
    expect(text).not.toContain('not_dials');
    expect(text).toContain('CREATE OR REPLACE FUNCTION');
    expect(existsSync(out)).toBe(true);
    const again = await dials(['storage', 'backup', '--storage', url, '--out', out]);
    expect([again.code, again.stderr]).toEqual([1, `dials: ${out} exists; choose a new file for the backup\n`]);

    // Restore into an empty schema of the same name, then use it.
    await dropSchema(name);
    const psql = spawnSync('psql', ['-q', '-v', 'ON_ERROR_STOP=1', '-d', PG_BASE_URL, '-f', out], { encoding: 'utf8' });
    expect(psql.status, psql.stderr).toBe(0);
    const check = await dials(['storage', 'check', '--storage', url, '--json']);
    expect(json(check)).toMatchObject({ ok: true, problems: [] });
    const study = await loadStudy({ studyName: 'sv', storage: url });
    try {
      const trials = await study.getTrials();
      expect(trials.map((t) => [t.number, t.state, t.value])).toEqual([
        [0, 'COMPLETE', 0],
        [1, 'COMPLETE', 1],
        [2, 'COMPLETE', 2],
        [3, 'COMPLETE', 3],
        [4, 'WAITING', null],
      ]);
      expect(trials[3]?.intermediateValues).toEqual([{ step: 0, fold: null, values: [3] }]);
      // Ids, numbers and the enqueued trial carry on; the triggers are back.
      const t = await study.ask();
      expect([t.number, t.suggestFloat('x', 0, 1)]).toEqual([4, 0.5]);
      await study.tell(t, 4);
      const n = await study.ask();
      expect(n.number).toBe(5);
      await study.tell(n, 5);
      await expect(sql(name, "UPDATE dials_trials SET state = 'RUNNING' WHERE number = 0")).rejects.toThrow(/states only move forward/);
    } finally {
      await study.close();
    }
  }, 60_000);

  it('gives pg_dump the password in its environment, never in its arguments', async () => {
    const { url } = schema();
    await seed(url);
    const real = findPgDump();
    expect(real).not.toBeNull();
    const spy = join(dir, 'pg_dump_spy.sh');
    const log = join(dir, 'spy.log');
    writeFileSync(spy, `#!/bin/sh\necho "args: $*" > '${log}'\necho "password: $PGPASSWORD" >> '${log}'\nexec '${real}' "$@"\n`);
    chmodSync(spy, 0o755);
    const secret = 'S3cr3t-pw';
    const withPassword = url.replace('postgres@', `postgres:${secret}@`);
    const out = join(dir, 'spy.sql');
    const r = await dials(['storage', 'backup', '--storage', withPassword, '--out', out], { env: { DIALS_PG_DUMP: spy } });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).not.toContain(secret);
    const seen = readFileSync(log, 'utf8');
    expect(seen).toContain(`password: ${secret}`);
    expect(seen.split('\n')[0]).not.toContain(secret);
  }, 60_000);

  it('a missing or failing pg_dump is a clear error and leaves no file', async () => {
    expect(findPgDump({ PATH: '' }, join(dir, 'no-such-dir'))).toBeNull();
    const { url } = schema();
    await seed(url);
    const out = join(dir, 'never.sql');
    const missing = await dials(['storage', 'backup', '--storage', url, '--out', out], { env: { DIALS_PG_DUMP: join(dir, 'nope', 'pg_dump') } });
    expect([missing.code, missing.stderr]).toEqual([
      1,
      `dials: pg_dump not found at ${join(dir, 'nope', 'pg_dump')}; install the PostgreSQL client tools or set DIALS_PG_DUMP to the path of pg_dump\n`,
    ]);
    const failing = join(dir, 'failing.sh');
    writeFileSync(failing, '#!/bin/sh\necho "partial output"\necho "pg_dump: error: server version mismatch" >&2\nexit 1\n');
    chmodSync(failing, 0o755);
    const failed = await dials(['storage', 'backup', '--storage', url, '--out', out], { env: { DIALS_PG_DUMP: failing } });
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(/^dials: pg_dump failed \(exit code 1\) backing up .*: pg_dump: error: server version mismatch\n$/);
    expect(readdirSync(dir).filter((f) => f.includes('never.sql'))).toEqual([]);
  }, 60_000);
});
