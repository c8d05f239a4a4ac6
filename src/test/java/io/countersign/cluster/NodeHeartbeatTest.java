package io.countersign.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.countersign.EmbeddedPostgresSupport;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.core.io.ClassPathResource;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DriverManagerDataSource;
import org.springframework.jdbc.datasource.init.ScriptUtils;

/**
 * The heartbeat and the job states on a real PostgreSQL with the engine's own tables (Camunda's
 * create script) and cs_node: what a node renews, what it releases at start, who may use a node id,
 * and how the API names each state of a job.
 */
class NodeHeartbeatTest {
  private static final Duration LEASE = Duration.ofSeconds(20);
  private DataSource dataSource;
  private JdbcTemplate jdbc;
  private NodeHeartbeat running;

  @BeforeEach
  void database() throws SQLException {
    dataSource =
        new DriverManagerDataSource(
            EmbeddedPostgresSupport.newDatabase("heartbeat"), "postgres", "postgres");
    try (Connection c = dataSource.getConnection()) {
      ScriptUtils.executeSqlScript(
          c,
          new ClassPathResource(
              "org/camunda/bpm/engine/db/create/activiti.postgres.create.engine.sql"));
      ScriptUtils.executeSqlScript(
          c, new ClassPathResource("db/countersign/V5__cluster_nodes.sql"));
    }
    jdbc = new JdbcTemplate(dataSource);
  }

  @AfterEach
  void stop() {
    if (running != null) {
      running.stop();
    }
  }

  @Test
  void aNodeRenewsTheLeasesOfTheJobsItWorksOnAndNoOthers() {
    Instant soon = now().plusSeconds(5);
    job("held", "node-a", soon, 3, null, null);
    job("forgotten", "node-a", soon, 3, null, null); // locked by node-a, no longer in its hands
    job("theirs", "node-b", soon, 3, null, null);
    running = heartbeat("node-a", Set.of("held", "theirs"));
    running.start();

    assertThat(lockEnds("held")).isAfter(Instant.now().plus(LEASE).minusSeconds(5));
    assertThat(lockEnds("forgotten")).isEqualTo(soon);
    assertThat(lockEnds("theirs")).as("another node's lock is never touched").isEqualTo(soon);
    assertThat(
            jdbc.queryForObject(
                "SELECT instance_id FROM cs_node WHERE node_id = 'node-a'", String.class))
        .isNotBlank();
  }

  @Test
  void aRestartedNodeReleasesAtOnceWhatItsPreviousRunHeld() {
    Instant later = now().plusSeconds(15);
    job("mine", "node-a", later, 3, null, null);
    job("theirs", "node-b", later, 3, null, null);
    running = heartbeat("node-a", Set.of());
    running.start();
    running.reclaimPreviousLocks();

    Map<String, Object> mine = jdbc.queryForMap("SELECT * FROM ACT_RU_JOB WHERE ID_ = 'mine'");
    assertThat(mine.get("lock_owner_")).isNull();
    assertThat(mine.get("lock_exp_time_")).isNull();
    assertThat(mine.get("rev_"))
        .as("revision bumped: a stale copy cannot complete it")
        .isEqualTo(2);
    assertThat(lockEnds("theirs")).isEqualTo(later);
  }

  @Test
  void aSecondLiveProcessWithTheSameNodeIdIsRefusedAndReleasesNothing() {
    Instant later = now().plusSeconds(15);
    job("mine", "node-a", later, 3, null, null);
    running = heartbeat("node-a", Set.of("mine"));
    running.start();

    NodeHeartbeat twin = heartbeat("node-a", Set.of());
    assertThatThrownBy(twin::start)
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("node id 'node-a' is held by another running Countersign process")
        .hasMessageContaining("countersign.cluster.node-id");
    assertThat(
            jdbc.queryForObject(
                "SELECT LOCK_OWNER_ FROM ACT_RU_JOB WHERE ID_ = 'mine'", String.class))
        .isEqualTo("node-a");

    // Once the first is gone (its connection closed, as when the process dies), the id is free.
    running.stop();
    running = twin;
    twin.start();
    twin.reclaimPreviousLocks();
    assertThat(
            jdbc.queryForObject(
                "SELECT LOCK_OWNER_ FROM ACT_RU_JOB WHERE ID_ = 'mine'", String.class))
        .isNull();
  }

  @Test
  void aStatementThatFailsOnALiveConnectionDoesNotMakeTheDatabaseUnreachable() {
    running = heartbeat("node-a", Set.of());
    running.start();
    jdbc.execute("DROP TABLE cs_node");
    running.beat();
    assertThat(running.database().reachable())
        .as("a failed statement is not an outage: the API must not answer 503 for it")
        .isTrue();
  }

