/** SQLite schema, version 1. Triggers make finished trials immutable even to raw SQL. */
export const SQLITE_SCHEMA_V1 = `
CREATE TABLE dials_schema_version (version INTEGER NOT NULL);
CREATE TABLE dials_studies (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  directions TEXT NOT NULL,
  next_number INTEGER NOT NULL DEFAULT 0,
  grid_cursor INTEGER NOT NULL DEFAULT 0,
  created_at REAL NOT NULL
);
CREATE TABLE dials_study_attrs (
  study_id INTEGER NOT NULL REFERENCES dials_studies(id) ON DELETE CASCADE,
  kind TEXT NOT NULL CHECK (kind IN ('user', 'system')),
  key TEXT NOT NULL,
  value TEXT NOT NULL,
  PRIMARY KEY (study_id, kind, key)
);
CREATE TABLE dials_trials (
  id INTEGER PRIMARY KEY,
  study_id INTEGER NOT NULL REFERENCES dials_studies(id) ON DELETE CASCADE,
  number INTEGER NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('WAITING', 'RUNNING', 'COMPLETE', 'PRUNED', 'FAIL')),
  created_at REAL NOT NULL,
  started_at REAL,
  finished_at REAL,
  heartbeat_at REAL,
  lease_id TEXT,
  lease_grace REAL,
  max_retries INTEGER NOT NULL DEFAULT 0,
  retry_of INTEGER,
  retry_count INTEGER NOT NULL DEFAULT 0,
  grid_index INTEGER,
  dedupe_key TEXT,
  fixed_params TEXT,
  fail_reason TEXT,
  UNIQUE (study_id, number)
);
CREATE INDEX dials_trials_study_state ON dials_trials (study_id, state, number);
CREATE UNIQUE INDEX dials_trials_grid ON dials_trials (study_id, grid_index) WHERE grid_index IS NOT NULL;
CREATE UNIQUE INDEX dials_trials_dedupe ON dials_trials (study_id, dedupe_key) WHERE dedupe_key IS NOT NULL;
CREATE UNIQUE INDEX dials_trials_retry ON dials_trials (study_id, retry_of) WHERE retry_of IS NOT NULL;
CREATE TABLE dials_trial_params (
  trial_id INTEGER NOT NULL REFERENCES dials_trials(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  value REAL NOT NULL,
  distribution TEXT NOT NULL,
  PRIMARY KEY (trial_id, name)
);
CREATE TABLE dials_trial_values (
  trial_id INTEGER NOT NULL REFERENCES dials_trials(id) ON DELETE CASCADE,
  objective INTEGER NOT NULL,
  value REAL,
  PRIMARY KEY (trial_id, objective)
);
CREATE TABLE dials_trial_intermediate (
  trial_id INTEGER NOT NULL REFERENCES dials_trials(id) ON DELETE CASCADE,
  fold INTEGER NOT NULL,
  step INTEGER NOT NULL,
  objective INTEGER NOT NULL,
  value REAL,
  PRIMARY KEY (trial_id, fold, step, objective)
);
CREATE TABLE dials_trial_attrs (
  trial_id INTEGER NOT NULL REFERENCES dials_trials(id) ON DELETE CASCADE,
  kind TEXT NOT NULL CHECK (kind IN ('user', 'system')),
  key TEXT NOT NULL,
  value TEXT NOT NULL,
  PRIMARY KEY (trial_id, kind, key)
);
CREATE TRIGGER dials_trials_forward_only BEFORE UPDATE ON dials_trials
WHEN OLD.state IN ('COMPLETE', 'PRUNED', 'FAIL')
  OR (OLD.state = 'RUNNING' AND NEW.state NOT IN ('RUNNING', 'COMPLETE', 'PRUNED', 'FAIL'))
  OR (OLD.state = 'WAITING' AND NEW.state NOT IN ('WAITING', 'RUNNING', 'FAIL'))
  OR NEW.number IS NOT OLD.number OR NEW.study_id IS NOT OLD.study_id
BEGIN SELECT RAISE(ABORT, 'dials: a finished trial cannot change, and states only move forward'); END;
CREATE TRIGGER dials_params_unfinished BEFORE INSERT ON dials_trial_params
WHEN (SELECT state FROM dials_trials WHERE id = NEW.trial_id) IN ('COMPLETE', 'PRUNED', 'FAIL')
BEGIN SELECT RAISE(ABORT, 'dials: a finished trial cannot change'); END;
CREATE TRIGGER dials_values_unfinished BEFORE INSERT ON dials_trial_values
WHEN (SELECT state FROM dials_trials WHERE id = NEW.trial_id) IN ('COMPLETE', 'PRUNED', 'FAIL')
BEGIN SELECT RAISE(ABORT, 'dials: a finished trial cannot change'); END;
CREATE TRIGGER dials_values_frozen BEFORE UPDATE ON dials_trial_values
WHEN (SELECT state FROM dials_trials WHERE id = OLD.trial_id) IN ('COMPLETE', 'PRUNED', 'FAIL')
BEGIN SELECT RAISE(ABORT, 'dials: a finished trial cannot change'); END;
CREATE TRIGGER dials_intermediate_unfinished BEFORE INSERT ON dials_trial_intermediate
WHEN (SELECT state FROM dials_trials WHERE id = NEW.trial_id) IN ('COMPLETE', 'PRUNED', 'FAIL')
BEGIN SELECT RAISE(ABORT, 'dials: a finished trial cannot change'); END;
INSERT INTO dials_schema_version (version) VALUES (1);
`;

