package io.countersign.database;

import static io.countersign.database.TestTargets.EXAMPLE;
import static io.countersign.database.TestTargets.FAILING;
import static io.countersign.database.TestTargets.MISSING_ROLLBACK;
import static io.countersign.database.TestTargets.change;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

import io.countersign.FakeExecution;
import io.countersign.TestManifests;
import io.countersign.database.DatabaseTargetProperties.BackupMethod;
import io.countersign.evidence.EvidenceLog;
import io.countersign.manifest.ReleaseManifest;
import io.countersign.manifest.ReleaseManifest.DatabaseChange;
import io.countersign.process.StepSupport;
import io.countersign.process.TargetMode;
import io.countersign.process.Variables;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.camunda.bpm.engine.delegate.BpmnError;
import org.camunda.bpm.engine.delegate.DelegateExecution;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The four delegates over a real in-memory target, with a map-backed execution and a recording
 * evidence log.
 */
class DatabaseDelegatesTest {
  static final String RELEASE = "rel-42";

  @TempDir Path backups;
  TestTargets db;
  DatabaseTargets targets;
  final FakeExecution fake = new FakeExecution(RELEASE, null);
  final Map<String, Object> variables = fake.variables;
  final DelegateExecution execution = fake.execution;
  final List<Map.Entry<String, Map<String, Object>>> recorded = new ArrayList<>();
  final EvidenceLog evidence = mock(EvidenceLog.class);

  @BeforeEach
  void setUp() {
    db = new TestTargets(backups);
    targets = db.targets(TargetMode.LIVE, BackupMethod.H2_SCRIPT);
    when(evidence.record(anyString(), anyString(), anyString(), any()))
        .thenAnswer(
            call -> {
              recorded.add(
                  Map.entry(
                      call.getArgument(1),
                      new HashMap<String, Object>(call.<Map<String, ?>>getArgument(3))));
              return null;
            });
  }

  @AfterEach
  void tearDown() {
    db.drop();
  }

  void release(DatabaseChange change, String drillAt) {
    ReleaseManifest manifest = TestTargets.manifest("staging", change, drillAt);
    variables.put(Variables.MANIFEST, TestManifests.toJson(manifest));
  }

  void run(String step) throws Exception {
    switch (step) {
      case "backupDatabase" ->
          new BackupDatabaseDelegate(
                  targets,
                  evidence,
                  FakeExecution.variableStart(evidence),
                  FakeExecution.actingAttempts())
              .execute(execution);
      case "migrateDatabase" ->
          new MigrateDatabaseDelegate(
                  targets,
                  evidence,
                  FakeExecution.variableManifests(),
                  FakeExecution.actingAttempts())
              .execute(execution);
      case "restoreDatabase" ->
          new RestoreDatabaseDelegate(
                  targets,
                  evidence,
                  FakeExecution.variableManifests(),
                  FakeExecution.actingAttempts())
              .execute(execution);
      case "restoreDatabaseBackup" ->
          new RestoreDatabaseBackupDelegate(
                  targets,
                  evidence,
                  FakeExecution.variableStart(evidence),
                  FakeExecution.actingAttempts())
              .execute(execution);
      default -> throw new IllegalArgumentException(step);
    }
  }

  Map<String, Object> last(String type) {
    return recorded.stream()
        .filter(e -> e.getKey().equals(type))
        .reduce((a, b) -> b)
        .orElseThrow()
        .getValue();
  }

  List<String> types() {
    return recorded.stream().map(Map.Entry::getKey).toList();
  }

  @Test
  void backsUpMigratesAndUndoesTheReleaseWithItsScripts() throws Exception {
    db.migrateEarlier(EXAMPLE, "2");
    release(change(EXAMPLE), null);

    run("backupDatabase");
    run("migrateDatabase");
    run("restoreDatabase");

    assertThat(variables.get(Variables.DB_BACKUP).toString())
        .contains("\"method\":\"h2-script\"", "rel-42-medication-db.sql");
    assertThat(variables)
        .containsEntry(Variables.DB_APPLIED_VERSIONS, List.of("3"))
        .containsEntry(Variables.DB_VERSION_BEFORE, "2")
        .containsEntry(Variables.STEP_OUTCOME, "done")
        .containsEntry(Variables.DB_RESTORE_NEEDS_BACKUP, false)
        .doesNotContainKey(Variables.FAILED_STEP);
    assertThat(types()).containsExactly("database-backup", "database-migrated", "database-restore");
    assertThat(last("database-migrated"))
        .containsEntry("versionBefore", "2")
        .containsEntry("versionAfter", "3")
        .containsEntry("applied", List.of("3"))
        .containsEntry("dryRun", false);
    assertThat(last("database-restore"))
        .containsEntry("method", "rollback-scripts")
        .containsEntry("restored", true)
        .containsEntry("undone", List.of("3"))
        .containsEntry("schemaMatchesBefore", true);
    assertThat(db.historyVersions()).containsExactly("1", "2");
  }

  @Test
  void aMigrationResumedAfterACrashKeepsTheSchemaReadBeforeTheRelease() throws Exception {
    db.migrateEarlier(EXAMPLE, "1");
    release(change(EXAMPLE), null);
    run("backupDatabase");
    Object before = variables.get(Variables.DB_SCHEMA_BEFORE);
    assertThat(before).isNotNull();
    // The first attempt applied the migrations, then the node died before the job committed its
    // variables.
    db.live().migrate(RELEASE, change(EXAMPLE));

    run("migrateDatabase");
    run("restoreDatabase");

    assertThat(variables)
        .containsEntry(Variables.DB_SCHEMA_BEFORE, before)
        .containsEntry(Variables.DB_APPLIED_VERSIONS, List.of("2", "3"));
    assertThat(last("database-restore"))
        .containsEntry("undone", List.of("3", "2"))
        .containsEntry("schemaMatchesBefore", true);
  }

