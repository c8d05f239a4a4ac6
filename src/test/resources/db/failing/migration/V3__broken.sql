-- Refers to a table that does not exist: fails deterministically on every database.
INSERT INTO no_such_table (id) VALUES (1);
