-- Evidence is append-only at the database level (HIPAA 164.312(c) integrity): any UPDATE, DELETE
-- or TRUNCATE of cs_evidence is refused, whoever connects. Appends stay possible.
CREATE FUNCTION cs_evidence_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'cs_evidence is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END
$$;

CREATE TRIGGER cs_evidence_no_update_or_delete
  BEFORE UPDATE OR DELETE ON cs_evidence
  FOR EACH ROW EXECUTE FUNCTION cs_evidence_refuse_change();

CREATE TRIGGER cs_evidence_no_truncate
  BEFORE TRUNCATE ON cs_evidence
  FOR EACH STATEMENT EXECUTE FUNCTION cs_evidence_refuse_change();

-- Roles other than the owner may read and append, never change.
REVOKE UPDATE, DELETE, TRUNCATE ON cs_evidence FROM PUBLIC;
