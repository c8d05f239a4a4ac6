-- Approvers' task queries (Tasklist filters, GET /engine-rest/task) join the signed-in user's
-- authorization rows on RESOURCE_ID_ IN (task id, process definition key, '*') and keep those with
-- PERMS_ & mask = mask. Without statistics on those expressions PostgreSQL guesses that 0.5 % of a
-- group's rows match, where with one grant per waiting sign-off it is nearly all of them, and plans
-- a nested loop over every pair of task and grant: 100 million pairs and about 8 s at 10,000 waiting
-- releases. With them it probes the resource index once per task (README "Performance").
-- The masks are the two a task query checks: READ (2) on a task, READ_TASK (64) on a definition.
-- Expression statistics need PostgreSQL 14; the owner must own the engine's tables (it does when
-- Flyway created them, migration 1.2). Otherwise the queries still work, only slower: a warning.
DO $$
BEGIN
  IF to_regclass('act_ru_authorization') IS NULL THEN
    RETURN; -- Countersign's tables only, no engine here (some tests migrate just those)
  END IF;
  IF current_setting('server_version_num')::int < 140000 THEN
    RAISE WARNING 'No statistics on act_ru_authorization permissions before PostgreSQL 14: approvers'' task queries stay slow with thousands waiting';
    RETURN;
  END IF;
  EXECUTE 'CREATE STATISTICS IF NOT EXISTS cs_authorization_permissions ON (perms_ & 2), (perms_ & 64) FROM act_ru_authorization';
  EXECUTE 'ANALYZE act_ru_authorization';
EXCEPTION WHEN insufficient_privilege THEN
  RAISE WARNING 'No statistics on act_ru_authorization permissions (%): approvers'' task queries stay slow with thousands waiting', SQLERRM;
END
$$;
