-- The first statement works, the second names a table that does not exist: the whole rollback must be undone.
DELETE FROM accounts;
DROP TABLE acounts;
