package io.countersign.database;

import io.countersign.database.DatabaseTarget.Backup;
import io.countersign.evidence.EvidenceLog;
import io.countersign.manifest.ReleaseManifest;
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

  BackupDatabaseDelegate(DatabaseTargets targets, EvidenceLog evidence, StepStart start) {
    this.targets = targets;
    this.evidence = evidence;
    this.start = start;
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
    Backup backup = target.backup(releaseId, manifest.database());
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
