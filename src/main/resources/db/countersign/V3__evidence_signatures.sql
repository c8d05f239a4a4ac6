-- Keyed evidence: every entry carries the Ed25519 signature (base64, 88 characters) of
--   countersign-evidence-entry-v1 \n <release_id (chain id)> \n <seq> \n <hash>
-- made with the server's evidence signing key (countersign.evidence.signing.*), so whoever can write
-- this table but lacks the key cannot recompute a chain that verifies. Entries recorded before this
-- migration have none and are reported as not signed.
ALTER TABLE cs_evidence ADD COLUMN signature VARCHAR(128);
