-- Countersign's own tables (the engine's tables are created by Camunda itself).

-- Read model of releases for the API: one row per release, status kept by the process.
CREATE TABLE cs_release (
  id                 VARCHAR(64)  PRIMARY KEY,
  application        VARCHAR(64)  NOT NULL,
  version            VARCHAR(64)  NOT NULL,
  environment        VARCHAR(16)  NOT NULL,
  change_reference   VARCHAR(64)  NOT NULL,
  status             VARCHAR(32)  NOT NULL,
  status_reason      VARCHAR(2000),
  requester          VARCHAR(128) NOT NULL,
  process_instance_id VARCHAR(64),
  idempotency_key    VARCHAR(128),
  manifest_sha256    CHAR(64)     NOT NULL,
  active             BOOLEAN      NOT NULL,
  -- application|version|environment while the release is active, NULL after: one active release per triple.
  active_key         VARCHAR(160),
  created_at         TIMESTAMP    NOT NULL,
  updated_at         TIMESTAMP    NOT NULL
);
CREATE UNIQUE INDEX cs_release_idempotency ON cs_release (requester, idempotency_key);
CREATE UNIQUE INDEX cs_release_active ON cs_release (active_key);
CREATE INDEX cs_release_lookup ON cs_release (application, environment, status);

-- Every sign-off decision, so four-eyes can be checked across the roles of one release.
CREATE TABLE cs_sign_off (
  release_id   VARCHAR(64)  NOT NULL,
  role         VARCHAR(64)  NOT NULL,
  user_id      VARCHAR(128) NOT NULL,
  decision     VARCHAR(16)  NOT NULL,
  comment      VARCHAR(2000),
  decided_at   TIMESTAMP    NOT NULL,
  task_id      VARCHAR(64)  NOT NULL,
  PRIMARY KEY (release_id, role)
);

-- Hash-chained, append-only evidence. hash = SHA-256(previous hash + canonical entry).
CREATE TABLE cs_evidence (
  release_id    VARCHAR(64)  NOT NULL,
  seq           BIGINT       NOT NULL,
  type          VARCHAR(64)  NOT NULL,
  actor         VARCHAR(128) NOT NULL,
  recorded_at   TIMESTAMP    NOT NULL,
  payload       TEXT         NOT NULL,
  previous_hash CHAR(64)     NOT NULL,
  hash          CHAR(64)     NOT NULL,
  PRIMARY KEY (release_id, seq)
);

-- Head of each release's chain; locked FOR UPDATE to serialize appends.
CREATE TABLE cs_evidence_head (
  release_id VARCHAR(64) PRIMARY KEY,
  last_seq   BIGINT      NOT NULL,
  last_hash  CHAR(64)    NOT NULL
);
