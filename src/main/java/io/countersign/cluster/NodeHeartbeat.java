package io.countersign.cluster;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.camunda.bpm.engine.impl.util.ClockUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

/**
 * Every heartbeat, on one connection of its own: checks the database, renews the leases of the jobs
 * this node holds, and records the node as alive in {@code cs_node}.
 *
 * <p>On PostgreSQL the connection also holds an advisory lock on the node id for the node's
 * lifetime. The server drops it when the process dies, so a node that starts and gets the lock
 * knows its previous run is gone and releases that run's job locks at once instead of waiting for
 * them to lapse; a second live process with the same id does not get it and is refused at start.
 */
@Component
public class NodeHeartbeat implements SmartLifecycle {
  private static final Logger LOG = LoggerFactory.getLogger(NodeHeartbeat.class);
  private static final int NODE_LOCK_CLASS = 0x43530001; // "CS" + 1: Countersign's node locks
  private static final int IN_CHUNK = 100;
  // A renewal waits at most this for a row a job is committing, so the beat keeps its rhythm.
  private static final int STATEMENT_TIMEOUT_SECONDS = 5;

  /** Whether the database answered the last heartbeat, and since when it has been so. */
  public record DatabaseStatus(boolean reachable, Instant since, String error) {}

  private final DataSource dataSource;
  private final NodeIdentity node;
  private final Duration heartbeat;
  private final Duration lease;
  private volatile LeasedJobExecutor executor;
  private volatile DatabaseStatus database;
  private volatile boolean idInUse;
  private ScheduledExecutorService timer;
  private Connection connection;
  private boolean postgres;

  NodeHeartbeat(
      DataSource dataSource,
      NodeIdentity node,
      ClusterProperties properties,
      @Value("${camunda.bpm.job-execution.lock-time-in-millis:300000}") long leaseMillis) {
    this.dataSource = dataSource;
    this.node = node;
    this.heartbeat = properties.heartbeat();
    this.lease = Duration.ofMillis(leaseMillis);
    if (lease.compareTo(heartbeat.multipliedBy(3)) < 0) {
      throw new IllegalArgumentException(
          "the job lease (camunda.bpm.job-execution.lock-time-in-millis, "
              + lease
              + ") must be at least three heartbeats (countersign.cluster.heartbeat, "
              + heartbeat
              + "): a lease must outlast two missed renewals");
    }
    this.database = new DatabaseStatus(true, Instant.now(), null);
  }

  void watch(LeasedJobExecutor executor) {
    this.executor = executor;
  }

  public DatabaseStatus database() {
    return database;
  }

  public Duration lease() {
    return lease;
  }

  public Duration heartbeat() {
    return heartbeat;
  }

  /** Whether another live process holds this node's id (PostgreSQL only). */
  public boolean idInUse() {
    return idInUse;
  }

  /** The jobs this node has locked and not finished. */
  public Set<String> heldJobs() {
    LeasedJobExecutor jobs = executor;
    return jobs == null ? Set.of() : jobs.held();
  }

