-- Notifications waiting to be sent, and sent (issue 16): one row per event and channel, written in the
-- transaction that changed the release (a rolled-back job publishes nothing), delivered afterwards by
-- notify.OutboxDeliverer outside it.
--
-- id: the CloudEvent id, the same in every attempt, so a receiver dedupes by it. payload: the whole
-- CloudEvent as sent (JSON). attempts: how many sends were begun. next_attempt_at: when the row is due;
-- a node that claims a row moves it forward by a lease (a conditional UPDATE), so no other node sends it
-- meanwhile. delivered_at: set once a receiver accepted it. last_error: the last failure, never a secret.
-- A row with attempts at the maximum and no delivered_at is dead: kept, never sent again.
CREATE TABLE cs_notification_outbox (
  id              VARCHAR(64)   PRIMARY KEY,
  release_id      VARCHAR(64)   NOT NULL,
  type            VARCHAR(128)  NOT NULL,
  channel         VARCHAR(64)   NOT NULL,
  payload         TEXT          NOT NULL,
  created_at      TIMESTAMP     NOT NULL,
  attempts        INTEGER       NOT NULL,
  next_attempt_at TIMESTAMP     NOT NULL,
  delivered_at    TIMESTAMP,
  last_error      VARCHAR(2000)
);
CREATE INDEX cs_notification_outbox_due ON cs_notification_outbox (delivered_at, next_attempt_at);
CREATE INDEX cs_notification_outbox_release ON cs_notification_outbox (release_id);
