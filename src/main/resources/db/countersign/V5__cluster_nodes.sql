-- The nodes that run releases on this database, as each last reported itself (every heartbeat). A job
-- locked by a node whose last report is older than its lease belongs to a node that is gone; the API shows
-- such jobs as stalled until the lock lapses. A row per node id; a restarted node takes its row over.
CREATE TABLE cs_node (
  node_id      VARCHAR(64) PRIMARY KEY,
  instance_id  VARCHAR(64) NOT NULL,
  started_at   TIMESTAMP   NOT NULL,
  last_seen    TIMESTAMP   NOT NULL,
  lease_millis BIGINT      NOT NULL
);
