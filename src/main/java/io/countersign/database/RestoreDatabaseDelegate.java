package io.countersign.database;

import io.countersign.database.DatabaseTarget.Backup;
import io.countersign.database.DatabaseTarget.RollbackResult;
import io.countersign.evidence.EvidenceLog;
import io.countersign.manifest.ReleaseManifest;
import io.countersign.process.Attempts;
import io.countersign.process.ManifestStore;
import io.countersign.process.StepSupport;
import io.countersign.process.Variables;
import java.util.List;
import org.camunda.bpm.engine.delegate.DelegateExecution;
import org.camunda.bpm.engine.delegate.JavaDelegate;
import org.springframework.stereotype.Component;

/**
 * Compensation handler of {@code migrateDatabase}: undoes exactly the versions it recorded, with
 * the rollback scripts. When that is not possible it sets {@code restoreNeedsBackup} for the
 * gateway (a human confirms a backup restore). Never throws a BpmnError: it runs during
 * compensation.
 */
@Component("restoreDatabase")
class RestoreDatabaseDelegate implements JavaDelegate {
  private final DatabaseTargets targets;
  private final EvidenceLog evidence;
  private final ManifestStore manifests;
  private final Attempts attempts;

  RestoreDatabaseDelegate(
      DatabaseTargets targets, EvidenceLog evidence, ManifestStore manifests, Attempts attempts) {
    this.targets = targets;
    this.evidence = evidence;
    this.manifests = manifests;
    this.attempts = attempts;
  }

  @Override
  public void execute(DelegateExecution execution) {
    ReleaseManifest manifest = manifests.forStep(execution);
    String releaseId = StepSupport.releaseId(execution);
    List<String> applied = StepSupport.readList(execution, Variables.DB_APPLIED_VERSIONS);
    if (!manifest.hasDatabase() || applied.isEmpty()) {
      execution.setVariable(Variables.DB_RESTORE_NEEDS_BACKUP, false);
      evidence.record(
          releaseId,
          "database-restore",
          StepSupport.ACTOR,
          DatabaseSteps.payload(
              "method", "nothing-to-undo", "restored", true, "undone", List.of()));
      return;
    }
    DatabaseTarget target = targets.get(manifest.database().target());
    // Interrupted: the scripts run in one transaction with the history rows they remove, so the
    // history says what is undone; running again skips versions no longer in it.
    RollbackResult result =
        attempts.once(
            new Attempts.Call(
                releaseId, "restoreDatabase", manifest.database().target(), null, "roll back"),
            RollbackResult.class,
            () -> target.rollBack(releaseId, manifest.database(), applied),
            Attempts.Interrupted.repeat(
                () -> target.rollBack(releaseId, manifest.database(), applied),
                "rolled back again: versions no longer in Flyway's history were skipped"));
    execution.setVariable(Variables.DB_RESTORE_NEEDS_BACKUP, result.needsBackup());
    if (result.needsBackup()) {
      execution.setVariable(
          Variables.DB_BACKUP_SUMMARY,
          summary(
              DatabaseSteps.backup(execution.getVariable(Variables.DB_BACKUP)), result.reason()));
    }
    Boolean schemaMatches =
        DatabaseSteps.sameSchema(
            execution.getVariable(Variables.DB_SCHEMA_BEFORE),
            target.schemaFingerprint(manifest.database()));
    evidence.record(
        releaseId,
        "database-restore",
        StepSupport.ACTOR,
        DatabaseSteps.payload(
            "target",
            manifest.database().target(),
            "method",
            result.method(),
            "restored",
            result.restored(),
            "needsBackup",
            result.needsBackup(),
            "reason",
            result.reason(),
            "undone",
            result.undoneVersions(),
            "schemaMatchesBefore",
            schemaMatches,
            "dryRun",
            target.dryRun()));
  }

  /** What the person confirming a backup restore reads (confirm-database-restore form). */
  static String summary(Backup backup, String reason) {
    String taken =
        backup == null || backup.location() == null
            ? "No backup was taken (backup: "
                + (backup == null ? "unknown" : backup.method())
                + "): restoring is not possible."
            : "Backup "
                + backup.location()
                + " ("
                + backup.method()
                + ", "
                + backup.sizeBytes()
                + " bytes, SHA-256 "
                + backup.sha256()
                + "), taken before the migration; writes made since then are lost by a restore.";
    return taken + " The rollback scripts could not undo the migration: " + reason;
  }
}
