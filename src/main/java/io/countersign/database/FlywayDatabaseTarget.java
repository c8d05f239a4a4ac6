package io.countersign.database;

import io.countersign.database.DatabaseTargetProperties.BackupMethod;
import io.countersign.manifest.ReleaseManifest.DatabaseChange;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;
import org.flywaydb.core.api.MigrationInfo;
import org.flywaydb.core.api.MigrationVersion;

/**
 * Live adapter: Flyway migrations, rollback scripts over JDBC, pg_dump / H2 SCRIPT backups. Every
 * change (migrate, rollback, restore) runs under the target's {@link MigrationLock}.
 */
final class FlywayDatabaseTarget implements DatabaseTarget {
  private final TargetDatabase db;
  private final PgDumpBackups pgDump;

  FlywayDatabaseTarget(TargetDatabase db) {
    this.db = db;
    this.pgDump = new PgDumpBackups(db.pgTools);
  }

  @Override
  public Backup backup(String releaseId, DatabaseChange change) {
    BackupMethod method = db.properties.backup();
    if (method == BackupMethod.NONE) {
      return new Backup(BackupMethod.NONE.id(), null, 0, null);
    }
    Path file = db.backupFile(releaseId);
    if (method == BackupMethod.PG_DUMP) {
      return pgDump.take(db, file);
    }
    try (Connection c = db.connect();
        Statement s = c.createStatement()) {
      Files.createDirectories(file.getParent());
      s.execute(
          "SCRIPT TO "
              + literal(
                  file)); // H2 writes the file itself: the target must run in (or beside) this JVM
      return new Backup(
          BackupMethod.H2_SCRIPT.id(),
          file.toString(),
          Files.size(file),
          TargetDatabase.sha256(file));
    } catch (SQLException | IOException e) {
      throw new IllegalStateException(
          "backup of database target " + db.name + " failed: " + db.scrub(e.getMessage()), e);
    }
  }

  @Override
  public Migration migrate(String releaseId, DatabaseChange change) {
    Path folder;
    try {
      folder = db.migrations(change);
    } catch (IllegalArgumentException e) {
      return new Migration(
          null,
          null,
          List.of(),
          true,
          "migrations folder " + change.migrations() + " " + e.getMessage(),
          null);
    }
    try (MigrationLock lock = db.lock(releaseId)) {
      return migrateLocked(releaseId, folder);
    }
  }

  private Migration migrateLocked(String releaseId, Path folder) {
    String marker = TargetDatabase.installedBy(releaseId);
    Flyway flyway = db.flyway(folder, releaseId);
    // Reading the history doubles as the reachability check: an unreachable target throws here,
    // before any change.
    boolean resumed = successful(flyway).stream().anyMatch(i -> marker.equals(i.getInstalledBy()));
    String schemaBefore = resumed ? null : db.fingerprint();
    String error = null;
    try {
      flyway.migrate();
    } catch (FlywayException e) {
      if (TargetDatabase.isConnectionProblem(e)) {
        throw new IllegalStateException(
            "lost database target "
                + db.name
                + " while migrating (what committed stays "
                + "recorded; the retry continues from there): "
                + db.scrub(TargetDatabase.describe(e)),
            e);
      }
      error = db.scrub(TargetDatabase.describe(e));
      deleteFailedRows(marker);
    }
    List<MigrationInfo> after = successful(flyway);
    List<MigrationInfo> mine =
        after.stream().filter(i -> marker.equals(i.getInstalledBy())).toList();
    List<MigrationInfo> earlier =
        after.stream().filter(i -> !marker.equals(i.getInstalledBy())).toList();
    return new Migration(
        highest(earlier),
        highest(after),
        versions(mine.stream().map(MigrationInfo::getVersion).toList()),
        error != null,
        error,
        schemaBefore);
  }

