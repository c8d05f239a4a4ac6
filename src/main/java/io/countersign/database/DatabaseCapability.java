package io.countersign.database;

import io.countersign.aws.TargetRefusedException;
import io.countersign.manifest.ManifestCheck;
import io.countersign.manifest.ManifestSection;
import io.countersign.manifest.ReleaseManifest;
import io.countersign.manifest.ReleaseManifest.DatabaseChange;
import io.countersign.process.TargetCapability;
import io.countersign.process.Variables;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;

/**
 * Flyway migrations of a configured database target, with a backup before and rollback scripts or a
 * restore after.
 */
@Component
@Order(200)
class DatabaseCapability implements TargetCapability {
  static final ManifestSection<DatabaseChange> SECTION =
      ManifestSection.typed("database", DatabaseChange.class, ReleaseManifest::database);

  private final DatabaseManifestCheck check;
  private final DatabaseTargets targets;

  DatabaseCapability(DatabaseManifestCheck check, DatabaseTargets targets) {
    this.check = check;
    this.targets = targets;
  }

  @Override
  public ManifestSection<?> section() {
    return SECTION;
  }

  @Override
  public ManifestCheck check() {
    return check;
  }

  @Override
  public boolean isUsedBy(ReleaseManifest manifest) {
    return manifest.hasDatabase();
  }

  @Override
  public List<Step> steps() {
    // A restore from the backup may lose data written since, so it waits for an operations lead
    // after every undo.
    return List.of(
        Step.main("backupDatabase"),
        Step.main("migrateDatabase"),
        Step.undo("restoreDatabase"),
        Step.afterUndo("confirmDatabaseRestore"),
        Step.afterUndo("restoreDatabaseBackup"));
  }

  @Override
  public List<String> plannedSteps(ReleaseManifest manifest) {
    return manifest.hasDatabase()
        ? List.of(
            "Back up and migrate database "
                + manifest.database().target()
                + " from "
                + manifest.database().migrations())
        : List.of();
  }

  @Override
  public List<String> undoSteps(ReleaseManifest manifest) {
    if (!manifest.hasDatabase()) {
      return List.of();
    }
    String target = manifest.database().target();
    String rollbacks = manifest.database().rollbacks();
    return List.of(
        rollbacks == null
            ? "Roll back database "
                + target
                + ": no rollback scripts in the release, so what this release migrated can only be"
                + " undone by restoring the backup (below)"
            : "Roll back database "
                + target
                + ": run the rollback scripts from "
                + rollbacks
                + " for each migration this release applied, newest first");
  }

  @Override
  public List<String> afterUndoSteps(ReleaseManifest manifest) {
    return manifest.hasDatabase()
        ? List.of(
            "If database "
                + manifest.database().target()
                + " cannot be rolled back by scripts: an operations lead confirms, then Countersign"
                + " restores the backup it took before migrating")
        : List.of();
  }

  @Override
  public Map<String, Object> startVariables(ReleaseManifest manifest) {
    Map<String, Object> variables = new LinkedHashMap<>();
    variables.put(Variables.HAS_DATABASE, manifest.hasDatabase());
    variables.put(Variables.DB_RESTORE_NEEDS_BACKUP, false);
    return variables;
  }

  @Override
  public List<String> recordedVariables() {
    return List.of(Variables.DB_VERSION_BEFORE, Variables.DB_APPLIED_VERSIONS);
  }

  /** Connects and reads the schema, as the backup step will. */
  @Override
  public List<Finding> verifyEnvironment(String releaseId, ReleaseManifest manifest) {
    DatabaseChange change = manifest.database();
    String subject = "database " + change.target();
    DatabaseTarget target = targets.get(change.target());
    try {
      String fingerprint = target.schemaFingerprint(change);
      return List.of(
          Finding.passed(
              subject,
              fingerprint == null
                  ? "dry run: not reachable from here, nothing will be changed"
                  : "reachable, schema " + fingerprint.substring(0, 12)));
    } catch (TargetRefusedException refused) {
      return List.of(Finding.failed(subject, refused.getMessage()));
    }
  }

  @Override
  public Map<String, Object> policyFacts(ReleaseManifest manifest) {
    return Map.of(Variables.HAS_DATABASE, manifest.hasDatabase());
  }
}
