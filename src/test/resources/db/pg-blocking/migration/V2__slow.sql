-- PostgreSQL only: a long migration. It waits for an advisory lock the test holds, so the test decides
-- when it ends (no sleeping); key 4242 is the test's, not Countersign's.
ALTER TABLE accounts ADD COLUMN email VARCHAR(200);
SELECT pg_advisory_xact_lock(4242);
