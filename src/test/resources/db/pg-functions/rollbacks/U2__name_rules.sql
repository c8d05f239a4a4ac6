/* Puts back V1's function body exactly; a DO block checks nothing depends on the tier first. */
DO $check$
BEGIN
  IF EXISTS (SELECT 1 FROM accounts WHERE tier <> 'basic') THEN
    RAISE EXCEPTION 'accounts on plus; a rollback would lose their tier';
  END IF;
END;
$check$;

CREATE OR REPLACE FUNCTION touch_account() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.updated_at := now();
  RETURN NEW;
END;
$$;

ALTER TABLE accounts DROP CONSTRAINT ck_accounts_name;
ALTER TABLE accounts DROP COLUMN tier;
DROP TYPE account_tier;
