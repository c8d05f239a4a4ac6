package io.countersign.database;

import io.countersign.database.DatabaseTarget.Backup;
import io.countersign.evidence.EvidenceLog;
import io.countersign.manifest.ReleaseManifest;
import io.countersign.process.Attempts;
import io.countersign.process.StepStart;
import io.countersign.process.StepSupport;
import io.countersign.process.Variables;
import org.camunda.bpm.engine.delegate.DelegateExecution;
import org.camunda.bpm.engine.delegate.JavaDelegate;
import org.springframework.stereotype.Component;

/**
 * Backs up the target before anything changes; the file name is fixed per release, so a re-run
 * overwrites it.
 */
@Component("backupDatabase")
class BackupDatabaseDelegate implements JavaDelegate {
  static final String STEP = "backupDatabase";
  private final DatabaseTargets targets;
  private final EvidenceLog evidence;
  private final StepStart start;
  private final Attempts attempts;

  BackupDatabaseDelegate(
      DatabaseTargets targets, EvidenceLog evidence, StepStart start, Attempts attempts) {
    this.targets = targets;
    this.evidence = evidence;
    this.start = start;
    this.attempts = attempts;
  }

  @Override
  public void execute(DelegateExecution execution) {
    StepStart.Started started =
        start.begin(execution, STEP, m -> !m.hasDatabase(), DatabaseSteps.NO_DATABASE);
    if (started == null) {
      return;
    }
    ReleaseManifest manifest = started.manifest();
    String releaseId = started.releaseId();
    DatabaseTarget target = targets.get(manifest.database().target());
    // The schema before anything changed; migrateDatabase replaces it with its own reading under
    // the migration lock, but a migration resumed after a crash cannot read it any more and keeps
    // this one.
    execution.setVariable(
        Variables.DB_SCHEMA_BEFORE, target.schemaFingerprint(manifest.database()));
    // A backup changes nothing in the target: one begun and never finished is simply taken again
    // (same file); one that finished is reused, so its recorded digest stays the one restored.
    Backup backup =
        attempts.once(
            new Attempts.Call(releaseId, STEP, manifest.database().target(), null, "backup"),
            Backup.class,
            () -> target.backup(releaseId, manifest.database()),
            Attempts.Interrupted.repeat(
                () -> target.backup(releaseId, manifest.database()),
                "taken again into the release's backup file"));
    execution.setVariable(Variables.DB_BACKUP, DatabaseSteps.toJson(backup));
    evidence.record(
        releaseId,
        "database-backup",
        StepSupport.ACTOR,
        DatabaseSteps.payload(
            "target",
            manifest.database().target(),
            "method",
            backup.method(),
            "location",
            backup.location(),
            "sizeBytes",
            backup.sizeBytes(),
            "sha256",
            backup.sha256(),
            "dryRun",
            target.dryRun()));
  }
}
