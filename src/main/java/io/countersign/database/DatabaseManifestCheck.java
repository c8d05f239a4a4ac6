package io.countersign.database;

import io.countersign.manifest.Environments;
import io.countersign.manifest.FieldErrors;
import io.countersign.manifest.ManifestCheck;
import io.countersign.manifest.ReleaseManifest;
import io.countersign.manifest.ReleaseManifest.DatabaseChange;
import org.springframework.stereotype.Component;

/** The manifest's database section against the configured targets and their migration roots. */
@Component
class DatabaseManifestCheck implements ManifestCheck {
  private final DatabaseTargets targets;
  private final Environments environments;

  DatabaseManifestCheck(DatabaseTargets targets, Environments environments) {
    this.targets = targets;
    this.environments = environments;
  }

  @Override
  public void check(ReleaseManifest manifest, FieldErrors errors) {
    DatabaseChange change = manifest.database();
    if (change == null || change.target() == null) {
      return; // absence and shape are the shape checks' business
    }
    DatabaseTargetProperties target = targets.properties(change.target()).orElse(null);
    if (target == null) {
      errors.add(
          "$.database.target",
          "unknown database target '" + change.target() + "'; known targets: " + targets.names());
      return;
    }
    if (target.backup() == DatabaseTargetProperties.BackupMethod.NONE
        && environments.production(manifest.environment())) {
      errors.add(
          "$.database.target",
          "target '"
              + change.target()
              + "' has backup: none, which is not allowed for "
              + Environments.asProduction(manifest.environment()));
    }
    if (change.migrations() == null) {
      return;
    }
    boolean migrationsUsable =
        checkFolder(change.migrations(), target, "$.database.migrations", errors);
    if (change.rollbacks() != null) {
      checkFolder(change.rollbacks(), target, "$.database.rollbacks", errors);
    } else if (migrationsUsable && targets.paths().exists(MigrationPaths.rollbacksOf(change))) {
      // The default folder may be absent (then only the backup can undo), but if present it must be
      // safe.
      checkFolder(MigrationPaths.rollbacksOf(change), target, "$.database.rollbacks", errors);
    }
  }

  private boolean checkFolder(
      String folder, DatabaseTargetProperties target, String path, FieldErrors errors) {
    try {
      targets.paths().resolve(folder, target.migrationRoots());
      return true;
    } catch (IllegalArgumentException e) { // InvalidPathException included
      errors.add(path, "'" + folder + "' " + e.getMessage());
      return false;
    }
  }
}
