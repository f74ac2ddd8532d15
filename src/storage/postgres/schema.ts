/** PostgreSQL schema, version 1. A trigger function makes finished trials immutable even to raw SQL. */
export const POSTGRES_SCHEMA_V1 = `
CREATE TABLE dials_schema_version (version INTEGER NOT NULL);
CREATE TABLE dials_studies (
  id BIGSERIAL PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  directions TEXT NOT NULL,
  next_number BIGINT NOT NULL DEFAULT 0,
  grid_cursor BIGINT NOT NULL DEFAULT 0,
  created_at DOUBLE PRECISION NOT NULL
);
CREATE TABLE dials_study_attrs (
  study_id BIGINT NOT NULL REFERENCES dials_studies(id) ON DELETE CASCADE,
  kind TEXT NOT NULL CHECK (kind IN ('user', 'system')),
  key TEXT NOT NULL,
  value TEXT NOT NULL,
  PRIMARY KEY (study_id, kind, key)
);
CREATE TABLE dials_trials (
  id BIGSERIAL PRIMARY KEY,
  study_id BIGINT NOT NULL REFERENCES dials_studies(id) ON DELETE CASCADE,
  number BIGINT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('WAITING', 'RUNNING', 'COMPLETE', 'PRUNED', 'FAIL')),
  created_at DOUBLE PRECISION NOT NULL,
  started_at DOUBLE PRECISION,
  finished_at DOUBLE PRECISION,
  heartbeat_at DOUBLE PRECISION,
  lease_id TEXT,
  lease_grace DOUBLE PRECISION,
  max_retries INTEGER NOT NULL DEFAULT 0,
  retry_of BIGINT,
  retry_count INTEGER NOT NULL DEFAULT 0,
  grid_index BIGINT,
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
  trial_id BIGINT NOT NULL REFERENCES dials_trials(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  value DOUBLE PRECISION NOT NULL,
  distribution TEXT NOT NULL,
  PRIMARY KEY (trial_id, name)
);
CREATE TABLE dials_trial_values (
  trial_id BIGINT NOT NULL REFERENCES dials_trials(id) ON DELETE CASCADE,
  objective INTEGER NOT NULL,
  value DOUBLE PRECISION,
  PRIMARY KEY (trial_id, objective)
);
CREATE TABLE dials_trial_intermediate (
  trial_id BIGINT NOT NULL REFERENCES dials_trials(id) ON DELETE CASCADE,
  fold INTEGER NOT NULL,
  step BIGINT NOT NULL,
  objective INTEGER NOT NULL,
  value DOUBLE PRECISION,
  PRIMARY KEY (trial_id, fold, step, objective)
);
CREATE TABLE dials_trial_attrs (
  trial_id BIGINT NOT NULL REFERENCES dials_trials(id) ON DELETE CASCADE,
  kind TEXT NOT NULL CHECK (kind IN ('user', 'system')),
  key TEXT NOT NULL,
  value TEXT NOT NULL,
  PRIMARY KEY (trial_id, kind, key)
);
CREATE FUNCTION dials_trials_forward_only() RETURNS trigger AS $$
BEGIN
  IF OLD.state IN ('COMPLETE', 'PRUNED', 'FAIL')
     OR (OLD.state = 'RUNNING' AND NEW.state NOT IN ('RUNNING', 'COMPLETE', 'PRUNED', 'FAIL'))
     OR (OLD.state = 'WAITING' AND NEW.state NOT IN ('WAITING', 'RUNNING', 'FAIL'))
     OR NEW.number IS DISTINCT FROM OLD.number OR NEW.study_id IS DISTINCT FROM OLD.study_id THEN
    RAISE EXCEPTION 'dials: a finished trial cannot change, and states only move forward' USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER dials_trials_forward_only BEFORE UPDATE ON dials_trials
  FOR EACH ROW EXECUTE FUNCTION dials_trials_forward_only();
CREATE FUNCTION dials_child_unfinished() RETURNS trigger AS $$
BEGIN
  IF (SELECT state FROM dials_trials WHERE id = NEW.trial_id) IN ('COMPLETE', 'PRUNED', 'FAIL') THEN
    RAISE EXCEPTION 'dials: a finished trial cannot change' USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER dials_params_unfinished BEFORE INSERT ON dials_trial_params
  FOR EACH ROW EXECUTE FUNCTION dials_child_unfinished();
CREATE TRIGGER dials_values_unfinished BEFORE INSERT OR UPDATE ON dials_trial_values
  FOR EACH ROW EXECUTE FUNCTION dials_child_unfinished();
CREATE TRIGGER dials_intermediate_unfinished BEFORE INSERT ON dials_trial_intermediate
  FOR EACH ROW EXECUTE FUNCTION dials_child_unfinished();
CREATE FUNCTION dials_update_trial(p_id bigint, p_lease text,
  p_names text[], p_pvalues double precision[], p_dists text[],
  p_folds integer[], p_steps bigint[], p_objs integer[], p_ivalues double precision[],
  p_kinds text[], p_keys text[], p_avalues text[],
  p_state text, p_values double precision[], p_reason text)
RETURNS TABLE (ok boolean, number bigint, state text, lease_id text, fail_reason text, vals double precision[]) AS $$
DECLARE t record;
BEGIN
  SELECT tr.number, tr.state, tr.lease_id, tr.fail_reason INTO t FROM dials_trials tr WHERE tr.id = p_id FOR UPDATE;
  IF NOT FOUND THEN RETURN; END IF;
  IF t.state <> 'RUNNING' OR t.lease_id IS DISTINCT FROM p_lease THEN
    RETURN QUERY SELECT false, t.number, t.state, t.lease_id, t.fail_reason,
      (SELECT array_agg(v.value ORDER BY v.objective) FROM dials_trial_values v WHERE v.trial_id = p_id);
    RETURN;
  END IF;
  IF cardinality(p_names) > 0 THEN
    INSERT INTO dials_trial_params (trial_id, name, value, distribution)
      SELECT p_id, x.n, x.v, x.d FROM unnest(p_names, p_pvalues, p_dists) AS x(n, v, d)
      ON CONFLICT (trial_id, name) DO NOTHING;
  END IF;
  IF cardinality(p_steps) > 0 THEN
    INSERT INTO dials_trial_intermediate (trial_id, fold, step, objective, value)
      SELECT p_id, x.f, x.s, x.o, x.v FROM unnest(p_folds, p_steps, p_objs, p_ivalues) AS x(f, s, o, v)
      ON CONFLICT (trial_id, fold, step, objective) DO NOTHING;
  END IF;
  IF cardinality(p_keys) > 0 THEN
    INSERT INTO dials_trial_attrs (trial_id, kind, key, value)
      SELECT p_id, x.k, x.key, x.v FROM unnest(p_kinds, p_keys, p_avalues) AS x(k, key, v)
      ON CONFLICT (trial_id, kind, key) DO UPDATE SET value = excluded.value;
  END IF;
  IF p_state IS NOT NULL THEN
    IF cardinality(p_values) > 0 THEN
      INSERT INTO dials_trial_values (trial_id, objective, value)
        SELECT p_id, o - 1, p_values[o] FROM generate_subscripts(p_values, 1) AS o;
    END IF;
    UPDATE dials_trials SET state = p_state, fail_reason = p_reason,
      finished_at = extract(epoch from clock_timestamp())::double precision WHERE id = p_id;
  END IF;
  RETURN QUERY SELECT true, t.number, t.state, t.lease_id, t.fail_reason, NULL::double precision[];
END $$ LANGUAGE plpgsql;
INSERT INTO dials_schema_version (version) VALUES (1);
`;

