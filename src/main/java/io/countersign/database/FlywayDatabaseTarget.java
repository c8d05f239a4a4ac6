package io.countersign.database;

import io.countersign.database.DatabaseTargetProperties.BackupMethod;
import io.countersign.release.ReleaseManifest.DatabaseChange;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;
import org.flywaydb.core.api.MigrationInfo;
import org.flywaydb.core.api.MigrationVersion;
import org.springframework.core.io.FileSystemResource;
import org.springframework.core.io.support.EncodedResource;
import org.springframework.dao.DataAccessException;
import org.springframework.jdbc.datasource.init.ScriptUtils;

/** Live adapter: Flyway migrations, rollback scripts over JDBC, H2 SCRIPT backups. */
final class FlywayDatabaseTarget implements DatabaseTarget {
  private final TargetDatabase db;

  FlywayDatabaseTarget(TargetDatabase db) {
    this.db = db;
  }

  @Override
  public Backup backup(String releaseId, DatabaseChange change) {
    if (db.properties.backup() == BackupMethod.NONE) {
      return new Backup(BackupMethod.NONE.id(), null, 0, null);
    }
    Path file = db.backupFile(releaseId);
    try (Connection c = db.connect(); Statement s = c.createStatement()) {
      Files.createDirectories(file.getParent());
      s.execute("SCRIPT TO " + literal(file)); // H2 writes the file itself: the target must run in (or beside) this JVM
      return new Backup(BackupMethod.H2_SCRIPT.id(), file.toString(), Files.size(file), TargetDatabase.sha256(file));
    } catch (SQLException | IOException e) {
      throw new IllegalStateException("backup of database target " + db.name + " failed: " + e.getMessage(), e);
    }
  }

  @Override
  public Migration migrate(String releaseId, DatabaseChange change) {
    Path folder;
    try {
      folder = db.migrations(change);
    } catch (IllegalArgumentException e) {
      return new Migration(null, null, List.of(), true, "migrations folder " + change.migrations() + " " + e.getMessage(), null);
    }
    String marker = TargetDatabase.installedBy(releaseId);
    Flyway flyway = db.flyway(folder, releaseId);
    // info() doubles as the reachability check: an unreachable target throws here, before any change.
    boolean resumed = successful(flyway).stream().anyMatch(i -> marker.equals(i.getInstalledBy()));
    String schemaBefore = resumed ? null : db.fingerprint();
    String error = null;
    try {
      flyway.migrate();
    } catch (FlywayException e) {
      if (TargetDatabase.isConnectionProblem(e)) {
        throw e;
      }
      error = TargetDatabase.describe(e);
      deleteFailedRows(marker);
    }
    List<MigrationInfo> after = successful(flyway);
    List<MigrationInfo> mine = after.stream().filter(i -> marker.equals(i.getInstalledBy())).toList();
    List<MigrationInfo> earlier = after.stream().filter(i -> !marker.equals(i.getInstalledBy())).toList();
    return new Migration(highest(earlier), highest(after), versions(mine.stream().map(MigrationInfo::getVersion).toList()),
        error != null, error, schemaBefore);
  }

  /**
   * On H2 each migration commits on its own and a failed one leaves a failed history row that blocks
   * every later migrate. PostgreSQL rolls the failed migration back and records nothing; removing this
   * release's failed row gives H2 the same end state (though DDL that ran before the error stays on H2).
   */
  private void deleteFailedRows(String marker) {
    try (Connection c = db.connect(); PreparedStatement s = c.prepareStatement(
        "DELETE FROM \"" + TargetDatabase.HISTORY_TABLE + "\" WHERE \"success\" = FALSE AND \"installed_by\" = ?")) {
      s.setString(1, marker);
      s.executeUpdate();
    } catch (SQLException e) {
      throw new IllegalStateException("cannot clear the failed migration of database target " + db.name, e);
    }
  }