  @Test
  void aFailedMigrationCompletesWithMigrationFailedSoTheGatewayRollsBack() throws Exception {
    release(change(FAILING), null);

    run("migrateDatabase"); // no exception: a BpmnError would skip compensation of this task
    run("restoreDatabase");

    assertThat(variables)
        .containsEntry(Variables.STEP_OUTCOME, "failed")
        .containsEntry(Variables.DB_APPLIED_VERSIONS, List.of("1", "2"))
        .containsEntry(Variables.FAILED_STEP, "migrateDatabase")
        .containsEntry(Variables.DB_RESTORE_NEEDS_BACKUP, false);
    assertThat((String) variables.get(Variables.FAILURE_REASON)).contains("V3__broken.sql");
    assertThat(types()).containsExactly("database-migration-failed", "database-restore");
    assertThat(last("database-restore"))
        .containsEntry("undone", List.of("2", "1"))
        .containsEntry("schemaMatchesBefore", true);
    assertThat(db.tables()).containsExactly("flyway_schema_history");
  }

  @Test
  void theMigrateDrillAppliesForRealThenReportsFailure() throws Exception {
    release(change(EXAMPLE), "migrateDatabase");

    run("migrateDatabase");

    assertThat(db.historyVersions()).containsExactly("1", "2", "3");
    assertThat(variables)
        .containsEntry(Variables.STEP_OUTCOME, "failed")
        .containsEntry(Variables.FAILED_STEP, "migrateDatabase");
    assertThat((String) variables.get(Variables.FAILURE_REASON)).startsWith("Rollback drill:");
    assertThat(types()).containsExactly("database-migrated", "database-migration-failed");

    run("restoreDatabase");
    assertThat(last("database-restore"))
        .containsEntry("undone", List.of("3", "2", "1"))
        .containsEntry("schemaMatchesBefore", true);
  }

  @Test
  void theBackupDrillFailsBeforeTakingABackup() throws Exception {
    release(change(EXAMPLE), "backupDatabase");

    assertThatThrownBy(() -> run("backupDatabase"))
        .isInstanceOfSatisfying(
            BpmnError.class, e -> assertThat(e.getErrorCode()).isEqualTo(StepSupport.STEP_FAILED));
    assertThat(variables)
        .containsEntry(Variables.FAILED_STEP, "backupDatabase")
        .doesNotContainKey(Variables.DB_BACKUP);
    try (var files = Files.list(backups)) {
      assertThat(files).isEmpty();
    }
  }

  @Test
  void withoutADatabaseChangeEveryStepIsSkippedAndTheGatewayVariablesAreSet() throws Exception {
    release(null, null);

    run("backupDatabase");
    run("migrateDatabase");
    run("restoreDatabase");

    assertThat(types()).containsExactly("step-skipped", "step-skipped", "database-restore");
    assertThat(recorded.get(1).getValue()).containsEntry("step", "migrateDatabase");
    assertThat(last("database-restore")).containsEntry("method", "nothing-to-undo");
    assertThat(variables)
        .containsEntry(Variables.STEP_OUTCOME, "done")
        .containsEntry(Variables.DB_RESTORE_NEEDS_BACKUP, false)
        .containsEntry(Variables.DB_APPLIED_VERSIONS, List.of());
  }

  @Test
  void withoutRollbackScriptsTheBackupIsRestoredOnlyAfterConfirmation() throws Exception {
    release(change(MISSING_ROLLBACK), null);
    run("backupDatabase");
    run("migrateDatabase");
    db.execute(
        "INSERT INTO accounts (id, name, email) VALUES (1, 'written after the migration', 'a@example.org')");

    run("restoreDatabase");
    assertThat(variables).containsEntry(Variables.DB_RESTORE_NEEDS_BACKUP, true);
    assertThat(last("database-restore"))
        .containsEntry("needsBackup", true)
        .containsEntry("schemaMatchesBefore", false);
    assertThat((String) variables.get(Variables.DB_BACKUP_SUMMARY))
        .contains(
            "rel-42-medication-db.sql",
            (String) last("database-backup").get("sha256"),
            "no rollback script for version 2");

    variables.put(Variables.DB_RESTORE_CONFIRMED, "leave");
    assertThatThrownBy(() -> run("restoreDatabaseBackup"))
        .hasMessageContaining(Variables.DB_RESTORE_CONFIRMED);
    assertThat(db.tables()).contains("ACCOUNTS");

    variables.put(Variables.DB_RESTORE_CONFIRMED, "restore");
    run("restoreDatabaseBackup");

    assertThat(variables).containsEntry(Variables.DB_RESTORE_NEEDS_BACKUP, false);
    assertThat(db.tables()).doesNotContain("ACCOUNTS");
    assertThat(last("database-backup-restored"))
        .containsEntry("schemaMatchesBefore", true)
        .containsEntry("sha256", last("database-backup").get("sha256"));
  }

  @Test
  void aDryRunTargetRecordsWhatItWouldDo() throws Exception {
    targets = db.targets(TargetMode.DRY_RUN, BackupMethod.H2_SCRIPT);
    release(change(EXAMPLE), null);

    run("backupDatabase");
    run("migrateDatabase");
    run("restoreDatabase");

    assertThat(db.tables()).isEmpty();
    assertThat(last("database-migrated"))
        .containsEntry("applied", List.of("1", "2", "3"))
        .containsEntry("dryRun", true);
    assertThat(last("database-restore"))
        .containsEntry("restored", false)
        .containsEntry("dryRun", true)
        .containsEntry("undone", List.of("3", "2", "1"));
  }
}
