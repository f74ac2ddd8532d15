/**
 * What the databases themselves enforce (even against raw SQL), schema
 * versions, fixtures of every shipped schema, and damaged or foreign files.
 */
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { dropSchema, newSchemaName, pgSchemaUrl } from '../../../test/helpers/pg.js';
import { SchemaVersionError, StorageError } from '../../errors.js';
import { loadStudy } from '../../study/create-study.js';
import { openStorage } from '../open-storage.js';
import { PostgresDriver } from '../postgres/postgres-driver.js';
import { SqliteDriver } from '../sqlite/sqlite-driver.js';
import { SCHEMA_VERSION } from './schema-version.js';

const dir = mkdtempSync(join(tmpdir(), 'dials-schema-'));
const schemas: string[] = [];
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  for (const s of schemas) await dropSchema(s);
});
let k = 0;
const dbPath = () => join(dir, `db${k++}.db`);

async function seed(url: string): Promise<void> {
  const s = await openStorage(url);
  const st = await s.createStudy({ studyName: 's', directions: ['minimize'] });
  const t = await s.startTrial(st.studyId, {});
  if (!t) throw new Error('no trial');
  await s.updateTrial(t.trialId, t.leaseId, { finish: { state: 'COMPLETE', values: [1], reason: null } });
  await s.startTrial(st.studyId, {});
  await s.close();
}

/** Each raw statement must be refused by the database: [sql, what it attempts]. */
const FORBIDDEN: [string, string][] = [
  ["UPDATE dials_trials SET state = 'RUNNING' WHERE number = 0", 'reopen a COMPLETE trial'],
  ["UPDATE dials_trials SET state = 'WAITING' WHERE number = 1", 'move a RUNNING trial back to WAITING'],
  ["UPDATE dials_trials SET state = 'DONE' WHERE number = 1", 'write an unknown state'],
  ['UPDATE dials_trials SET fail_reason = NULL WHERE number = 0', 'edit a finished trial'],
  ['UPDATE dials_trial_values SET value = 2', "change a finished trial's value"],
  ['INSERT INTO dials_trial_values (trial_id, objective, value) SELECT id, 1, 5 FROM dials_trials WHERE number = 0', 'add a value to a finished trial'],
  [
    "INSERT INTO dials_trials (study_id, number, state, created_at) SELECT study_id, 1, 'WAITING', 0 FROM dials_trials WHERE number = 0",
    'duplicate a trial number',
  ],
];

describe('SQLite enforces the invariants itself', () => {
  it.each(FORBIDDEN)('rejects raw SQL that tries to %s', async (sql) => {
    const path = dbPath();
    await seed(`sqlite:${path}`);
    const db = new Database(path);
    try {
      expect(() => db.exec(sql)).toThrow();
    } finally {
      db.close();
    }
  });

  it('opens every connection with WAL, synchronous=FULL and a busy timeout', async () => {
    const d = new SqliteDriver(dbPath());
    d.init();
    const db = (d as unknown as { db: Database.Database }).db;
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('synchronous', { simple: true })).toBe(2);
    expect(db.pragma('busy_timeout', { simple: true })).toBeGreaterThan(0);
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    await d.close();
  });
});

describe('PostgreSQL enforces the invariants itself', () => {
  it.each(FORBIDDEN)('rejects raw SQL that tries to %s', async (sql) => {
    const schema = newSchemaName('raw');
    schemas.push(schema);
    await seed(pgSchemaUrl(schema));
    const c = new pg.Client({ connectionString: pgSchemaUrl(schema).replace(/\?.*$/, '') });
    await c.connect();
    try {
      await c.query(`SET search_path = ${schema}`);
      await expect(c.query(sql)).rejects.toThrow();
    } finally {
      await c.end();
    }
  });
});

