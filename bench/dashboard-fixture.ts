/**
 * The dashboard benchmark's fixture: a SQLite study of `nTrials` trials × 10
 * parameters × 20 intermediate values, shared by bench/dashboard.ts and
 * bench/dashboard-profile.ts.
 */
import Database from 'better-sqlite3';
import { createStudy } from '../src/index.js';
import { Rng } from '../src/math/rng.js';
import { floatDistribution } from '../src/space/distributions.js';
import { SQLITE_V1_TO_V2 } from '../src/storage/sqlite/schema.js';

export const N_PARAMS = 10;
export const N_REPORTS = 20;
export const BENCH_STUDY = 'bench-dashboard';

/**
 * The fixture, by bulk SQL in one transaction (the library would take minutes
 * for 100k trials). The change-log triggers are dropped for the load and
 * re-created after it, with every trial logged at cursor 0.
 */
export async function buildFixture(path: string, nTrials: number): Promise<number> {
  const study = await createStudy({ studyName: BENCH_STUDY, storage: `sqlite:${path}` });
  const studyId = study.studyId;
  await study.close();
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  const rng = new Rng(42);
  const rnd = () => rng.random();
  const dists = Array.from({ length: N_PARAMS }, (_, k) => JSON.stringify(floatDistribution(`p${k}`, 0, 1, k % 3 === 0 ? { log: false } : {})));
  const changeTriggers = SQLITE_V1_TO_V2.split(/;\s*\n(?=CREATE|INSERT)/)
    .map((s) => s.trim())
    .filter((s) => s.startsWith('CREATE TRIGGER dials_change_'))
    .map((s) => (s.endsWith(';') ? s : `${s};`));
  const names = changeTriggers.map((s) => /CREATE TRIGGER (\w+)/.exec(s)?.[1] as string);
  const t0 = Date.now() / 1000 - nTrials * 0.05;
  db.transaction(() => {
    for (const n of names) db.exec(`DROP TRIGGER ${n}`);
    const insTrial = db.prepare(
      "INSERT INTO dials_trials (id, study_id, number, state, created_at, started_at, finished_at, max_retries, retry_count) VALUES (?, ?, ?, 'RUNNING', ?, ?, NULL, 0, 0)",
    );
    const insParam = db.prepare('INSERT INTO dials_trial_params (trial_id, name, value, distribution) VALUES (?, ?, ?, ?)');
    const insValue = db.prepare('INSERT INTO dials_trial_values (trial_id, objective, value) VALUES (?, 0, ?)');
    const insIv = db.prepare('INSERT INTO dials_trial_intermediate (trial_id, fold, step, objective, value) VALUES (?, -1, ?, 0, ?)');
    for (let i = 0; i < nTrials; i++) {
      const id = i + 1;
      const start = t0 + i * 0.05;
      insTrial.run(id, studyId, i, start, start);
      let v = 0;
      for (let k = 0; k < N_PARAMS; k++) {
        const x = rnd();
        v += (x - 0.5) ** 2 * (k < 2 ? 10 : 0.1);
        insParam.run(id, `p${k}`, x, dists[k]);
      }
      for (let s = 0; s < N_REPORTS; s++) insIv.run(id, s, v + 1 / (s + 1));
      insValue.run(id, v);
    }
    db.prepare("UPDATE dials_trials SET state = 'COMPLETE', finished_at = started_at + 0.04 WHERE study_id = ?").run(studyId);
    db.prepare('UPDATE dials_studies SET next_number = ? WHERE id = ?').run(nTrials, studyId);
    db.exec('INSERT INTO dials_trial_changes (trial_id, study_id, seq) SELECT id, study_id, 0 FROM dials_trials');
    for (const t of changeTriggers) db.exec(t);
  })();
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  return studyId;
}
