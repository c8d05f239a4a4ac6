package io.countersign.verification;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.countersign.EmbeddedPostgresSupport;
import io.countersign.database.DatabaseConnections;
import io.countersign.manifest.ReleaseManifest;
import io.countersign.verification.DataChecks.Phase;
import io.countersign.verification.DataChecks.Result;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Data checks against real databases: H2 (the embedded default) and PostgreSQL (production). */
class DataChecksTest {
  private static final AtomicInteger H2 = new AtomicInteger();
  private static final String SCHEMA =
      "CREATE TABLE dose_events (id BIGINT PRIMARY KEY);"
          + "CREATE TABLE dose_reminders (id BIGINT PRIMARY KEY, dose_event_id BIGINT NOT NULL, channel VARCHAR(16));"
          + "INSERT INTO dose_events VALUES (1);"
          + "INSERT INTO dose_reminders VALUES (10, 1, 'sms'), (11, 2, 'push'), (12, 3, 'email')";
  private static final String ORPHANS =
      "SELECT r.id, r.channel FROM dose_reminders r "
          + "LEFT JOIN dose_events e ON e.id = r.dose_event_id WHERE e.id IS NULL ORDER BY r.id";

  @Test
  void onH2NoRowsAndValueChecksPassOrSayWhatTheyFound() throws Exception {
    String url = h2(SCHEMA);
    DataChecks checks = new DataChecks(targets("live", url, "sa", ""));

    List<Result> results =
        checks.run(
            manifest(
                check("no-orphans", ORPHANS, null, null, null),
                check("events", "SELECT count(*) FROM dose_events", "value", "1", null),
                check("events-as-decimal", "SELECT 1.0 FROM dose_events", "value", "1", null),
                check(
                    "channel",
                    "SELECT channel FROM dose_reminders WHERE id = 10",
                    "value",
                    "push",
                    null),
                check("none", "SELECT id FROM dose_events WHERE id = 99", null, null, null),
                check("missing", "SELECT id FROM no_such_table", null, null, null),
                check("many", "SELECT id FROM dose_reminders", "value", "10", null)),
            Phase.AFTER_MIGRATION);

    assertThat(results)
        .extracting(Result::name, Result::passed)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("no-orphans", false),
            org.assertj.core.groups.Tuple.tuple("events", true),
            org.assertj.core.groups.Tuple.tuple("events-as-decimal", true),
            org.assertj.core.groups.Tuple.tuple("channel", false),
            org.assertj.core.groups.Tuple.tuple("none", true),
            org.assertj.core.groups.Tuple.tuple("missing", false),
            org.assertj.core.groups.Tuple.tuple("many", false));
    assertThat(results.get(0).detail())
        .isEqualTo("expected no rows, found 2: id=11, channel=push; id=12, channel=email");
    assertThat(results.get(3).detail()).isEqualTo("expected 'push', found 'sms'");
    assertThat(results.get(5).detail())
        .startsWith("query failed: Table \"NO_SUCH_TABLE\" not found");
    assertThat(results.get(6).detail())
        .isEqualTo("expected one row with '10', found more than one");
    assertThat(results).extracting(Result::ran).containsOnly(true);
  }

  @Test
  void eachPhaseRunsOnlyItsChecks() throws Exception {
    String url = h2(SCHEMA);
    ReleaseManifest manifest =
        manifest(
            check(
                "new-schema",
                "SELECT id FROM dose_reminders WHERE channel IS NULL",
                null,
                null,
                "migration"),
            check("old-schema", "SELECT id FROM dose_events WHERE id < 0", null, null, "rollback"),
            check("always", "SELECT id FROM dose_events WHERE id < 0", null, null, null));
    DataChecks checks = new DataChecks(targets("live", url, "sa", ""));

    assertThat(checks.run(manifest, Phase.AFTER_MIGRATION))
        .extracting(Result::name)
        .containsExactly("new-schema", "always");
    assertThat(checks.run(manifest, Phase.AFTER_ROLLBACK))
        .extracting(Result::name)
        .containsExactly("old-schema", "always");
  }

  @Test
  void aDryRunDatabaseTargetIsNotQueried() throws Exception {
    DataChecks checks =
        new DataChecks(
            targets("dry-run", "jdbc:h2:mem:never-created-" + H2.incrementAndGet(), "sa", ""));

    List<Result> results =
        checks.run(manifest(check("no-orphans", ORPHANS, null, null, null)), Phase.AFTER_MIGRATION);

    assertThat(results)
        .singleElement()
        .satisfies(
            r -> {
              assertThat(r.ran()).isFalse();
              assertThat(r.passed()).isTrue();
              assertThat(r.detail())
                  .isEqualTo(
                      "not run: database target medication-db is dry-run, so the migration did not run either");
            });
  }

  @Test
  void anUnreachableDatabaseIsTransientAndKeepsItsPasswordOut() {
    DataChecks checks =
        new DataChecks(
            targets("live", "jdbc:postgresql://localhost:1/medication", "app", "s3cret-pass"));

    assertThatThrownBy(
            () ->
                checks.run(
                    manifest(check("a", "SELECT 1", null, null, null)), Phase.AFTER_MIGRATION))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageStartingWith("cannot reach database target medication-db for data checks:")
        .hasMessageNotContaining("s3cret-pass");
  }

  @Test
  void onPostgresTheQueryRunsReadOnlyAndWithinItsTimeout() throws Exception {
    String url = EmbeddedPostgresSupport.newDatabase("datachecks");
    execute(url, "postgres", "postgres", SCHEMA);
    DataChecks checks =
        new DataChecks(targets("live", url, "postgres", "postgres"), Duration.ofMillis(500));

    // Validation refuses both at submission; the database must refuse them too if one ever got
    // through.
    List<Result> results =
        checks.run(
            manifest(
                check("no-orphans", ORPHANS, null, null, null),
                check(
                    "writes",
                    "WITH d AS (DELETE FROM dose_reminders RETURNING id) SELECT count(*) FROM d",
                    "value",
                    "0",
                    null),
                check("slow", "SELECT pg_sleep(5)", null, null, null),
                check("events", "SELECT count(*) = 1 FROM dose_events", "value", "true", null)),
            Phase.AFTER_MIGRATION);

    assertThat(results.get(0).detail())
        .isEqualTo("expected no rows, found 2: id=11, channel=push; id=12, channel=email");
    assertThat(results.get(1).passed()).isFalse();
    assertThat(results.get(1).detail()).contains("read-only transaction");
    assertThat(results.get(2).passed()).isFalse();
    assertThat(results.get(2).detail()).isEqualTo("timed out after 500 ms");
    assertThat(results.get(3).passed()).isTrue();
    assertThat(count(url, "SELECT count(*) FROM dose_reminders")).isEqualTo(3);
  }

  private static String h2(String sql) throws SQLException {
    String url = "jdbc:h2:mem:datachecks-" + H2.incrementAndGet() + ";DB_CLOSE_DELAY=-1";
    execute(url, "sa", "", sql);
    return url;
  }

  private static void execute(String url, String user, String password, String sql)
      throws SQLException {
    try (Connection c = DriverManager.getConnection(url, user, password);
        Statement s = c.createStatement()) {
      for (String statement : sql.split(";")) {
        s.execute(statement);
      }
    }
  }

  private static long count(String url, String sql) throws SQLException {
    try (Connection c = DriverManager.getConnection(url, "postgres", "postgres");
        Statement s = c.createStatement();
        var rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  /** The database capability's port as it answers for one configured target, medication-db. */
  private static DatabaseConnections targets(
      String mode, String url, String user, String password) {
    DatabaseConnections.Target target =
        new DatabaseConnections.Target() {
          @Override
          public boolean live() {
            return mode.equals("live");
          }

          @Override
          public boolean postgres() {
            return url.startsWith("jdbc:postgresql:");
          }

          @Override
          public Connection connect() throws SQLException {
            return DriverManager.getConnection(url, user, password);
          }

          @Override
          public String scrub(String message) {
            return message == null || password.length() < 4
                ? message
                : message.replace(password, "****");
          }
        };
    return name ->
        name.equals("medication-db") ? java.util.Optional.of(target) : java.util.Optional.empty();
  }

  private static String check(String name, String sql, String expect, String value, String after) {
    StringBuilder json = new StringBuilder("{\"name\":\"" + name + "\",\"sql\":\"" + sql + "\"");
    if (expect != null) {
      json.append(",\"expect\":\"").append(expect).append('"');
    }
    if (value != null) {
      json.append(",\"value\":\"").append(value).append('"');
    }
    if (after != null) {
      json.append(",\"after\":\"").append(after).append('"');
    }
    return json.append('}').toString();
  }

  private static ReleaseManifest manifest(String... checks) throws Exception {
    return new ObjectMapper()
        .readValue(
            "{\"application\":\"medication-tracker\",\"version\":\"2.4.0\","
                + "\"environment\":\"staging\",\"changeReference\":\"CHG-1\","
                + "\"database\":{\"target\":\"medication-db\",\"migrations\":\"db/migration\"},"
                + "\"verification\":{\"dataChecks\":["
                + String.join(",", checks)
                + "]}}",
            ReleaseManifest.class);
  }
}
