package io.countersign.resilience;

import io.countersign.CountersignNode;
import io.countersign.EmbeddedPostgresSupport;
import io.countersign.EmbeddedPostgresSupport.TwoRoles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the nodes of one crash test share, as in a production installation: one empty Countersign
 * database on the embedded PostgreSQL (owner and runtime roles), one evidence signing key, one
 * backups folder, and live PostgreSQL target databases that the releases migrate with Flyway (one
 * per release, so "each version applied once" is checkable per release). Also the test's direct
 * view into those databases, as a superuser, for the checks.
 */
final class CrashCluster {
  static final String TARGET_PREFIX = "crash-db-";

  private final String name;
  private final Path work;
  private final TwoRoles db;
  private final List<String> targetDatabases = new ArrayList<>();
  private final List<String> arguments = new ArrayList<>();

  /**
   * @param name a short lower-case name for databases and folders
   * @param targets how many target databases (crash-db-1 … crash-db-n)
   * @param lockTimeMillis the job executor's lock time for the nodes, or blank for the
   *     application's own setting
   */
  CrashCluster(String name, int targets, String lockTimeMillis) {
    this.name = name;
    String testWork = System.getProperty("countersign.test-work", "target/test-work");
    this.work =
        Path.of(testWork, "crash", name + "-" + System.currentTimeMillis()).toAbsolutePath();
    this.db = EmbeddedPostgresSupport.newDatabaseWithTwoRoles("crash_" + name);
    arguments.addAll(CountersignNode.signingKeyArguments(work));
    arguments.addAll(
        List.of(
            "--spring.profiles.active=demo,postgres",
            "--countersign.backups.directory=" + work.resolve("backups"),
            // A release takes seconds: the bake window watches 4 s, one evaluation a second.
            "--countersign.targets.verification.bake-window=PT4S",
            "--countersign.targets.verification.interval=PT1S",
            "--spring.main.banner-mode=off"));
    if (lockTimeMillis != null && !lockTimeMillis.isBlank()) {
      arguments.add("--camunda.bpm.job-execution.lock-time-in-millis=" + lockTimeMillis.trim());
    }
    String server = "jdbc:postgresql://localhost:" + EmbeddedPostgresSupport.server().getPort();
    for (int i = 1; i <= targets; i++) {
      String database = "crash_" + name + "_target_" + i + "_" + System.nanoTime() % 100_000;
      superuser("postgres", "CREATE DATABASE " + database);
      targetDatabases.add(database);
      String prefix = "--countersign.targets.databases." + TARGET_PREFIX + i + ".";
      arguments.addAll(
          List.of(
              prefix + "mode=live",
              prefix + "url=" + server + "/" + database,
              prefix + "username=postgres",
              prefix + "password=",
              prefix + "migration-roots[0]=examples",
              prefix + "backup=pg-dump"));
    }
  }

  /** A node of this installation with its own checkpoints file and log. */
  CountersignNode node(String nodeId) {
    List<String> nodeArguments = new ArrayList<>(arguments);
    nodeArguments.add(
        "--countersign.evidence.checkpoints.file="
            + work.resolve(nodeId).resolve("checkpoints.jsonl"));
    return new CountersignNode(
        nodeId,
        work.resolve(nodeId + ".log"),
        nodeArguments,
        CountersignNode.databaseEnvironment(db));
  }

  Path work() {
    return work;
  }

  String name() {
    return name;
  }

  /** The target database of crash-db-{@code n} (1-based). */
  String targetDatabase(int n) {
    return targetDatabases.get(n - 1);
  }

  // ---- the test's view into Countersign's database ----

  /** Status of every release in the read model. */
  Map<String, String> statuses() {
    Map<String, String> statuses = new LinkedHashMap<>();
    query(
        "SELECT id, status FROM cs_release ORDER BY created_at",
        rs -> statuses.put(rs.getString(1), rs.getString(2)));
    return statuses;
  }

  /** The last evidence sequence number per release. */
  Map<String, Long> lastSequences() {
    Map<String, Long> last = new HashMap<>();
    query(
        "SELECT release_id, MAX(seq) FROM cs_evidence GROUP BY release_id",
        rs -> last.put(rs.getString(1), rs.getLong(2)));
    return last;
  }

  /**
   * When the first entry after {@code seq} was recorded (the node's clock, this machine's), or
   * null. Both JVMs share the time zone, so the zone-less column reads back as the instant written.
   */
  Instant firstRecordedAfter(String releaseId, long seq) {
    List<Instant> first = new ArrayList<>();
    query(
        "SELECT MIN(recorded_at) FROM cs_evidence WHERE release_id = ? AND seq > ?",
        rs -> {
          if (rs.getTimestamp(1) != null) {
            first.add(rs.getTimestamp(1).toInstant());
          }
        },
        releaseId,
        seq);
    return first.isEmpty() ? null : first.get(0);
  }

  /** Entry types of one release's chain in order, with their payloads. */
  List<String[]> evidence(String releaseId) {
    List<String[]> entries = new ArrayList<>();
    query(
        "SELECT type, payload FROM cs_evidence WHERE release_id = ? ORDER BY seq",
        rs -> entries.add(new String[] {rs.getString(1), rs.getString(2)}),
        releaseId);
    return entries;
  }

  List<String> strings(String sql, Object... parameters) {
    List<String> values = new ArrayList<>();
    query(sql, rs -> values.add(rs.getString(1)), parameters);
    return values;
  }

  /** Flyway's history on a target database: successful versions in order. */
  List<String> targetHistory(int n) {
    List<String> versions = new ArrayList<>();
    try (Connection c =
            DriverManager.getConnection(
                EmbeddedPostgresSupport.server().getJdbcUrl("postgres", targetDatabase(n)),
                "postgres",
                "");
        Statement s = c.createStatement()) {
      ResultSet exists = s.executeQuery("SELECT to_regclass('flyway_schema_history') IS NOT NULL");
      exists.next();
      if (!exists.getBoolean(1)) {
        return versions;
      }
      ResultSet rs =
          s.executeQuery(
              "SELECT version FROM flyway_schema_history WHERE version IS NOT NULL"
                  + " ORDER BY installed_rank");
      while (rs.next()) {
        versions.add(rs.getString(1));
      }
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
    return versions;
  }

  interface Row {
    void accept(ResultSet rs) throws SQLException;
  }

  void query(String sql, Row row, Object... parameters) {
    try (Connection c = DriverManager.getConnection(db.url(), "postgres", "");
        PreparedStatement s = c.prepareStatement(sql)) {
      for (int i = 0; i < parameters.length; i++) {
        s.setObject(i + 1, parameters[i]);
      }
      try (ResultSet rs = s.executeQuery()) {
        while (rs.next()) {
          row.accept(rs);
        }
      }
    } catch (SQLException e) {
      throw new IllegalStateException(sql, e);
    }
  }

  private static void superuser(String database, String statement) {
    try (Connection c =
            DriverManager.getConnection(
                EmbeddedPostgresSupport.server().getJdbcUrl("postgres", database), "postgres", "");
        Statement s = c.createStatement()) {
      s.execute(statement);
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  void createWork() {
    try {
      Files.createDirectories(work);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