/**
 * Version 2: the change log. PostgreSQL writers run concurrently, so a
 * sequence would not order changes by commit; instead each change records the
 * 64-bit id of its transaction, and a reader's cursor is the oldest transaction
 * still running in its snapshot (pg_snapshot_xmin): every change below it has
 * committed or aborted, every later one has an id at or above it. Readers ask
 * for `seq >= cursor`, so a change may be reported twice but never missed.
 * Child rows use statement triggers with transition tables (one upsert per
 * statement); heartbeats are not changes.
 */
export const POSTGRES_V1_TO_V2 = `
CREATE TABLE dials_trial_changes (
  trial_id BIGINT PRIMARY KEY REFERENCES dials_trials(id) ON DELETE CASCADE,
  study_id BIGINT NOT NULL,
  seq BIGINT NOT NULL
);
CREATE INDEX dials_trial_changes_seq ON dials_trial_changes (seq);
CREATE INDEX dials_trial_changes_study_seq ON dials_trial_changes (study_id, seq);
CREATE TABLE dials_study_changes (study_id BIGINT PRIMARY KEY, seq BIGINT NOT NULL, deleted BOOLEAN NOT NULL);
CREATE INDEX dials_study_changes_seq ON dials_study_changes (seq);
INSERT INTO dials_trial_changes (trial_id, study_id, seq) SELECT id, study_id, 0 FROM dials_trials;
INSERT INTO dials_study_changes (study_id, seq, deleted) SELECT id, 0, false FROM dials_studies;
CREATE FUNCTION dials_change_trial_row() RETURNS trigger AS $$
BEGIN
  INSERT INTO dials_trial_changes (trial_id, study_id, seq) VALUES (NEW.id, NEW.study_id, pg_current_xact_id()::text::bigint)
    ON CONFLICT (trial_id) DO UPDATE SET seq = excluded.seq WHERE dials_trial_changes.seq <> excluded.seq;
  RETURN NULL;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER dials_change_trial_insert AFTER INSERT ON dials_trials FOR EACH ROW EXECUTE FUNCTION dials_change_trial_row();
CREATE TRIGGER dials_change_trial_update AFTER UPDATE OF state, started_at, finished_at, fail_reason ON dials_trials
  FOR EACH ROW EXECUTE FUNCTION dials_change_trial_row();
CREATE FUNCTION dials_change_trial_children() RETURNS trigger AS $$
BEGIN
  INSERT INTO dials_trial_changes (trial_id, study_id, seq)
    SELECT t.id, t.study_id, pg_current_xact_id()::text::bigint FROM dials_trials t WHERE t.id IN (SELECT trial_id FROM dials_changed_rows)
    ON CONFLICT (trial_id) DO UPDATE SET seq = excluded.seq WHERE dials_trial_changes.seq <> excluded.seq;
  RETURN NULL;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER dials_change_params AFTER INSERT ON dials_trial_params
  REFERENCING NEW TABLE AS dials_changed_rows FOR EACH STATEMENT EXECUTE FUNCTION dials_change_trial_children();
CREATE TRIGGER dials_change_values AFTER INSERT ON dials_trial_values
  REFERENCING NEW TABLE AS dials_changed_rows FOR EACH STATEMENT EXECUTE FUNCTION dials_change_trial_children();
CREATE TRIGGER dials_change_intermediate AFTER INSERT ON dials_trial_intermediate
  REFERENCING NEW TABLE AS dials_changed_rows FOR EACH STATEMENT EXECUTE FUNCTION dials_change_trial_children();
CREATE TRIGGER dials_change_trial_attr_insert AFTER INSERT ON dials_trial_attrs
  REFERENCING NEW TABLE AS dials_changed_rows FOR EACH STATEMENT EXECUTE FUNCTION dials_change_trial_children();
CREATE TRIGGER dials_change_trial_attr_update AFTER UPDATE ON dials_trial_attrs
  REFERENCING NEW TABLE AS dials_changed_rows FOR EACH STATEMENT EXECUTE FUNCTION dials_change_trial_children();
CREATE FUNCTION dials_change_study_row() RETURNS trigger AS $$
BEGIN
  IF TG_TABLE_NAME = 'dials_studies' AND TG_OP = 'DELETE' THEN
    INSERT INTO dials_study_changes (study_id, seq, deleted) VALUES (OLD.id, pg_current_xact_id()::text::bigint, true)
      ON CONFLICT (study_id) DO UPDATE SET seq = excluded.seq, deleted = true;
  ELSIF TG_TABLE_NAME = 'dials_studies' THEN
    INSERT INTO dials_study_changes (study_id, seq, deleted) VALUES (NEW.id, pg_current_xact_id()::text::bigint, false)
      ON CONFLICT (study_id) DO UPDATE SET seq = excluded.seq, deleted = false;
  ELSE
    INSERT INTO dials_study_changes (study_id, seq, deleted) VALUES (NEW.study_id, pg_current_xact_id()::text::bigint, false)
      ON CONFLICT (study_id) DO UPDATE SET seq = excluded.seq, deleted = false;
  END IF;
  RETURN NULL;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER dials_change_study_insert AFTER INSERT ON dials_studies FOR EACH ROW EXECUTE FUNCTION dials_change_study_row();
CREATE TRIGGER dials_change_study_delete AFTER DELETE ON dials_studies FOR EACH ROW EXECUTE FUNCTION dials_change_study_row();
CREATE TRIGGER dials_change_study_attr AFTER INSERT OR UPDATE ON dials_study_attrs FOR EACH ROW EXECUTE FUNCTION dials_change_study_row();
`;

/** Migrations from version N to N+1, run by `dials storage upgrade` (and, in order, on a new schema). */
export const POSTGRES_MIGRATIONS: ReadonlyMap<number, string> = new Map([[1, POSTGRES_V1_TO_V2]]);