  /**
   * On H2 each migration commits on its own and a failed one leaves a failed history row that
   * blocks every later migrate. PostgreSQL rolls the failed migration back and records nothing;
   * removing this release's failed row gives H2 the same end state (though DDL that ran before the
   * error stays on H2).
   */
  private void deleteFailedRows(String marker) {
    if (db.properties.postgres()) {
      return;
    }
    try (Connection c = db.connect()) {
      if (!TargetDatabase.hasHistory(c)) {
        return; // Flyway refused before it created its table (e.g. a non-empty schema without
        // history)
      }
      deleteFailedRows(c, marker);
    } catch (SQLException e) {
      throw new IllegalStateException(
          "cannot clear the failed migration of database target " + db.name, e);
    }
  }

  private static void deleteFailedRows(Connection c, String marker) throws SQLException {
    try (PreparedStatement s =
        c.prepareStatement(
            "DELETE FROM \""
                + TargetDatabase.HISTORY_TABLE
                + "\" WHERE \"success\" = FALSE AND \"installed_by\" = ?")) {
      s.setString(1, marker);
      s.executeUpdate();
    }
  }

  @Override
  public RollbackResult rollBack(
      String releaseId, DatabaseChange change, List<String> appliedVersions) {
    try (MigrationLock lock = db.lock(releaseId);
        Connection c = db.connectOrThrow()) {
      return rollBackLocked(c, change, appliedVersions);
    } catch (SQLException e) {
      throw new IllegalStateException(
          "cannot reach database target " + db.name + ": " + db.scrub(e.getMessage()), e);
    }
  }

  private RollbackResult rollBackLocked(
      Connection c, DatabaseChange change, List<String> appliedVersions) throws SQLException {
    c.setAutoCommit(false);
    Map<MigrationVersion, String> inHistory = TargetDatabase.appliedVersions(c);
    // Versions no longer in the history were undone by an earlier attempt: skipping them makes a
    // re-run a no-op.
    List<MigrationVersion> todo =
        appliedVersions.stream()
            .map(MigrationVersion::fromVersion)
            .filter(inHistory::containsKey)
            .distinct()
            .sorted(Comparator.reverseOrder())
            .toList();
    c.rollback(); // ends the read above; the changes below start a transaction of their own
    if (todo.isEmpty()) {
      return new RollbackResult(
          RollbackResult.SCRIPTS, true, false, "nothing left to undo", List.of());
    }
    List<List<String>> scripts = new ArrayList<>();
    List<String> names;
    try {
      List<Path> files = db.rollbackScripts(change, todo);
      names = files.stream().map(p -> p.getFileName().toString()).toList();
      for (Path file : files) {
        scripts.add(statements(file));
      }
    } catch (IllegalArgumentException e) {
      return needsBackup(e.getMessage() + "; nothing was changed");
    }
    // One transaction: the scripts in reverse version order, each followed by removing its version
    // from the history. On PostgreSQL (transactional DDL) a failure leaves the database exactly as
    // it was. H2 commits every DDL statement on its own, so there the guarantee is weaker.
    String current = null;
    try (PreparedStatement forget =
            c.prepareStatement(
                "DELETE FROM \"" + TargetDatabase.HISTORY_TABLE + "\" WHERE \"version\" = ?");
        Statement run = c.createStatement()) {
      for (int i = 0; i < todo.size(); i++) {
        current = names.get(i);
        for (String statement : scripts.get(i)) {
          run.execute(statement);
        }
        forget.setString(1, inHistory.get(todo.get(i)));
        forget.executeUpdate();
      }
      c.commit();
    } catch (SQLException e) {
      if (TargetDatabase.isConnectionProblem(e)) {
        // The server rolls back a transaction whose connection died: nothing was changed.
        throw new IllegalStateException(
            "lost database target "
                + db.name
                + " during the rollback scripts (nothing "
                + "was changed; retried): "
                + db.scrub(e.getMessage()),
            e);
      }
      c.rollback();
      return needsBackup(
          db.scrub(
              TargetDatabase.shorten(
                  "rollback script "
                      + current
                      + " failed"
                      + (db.properties.postgres() ? " and nothing was changed" : "")
                      + ": "
                      + TargetDatabase.rootCause(e).getMessage())));
    }
    List<String> undone = versions(todo);
    return new RollbackResult(
        RollbackResult.SCRIPTS, true, false, "undid version " + String.join(", ", undone), undone);
  }

