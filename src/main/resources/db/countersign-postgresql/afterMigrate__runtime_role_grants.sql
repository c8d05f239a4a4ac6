-- Least privilege for the runtime role, the user the application connects as (placeholder runtime_role,
-- by default spring.datasource.username). Flyway runs this as the owner after every migrate, so tables that
-- later migrations add are covered. The runtime role owns nothing: it cannot ALTER or DROP a table or its
-- triggers, and the append-only tables take SELECT and INSERT only. A no-op when one user does both.
DO $grants$
DECLARE
  runtime text := '${runtime_role}';
  -- Append-only: rows are added, never changed or removed (whichever of them exist yet).
  append_only text[] := ARRAY['cs_evidence', 'cs_manifest', 'cs_sign_off', 'cs_task', 'cs_override_request',
      'cs_override_decision', 'cs_deploy_authorization', 'cs_release_model', 'cs_release_policy'];
  granted text;
  t record;
BEGIN
  IF runtime = '' OR runtime = current_user THEN
    RAISE NOTICE 'the runtime role is the migration user %: no grants', current_user;
    RETURN;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = runtime) THEN
    RAISE EXCEPTION 'runtime role "%" does not exist: create it (LOGIN, nothing else) before migrating', runtime;
  END IF;
  EXECUTE format('GRANT USAGE ON SCHEMA %I TO %I', current_schema(), runtime);
  FOR t IN SELECT tablename FROM pg_tables
      WHERE schemaname = current_schema() AND pg_has_role(current_user, tableowner, 'USAGE') LOOP
    granted := CASE
      WHEN t.tablename = '${flyway:table}' THEN 'SELECT'
      WHEN t.tablename = ANY (append_only) THEN 'SELECT, INSERT'
      -- The head of each evidence chain moves forward with every append.
      WHEN t.tablename = 'cs_evidence_head' THEN 'SELECT, INSERT, UPDATE'
      -- Attempts are begun, then finished or begun again; never removed (they prove what was called).
      WHEN t.tablename = 'cs_attempt' THEN 'SELECT, INSERT, UPDATE'
      -- Notifications are published, claimed, marked delivered or failed; kept (dead ones too), never removed.
      WHEN t.tablename = 'cs_notification_outbox' THEN 'SELECT, INSERT, UPDATE'
      WHEN t.tablename LIKE 'act\_%' OR t.tablename LIKE 'cs\_%' THEN 'SELECT, INSERT, UPDATE, DELETE'
    END;
    -- From scratch each time: a table that became append-only loses what it had before.
    EXECUTE format('REVOKE ALL ON TABLE %I.%I FROM %I', current_schema(), t.tablename, runtime);
    IF granted IS NOT NULL THEN
      EXECUTE format('GRANT %s ON TABLE %I.%I TO %I', granted, current_schema(), t.tablename, runtime);
    END IF;
  END LOOP;
  -- Identity columns and sequences: drawing the next value, never setting one.
  FOR t IN SELECT sequencename FROM pg_sequences
      WHERE schemaname = current_schema() AND pg_has_role(current_user, sequenceowner, 'USAGE') LOOP
    EXECUTE format('GRANT USAGE, SELECT ON SEQUENCE %I.%I TO %I', current_schema(), t.sequencename, runtime);
  END LOOP;
END
$grants$;
