package io.countersign.database;

import static io.countersign.database.TestTargets.EXAMPLE;
import static io.countersign.database.TestTargets.MISSING_ROLLBACK;
import static io.countersign.database.TestTargets.change;
import static org.assertj.core.api.Assertions.assertThat;

import io.countersign.database.DatabaseTarget.Migration;
import io.countersign.database.DatabaseTarget.RollbackResult;
import io.countersign.database.DatabaseTargetProperties.BackupMethod;
import io.countersign.process.TargetMode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DryRunDatabaseTargetTest {
  @TempDir Path backups;
  TestTargets db;
  DatabaseTarget dryRun;

  @BeforeEach
  void setUp() {
    db = new TestTargets(backups);
    dryRun = db.dryRun();
  }

  @AfterEach
  void tearDown() {
    db.drop();
  }

  @Test
  void reportsThePendingMigrationsAndChangesNothing() {
    db.migrateEarlier(EXAMPLE, "1");
    String before = dryRun.schemaFingerprint(change(EXAMPLE));

    Migration migration = dryRun.migrate("rel-1", change(EXAMPLE));
    RollbackResult rollback =
        dryRun.rollBack("rel-1", change(EXAMPLE), migration.appliedVersions());
    var backup = dryRun.backup("rel-1", change(EXAMPLE));
    dryRun.restoreBackup("rel-1", change(EXAMPLE), backup);

    assertThat(dryRun.dryRun()).isTrue();
    assertThat(migration.appliedVersions()).containsExactly("2", "3");
    assertThat(migration.versionBefore()).isEqualTo("1");
    assertThat(migration.versionAfter()).isEqualTo("3");
    assertThat(migration.failed()).isFalse();
    assertThat(rollback.restored()).isFalse();
    assertThat(rollback.needsBackup()).isFalse();
    assertThat(rollback.undoneVersions()).containsExactly("3", "2");
    assertThat(rollback.reason())
        .contains("would run U3__add_dose_reminders.sql, U2__add_indexes.sql");
    assertThat(Files.exists(Path.of(backup.location()))).isFalse();
    assertThat(db.historyVersions()).containsExactly("1");
    assertThat(dryRun.schemaFingerprint(change(EXAMPLE))).isEqualTo(before);
  }

  @Test
  void leavesAnEmptyDatabaseEmpty() {
    Migration migration = dryRun.migrate("rel-1", change(EXAMPLE));

    assertThat(migration.appliedVersions()).containsExactly("1", "2", "3");
    assertThat(db.tables()).isEmpty(); // not even Flyway's history table
  }

  @Test
  void reportsAMissingRollbackScriptAsTheLiveAdapterWould() {
    RollbackResult rollback = dryRun.rollBack("rel-1", change(MISSING_ROLLBACK), List.of("1", "2"));

    assertThat(rollback.needsBackup()).isTrue();
    assertThat(rollback.reason()).contains("no rollback script for version 2");
  }

  @Test
  void listsTheMigrationFilesWhenTheTargetCannotBeReached() {
    DatabaseTarget unreachable =
        new DatabaseTargets(
                Map.of(
                    TestTargets.TARGET,
                    new DatabaseTargetProperties(
                        TargetMode.DRY_RUN,
                        "jdbc:postgresql://127.0.0.1:1/nowhere",
                        "sa",
                        "",
                        null,
                        TestTargets.ROOTS,
                        BackupMethod.PG_DUMP)),
                Path.of(""),
                backups)
            .get(TestTargets.TARGET);

    Migration migration = unreachable.migrate("rel-1", change(EXAMPLE));

    assertThat(migration.appliedVersions()).containsExactly("1", "2", "3");
    assertThat(migration.versionBefore()).isNull();
    assertThat(unreachable.schemaFingerprint(change(EXAMPLE))).isNull();
  }
}
