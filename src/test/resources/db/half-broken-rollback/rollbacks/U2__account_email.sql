-- Correct: runs first (reverse order) and succeeds, so the failure of U1 must undo it too.
DROP INDEX ux_accounts_email;
ALTER TABLE accounts DROP COLUMN email;
