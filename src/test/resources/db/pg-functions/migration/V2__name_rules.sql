-- Changes the function body, adds a check and an enum type.
CREATE TYPE account_tier AS ENUM ('basic', 'plus');
ALTER TABLE accounts ADD COLUMN tier account_tier DEFAULT 'basic' NOT NULL;
ALTER TABLE accounts ADD CONSTRAINT ck_accounts_name CHECK (name <> '');

CREATE OR REPLACE FUNCTION touch_account() RETURNS trigger LANGUAGE plpgsql AS $body$
BEGIN
  NEW.updated_at := now();
  NEW.name := trim(NEW.name); -- a semicolon inside the body; and a quote: 'x'
  RETURN NEW;
END;
$body$;
