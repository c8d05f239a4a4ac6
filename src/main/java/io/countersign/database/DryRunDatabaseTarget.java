package io.countersign.database;

import io.countersign.database.DatabaseTargetProperties.BackupMethod;
import io.countersign.manifest.ReleaseManifest.DatabaseChange;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import org.flywaydb.core.api.FlywayException;
import org.flywaydb.core.api.MigrationInfo;
import org.flywaydb.core.api.MigrationInfoService;
import org.flywaydb.core.api.MigrationVersion;

/**
 * Dry-run adapter: reads the target when it can, never changes it, and reports what it would do.
 */
final class DryRunDatabaseTarget implements DatabaseTarget {
  private final TargetDatabase db;

  DryRunDatabaseTarget(TargetDatabase db) {
    this.db = db;
  }

  @Override
  public boolean dryRun() {
    return true;
  }

  @Override
  public Backup backup(String releaseId, DatabaseChange change) {
    BackupMethod method = db.properties.backup();
    return new Backup(
        method.id(),
        method == BackupMethod.NONE ? null : db.backupFile(releaseId).toString(),
        0,
        null);
  }

  /**
   * The pending migrations as "would apply": from Flyway's view of the target, or the folder if it
   * is unreachable.
   */
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
    List<MigrationVersion> pending;
    String before = null;
    String schemaBefore = null;
    try {
      MigrationInfoService info = db.flyway(folder, releaseId).info();
      pending = Arrays.stream(info.pending()).map(MigrationInfo::getVersion).sorted().toList();
      before =
          info.current() == null || info.current().getVersion() == null
              ? null
              : info.current().getVersion().getVersion();
      schemaBefore = db.fingerprint();
    } catch (FlywayException | IllegalStateException e) {
      pending = db.migrationFiles(folder);
    }
    List<String> wouldApply = FlywayDatabaseTarget.versions(pending);
    return new Migration(
        before,
        wouldApply.isEmpty() ? before : wouldApply.get(wouldApply.size() - 1),
        wouldApply,
        false,
        null,
        schemaBefore);
  }

  @Override
  public RollbackResult rollBack(
      String releaseId, DatabaseChange change, List<String> appliedVersions) {
    List<MigrationVersion> todo =
        appliedVersions.stream()
            .map(MigrationVersion::fromVersion)
            .distinct()
            .sorted(Comparator.reverseOrder())
            .toList();
    try {
      List<String> scripts =
          db.rollbackScripts(change, todo).stream().map(p -> p.getFileName().toString()).toList();
      return new RollbackResult(
          RollbackResult.SCRIPTS,
          false,
          false,
          "dry run: would run " + (scripts.isEmpty() ? "nothing" : String.join(", ", scripts)),
          FlywayDatabaseTarget.versions(todo));
    } catch (IllegalArgumentException e) {
      return new RollbackResult(
          RollbackResult.SCRIPTS, false, true, "dry run: " + e.getMessage(), List.of());
    }
  }

  @Override
  public void restoreBackup(String releaseId, DatabaseChange change, Backup backup) {
    // Nothing to do: a dry run took no backup and changed nothing.
  }

  /** Null when the target cannot be reached: a dry run does not need it. */
  @Override
  public String schemaFingerprint(DatabaseChange change) {
    try {
      return db.fingerprint();
    } catch (IllegalStateException e) {
      return null;
    }
  }
}
