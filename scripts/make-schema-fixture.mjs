// Writes test/fixtures/schema-v<N>.db: a small study in the schema this build
// writes. Run once per released schema version; the fixture is committed and
// tests check that every later Dials reads (or upgrades) it.
import { rmSync } from 'node:fs';
import { createStudy } from 'dials';

const version = process.argv[2];
if (!version) throw new Error('usage: node scripts/make-schema-fixture.mjs <schema-version>');
const path = `test/fixtures/schema-v${version}.db`;
rmSync(path, { force: true });
const study = await createStudy({ studyName: 'fixture', storage: `sqlite:${path}`, directions: ['minimize', 'maximize'] });
await study.setUserAttr('dataset', 'iris');
await study.enqueueTrial({ lr: 0.01, act: 'relu' });
const values = [
  [1, 2],
  [Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY],
  [0.5, 0.25],
];
for (const v of values) {
  const t = await study.ask();
  t.suggestFloat('lr', 1e-4, 1, { log: true });
  t.suggestCategorical('act', ['relu', 'tanh']);
  t.report([v[0], v[1]], 0);
  await study.tell(t, v);
}
const failed = await study.ask();
await study.tell(failed, { state: 'FAIL', reason: 'fixture' });
await study.close();
// Fold the WAL back into the file so the fixture is one self-contained file.
const Database = (await import('better-sqlite3')).default;
const db = new Database(path);
db.pragma('journal_mode = DELETE');
db.close();
console.log(`wrote ${path}`);
