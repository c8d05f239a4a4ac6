-- What a signed release rests on, kept in Countersign's own tables rather than in process variables
-- (which a caller of the engine could write). Rows are written once; on PostgreSQL the runtime role
-- may only INSERT and SELECT them (see the grants applied after migration).

-- The manifest as submitted, stored once in its RFC 8785 canonical form with the SHA-256 of that text.
-- Sign-offs and override decisions record the digest they were made on; every deploy and rollback step
-- reads the manifest from here and re-checks the digest.
CREATE TABLE cs_manifest (
  release_id     VARCHAR(64) PRIMARY KEY,
  canonical_json TEXT        NOT NULL,
  sha256         CHAR(64)    NOT NULL,
  stored_at      TIMESTAMP   NOT NULL
);

-- The model versions a release was submitted with; a later deployment of a model applies to later releases.
CREATE TABLE cs_release_model (
  release_id      VARCHAR(64)  NOT NULL,
  model_key       VARCHAR(255) NOT NULL,
  kind            VARCHAR(8)   NOT NULL,
  definition_id   VARCHAR(64)  NOT NULL,
  version         INTEGER      NOT NULL,
  deployment_id   VARCHAR(64)  NOT NULL,
  resource_name   VARCHAR(255) NOT NULL,
  resource_sha256 CHAR(64)     NOT NULL,
  PRIMARY KEY (release_id, model_key)
);

-- What the release policy required of this release, evaluated once.
CREATE TABLE cs_release_policy (
  release_id        VARCHAR(64)   PRIMARY KEY,
  required_roles    VARCHAR(1000) NOT NULL,
  required_evidence VARCHAR(1000) NOT NULL,
  decided_at        TIMESTAMP     NOT NULL
);

-- Each human task of a release as the process created it: four-eyes reads the release, the role and the
-- override request a task is about from here, never from variables the completing user can write.
CREATE TABLE cs_task (
  task_id    VARCHAR(64)  PRIMARY KEY,
  release_id VARCHAR(64)  NOT NULL,
  task_key   VARCHAR(64)  NOT NULL,
  role       VARCHAR(64),
  subject_id VARCHAR(64),
  created_at TIMESTAMP    NOT NULL
);
CREATE INDEX cs_task_release ON cs_task (release_id);

-- Sign-offs still open when the escalation time passed: release managers may sign for their roles.
CREATE TABLE cs_task_escalation (
  task_id      VARCHAR(64) PRIMARY KEY,
  group_id     VARCHAR(64) NOT NULL,
  escalated_at TIMESTAMP   NOT NULL
);

-- A sign-off names the manifest digest it was made on.
ALTER TABLE cs_sign_off ADD COLUMN manifest_sha256 CHAR(64);

-- Emergency overrides: who asked, and who decided, on which digest.
CREATE TABLE cs_override_request (
  id                 VARCHAR(64)   PRIMARY KEY,
  release_id         VARCHAR(64)   NOT NULL,
  kind               VARCHAR(16)   NOT NULL,
  window_duration    VARCHAR(16)   NOT NULL,
  reason             VARCHAR(2000) NOT NULL,
  incident_reference VARCHAR(128)  NOT NULL,
  requested_by       VARCHAR(128)  NOT NULL,
  manifest_sha256    CHAR(64)      NOT NULL,
  requested_at       TIMESTAMP     NOT NULL
);
CREATE INDEX cs_override_request_release ON cs_override_request (release_id);

CREATE TABLE cs_override_decision (
  request_id      VARCHAR(64)   PRIMARY KEY,
  release_id      VARCHAR(64)   NOT NULL,
  decision        VARCHAR(16)   NOT NULL,
  decided_by      VARCHAR(128)  NOT NULL,
  comment         VARCHAR(2000),
  manifest_sha256 CHAR(64)      NOT NULL,
  decided_at      TIMESTAMP     NOT NULL
);

-- The one decision that lets a release change anything: written by the start-deployment gate after it
-- checked the sign-offs (or the override) against the stored digest. Every step requires it.
CREATE TABLE cs_deploy_authorization (
  release_id          VARCHAR(64) PRIMARY KEY,
  manifest_sha256     CHAR(64)    NOT NULL,
  gate                VARCHAR(32) NOT NULL,
  override_request_id VARCHAR(64),
  authorized_at       TIMESTAMP   NOT NULL
);
