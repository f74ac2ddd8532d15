/**
 * `dials storage check` for PostgreSQL. The server guards its own pages, so
 * this checks what Dials relies on: the schema version, the triggers and
 * function that enforce forward-only states, and the data's invariants —
 * dense unique trial numbers per study in step with `next_number`, no orphan
 * rows, complete trials with one value per objective, retries that point at
 * a trial. It reads in one snapshot and never writes (nothing is created on
 * an empty database). Trials RUNNING past their lease are warnings: a
 * worker's reaper fails them (and enqueues their retries) when one runs.
 */
import { StorageError } from '../../errors.js';
import { checkSchemaVersion } from '../sql/schema-version.js';
import { type PostgresDriver, storedSchemaVersion } from './postgres-driver.js';

export interface StorageCheckReport {
  readonly schemaVersion: number;
  /** Broken invariants: the data or schema needs repair. */
  readonly problems: readonly string[];
  /** States that are legal but need a worker to run (expired leases). */
  readonly warnings: readonly string[];
}

/** Triggers on each table that enforce Dials' invariants, and the change log (schema version 2). */
const REQUIRED_TRIGGERS: Readonly<Record<string, readonly string[]>> = {
  dials_trials: ['dials_trials_forward_only', 'dials_change_trial_insert', 'dials_change_trial_update'],
  dials_trial_params: ['dials_params_unfinished', 'dials_change_params'],
  dials_trial_values: ['dials_values_unfinished', 'dials_change_values'],
  dials_trial_intermediate: ['dials_intermediate_unfinished', 'dials_change_intermediate'],
  dials_trial_attrs: ['dials_change_trial_attr_insert', 'dials_change_trial_attr_update'],
  dials_studies: ['dials_change_study_insert', 'dials_change_study_delete'],
  dials_study_attrs: ['dials_change_study_attr'],
};
const REQUIRED_FUNCTIONS = ['dials_update_trial', 'dials_trials_forward_only', 'dials_child_unfinished'];
/** Examples listed per finding, at most. */
const SHOWN = 5;

function list(xs: readonly (number | string)[]): string {
  return xs.length > SHOWN ? `${xs.slice(0, SHOWN).join(', ')}, … (${xs.length} in all)` : xs.join(', ');
}

