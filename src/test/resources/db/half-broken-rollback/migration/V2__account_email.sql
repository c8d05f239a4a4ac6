ALTER TABLE accounts ADD COLUMN email VARCHAR(200);
CREATE UNIQUE INDEX ux_accounts_email ON accounts (email);