  /**
   * A script's statements; one that begins or ends a transaction would break the all-or-nothing
   * rollback.
   */
  private static List<String> statements(Path file) {
    String name = file.getFileName().toString();
    List<String> statements;
    try {
      statements = SqlScript.statements(Files.readString(file, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new IllegalArgumentException(
          "rollback script " + name + " cannot be read: " + e.getMessage(), e);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "rollback script " + name + " cannot be parsed: " + e.getMessage(), e);
    }
    if (statements.stream().anyMatch(SqlScript::controlsTransaction)) {
      throw new IllegalArgumentException(
          "rollback script "
              + name
              + " controls transactions (BEGIN/COMMIT/ROLLBACK); Countersign runs all rollback scripts in one transaction");
    }
    return statements;
  }

  @Override
  public void restoreBackup(String releaseId, DatabaseChange change, Backup backup) {
    BackupMethod method = db.properties.backup();
    if (backup == null || method == BackupMethod.NONE || !method.id().equals(backup.method())) {
      throw new IllegalStateException(
          "release "
              + releaseId
              + " has no restorable backup of database target "
              + db.name
              + (backup == null ? "" : " (method " + backup.method() + ")"));
    }
    // The location comes from a process variable: only this release's own backup file is ever read.
    Path file = db.backupFile(releaseId);
    if (!file.toString().equals(backup.location())) {
      throw new IllegalStateException(
          "backup location " + backup.location() + " is not this release's backup " + file);
    }
    if (!Files.isRegularFile(file) || !TargetDatabase.sha256(file).equals(backup.sha256())) {
      throw new IllegalStateException(
          "backup "
              + file
              + " is missing or does not match its recorded SHA-256; not restoring it");
    }
    try (MigrationLock lock = db.lock(releaseId)) {
      if (method == BackupMethod.PG_DUMP) {
        pgDump.restore(db, file);
        return;
      }
      try (Connection c = db.connect();
          Statement s = c.createStatement()) {
        s.execute("DROP ALL OBJECTS");
        s.execute("RUNSCRIPT FROM " + literal(file));
      } catch (SQLException e) {
        throw new IllegalStateException(
            "restore of database target " + db.name + " failed: " + db.scrub(e.getMessage()), e);
      }
    }
  }

  @Override
  public String schemaFingerprint(DatabaseChange change) {
    return db.fingerprint();
  }

  private static RollbackResult needsBackup(String reason) {
    return new RollbackResult(RollbackResult.SCRIPTS, false, true, reason, List.of());
  }

  /**
   * Successfully applied versioned migrations, lowest first; an unreachable target throws
   * (retried).
   */
  private List<MigrationInfo> successful(Flyway flyway) {
    MigrationInfo[] applied;
    try {
      applied = flyway.info().applied();
    } catch (FlywayException e) {
      throw new IllegalStateException(
          "cannot reach database target " + db.name + ": " + db.scrub(TargetDatabase.describe(e)),
          e);
    }
    return Arrays.stream(applied)
        .filter(i -> i.getVersion() != null && i.getState().isApplied() && !i.getState().isFailed())
        .sorted(Comparator.comparing(MigrationInfo::getVersion))
        .toList();
  }

  private static String highest(List<MigrationInfo> infos) {
    return infos.isEmpty() ? null : infos.get(infos.size() - 1).getVersion().getVersion();
  }

  static List<String> versions(List<MigrationVersion> versions) {
    return versions.stream().map(MigrationVersion::getVersion).toList();
  }

  private static String literal(Path file) {
    return "'" + file.toString().replace("'", "''") + "'";
  }
}