export async function checkPostgresStorage(driver: PostgresDriver): Promise<StorageCheckReport> {
  return driver.readOnce(async (tx) => {
    const where = driver.schema ?? 'the default schema';
    const schemaVersion = await storedSchemaVersion(tx);
    if (schemaVersion === null)
      throw new StorageError(`${driver.url} holds no Dials storage in ${where} (no dials_schema_version table); check the URL and its ?schema=`);
    checkSchemaVersion(schemaVersion, driver.url);
    const problems: string[] = [];
    const warnings: string[] = [];

    const triggers = await tx.all<{ rel: string; name: string; enabled: string }>(
      `SELECT c.relname AS rel, t.tgname AS name, t.tgenabled AS enabled FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
       WHERE NOT t.tgisinternal AND c.relnamespace = (SELECT relnamespace FROM pg_class WHERE oid = to_regclass('dials_trials'))`,
    );
    for (const [rel, names] of Object.entries(REQUIRED_TRIGGERS)) {
      for (const name of names) {
        const t = triggers.find((x) => x.rel === rel && x.name === name);
        if (!t) problems.push(`trigger ${name} on ${rel} is missing: the database no longer enforces Dials' invariants; restore the schema from a backup`);
        else if (t.enabled === 'D') problems.push(`trigger ${name} on ${rel} is disabled; re-enable it: ALTER TABLE ${rel} ENABLE TRIGGER ${name}`);
      }
    }
    const fns = await tx.all<{ name: string }>(
      `SELECT p.proname AS name FROM pg_proc p WHERE p.pronamespace = (SELECT relnamespace FROM pg_class WHERE oid = to_regclass('dials_trials'))`,
    );
    for (const f of REQUIRED_FUNCTIONS) if (!fns.some((x) => x.name === f)) problems.push(`function ${f} is missing; restore the schema from a backup`);

    // Numbering: per study, numbers 0..n-1 each once, and next_number = n.
    const numbering = await tx.all<{ name: string; next_number: number; n: number; distinct_n: number; max_number: number | null; min_number: number | null }>(
      `SELECT s.name, s.next_number, COUNT(t.id) AS n, COUNT(DISTINCT t.number) AS distinct_n, MAX(t.number) AS max_number, MIN(t.number) AS min_number
       FROM dials_studies s LEFT JOIN dials_trials t ON t.study_id = s.id GROUP BY s.id, s.name, s.next_number ORDER BY s.id`,
    );
    for (const s of numbering) {
      const n = Number(s.n);
      const distinct = Number(s.distinct_n);
      const max = s.max_number === null ? -1 : Number(s.max_number);
      const next = Number(s.next_number);
      const name = JSON.stringify(s.name);
      if (distinct < n) {
        const dups = await tx.all<{ number: number }>(
          'SELECT t.number FROM dials_trials t JOIN dials_studies s ON s.id = t.study_id WHERE s.name = ? GROUP BY t.number HAVING COUNT(*) > 1 ORDER BY t.number',
          [s.name],
        );
        problems.push(`study ${name}: duplicate trial numbers ${list(dups.map((d) => Number(d.number)))}`);
      }
      if (s.min_number !== null && Number(s.min_number) < 0) problems.push(`study ${name}: negative trial number ${Number(s.min_number)}`);
      if (distinct < max + 1) {
        const gaps = await tx.all<{ number: number }>(
          `SELECT g AS number FROM generate_series(0, ?::bigint) g
           WHERE NOT EXISTS (SELECT 1 FROM dials_trials t JOIN dials_studies s ON s.id = t.study_id WHERE s.name = ? AND t.number = g) ORDER BY g LIMIT 5`,
          [max, s.name],
        );
        problems.push(
          `study ${name}: ${max + 1 - distinct} trial number(s) missing below ${max}, first ${gaps
            .slice(0, SHOWN)
            .map((g) => Number(g.number))
            .join(', ')}`,
        );
      }
      if (next < max + 1) {
        problems.push(
          `study ${name}: next_number is ${next} but trial ${max} exists; the next trial would collide with it (set dials_studies.next_number = ${max + 1})`,
        );
      } else if (next > max + 1) {
        problems.push(`study ${name}: next_number is ${next} but the last trial is ${max}; numbers ${max + 1}..${next - 1} were taken by no trial`);
      }
    }

    // Orphans (the foreign keys forbid them; a dropped or disabled constraint would let them in).
    const orphans = await tx.all<{ what: string; n: number }>(
      `SELECT 'trials without their study' AS what, COUNT(*) AS n FROM dials_trials t WHERE NOT EXISTS (SELECT 1 FROM dials_studies s WHERE s.id = t.study_id)
       UNION ALL SELECT 'study attributes without their study', COUNT(*) FROM dials_study_attrs a WHERE NOT EXISTS (SELECT 1 FROM dials_studies s WHERE s.id = a.study_id)
       UNION ALL SELECT 'parameters without their trial', COUNT(*) FROM dials_trial_params x WHERE NOT EXISTS (SELECT 1 FROM dials_trials t WHERE t.id = x.trial_id)
       UNION ALL SELECT 'values without their trial', COUNT(*) FROM dials_trial_values x WHERE NOT EXISTS (SELECT 1 FROM dials_trials t WHERE t.id = x.trial_id)
       UNION ALL SELECT 'intermediate values without their trial', COUNT(*) FROM dials_trial_intermediate x WHERE NOT EXISTS (SELECT 1 FROM dials_trials t WHERE t.id = x.trial_id)
       UNION ALL SELECT 'trial attributes without their trial', COUNT(*) FROM dials_trial_attrs x WHERE NOT EXISTS (SELECT 1 FROM dials_trials t WHERE t.id = x.trial_id)`,
    );
    for (const o of orphans) if (Number(o.n) > 0) problems.push(`${Number(o.n)} orphan row(s): ${o.what}`);

    // Values: a COMPLETE trial has one per objective; WAITING and RUNNING ones none yet.
    const badValues = await tx.all<{ name: string; number: number; state: string; n: number; want: number }>(
      `SELECT s.name, t.number, t.state, COUNT(v.objective) AS n, json_array_length(s.directions::json) AS want
       FROM dials_trials t JOIN dials_studies s ON s.id = t.study_id LEFT JOIN dials_trial_values v ON v.trial_id = t.id
       GROUP BY s.id, s.name, s.directions, t.id, t.number, t.state
       HAVING (t.state = 'COMPLETE' AND COUNT(v.objective) <> json_array_length(s.directions::json))
           OR (t.state IN ('WAITING', 'RUNNING') AND COUNT(v.objective) > 0)
       ORDER BY s.name, t.number LIMIT 100`,
    );
    for (const [study, rows] of groupBy(badValues, (r) => r.name)) {
      problems.push(
        `study ${JSON.stringify(study)}: trial(s) ${list(rows.map((r) => `${Number(r.number)} (${r.state}, ${Number(r.n)} of ${Number(r.want)} values)`))} have the wrong number of objective values`,
      );
    }
    const unfinished = await tx.all<{ name: string; number: number }>(
      `SELECT s.name, t.number FROM dials_trials t JOIN dials_studies s ON s.id = t.study_id
       WHERE (t.state IN ('COMPLETE', 'PRUNED', 'FAIL') AND t.finished_at IS NULL) OR (t.state <> 'WAITING' AND t.started_at IS NULL)
       ORDER BY s.name, t.number LIMIT 100`,
    );
    for (const [study, rows] of groupBy(unfinished, (r) => r.name)) {
      problems.push(`study ${JSON.stringify(study)}: trial(s) ${list(rows.map((r) => Number(r.number)))} lack a start or end time for their state`);
    }
    const danglingRetries = await tx.all<{ name: string; number: number; retry_of: number }>(
      `SELECT s.name, t.number, t.retry_of FROM dials_trials t JOIN dials_studies s ON s.id = t.study_id
       WHERE t.retry_of IS NOT NULL AND NOT EXISTS (SELECT 1 FROM dials_trials o WHERE o.study_id = t.study_id AND o.number = t.retry_of)
       ORDER BY s.name, t.number LIMIT 100`,
    );
    for (const [study, rows] of groupBy(danglingRetries, (r) => r.name)) {
      problems.push(`study ${JSON.stringify(study)}: retries ${list(rows.map((r) => `${Number(r.number)} (of ${Number(r.retry_of)})`))} point at no trial`);
    }

    // Legal but stuck until a worker runs: RUNNING trials whose worker stopped beating.
    const expired = await tx.all<{ name: string; number: number; late: number }>(
      `SELECT s.name, t.number, extract(epoch from clock_timestamp())::double precision - t.heartbeat_at - t.lease_grace AS late
       FROM dials_trials t JOIN dials_studies s ON s.id = t.study_id
       WHERE t.state = 'RUNNING' AND t.lease_grace IS NOT NULL AND t.heartbeat_at + t.lease_grace < extract(epoch from clock_timestamp())::double precision
       ORDER BY s.name, t.number`,
    );
    for (const [study, rows] of groupBy(expired, (r) => r.name)) {
      warnings.push(
        `study ${JSON.stringify(study)}: ${rows.length} trial(s) RUNNING past their lease (${list(rows.map((r) => `${Number(r.number)}, ${Math.round(Number(r.late))} s late`))}): their workers died; the next worker of the study (dials tune) fails them and enqueues their retries`,
      );
    }
    return { schemaVersion, problems, warnings };
  });
}

function groupBy<T>(rows: readonly T[], key: (r: T) => string): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const r of rows) m.set(key(r), [...(m.get(key(r)) ?? []), r]);
  return m;
}
