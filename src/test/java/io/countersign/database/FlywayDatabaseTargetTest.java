package io.countersign.database;

import static io.countersign.database.TestTargets.BROKEN_ROLLBACK;
import static io.countersign.database.TestTargets.EXAMPLE;
import static io.countersign.database.TestTargets.FAILING;
import static io.countersign.database.TestTargets.MISSING_ROLLBACK;
import static io.countersign.database.TestTargets.change;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.countersign.database.DatabaseTarget.Backup;
import io.countersign.database.DatabaseTarget.Migration;
import io.countersign.database.DatabaseTarget.RollbackResult;
import io.countersign.database.DatabaseTargetProperties.BackupMethod;
import io.countersign.process.TargetMode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FlywayDatabaseTargetTest {
  @TempDir Path backups;
  TestTargets db;
  DatabaseTarget target;

  @BeforeEach
  void setUp() {
    db = new TestTargets(backups);
    target = db.live();
  }

  @AfterEach
  void tearDown() {
    db.drop();
  }

  @Test
  void migratesAnEmptyDatabaseToTheLatestVersion() {
    Migration migration = target.migrate("rel-1", change(EXAMPLE));

    assertThat(migration.failed()).isFalse();
    assertThat(migration.appliedVersions()).containsExactly("1", "2", "3");
    assertThat(migration.versionBefore()).isNull();
    assertThat(migration.versionAfter()).isEqualTo("3");
    assertThat(db.tables()).contains("PATIENTS", "DOSE_EVENTS", "DOSE_REMINDERS");
    assertThat(
            db.strings(
                "SELECT COLUMN_NAME FROM INFORMATION_SCHEMA.COLUMNS WHERE TABLE_NAME = 'PATIENTS'"))
        .contains("REMINDER_OPT_IN");
  }

  @Test
  void appliesOnlyWhatIsPendingOnADatabaseAtV2() {
    db.migrateEarlier(EXAMPLE, "2");

    Migration migration = target.migrate("rel-1", change(EXAMPLE));

    assertThat(migration.appliedVersions()).containsExactly("3");
    assertThat(migration.versionBefore()).isEqualTo("2");
    assertThat(migration.versionAfter()).isEqualTo("3");
  }

  @Test
  void aRerunAppliesNothingTwiceAndStillKnowsWhatTheReleaseApplied() {
    Migration first = target.migrate("rel-1", change(EXAMPLE));
    Migration retry = target.migrate("rel-1", change(EXAMPLE));
    Migration otherRelease = target.migrate("rel-2", change(EXAMPLE));

    assertThat(db.historyVersions()).containsExactly("1", "2", "3");
    // A retried job must still compensate what its first attempt applied; its schema "before" is
    // unknown.
    assertThat(retry.appliedVersions()).containsExactly("1", "2", "3");
    assertThat(retry.versionBefore()).isNull();
    assertThat(first.schemaBefore()).isNotNull();
    assertThat(retry.schemaBefore()).isNull();
    assertThat(otherRelease.appliedVersions()).isEmpty();
    assertThat(otherRelease.versionBefore()).isEqualTo("3");
  }

  @Test
  void aFailingMigrationIsReportedWithTheVersionsAppliedBeforeIt() {
    Migration migration = target.migrate("rel-1", change(FAILING));

    assertThat(migration.failed()).isTrue();
    assertThat(migration.appliedVersions()).containsExactly("1", "2");
    assertThat(migration.versionAfter()).isEqualTo("2");
    assertThat(migration.error()).contains("V3__broken.sql").containsIgnoringCase("no_such_table");
    // No failed row is left behind (as on PostgreSQL), so the history only holds what really
    // applied.
    assertThat(db.historyVersions()).containsExactly("1", "2");
  }

  @Test
  void rollBackRestoresTheSchemaExactly() {
    db.migrateEarlier(EXAMPLE, "1");
    String before = target.schemaFingerprint(change(EXAMPLE));
    Migration migration = target.migrate("rel-1", change(EXAMPLE));
    assertThat(target.schemaFingerprint(change(EXAMPLE))).isNotEqualTo(before);

    RollbackResult result = target.rollBack("rel-1", change(EXAMPLE), migration.appliedVersions());

    assertThat(result.restored()).isTrue();
    assertThat(result.needsBackup()).isFalse();
    assertThat(result.undoneVersions()).containsExactly("3", "2");
    assertThat(target.schemaFingerprint(change(EXAMPLE))).isEqualTo(before);
    assertThat(db.historyVersions()).containsExactly("1");
    assertThat(migration.schemaBefore()).isEqualTo(before);
  }

  @Test
  void rollBackAfterAFailedMigrationLeavesADatabaseThatMigratesTheSameWayAgain() {
    String empty = target.schemaFingerprint(change(FAILING));
    Migration failed = target.migrate("rel-1", change(FAILING));

    RollbackResult result = target.rollBack("rel-1", change(FAILING), failed.appliedVersions());

    assertThat(result.undoneVersions()).containsExactly("2", "1");
    assertThat(target.schemaFingerprint(change(FAILING))).isEqualTo(empty);
    assertThat(db.historyVersions()).isEmpty();
    assertThat(target.migrate("rel-2", change(FAILING)).appliedVersions())
        .containsExactly("1", "2");
  }

  @Test
  void aMissingRollbackScriptChangesNothingAndAsksForTheBackup() {
    Migration migration = target.migrate("rel-1", change(MISSING_ROLLBACK));
    String migrated = target.schemaFingerprint(change(MISSING_ROLLBACK));

    RollbackResult result =
        target.rollBack("rel-1", change(MISSING_ROLLBACK), migration.appliedVersions());

    assertThat(result.needsBackup()).isTrue();
    assertThat(result.restored()).isFalse();
    assertThat(result.reason()).contains("no rollback script for version 2");
    assertThat(target.schemaFingerprint(change(MISSING_ROLLBACK))).isEqualTo(migrated);
    assertThat(db.historyVersions()).containsExactly("1", "2");
  }

  @Test
  void aFailingRollbackScriptChangesNothingAndAsksForTheBackup() {
    Migration migration = target.migrate("rel-1", change(BROKEN_ROLLBACK));
    String migrated = target.schemaFingerprint(change(BROKEN_ROLLBACK));

    RollbackResult result =
        target.rollBack("rel-1", change(BROKEN_ROLLBACK), migration.appliedVersions());

    assertThat(result.needsBackup()).isTrue();
    assertThat(result.reason()).contains("U2__account_email.sql").containsIgnoringCase("e_mail");
    assertThat(target.schemaFingerprint(change(BROKEN_ROLLBACK))).isEqualTo(migrated);
    assertThat(db.historyVersions()).containsExactly("1", "2");
  }

  @Test
  void rollingBackTwiceLeavesTheSameState() {
    Migration migration = target.migrate("rel-1", change(EXAMPLE));
    target.rollBack("rel-1", change(EXAMPLE), migration.appliedVersions());
    String afterFirst = target.schemaFingerprint(change(EXAMPLE));

    RollbackResult again = target.rollBack("rel-1", change(EXAMPLE), migration.appliedVersions());

    assertThat(again.restored()).isTrue();
    assertThat(again.undoneVersions()).isEmpty();
    assertThat(target.schemaFingerprint(change(EXAMPLE))).isEqualTo(afterFirst);
    assertThat(db.tables()).containsExactly("flyway_schema_history");
    assertThat(db.historyVersions()).isEmpty();
  }

  @Test
  void aBackupRestoresTheDataRowsAndTheSchema() throws Exception {
    target.migrate("rel-1", change(EXAMPLE));
    db.execute(
        "INSERT INTO patients (mrn, given_name, family_name, date_of_birth, created_at) "
            + "VALUES ('MRN-1', 'Ada', 'Moss', DATE '1950-03-01', TIMESTAMP '2024-01-01 08:00:00')",
        "INSERT INTO medications (name, form, strength) VALUES ('Metformin', 'tablet', '500 mg')");
    String fingerprint = target.schemaFingerprint(change(EXAMPLE));
    Backup backup = target.backup("rel-1", change(EXAMPLE));
    assertThat(target.backup("rel-1", change(EXAMPLE)).location()).isEqualTo(backup.location());

    db.execute("DELETE FROM patients", "DROP TABLE dose_reminders", "CREATE TABLE stray (id INT)");
    target.restoreBackup("rel-1", change(EXAMPLE), backup);

    assertThat(backup.method()).isEqualTo("h2-script");
    assertThat(Path.of(backup.location())).isEqualTo(backups.resolve("rel-1-medication-db.sql"));
    assertThat(backup.sizeBytes()).isEqualTo(Files.size(Path.of(backup.location())));
    assertThat(backup.sha256()).isEqualTo(TargetDatabase.sha256(Path.of(backup.location())));
    assertThat(db.strings("SELECT given_name FROM patients")).containsExactly("Ada");
    assertThat(db.strings("SELECT name FROM medications")).containsExactly("Metformin");
    assertThat(target.schemaFingerprint(change(EXAMPLE))).isEqualTo(fingerprint);
    assertThat(db.historyVersions()).containsExactly("1", "2", "3");
  }

  @Test
  void aTamperedBackupIsNeverRestored() throws Exception {
    target.migrate("rel-1", change(EXAMPLE));
    Backup backup = target.backup("rel-1", change(EXAMPLE));
    db.execute("CREATE TABLE written_after_backup (id INT)");
    Files.writeString(
        Path.of(backup.location()), "DROP TABLE patients;\n", StandardOpenOption.APPEND);

    assertThatThrownBy(() -> target.restoreBackup("rel-1", change(EXAMPLE), backup))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("SHA-256");
    assertThat(db.tables()).contains("WRITTEN_AFTER_BACKUP", "PATIENTS");
  }

  @Test
  void onlyTheReleasesOwnBackupFileIsRestored() throws Exception {
    Backup backup = target.backup("rel-1", change(EXAMPLE));
    Path elsewhere = Files.copy(Path.of(backup.location()), backups.resolve("other.sql"));
    Backup redirected =
        new Backup(backup.method(), elsewhere.toString(), backup.sizeBytes(), backup.sha256());

    assertThatThrownBy(() -> target.restoreBackup("rel-1", change(EXAMPLE), redirected))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("not this release's backup");
  }

  @Test
  void backupNoneTakesNoBackupAndCannotBeRestored() {
    DatabaseTarget noBackup =
        db.targets(TargetMode.LIVE, BackupMethod.NONE).get(TestTargets.TARGET);

    Backup backup = noBackup.backup("rel-1", change(EXAMPLE));

    assertThat(backup).isEqualTo(new Backup("none", null, 0, null));
    assertThatThrownBy(() -> noBackup.restoreBackup("rel-1", change(EXAMPLE), backup))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("no restorable backup");
  }

  @Test
  void aMigrationsFolderOutsideTheRootsIsRefusedAtRunTimeToo() {
    Migration migration =
        target.migrate("rel-1", change("examples/../src/main/resources/db/countersign"));

    assertThat(migration.failed()).isTrue();
    assertThat(migration.error()).contains("outside");
    assertThat(db.tables()).isEmpty();
  }

  @Test
  void anotherReleaseChangingTheSameH2DatabaseMakesTheStepWait() {
    var properties =
        db.targets(TargetMode.LIVE, BackupMethod.H2_SCRIPT)
            .properties(TestTargets.TARGET)
            .orElseThrow();
    TargetDatabase same =
        new TargetDatabase(
            "medication-db", properties, new MigrationPaths(Path.of("")), backups, PgTools.DEFAULT);
    Backup backup = target.backup("rel-1", change(EXAMPLE));

    try (MigrationLock held = same.lock("rel-other")) {
      assertThatThrownBy(() -> target.migrate("rel-1", change(EXAMPLE)))
          .isInstanceOf(IllegalStateException.class)
          .hasMessage(
              "database medication-db is being migrated by another release (rel-other); the step is retried later");
      assertThatThrownBy(() -> target.rollBack("rel-1", change(EXAMPLE), List.of("1")))
          .hasMessageContaining("rel-other");
      assertThatThrownBy(() -> target.restoreBackup("rel-1", change(EXAMPLE), backup))
          .hasMessageContaining("rel-other");
      assertThat(db.tables()).isEmpty();
    }

    assertThat(target.migrate("rel-1", change(EXAMPLE)).appliedVersions())
        .containsExactly("1", "2", "3");
  }

  @Test
  void anUnreachableTargetThrowsSoTheEngineRetries() {
    DatabaseTarget unreachable =
        new DatabaseTargets(
                java.util.Map.of(
                    TestTargets.TARGET,
                    new DatabaseTargetProperties(
                        TargetMode.LIVE,
                        "jdbc:postgresql://127.0.0.1:1/nowhere",
                        "sa",
                        "",
                        null,
                        TestTargets.ROOTS,
                        BackupMethod.PG_DUMP)),
                Path.of(""),
                backups)
            .get(TestTargets.TARGET);

    assertThatThrownBy(() -> unreachable.migrate("rel-1", change(EXAMPLE)))
        .isInstanceOf(RuntimeException.class);
    assertThatThrownBy(() -> unreachable.rollBack("rel-1", change(EXAMPLE), List.of("3")))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("cannot reach");
  }
}
