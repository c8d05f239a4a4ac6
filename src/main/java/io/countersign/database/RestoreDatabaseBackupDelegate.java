package io.countersign.database;

import io.countersign.database.DatabaseTarget.Backup;
import io.countersign.evidence.EvidenceLog;
import io.countersign.manifest.ReleaseManifest;
import io.countersign.process.Attempts;
import io.countersign.process.StepStart;
import io.countersign.process.StepSupport;
import io.countersign.process.Variables;
import java.util.function.Supplier;
import org.camunda.bpm.engine.delegate.DelegateExecution;
import org.camunda.bpm.engine.delegate.JavaDelegate;
import org.springframework.stereotype.Component;

/**
 * Restores the release's backup after the rollback scripts could not undo the migration. Data
 * written since the backup is lost, so it runs only after a human chose it ({@code restoreConfirmed
 * = "restore"}). A missing or tampered backup throws (an incident for an operator), never a partial
 * restore.
 */
@Component("restoreDatabaseBackup")
class RestoreDatabaseBackupDelegate implements JavaDelegate {
  static final String STEP = "restoreDatabaseBackup";

  /**
   * The value the confirm-database-restore form gives {@code restoreConfirmed} for "restore the
   * backup".
   */
  static final String CONFIRMED = "restore";

  private final DatabaseTargets targets;
  private final EvidenceLog evidence;
  private final StepStart start;
  private final Attempts attempts;

  RestoreDatabaseBackupDelegate(
      DatabaseTargets targets, EvidenceLog evidence, StepStart start, Attempts attempts) {
    this.targets = targets;
    this.evidence = evidence;
    this.start = start;
    this.attempts = attempts;
  }

  @Override
  public void execute(DelegateExecution execution) {
    StepStart.Started started =
        start.beginUndo(execution, STEP, m -> !m.hasDatabase(), DatabaseSteps.NO_DATABASE);
    if (started == null) {
      return;
    }
    ReleaseManifest manifest = started.manifest();
    String releaseId = started.releaseId();
    // The model's gateway already routes on the decision; this guards a destructive step against a
    // wrong path.
    if (!CONFIRMED.equals(execution.getVariable(Variables.DB_RESTORE_CONFIRMED))) {
      throw new IllegalStateException(
          "restoring the backup of release "
              + releaseId
              + " needs a confirmation ("
              + Variables.DB_RESTORE_CONFIRMED
              + " = '"
              + CONFIRMED
              + "')");
    }
    DatabaseTarget target = targets.get(manifest.database().target());
    Backup backup = DatabaseSteps.backup(execution.getVariable(Variables.DB_BACKUP));
    Supplier<Backup> restore =
        () -> {
          target.restoreBackup(releaseId, manifest.database(), backup);
          return backup;
        };
    // Finished: never restored twice (it would drop what was written since). Interrupted: a
    // half-done restore leaves the target in no known state, and restoring the same backup again
    // (what the person confirmed) is the way to one; the evidence shows both attempts.
    attempts.once(
        new Attempts.Call(releaseId, STEP, manifest.database().target(), null, "restore backup"),
        Backup.class,
        restore,
        Attempts.Interrupted.repeat(restore, "restored the same backup again"));
    execution.setVariable(Variables.DB_RESTORE_NEEDS_BACKUP, false);
    evidence.record(
        releaseId,
        "database-backup-restored",
        StepSupport.ACTOR,
        DatabaseSteps.payload(
            "target",
            manifest.database().target(),
            "location",
            backup == null ? null : backup.location(),
            "sha256",
            backup == null ? null : backup.sha256(),
            "schemaMatchesBefore",
            DatabaseSteps.sameSchema(
                execution.getVariable(Variables.DB_SCHEMA_BEFORE),
                target.schemaFingerprint(manifest.database())),
            "dryRun",
            target.dryRun()));
  }
}
