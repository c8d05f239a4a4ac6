package io.countersign.database;

import io.countersign.database.DatabaseTargetProperties.BackupMethod;
import io.countersign.manifest.ReleaseManifest;
import io.countersign.manifest.ReleaseManifest.DatabaseChange;
import io.countersign.process.TargetMode;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.flywaydb.core.Flyway;

/** A fresh in-memory H2 target per test, configured like medication-db, plus small JDBC helpers. */
final class TestTargets {
  static final String TARGET = "medication-db";
  static final String EXAMPLE = "examples/medication-tracker/db/migration";
  static final String FAILING = "src/test/resources/db/failing/migration";
  static final String MISSING_ROLLBACK = "src/test/resources/db/missing-rollback/migration";
  static final String BROKEN_ROLLBACK = "src/test/resources/db/broken-rollback/migration";
  static final List<String> ROOTS = List.of("examples", "src/test/resources/db");

  final String url = "jdbc:h2:mem:target-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1";
  final Path backups;

  TestTargets(Path backups) {
    this.backups = backups;
  }

  DatabaseTargets targets(TargetMode mode, BackupMethod backup) {
    return new DatabaseTargets(
        Map.of(TARGET, new DatabaseTargetProperties(mode, url, "sa", "", null, ROOTS, backup)),
        Path.of(""),
        backups);
  }

  DatabaseTarget live() {
    return targets(TargetMode.LIVE, BackupMethod.H2_SCRIPT).get(TARGET);
  }

  DatabaseTarget dryRun() {
    return targets(TargetMode.DRY_RUN, BackupMethod.H2_SCRIPT).get(TARGET);
  }

  static DatabaseChange change(String migrations) {
    return new DatabaseChange(TARGET, migrations, null);
  }

  static ReleaseManifest manifest(String environment, DatabaseChange change, String drillAt) {
    return new ReleaseManifest(
        "medication-tracker",
        "2.4.0",
        environment,
        "CHG-2041",
        "Dose reminders",
        null,
        change,
        null,
        null,
        null,
        null,
        drillAt == null ? null : new ReleaseManifest.Drill(drillAt),
        null);
  }

  /**
   * Brings the target to {@code version} as an earlier release (another installed_by) would have.
   */
  void migrateEarlier(String migrations, String version) {
    Flyway.configure()
        .dataSource(url, "sa", "")
        .locations("filesystem:" + Path.of(migrations).toAbsolutePath())
        .target(version)
        .load()
        .migrate();
  }

  List<String> historyVersions() {
    return strings(
        "SELECT \"version\" FROM \"flyway_schema_history\" WHERE \"version\" IS NOT NULL ORDER BY \"installed_rank\"");
  }

  List<String> tables() {
    return strings(
        "SELECT TABLE_NAME FROM INFORMATION_SCHEMA.TABLES WHERE TABLE_SCHEMA = 'PUBLIC' ORDER BY TABLE_NAME");
  }

  List<String> strings(String query) {
    List<String> values = new ArrayList<>();
    try (Connection c = DriverManager.getConnection(url, "sa", "");
        ResultSet rs = c.createStatement().executeQuery(query)) {
      while (rs.next()) {
        values.add(rs.getString(1));
      }
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
    return values;
  }

  void execute(String... statements) {
    try (Connection c = DriverManager.getConnection(url, "sa", "");
        Statement s = c.createStatement()) {
      for (String statement : statements) {
        s.execute(statement);
      }
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  void drop() {
    execute("SHUTDOWN");
  }
}
