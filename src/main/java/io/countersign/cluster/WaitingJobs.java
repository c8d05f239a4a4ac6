package io.countersign.cluster;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.List;
import org.camunda.bpm.engine.impl.util.ClockUtil;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * What the engine's jobs of some process instances are waiting for, read from the job table and the
 * node heartbeats: running on a live node, stalled under the lock of a node that is gone (or that
 * lost track of the job in a database outage), due, scheduled, waiting for a retry, or out of
 * retries.
 */
@Component
public class WaitingJobs {
  /**
   * One job: the activity it belongs to, its state, why, and when it is tried next (null: when it
   * ends, or when someone resolves it).
   */
  public record Waiting(
      String activity,
      String jobId,
      String state,
      String reason,
      Instant nextAttempt,
      Integer retriesLeft,
      String node) {}

  public static final String RUNNING = "running";
  public static final String STALLED = "stalled";
  public static final String DUE = "due";
  public static final String SCHEDULED = "scheduled";
  public static final String RETRY_SCHEDULED = "retry-scheduled";
  public static final String OUT_OF_RETRIES = "out-of-retries";
  public static final String SUSPENDED = "suspended";

  private final JdbcTemplate jdbc;
  private final NodeHeartbeat heartbeat;

  WaitingJobs(JdbcTemplate jdbc, NodeHeartbeat heartbeat) {
    this.jdbc = jdbc;
    this.heartbeat = heartbeat;
  }

  /** The jobs of these process instances, oldest due first. */
  public List<Waiting> of(List<String> processInstanceIds) {
    if (processInstanceIds.isEmpty()) {
      return List.of();
    }
    String marks = String.join(",", Collections.nCopies(processInstanceIds.size(), "?"));
    Instant now = ClockUtil.getCurrentTime().toInstant();
    return jdbc.query(
        SELECT + " WHERE j.PROCESS_INSTANCE_ID_ IN (" + marks + ") ORDER BY j.DUEDATE_, j.ID_",
        (r, i) -> waiting(r, now),
        processInstanceIds.toArray());
  }

  /** How many jobs, of any release, are held by a lock that nobody renews. */
  public int stalledCount() {
    Instant now = ClockUtil.getCurrentTime().toInstant();
    return (int)
        jdbc
            .query(
                SELECT + " WHERE j.LOCK_OWNER_ IS NOT NULL AND j.LOCK_EXP_TIME_ > ?",
                (r, i) -> waiting(r, now),
                Timestamp.from(now))
            .stream()
            .filter(w -> w.state().equals(STALLED))
            .count();
  }

  private static final String SELECT =
      "SELECT j.ID_, j.DUEDATE_, j.LOCK_OWNER_, j.LOCK_EXP_TIME_, j.RETRIES_, j.EXCEPTION_MSG_,"
          + " j.SUSPENSION_STATE_, j.HANDLER_TYPE_, j.FAILED_ACT_ID_, d.ACT_ID_, n.last_seen"
          + " FROM ACT_RU_JOB j LEFT JOIN ACT_RU_JOBDEF d ON d.ID_ = j.JOB_DEF_ID_"
          + " LEFT JOIN cs_node n ON n.node_id = j.LOCK_OWNER_";

  private Waiting waiting(ResultSet r, Instant now) throws SQLException {
    String activity =
        r.getString("ACT_ID_") != null ? r.getString("ACT_ID_") : r.getString("FAILED_ACT_ID_");
    String id = r.getString("ID_");
    int retries = r.getInt("RETRIES_");
    String error = r.getString("EXCEPTION_MSG_");
    Instant due = instant(r.getTimestamp("DUEDATE_"));
    String owner = r.getString("LOCK_OWNER_");
    Instant lockEnds = instant(r.getTimestamp("LOCK_EXP_TIME_"));
    Instant lastSeen = instant(r.getTimestamp("last_seen"));
    Duration lease = heartbeat.lease();
    if (r.getInt("SUSPENSION_STATE_") == 2) {
      return new Waiting(activity, id, SUSPENDED, "the job is suspended", null, retries, owner);
    }
    if (retries <= 0) {
      return new Waiting(activity, id, OUT_OF_RETRIES, error, null, 0, owner);
    }
    if (owner != null && lockEnds != null) {
      if (!lockEnds.isAfter(now)) {
        return new Waiting(
            activity,
            id,
            DUE,
            "the lock of node " + owner + " lapsed; the next free worker takes the job",
            now,
            retries,
            owner);
      }
      boolean ownerAlive = lastSeen != null && lastSeen.plus(lease).isAfter(now);
      // A held lock is renewed every heartbeat, so its end stays about a lease ahead.
      boolean renewed =
          lockEnds.isAfter(now.plus(lease).minus(heartbeat.heartbeat().multipliedBy(3)));
      if (ownerAlive && renewed) {
        return new Waiting(activity, id, RUNNING, "running on node " + owner, null, retries, owner);
      }
      String why =
          ownerAlive
              ? "node "
                  + owner
                  + " locked the job but no longer works on it (its result could not be recorded,"
                  + " as in a database outage)"
              : "locked by node "
                  + owner
                  + (lastSeen == null ? ", which never reported" : ", last seen " + lastSeen)
                  + ", which is gone";
      return new Waiting(
          activity,
          id,
          STALLED,
          why + "; it runs again when the lock lapses",
          lockEnds,
          retries,
          owner);
    }
    if (error != null) {
      return new Waiting(
          activity, id, RETRY_SCHEDULED, error, due == null ? now : due, retries, null);
    }
    if (due != null && due.isAfter(now)) {
      return new Waiting(
          activity,
          id,
          SCHEDULED,
          "waits until its time (" + r.getString("HANDLER_TYPE_") + ")",
          due,
          retries,
          null);
    }
    return new Waiting(
        activity, id, DUE, "waiting for a free worker", due == null ? now : due, retries, null);
  }

  private static Instant instant(Timestamp timestamp) {
    return timestamp == null ? null : timestamp.toInstant();
  }
}