describe('schema versions', () => {
  it('asks for `dials storage upgrade` on an older SQLite schema and to upgrade Dials on a newer one, changing nothing', async () => {
    const path = dbPath();
    await seed(`sqlite:${path}`);
    const db = new Database(path);
    db.exec('UPDATE dials_schema_version SET version = 0');
    db.close();
    const before = readFileSync(path);
    await expect(openStorage(`sqlite:${path}`)).rejects.toThrow(SchemaVersionError);
    await expect(openStorage(`sqlite:${path}`)).rejects.toThrow(/run `dials storage upgrade --storage sqlite:/);
    expect(readFileSync(path).equals(before)).toBe(true);
    const db2 = new Database(path);
    db2.exec(`UPDATE dials_schema_version SET version = ${SCHEMA_VERSION + 1}`);
    db2.close();
    await expect(openStorage(`sqlite:${path}`)).rejects.toThrow(/upgrade dials/);
  });

  it('does the same on PostgreSQL', async () => {
    const schema = newSchemaName('ver');
    schemas.push(schema);
    const url = pgSchemaUrl(schema);
    await seed(url);
    const c = new pg.Client({ connectionString: url.replace(/\?.*$/, '') });
    await c.connect();
    await c.query(`UPDATE ${schema}.dials_schema_version SET version = 0`);
    await expect(openStorage(url)).rejects.toThrow(/dials storage upgrade/);
    await c.query(`UPDATE ${schema}.dials_schema_version SET version = ${SCHEMA_VERSION + 1}`);
    await expect(openStorage(url)).rejects.toThrow(/upgrade dials/);
    await c.end();
  });

  it('upgrades the shipped schema-v1 fixture to the current version, then reads every value exact and follows changes', async () => {
    const path = dbPath();
    copyFileSync(new URL('../../../test/fixtures/schema-v1.db', import.meta.url), path);
    await expect(openStorage(`sqlite:${path}`)).rejects.toThrow(/schema version 1, older[\s\S]*dials storage upgrade/);
    const up = new SqliteDriver(path);
    expect(up.upgrade()).toEqual([1, SCHEMA_VERSION]);
    await up.close();
    const study = await loadStudy({ studyName: 'fixture', storage: `sqlite:${path}` });
    const since = (await study.storage.getChanges(null)).cursor;
    expect((await study.storage.getChanges(since)).trials).toEqual([]);
    const trials = await study.getTrials();
    expect(trials.map((t) => t.state)).toEqual(['COMPLETE', 'COMPLETE', 'COMPLETE', 'FAIL']);
    expect(trials[1]?.values).toEqual([Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]);
    expect(trials[0]?.params).toEqual(expect.objectContaining({ lr: 0.01, act: 'relu' }));
    expect(trials[3]?.failReason).toBe('fixture');
    expect((await study.userAttrs()).dataset).toBe('iris');
    await study.enqueueTrial({ lr: 0.02 });
    expect((await study.storage.getChanges(since)).trials.map((t) => t.number)).toEqual([4]);
    await study.close();
    const d = new SqliteDriver(path);
    expect(d.upgrade()).toEqual([SCHEMA_VERSION, SCHEMA_VERSION]);
    await d.close();
  });

  it('upgrades a PostgreSQL schema of version 1 in place', async () => {
    const { POSTGRES_SCHEMA_V1 } = await import('../postgres/schema.js');
    const schema = newSchemaName('v1');
    schemas.push(schema);
    const url = pgSchemaUrl(schema);
    const c = new pg.Client({ connectionString: url.replace(/\?.*$/, '') });
    await c.connect();
    await c.query(`CREATE SCHEMA ${schema}; SET search_path = ${schema}`);
    await c.query(POSTGRES_SCHEMA_V1);
    await c.query(`INSERT INTO dials_studies (name, directions, created_at) VALUES ('old', '["minimize"]', 0);
      INSERT INTO dials_trials (study_id, number, state, created_at) SELECT id, 0, 'WAITING', 0 FROM dials_studies;
      UPDATE dials_studies SET next_number = 1`);
    await expect(openStorage(url)).rejects.toThrow(/dials storage upgrade/);
    const d = new PostgresDriver(url);
    expect(await d.upgrade()).toEqual([1, SCHEMA_VERSION]);
    await d.close();
    const s = await openStorage(url);
    const st = await s.getStudy('old');
    const since = (await s.getChanges(null)).cursor;
    const t = await s.startTrial(st?.studyId as number, {});
    expect(t?.number).toBe(0);
    expect((await s.getChanges(since)).trials.map((x) => x.number)).toEqual([0]);
    await s.close();
    await c.end();
  });

  it('lives beside foreign tables (another tool’s alembic_version and studies) without touching them', async () => {
    const path = dbPath();
    const db = new Database(path);
    db.exec("CREATE TABLE alembic_version (version_num TEXT); INSERT INTO alembic_version VALUES ('v3.0.0.d'); CREATE TABLE studies (study_id INTEGER)");
    db.close();
    await seed(`sqlite:${path}`);
    const db2 = new Database(path, { readonly: true });
    expect(db2.prepare('SELECT version_num FROM alembic_version').get()).toEqual({ version_num: 'v3.0.0.d' });
    db2.close();
    expect((await (await openStorage(`sqlite:${path}`)).listStudies()).map((s) => s.studyName)).toEqual(['s']);
  });

  it('creates one schema when 12 openers race on an empty PostgreSQL schema', async () => {
    const schema = newSchemaName('race');
    schemas.push(schema);
    const url = pgSchemaUrl(schema);
    const storages = await Promise.all(Array.from({ length: 12 }, () => openStorage(url)));
    const results = await Promise.allSettled(storages.map((s, i) => s.createStudy({ studyName: 'same', directions: ['minimize'] }).then(() => i)));
    expect(results.filter((r) => r.status === 'fulfilled').length).toBe(1);
    for (const s of storages) await s.close();
    const c = new pg.Client({ connectionString: url.replace(/\?.*$/, '') });
    await c.connect();
    const rows = await c.query(`SELECT COUNT(*)::int AS n FROM ${schema}.dials_schema_version`);
    await c.end();
    expect(rows.rows[0].n).toBe(1);
  });
});

describe('damaged, foreign and unreachable storage', () => {
  it.each([
    ['a JSON journal', Buffer.from('{"op_code": 0, "worker_id": "x"}\n'.repeat(50))],
    ['random bytes', Buffer.from(Array.from({ length: 8192 }, (_, i) => (i * 7919) % 256))],
  ])('refuses %s with the file named, and leaves it untouched', async (_what, bytes) => {
    const path = dbPath();
    writeFileSync(path, bytes);
    const err = await openStorage(`sqlite:${path}`).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StorageError);
    expect((err as Error).message).toContain(path);
    expect((err as Error).message).not.toMatch(/\n\s+at /);
    expect(readFileSync(path).equals(bytes)).toBe(true);
  });

  it('refuses a truncated database', async () => {
    const path = dbPath();
    await seed(`sqlite:${path}`);
    const db = new Database(path);
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.close();
    const bytes = readFileSync(path);
    writeFileSync(path, bytes.subarray(0, 4096 + 100));
    const err = await (async () => {
      const s = await openStorage(`sqlite:${path}`);
      try {
        await s.listStudies();
        const st = await s.getStudy('s');
        await s.getTrials(st?.studyId ?? 1);
      } finally {
        await s.close();
      }
    })().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(/damaged|malformed|not a Dials/);
  });

  it('never shows a PostgreSQL password in an error', async () => {
    const err = await openStorage('postgresql://postgres:s3cret-pw@127.0.0.1:1/test').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect(String((err as Error).message)).not.toContain('s3cret-pw');
    expect(String((err as Error).message)).toContain('***');
  });

  it('rejects unknown URL schemes and a bad schema parameter', async () => {
    await expect(openStorage('mysql://root@localhost/db')).rejects.toThrow(/unknown storage URL scheme "mysql:"/);
    await expect(openStorage('sqlite:')).rejects.toThrow(/needs a file path/);
    expect(() => new PostgresDriver('postgresql://x@127.0.0.1/test?schema=a;drop')).toThrow(/plain identifier/);
  });
});