/** Bumps the change counter and records it as the latest change of trial `id` (an expression over NEW). */
function trialChange(trialId: string): string {
  return `UPDATE dials_change_counter SET seq = seq + 1;
  INSERT INTO dials_trial_changes (trial_id, study_id, seq)
    SELECT t.id, t.study_id, c.seq FROM dials_trials t, dials_change_counter c WHERE t.id = ${trialId}
    ON CONFLICT (trial_id) DO UPDATE SET seq = excluded.seq;`;
}

function studyChange(studyId: string, deleted: 0 | 1): string {
  return `UPDATE dials_change_counter SET seq = seq + 1;
  INSERT INTO dials_study_changes (study_id, seq, deleted) SELECT ${studyId}, seq, ${deleted} FROM dials_change_counter WHERE true
    ON CONFLICT (study_id) DO UPDATE SET seq = excluded.seq, deleted = excluded.deleted;`;
}

/**
 * Version 2: the change log. Writers are serialized by SQLite, so one counter
 * bumped by triggers orders every change by commit; each trial and study keeps
 * the number of its latest change (heartbeats are not changes), indexed so
 * "what changed after cursor C" reads only what changed.
 */
export const SQLITE_V1_TO_V2 = `
CREATE TABLE dials_change_counter (id INTEGER PRIMARY KEY CHECK (id = 1), seq INTEGER NOT NULL);
INSERT INTO dials_change_counter (id, seq) VALUES (1, 0);
CREATE TABLE dials_trial_changes (
  trial_id INTEGER PRIMARY KEY REFERENCES dials_trials(id) ON DELETE CASCADE,
  study_id INTEGER NOT NULL,
  seq INTEGER NOT NULL
);
CREATE INDEX dials_trial_changes_seq ON dials_trial_changes (seq);
CREATE INDEX dials_trial_changes_study_seq ON dials_trial_changes (study_id, seq);
CREATE TABLE dials_study_changes (study_id INTEGER PRIMARY KEY, seq INTEGER NOT NULL, deleted INTEGER NOT NULL);
CREATE INDEX dials_study_changes_seq ON dials_study_changes (seq);
INSERT INTO dials_trial_changes (trial_id, study_id, seq) SELECT id, study_id, 0 FROM dials_trials;
INSERT INTO dials_study_changes (study_id, seq, deleted) SELECT id, 0, 0 FROM dials_studies;
CREATE TRIGGER dials_change_trial_insert AFTER INSERT ON dials_trials BEGIN ${trialChange('NEW.id')} END;
CREATE TRIGGER dials_change_trial_update AFTER UPDATE OF state, started_at, finished_at, fail_reason ON dials_trials BEGIN ${trialChange('NEW.id')} END;
CREATE TRIGGER dials_change_params AFTER INSERT ON dials_trial_params BEGIN ${trialChange('NEW.trial_id')} END;
CREATE TRIGGER dials_change_values AFTER INSERT ON dials_trial_values BEGIN ${trialChange('NEW.trial_id')} END;
CREATE TRIGGER dials_change_intermediate AFTER INSERT ON dials_trial_intermediate BEGIN ${trialChange('NEW.trial_id')} END;
CREATE TRIGGER dials_change_trial_attr_insert AFTER INSERT ON dials_trial_attrs BEGIN ${trialChange('NEW.trial_id')} END;
CREATE TRIGGER dials_change_trial_attr_update AFTER UPDATE ON dials_trial_attrs BEGIN ${trialChange('NEW.trial_id')} END;
CREATE TRIGGER dials_change_study_insert AFTER INSERT ON dials_studies BEGIN ${studyChange('NEW.id', 0)} END;
CREATE TRIGGER dials_change_study_delete AFTER DELETE ON dials_studies BEGIN ${studyChange('OLD.id', 1)} END;
CREATE TRIGGER dials_change_study_attr_insert AFTER INSERT ON dials_study_attrs BEGIN ${studyChange('NEW.study_id', 0)} END;
CREATE TRIGGER dials_change_study_attr_update AFTER UPDATE ON dials_study_attrs BEGIN ${studyChange('NEW.study_id', 0)} END;
`;

/** Migrations from version N to N+1, run by `dials storage upgrade` (and, in order, on a new file). */
export const SQLITE_MIGRATIONS: ReadonlyMap<number, string> = new Map([[1, SQLITE_V1_TO_V2]]);
