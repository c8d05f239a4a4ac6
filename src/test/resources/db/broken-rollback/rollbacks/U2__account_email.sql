-- Wrong column name: the rollback fails before it changes anything.
ALTER TABLE accounts DROP COLUMN e_mail;
