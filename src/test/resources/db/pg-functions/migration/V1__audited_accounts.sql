-- PostgreSQL only: a trigger function whose body (dollar-quoted) contains semicolons.
CREATE TABLE accounts (
  id         BIGINT NOT NULL,
  name       VARCHAR(50) NOT NULL,
  updated_at TIMESTAMP,
  CONSTRAINT pk_accounts PRIMARY KEY (id)
);

CREATE FUNCTION touch_account() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.updated_at := now();
  RETURN NEW;
END;
$$;

CREATE TRIGGER tr_accounts_touch BEFORE UPDATE ON accounts FOR EACH ROW EXECUTE FUNCTION touch_account();
