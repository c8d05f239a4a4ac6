package io.countersign.database;

import io.countersign.manifest.ReleaseManifest.DatabaseChange;
import java.util.List;

/**
 * Port of the database capability, bound to one named target. The live adapter changes the database
 * (Flyway, JDBC); the dry-run adapter only reads and reports what it would do.
 */
interface DatabaseTarget {

  /** A copy of the target taken before migrating, proven by its digest. */
  Backup backup(String releaseId, DatabaseChange change);

  /**
   * Applies pending migrations. A failing migration is reported, not thrown; a target that cannot
   * be reached, or that another release is changing, throws (transient, retried by the engine).
   */
  Migration migrate(String releaseId, DatabaseChange change);

  /** Undoes {@code appliedVersions} with the release's rollback scripts, all or nothing. */
  RollbackResult rollBack(String releaseId, DatabaseChange change, List<String> appliedVersions);

  /** Replaces the target's content with the backup; refuses a backup whose digest changed. */
  void restoreBackup(String releaseId, DatabaseChange change, Backup backup);

  /** SHA-256 over the target's schema (see {@link SchemaFingerprint}; Flyway's table excluded). */
  String schemaFingerprint(DatabaseChange change);

  default boolean dryRun() {
    return false;
  }

  record Backup(String method, String location, long sizeBytes, String sha256) {}

  /**
   * {@code appliedVersions}: versions this release applied, also those of an earlier attempt of the
   * same job (a retry after a crash must still compensate them). {@code schemaBefore}: fingerprint
   * before this release changed anything, null when an earlier attempt already had.
   */
  record Migration(
      String versionBefore,
      String versionAfter,
      List<String> appliedVersions,
      boolean failed,
      String error,
      String schemaBefore) {}

  record RollbackResult(
      String method,
      boolean restored,
      boolean needsBackup,
      String reason,
      List<String> undoneVersions) {
    static final String SCRIPTS = "rollback-scripts";
  }
}
