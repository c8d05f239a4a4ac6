package io.countersign.database;

import io.countersign.database.DatabaseTarget.Migration;
import io.countersign.evidence.EvidenceLog;
import io.countersign.manifest.ReleaseManifest;
import io.countersign.process.Attempts;
import io.countersign.process.ManifestStore;
import io.countersign.process.StepOutcome;
import io.countersign.process.StepSupport;
import io.countersign.process.Variables;
import java.util.ArrayList;
import org.camunda.bpm.engine.delegate.DelegateExecution;
import org.camunda.bpm.engine.delegate.JavaDelegate;
import org.springframework.stereotype.Component;

/**
 * Applies the release's migrations. A failed migration does not throw: the task completes with the
 * outcome {@code failed} so the gateway after it starts the rollback, and compensation of this task
 * ({@code restoreDatabase}) undoes the versions that were applied before the failure. A thrown
 * BpmnError would leave the task uncompleted, and Camunda compensates completed activities only.
 */
@Component("migrateDatabase")
class MigrateDatabaseDelegate implements JavaDelegate {
  static final String STEP = "migrateDatabase";
  private final DatabaseTargets targets;
  private final EvidenceLog evidence;
  private final ManifestStore manifests;
  private final Attempts attempts;

  MigrateDatabaseDelegate(
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
    // Gateways read these whatever happens below.
    StepOutcome.done().record(execution, STEP);
    execution.setVariable(Variables.DB_RESTORE_NEEDS_BACKUP, false);
    execution.setVariable(Variables.DB_APPLIED_VERSIONS, new ArrayList<String>());
    if (StepSupport.skipIf(
        !manifest.hasDatabase(), evidence, releaseId, STEP, DatabaseSteps.NO_DATABASE)) {
      return;
    }
    String targetName = manifest.database().target();
    DatabaseTarget target = targets.get(targetName);
    // Interrupted: Flyway's history is the state. Migrating again skips the versions applied and
    // reports those this release applied (installed_by), so nothing runs twice.
    Migration migration =
        attempts.once(
            new Attempts.Call(releaseId, STEP, targetName, null, "migrate"),
            Migration.class,
            () -> target.migrate(releaseId, manifest.database()),
            Attempts.Interrupted.repeat(
                () -> target.migrate(releaseId, manifest.database()),
                "migrated again: Flyway skipped the versions in its history"));
    execution.setVariable(Variables.DB_VERSION_BEFORE, migration.versionBefore());
    if (migration.schemaBefore() != null
        || execution.getVariable(Variables.DB_SCHEMA_BEFORE) == null) {
      // A resumed migration has no reading of its own: then the backup step's reading stays.
      execution.setVariable(Variables.DB_SCHEMA_BEFORE, migration.schemaBefore());
    }
    execution.setVariable(
        Variables.DB_APPLIED_VERSIONS, new ArrayList<>(migration.appliedVersions()));

    String error = migration.error();
    if (!migration.failed()) {
      evidence.record(
          releaseId,
          "database-migrated",
          StepSupport.ACTOR,
          DatabaseSteps.payload(
              "target",
              targetName,
              "versionBefore",
              migration.versionBefore(),
              "applied",
              migration.appliedVersions(),
              "versionAfter",
              migration.versionAfter(),
              "dryRun",
              target.dryRun()));
      if (!StepSupport.isDrill(manifest, STEP)) {
        return;
      }
      // The drill fails after the real migration, so the rollback scripts are rehearsed for real.
      error =
          "Rollback drill: step "
              + STEP
              + " failed after applying its migrations, as the manifest asked";
    }
    StepOutcome.failed(error).record(execution, STEP);
    evidence.record(
        releaseId,
        "database-migration-failed",
        StepSupport.ACTOR,
        DatabaseSteps.payload(
            "target",
            targetName,
            "versionBefore",
            migration.versionBefore(),
            "applied",
            migration.appliedVersions(),
            "error",
            error,
            "dryRun",
            target.dryRun()));
  }
}
