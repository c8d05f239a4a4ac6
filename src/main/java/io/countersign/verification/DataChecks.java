package io.countersign.verification;

import io.countersign.database.DatabaseConnections;
import io.countersign.database.DatabaseConnections.Target;
import io.countersign.manifest.ReleaseManifest;
import io.countersign.manifest.ReleaseManifest.DataCheck;
import io.countersign.process.StepSupport;
import java.math.BigDecimal;
import java.net.SocketException;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLRecoverableException;
import java.sql.SQLTransientConnectionException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.stereotype.Component;

/**
 * Runs the manifest's data checks against the release's database target, read-only, each with a
 * statement timeout. A query that errors or returns the wrong thing is a failed check
 * (deterministic); a database that cannot be reached is an ordinary exception, so the engine
 * retries the step and then raises an incident.
 */
@Component
class DataChecks {
  static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);

  /** Rows read from a query that should return none, to show what it found. */
  static final int SHOWN_ROWS = 5;

  private final DatabaseConnections targets;
  private final Duration timeout;

  @Autowired
  DataChecks(DatabaseConnections targets) {
    this(targets, DEFAULT_TIMEOUT);
  }

  DataChecks(DatabaseConnections targets, Duration timeout) {
    this.targets = targets;
    this.timeout = timeout;
  }

  enum Phase {
    AFTER_MIGRATION("after-migration"),
    AFTER_ROLLBACK("after-rollback");

    final String id;

    Phase(String id) {
      this.id = id;
    }
  }

  record Result(
      String name, String target, boolean ran, boolean passed, String actual, String detail) {}

  /** The checks of this phase, in manifest order; empty when the manifest has none. */
  static List<DataCheck> of(ReleaseManifest manifest, Phase phase) {
    if (manifest.verification() == null) {
      return List.of();
    }
    return manifest.verification().dataChecks().stream()
        .filter(
            c -> phase == Phase.AFTER_MIGRATION ? c.runsAfterMigration() : c.runsAfterRollback())
        .toList();
  }

  List<Result> run(ReleaseManifest manifest, Phase phase) {
    List<DataCheck> checks = of(manifest, phase);
    if (checks.isEmpty()) {
      return List.of();
    }
    if (manifest.database() == null) {
      throw new IllegalStateException(
          "data checks need the manifest's database section (validation refuses this)");
    }
    String name = manifest.database().target();
    Target database = targets.target(name).orElse(null);
    if (database == null) {
      throw new IllegalStateException(
          "database target '" + name + "' is not configured (any more)");
    }
    List<Result> results = new ArrayList<>();
    if (!database.live()) {
      checks.forEach(
          c ->
              results.add(
                  new Result(
                      c.name(),
                      name,
                      false,
                      true,
                      null,
                      "not run: database target "
                          + name
                          + " is dry-run, so the migration did not run either")));
      return results;
    }
    try (Connection connection = database.connect()) {
      for (DataCheck check : checks) {
        results.add(run(connection, database, name, check));
      }
    } catch (SQLException e) {
      throw new IllegalStateException(
          "cannot reach database target "
              + name
              + " for data checks: "
              + database.scrub(e.getMessage()),
          e);
    }
    return results;
  }

  private Result run(Connection connection, Target database, String target, DataCheck check)
      throws SQLException {
    connection.setAutoCommit(false);
    connection.setReadOnly(true);
    try {
      if (database.postgres()) {
        try (Statement s = connection.createStatement()) {
          s.execute("SET TRANSACTION READ ONLY");
          s.execute("SET LOCAL statement_timeout = '" + timeout.toMillis() + "ms'");
        }
      }
      try (Statement s = connection.createStatement()) {
        s.setQueryTimeout((int) Math.max(1, timeout.toSeconds()));
        s.setMaxRows(SHOWN_ROWS + 1);
        try (ResultSet rows = s.executeQuery(check.sql())) {
          return check.expectsNoRows() ? noRows(target, check, rows) : value(target, check, rows);
        }
      }
    } catch (SQLException e) {
      if (isConnectionProblem(e)) {
        throw e;
      }
      String reason =
          "57014".equals(e.getSQLState())
              ? "timed out after " + timeout.toMillis() + " ms"
              : "query failed: " + database.scrub(firstLine(e.getMessage()));
      return new Result(check.name(), target, true, false, null, reason);
    } finally {
      connection.rollback();
    }
  }

  private static Result noRows(String target, DataCheck check, ResultSet rows) throws SQLException {
    List<String> shown = new ArrayList<>();
    while (rows.next() && shown.size() < SHOWN_ROWS + 1) {
      shown.add(row(rows));
    }
    if (shown.isEmpty()) {
      return new Result(check.name(), target, true, true, "no rows", "no rows, as expected");
    }
    String count =
        shown.size() > SHOWN_ROWS ? "more than " + SHOWN_ROWS : String.valueOf(shown.size());
    String found = excerpt(String.join("; ", shown.subList(0, Math.min(SHOWN_ROWS, shown.size()))));
    return new Result(
        check.name(),
        target,
        true,
        false,
        count + " rows",
        "expected no rows, found " + count + ": " + found);
  }

  private static Result value(String target, DataCheck check, ResultSet rows) throws SQLException {
    if (!rows.next()) {
      return new Result(
          check.name(),
          target,
          true,
          false,
          "no rows",
          "expected one row with '" + check.value() + "', found none");
    }
    Object first = rows.getObject(1);
    String actual = first == null ? "null" : first.toString();
    if (rows.next()) {
      return new Result(
          check.name(),
          target,
          true,
          false,
          "more than one row",
          "expected one row with '" + check.value() + "', found more than one");
    }
    boolean equal = same(actual, check.value());
    return new Result(
        check.name(),
        target,
        true,
        equal,
        excerpt(actual),
        equal
            ? "'" + excerpt(actual) + "', as expected"
            : "expected '" + check.value() + "', found '" + excerpt(actual) + "'");
  }

  /**
   * Numbers by value (3 = 3.0), booleans without regard to case (H2 says TRUE), anything else as
   * text.
   */
  static boolean same(String actual, String expected) {
    if (actual.equals(expected)) {
      return true;
    }
    try {
      return new BigDecimal(actual.trim()).compareTo(new BigDecimal(expected.trim())) == 0;
    } catch (NumberFormatException e) {
      return (actual.equalsIgnoreCase("true") || actual.equalsIgnoreCase("false"))
          && actual.equalsIgnoreCase(expected);
    }
  }

  private static String row(ResultSet rows) throws SQLException {
    ResultSetMetaData meta = rows.getMetaData();
    List<String> columns = new ArrayList<>();
    for (int i = 1; i <= meta.getColumnCount(); i++) {
      columns.add(
          meta.getColumnLabel(i).toLowerCase(java.util.Locale.ROOT) + "=" + rows.getObject(i));
    }
    return String.join(", ", columns);
  }

  static Map<String, Object> payload(Phase phase, DataCheck check, Result result) {
    return StepSupport.payload(
        "phase",
        phase.id,
        "name",
        check.name(),
        "target",
        result.target(),
        "sql",
        check.sql(),
        "expect",
        check.expectsNoRows() ? "no-rows" : "value",
        "value",
        check.value(),
        "ran",
        result.ran(),
        "passed",
        result.passed(),
        "actual",
        result.actual(),
        "detail",
        result.detail());
  }

  /**
   * Class 08 is a lost or refused connection; 57P0x a server shutting down or ending the session.
   */
  static boolean isConnectionProblem(Throwable error) {
    for (Throwable t = error; t != null; t = t.getCause()) {
      if (t instanceof SQLTransientConnectionException
          || t instanceof SQLNonTransientConnectionException
          || t instanceof SQLRecoverableException
          || t instanceof SocketException
          || t instanceof SQLException s
              && s.getSQLState() != null
              && (s.getSQLState().startsWith("08") || s.getSQLState().startsWith("57P"))) {
        return true;
      }
    }
    return false;
  }

  private static String firstLine(String message) {
    return message == null ? "" : message.lines().findFirst().orElse("");
  }

  private static String excerpt(String text) {
    return text.length() <= 500 ? text : text.substring(0, 500) + "...";
  }
}