  @Test
  void aLeaseShorterThanThreeHeartbeatsIsRefused() {
    assertThatThrownBy(
            () ->
                new NodeHeartbeat(
                    dataSource,
                    new NodeIdentity(new ClusterProperties("node-a", Duration.ofSeconds(3))),
                    new ClusterProperties("node-a", Duration.ofSeconds(3)),
                    8000))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("at least three heartbeats");
  }

  @Test
  void eachJobSaysWhatItWaitsFor() {
    Instant now = Instant.now();
    node("node-a", now);
    node("node-b", now.minusSeconds(60));
    job("running", "node-a", now.plus(LEASE).minusSeconds(1), 3, null, null);
    job("orphaned", "node-b", now.plusSeconds(10), 3, null, null);
    job("forgotten", "node-a", now.plusSeconds(2), 3, null, null);
    job("lapsed", "node-b", now.minusSeconds(1), 3, null, null);
    job("retrying", null, null, 2, "Lambda answered 503", now.plusSeconds(30));
    job("exhausted", null, null, 0, "pg_dump failed", null);
    job("timer", null, null, 3, null, now.plusSeconds(3600));
    job("due", null, null, 3, null, null);
    running = heartbeat("node-a", Set.of());

    Map<String, WaitingJobs.Waiting> states =
        new WaitingJobs(jdbc, running)
            .of(List.of("pi-1")).stream()
                .collect(Collectors.toMap(WaitingJobs.Waiting::jobId, w -> w));

    assertThat(states.get("running").state()).isEqualTo("running");
    assertThat(states.get("orphaned").state()).isEqualTo("stalled");
    assertThat(states.get("orphaned").reason()).contains("locked by node node-b", "which is gone");
    assertThat(states.get("orphaned").nextAttempt()).isEqualTo(lockEnds("orphaned"));
    assertThat(states.get("forgotten").state()).isEqualTo("stalled");
    assertThat(states.get("forgotten").reason()).contains("no longer works on it");
    assertThat(states.get("lapsed").state()).isEqualTo("due");
    assertThat(states.get("retrying").state()).isEqualTo("retry-scheduled");
    assertThat(states.get("retrying").reason()).isEqualTo("Lambda answered 503");
    assertThat(states.get("retrying").retriesLeft()).isEqualTo(2);
    assertThat(states.get("exhausted").state()).isEqualTo("out-of-retries");
    assertThat(states.get("timer").state()).isEqualTo("scheduled");
    assertThat(states.get("due").state()).isEqualTo("due");
    assertThat(new WaitingJobs(jdbc, running).stalledCount()).isEqualTo(2);
  }

  /** PostgreSQL keeps microseconds. */
  private static Instant now() {
    return Instant.now().truncatedTo(ChronoUnit.MILLIS);
  }

  private NodeHeartbeat heartbeat(String nodeId, Set<String> held) {
    ClusterProperties properties = new ClusterProperties(nodeId, Duration.ofSeconds(3));
    NodeHeartbeat heartbeat =
        new NodeHeartbeat(dataSource, new NodeIdentity(properties), properties, LEASE.toMillis());
    heartbeat.watch(
        new LeasedJobExecutor(() -> {}) {
          @Override
          Set<String> held() {
            return held;
          }
        });
    return heartbeat;
  }

  private void job(
      String id, String owner, Instant lockEnds, int retries, String error, Instant due) {
    jdbc.update(
        "INSERT INTO ACT_RU_JOB (ID_, REV_, TYPE_, LOCK_OWNER_, LOCK_EXP_TIME_, RETRIES_,"
            + " EXCEPTION_MSG_, DUEDATE_, PROCESS_INSTANCE_ID_, HANDLER_TYPE_, EXCLUSIVE_)"
            + " VALUES (?, 1, 'message', ?, ?, ?, ?, ?, 'pi-1', 'async-continuation', true)",
        id,
        owner,
        lockEnds == null ? null : Timestamp.from(lockEnds),
        retries,
        error,
        due == null ? null : Timestamp.from(due));
  }

  private void node(String id, Instant lastSeen) {
    jdbc.update(
        "INSERT INTO cs_node (node_id, instance_id, started_at, last_seen, lease_millis)"
            + " VALUES (?, 'i', ?, ?, ?)",
        id,
        Timestamp.from(lastSeen),
        Timestamp.from(lastSeen),
        LEASE.toMillis());
  }

  private Instant lockEnds(String id) {
    return jdbc.queryForObject(
            "SELECT LOCK_EXP_TIME_ FROM ACT_RU_JOB WHERE ID_ = ?", Timestamp.class, id)
        .toInstant();
  }
}