  @Override
  public synchronized void start() {
    try {
      open();
    } catch (SQLException e) {
      throw new IllegalStateException("the node heartbeat could not reach the database", e);
    }
    if (idInUse) {
      close();
      throw new IllegalStateException(
          "node id '"
              + node.nodeId()
              + "' is held by another running Countersign process on this database: give each"
              + " node its own countersign.cluster.node-id");
    }
    beat();
    timer =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "countersign-heartbeat");
              t.setDaemon(true);
              return t;
            });
    long every = heartbeat.toMillis();
    timer.scheduleWithFixedDelay(this::beat, every, every, TimeUnit.MILLISECONDS);
  }

  @Override
  public synchronized void stop() {
    if (timer != null) {
      timer.shutdownNow();
      timer = null;
    }
    close();
  }

  @Override
  public synchronized boolean isRunning() {
    return timer != null;
  }

  /**
   * Releases the job locks this node's previous run held when it died: called as the job executor
   * starts, before it acquires anything under the same owner.
   */
  synchronized void reclaimPreviousLocks() {
    if (idInUse) {
      return;
    }
    try {
      ensureOpen();
      try (PreparedStatement s =
          connection.prepareStatement(
              "UPDATE ACT_RU_JOB SET REV_ = REV_ + 1, LOCK_OWNER_ = NULL, LOCK_EXP_TIME_ = NULL"
                  + " WHERE LOCK_OWNER_ = ?")) {
        s.setString(1, node.nodeId());
        int released = s.executeUpdate();
        if (released > 0) {
          LOG.info(
              "Released {} job lock(s) node {} held when it stopped; they run again now",
              released,
              node.nodeId());
        }
      }
    } catch (SQLException e) {
      // The leases lapse by themselves; releasing them early only saves time.
      LOG.warn("Could not release the job locks of node {}'s previous run", node.nodeId(), e);
    }
  }

  synchronized void beat() {
    try {
      ensureOpen();
      if (!idInUse) {
        renew(heldJobs());
        record();
      }
      if (!database.reachable()) {
        LOG.info(
            "The database is reachable again after {}s",
            Duration.between(database.since(), Instant.now()).toSeconds());
        database = new DatabaseStatus(true, Instant.now(), null);
      }
    } catch (SQLException | RuntimeException e) {
      if (connected()) {
        // A statement failed on a live connection (a lock wait ran out): the database is there.
        LOG.warn("Heartbeat of node {} failed: {}", node.nodeId(), e.getMessage());
        return;
      }
      close();
      unreachable(e.getMessage());
    }
  }

  private void ensureOpen() throws SQLException {
    if (connection != null && !connection.isValid(2)) {
      // Said before reopening, which may wait for the pool's connection timeout.
      unreachable("the heartbeat's connection to the database broke");
      close();
    }
    if (connection == null) {
      open();
    }
  }

  private boolean connected() {
    try {
      return connection != null && connection.isValid(2);
    } catch (SQLException e) {
      return false;
    }
  }

  private void unreachable(String error) {
    if (database.reachable()) {
      LOG.warn("The database is unreachable: {}", error);
      database = new DatabaseStatus(false, Instant.now(), error);
    }
  }

  private void open() throws SQLException {
    connection = dataSource.getConnection();
    connection.setAutoCommit(true);
    postgres = connection.getMetaData().getDatabaseProductName().equals("PostgreSQL");
    boolean wasInUse = idInUse;
    idInUse = postgres && !lockNodeId();
    if (idInUse && !wasInUse) {
      LOG.error(
          "Node id '{}' is held by another running process: this node renews no leases until it"
              + " is gone",
          node.nodeId());
    }
  }

  private boolean lockNodeId() throws SQLException {
    try (PreparedStatement s =
        connection.prepareStatement("SELECT pg_try_advisory_lock(?, hashtext(?))")) {
      s.setInt(1, NODE_LOCK_CLASS);
      s.setString(2, node.nodeId());
      try (ResultSet r = s.executeQuery()) {
        r.next();
        return r.getBoolean(1);
      }
    }
  }

  private void close() {
    if (connection != null) {
      try {
        connection.close();
      } catch (SQLException ignored) {
        // a broken connection: the pool discards it
      }
      connection = null;
    }
  }

  private void renew(Set<String> held) throws SQLException {
    if (held.isEmpty()) {
      return;
    }
    Timestamp until = new Timestamp(ClockUtil.getCurrentTime().getTime() + lease.toMillis());
    List<String> ids = new ArrayList<>(held);
    for (int from = 0; from < ids.size(); from += IN_CHUNK) {
      List<String> chunk = ids.subList(from, Math.min(ids.size(), from + IN_CHUNK));
      String marks = String.join(",", Collections.nCopies(chunk.size(), "?"));
      try (PreparedStatement s =
          connection.prepareStatement(
              "UPDATE ACT_RU_JOB SET LOCK_EXP_TIME_ = ? WHERE LOCK_OWNER_ = ? AND ID_ IN ("
                  + marks
                  + ")")) {
        s.setQueryTimeout(STATEMENT_TIMEOUT_SECONDS);
        s.setTimestamp(1, until);
        s.setString(2, node.nodeId());
        for (int i = 0; i < chunk.size(); i++) {
          s.setString(3 + i, chunk.get(i));
        }
        s.executeUpdate();
      }
    }
  }

  private void record() throws SQLException {
    Timestamp now = new Timestamp(ClockUtil.getCurrentTime().getTime());
    try (PreparedStatement s =
        connection.prepareStatement(
            "UPDATE cs_node SET instance_id = ?, started_at = ?, last_seen = ?, lease_millis = ?"
                + " WHERE node_id = ?")) {
      s.setQueryTimeout(STATEMENT_TIMEOUT_SECONDS);
      s.setString(1, node.instanceId());
      s.setTimestamp(2, Timestamp.from(node.startedAt()));
      s.setTimestamp(3, now);
      s.setLong(4, lease.toMillis());
      s.setString(5, node.nodeId());
      if (s.executeUpdate() > 0) {
        return;
      }
    }
    try (PreparedStatement s =
        connection.prepareStatement(
            "INSERT INTO cs_node (node_id, instance_id, started_at, last_seen, lease_millis)"
                + " VALUES (?, ?, ?, ?, ?)")) {
      s.setString(1, node.nodeId());
      s.setString(2, node.instanceId());
      s.setTimestamp(3, Timestamp.from(node.startedAt()));
      s.setTimestamp(4, now);
      s.setLong(5, lease.toMillis());
      s.executeUpdate();
    }
  }
}