  @Override
  public RollbackResult rollBack(String releaseId, DatabaseChange change, List<String> appliedVersions) {
    try (Connection c = db.connect()) {
      c.setAutoCommit(false);
      Map<MigrationVersion, String> inHistory = TargetDatabase.appliedVersions(c);
      // Versions no longer in the history were undone by an earlier attempt: skipping them makes a re-run a no-op.
      List<MigrationVersion> todo = appliedVersions.stream().map(MigrationVersion::fromVersion)
          .filter(inHistory::containsKey).distinct().sorted(Comparator.reverseOrder()).toList();
      if (todo.isEmpty()) {
        return new RollbackResult(RollbackResult.SCRIPTS, true, false, "nothing left to undo", List.of());
      }
      List<Path> scripts;
      try {
        scripts = db.rollbackScripts(change, todo);
      } catch (IllegalArgumentException e) {
        return needsBackup(e.getMessage() + "; nothing was changed");
      }
      // One transaction: the scripts in reverse version order, each followed by removing its version from
      // the history. On PostgreSQL a failure leaves the database as it was. H2 commits every DDL statement
      // on its own, so there the guarantee is weaker: the history still matches what was undone.
      String current = null;
      try (PreparedStatement forget = c.prepareStatement(
          "DELETE FROM \"" + TargetDatabase.HISTORY_TABLE + "\" WHERE \"version\" = ?")) {
        for (int i = 0; i < todo.size(); i++) {
          current = scripts.get(i).getFileName().toString();
          ScriptUtils.executeSqlScript(c, new EncodedResource(new FileSystemResource(scripts.get(i)), StandardCharsets.UTF_8));
          forget.setString(1, inHistory.get(todo.get(i)));
          forget.executeUpdate();
        }
        c.commit();
      } catch (SQLException | DataAccessException e) {
        c.rollback();
        if (TargetDatabase.isConnectionProblem(e)) {
          throw new IllegalStateException("database target " + db.name + " lost during rollback: " + e.getMessage(), e);
        }
        return needsBackup(TargetDatabase.shorten(
            "rollback script " + current + " failed: " + TargetDatabase.rootCause(e).getMessage()));
      }
      List<String> undone = versions(todo);
      return new RollbackResult(RollbackResult.SCRIPTS, true, false, "undid version " + String.join(", ", undone), undone);
    } catch (SQLException e) {
      throw new IllegalStateException("cannot reach database target " + db.name + ": " + e.getMessage(), e);
    }
  }

  @Override
  public void restoreBackup(String releaseId, DatabaseChange change, Backup backup) {
    if (backup == null || !BackupMethod.H2_SCRIPT.id().equals(backup.method())) {
      throw new IllegalStateException("release " + releaseId + " has no restorable backup of database target " + db.name
          + (backup == null ? "" : " (method " + backup.method() + ")"));
    }
    // The location comes from a process variable: only this release's own backup file is ever read.
    Path file = db.backupFile(releaseId);
    if (!file.toString().equals(backup.location())) {
      throw new IllegalStateException("backup location " + backup.location() + " is not this release's backup " + file);
    }
    if (!Files.isRegularFile(file) || !TargetDatabase.sha256(file).equals(backup.sha256())) {
      throw new IllegalStateException("backup " + file + " is missing or does not match its recorded SHA-256; not restoring it");
    }
    try (Connection c = db.connect(); Statement s = c.createStatement()) {
      s.execute("DROP ALL OBJECTS");
      s.execute("RUNSCRIPT FROM " + literal(file));
    } catch (SQLException e) {
      throw new IllegalStateException("restore of database target " + db.name + " failed: " + e.getMessage(), e);
    }
  }

  @Override
  public String schemaFingerprint(DatabaseChange change) {
    return db.fingerprint();
  }

  private static RollbackResult needsBackup(String reason) {
    return new RollbackResult(RollbackResult.SCRIPTS, false, true, reason, List.of());
  }

  /** Successfully applied versioned migrations, lowest first. */
  private static List<MigrationInfo> successful(Flyway flyway) {
    return Arrays.stream(flyway.info().applied())
        .filter(i -> i.getVersion() != null && i.getState().isApplied() && !i.getState().isFailed())
        .sorted(Comparator.comparing(MigrationInfo::getVersion)).toList();
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
