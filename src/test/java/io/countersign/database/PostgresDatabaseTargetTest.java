package io.countersign.database;

import static io.countersign.database.TestTargets.EXAMPLE;
import static io.countersign.database.TestTargets.FAILING;
import static io.countersign.database.TestTargets.MISSING_ROLLBACK;
import static io.countersign.database.TestTargets.change;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.countersign.database.DatabaseTarget.Backup;
import io.countersign.database.DatabaseTarget.Migration;
import io.countersign.database.DatabaseTarget.RollbackResult;
import io.countersign.database.DatabaseTargetProperties.BackupMethod;
import io.countersign.process.TargetMode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The live adapter against a real PostgreSQL 15 (embedded), with pg_dump/pg_restore from the PATH.
 */
class PostgresDatabaseTargetTest {
  static final String HALF_BROKEN = "src/test/resources/db/half-broken-rollback/migration";
  static final String FUNCTIONS = "src/test/resources/db/pg-functions/migration";
  static final String BLOCKING = "src/test/resources/db/pg-blocking/migration";

  @TempDir Path scratch;
  PgTargets db;
  DatabaseTarget target;

  @BeforeEach
  void setUp() {
    db = new PgTargets(scratch);
    target = db.live();
  }

  @AfterEach
  void tearDown() {
    db.drop();
  }

  String schema() {
    return target.schemaFingerprint(change(EXAMPLE));
  }

  @Test
  void migratesTheExampleFromAnEmptyDatabase() {
    Migration migration = target.migrate("rel-1", change(EXAMPLE));

    assertThat(migration.failed()).isFalse();
    assertThat(migration.appliedVersions()).containsExactly("1", "2", "3");
    assertThat(migration.versionBefore()).isNull();
    assertThat(migration.versionAfter()).isEqualTo("3");
    assertThat(db.tables())
        .contains(
            "patients", "medications", "medication_schedules", "dose_events", "dose_reminders");
    assertThat(
            db.strings("SELECT indexname FROM pg_indexes WHERE schemaname = 'public' ORDER BY 1"))
        .contains("ix_schedules_patient", "ix_dose_events_status", "ix_dose_reminders_due");
    assertThat(db.strings("SELECT installed_by FROM flyway_schema_history WHERE version = '3'"))
        .containsExactly("countersign:rel-1");
  }

  @Test
  void migratesTheExampleFromTheVersionBefore() {
    db.migrateEarlier(EXAMPLE, "2");
    String atV2 = schema();

    Migration migration = target.migrate("rel-1", change(EXAMPLE));

    assertThat(migration.appliedVersions()).containsExactly("3");
    assertThat(migration.versionBefore()).isEqualTo("2");
    assertThat(migration.versionAfter()).isEqualTo("3");
    assertThat(migration.schemaBefore()).isEqualTo(atV2);
    assertThat(
            db.strings(
                "SELECT column_name FROM information_schema.columns WHERE table_name = 'patients'"))
        .contains("reminder_opt_in");
  }

  @Test
  void aFailingThirdMigrationIsUndoneExactlyByTheRollbackScripts() {
    String before = schema();

    Migration migration = target.migrate("rel-1", change(FAILING));
    assertThat(migration.failed()).isTrue();
    assertThat(migration.appliedVersions()).containsExactly("1", "2");
    assertThat(migration.error()).contains("V3__broken.sql").contains("no_such_table");
    assertThat(db.historyVersions())
        .as("PostgreSQL rolled the failed version back")
        .containsExactly("1", "2");

    RollbackResult result = target.rollBack("rel-1", change(FAILING), migration.appliedVersions());

    assertThat(result.restored()).isTrue();
    assertThat(result.undoneVersions()).containsExactly("2", "1");
    assertThat(schema()).isEqualTo(before).isEqualTo(migration.schemaBefore());
    assertThat(db.tables()).containsExactly("flyway_schema_history");
    assertThat(db.historyVersions()).isEmpty();
  }

  @Test
  void theExampleReleaseRoundTripsAndTheTimeIsReported() {
    db.migrateEarlier(EXAMPLE, "1");
    String before = schema();

    long start = System.nanoTime();
    Migration migration = target.migrate("rel-1", change(EXAMPLE));
    long migrated = System.nanoTime();
    RollbackResult result = target.rollBack("rel-1", change(EXAMPLE), migration.appliedVersions());
    long rolledBack = System.nanoTime();

    assertThat(result.undoneVersions()).containsExactly("3", "2");
    assertThat(schema()).isEqualTo(before);
    assertThat(db.historyVersions()).containsExactly("1");
    System.out.printf(
        "[round trip] medication-tracker V1 -> V3 -> V1 on PostgreSQL: migrate %d ms + rollback scripts %d ms"
            + " = %d ms%n",
        millis(start, migrated), millis(migrated, rolledBack), millis(start, rolledBack));

    // The fallback path, for comparison: pg_dump before, pg_restore after.
    start = System.nanoTime();
    Backup backup = target.backup("rel-2", change(EXAMPLE));
    long dumped = System.nanoTime();
    target.migrate("rel-2", change(EXAMPLE));
    long migratedAgain = System.nanoTime();
    target.restoreBackup("rel-2", change(EXAMPLE), backup);
    long restored = System.nanoTime();
    assertThat(schema()).isEqualTo(before);
    System.out.printf(
        "[round trip] with the backup instead: pg_dump %d ms + migrate %d ms + pg_restore %d ms = %d ms%n",
        millis(start, dumped),
        millis(dumped, migratedAgain),
        millis(migratedAgain, restored),
        millis(start, restored));
  }

  private static long millis(long from, long to) {
    return TimeUnit.NANOSECONDS.toMillis(to - from);
  }

  @Test
  void aRollbackScriptThatFailsHalfwayLeavesTheDatabaseUnchanged() {
    Migration migration = target.migrate("rel-1", change(HALF_BROKEN));
    db.execute("INSERT INTO accounts (id, name, email) VALUES (1, 'Ada', 'ada@example.org')");
    String migrated = schema();

    RollbackResult result =
        target.rollBack("rel-1", change(HALF_BROKEN), migration.appliedVersions());

    assertThat(result.needsBackup()).isTrue();
    assertThat(result.restored()).isFalse();
    assertThat(result.reason()).contains("U1__accounts.sql", "nothing was changed", "acounts");
    // U2 had already dropped the column and its index; the one transaction undid that too.
    assertThat(schema()).isEqualTo(migrated);
    assertThat(db.strings("SELECT email FROM accounts")).containsExactly("ada@example.org");
    assertThat(db.historyVersions()).containsExactly("1", "2");
  }

  @Test
  void dollarQuotedFunctionBodiesTriggersAndTypesRollBackExactly() {
    db.migrateEarlier(FUNCTIONS, "1");
    String before = schema();
    db.execute("INSERT INTO accounts (id, name) VALUES (1, 'Ada')");

    Migration migration = target.migrate("rel-1", change(FUNCTIONS));
    assertThat(migration.appliedVersions()).containsExactly("2");
    assertThat(schema()).isNotEqualTo(before);
    RollbackResult result =
        target.rollBack("rel-1", change(FUNCTIONS), migration.appliedVersions());

    assertThat(result.restored()).as(result.reason()).isTrue();
    assertThat(schema()).as("function body, check, enum and column restored").isEqualTo(before);
    db.execute("UPDATE accounts SET name = '  Ada  '");
    assertThat(db.strings("SELECT name FROM accounts"))
        .as("V1's trigger body again: no trimming")
        .containsExactly("  Ada  ");
  }

  @Test
  void theFingerprintSeesConstraintsIndexesFunctionsAndColumnOrder() throws Exception {
    target.migrate("rel-1", change(EXAMPLE));
    String migrated = schema();
    PgTargets copy = new PgTargets(scratch.resolve("copy"));
    try {
      DatabaseTarget other = copy.live();
      other.migrate("rel-2", change(EXAMPLE));
      assertThat(other.schemaFingerprint(change(EXAMPLE)))
          .as("the same migrations, the same schema")
          .isEqualTo(migrated);
    } finally {
      copy.drop();
    }

    for (List<String> change :
        List.of(
            List.of(
                "ALTER TABLE medications DROP CONSTRAINT ck_medications_form",
                "ALTER TABLE medications ADD CONSTRAINT ck_medications_form CHECK (form IN ('tablet', 'capsule'))"),
            List.of(
                "DROP INDEX ix_dose_events_status",
                "CREATE INDEX ix_dose_events_status ON dose_events (status)"),
            List.of("ALTER TABLE patients ALTER COLUMN time_zone SET DEFAULT 'Europe/Berlin'"),
            List.of("CREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT 1'"),
            List.of(
                "ALTER TABLE patients DROP COLUMN time_zone",
                "ALTER TABLE patients ADD COLUMN time_zone VARCHAR(64) DEFAULT 'UTC' NOT NULL"))) {
      // Each change inside a transaction that is rolled back, so the next one starts from the
      // migrated schema.
      try (Connection c = DriverManager.getConnection(db.url, PgTargets.ROLE, PgTargets.PASSWORD);
          Statement s = c.createStatement()) {
        c.setAutoCommit(false);
        for (String statement : change) {
          s.execute(statement);
        }
        assertThat(SchemaFingerprint.of(c, true)).as(change.get(0)).isNotEqualTo(migrated);
        c.rollback();
        assertThat(SchemaFingerprint.of(c, true)).isEqualTo(migrated);
      }
    }
  }

  @Test
  void aMissingRollbackScriptIsUndoneByRestoringThePgDumpBackup() throws Exception {
    db.migrateEarlier(MISSING_ROLLBACK, "1");
    db.execute(
        "CREATE TABLE notes (id INT PRIMARY KEY, account_id BIGINT, body TEXT)",
        "INSERT INTO accounts (id, name) VALUES (1, 'Ada')",
        "INSERT INTO notes VALUES (1, 1, 'before the release')");
    String before = schema();
    Backup backup = target.backup("rel-1", change(MISSING_ROLLBACK));
    Migration migration = target.migrate("rel-1", change(MISSING_ROLLBACK));
    // After the backup: rows, and a foreign key and a view between old tables; pg_restore --clean
    // alone could not drop accounts while they exist.
    db.execute(
        "INSERT INTO notes VALUES (2, 1, 'after the backup')",
        "UPDATE accounts SET email = 'ada@example.org'",
        "ALTER TABLE notes ADD CONSTRAINT fk_notes_account FOREIGN KEY (account_id) REFERENCES accounts (id)",
        "CREATE VIEW account_notes AS SELECT a.name, n.body FROM accounts a JOIN notes n ON n.account_id = a.id");

    RollbackResult result =
        target.rollBack("rel-1", change(MISSING_ROLLBACK), migration.appliedVersions());
    assertThat(result.needsBackup()).isTrue();
    assertThat(result.reason()).contains("no rollback script for version 2");

    target.restoreBackup("rel-1", change(MISSING_ROLLBACK), backup);

    assertThat(schema()).isEqualTo(before).isEqualTo(migration.schemaBefore());
    assertThat(db.tables()).containsExactly("accounts", "flyway_schema_history", "notes");
    assertThat(db.strings("SELECT body FROM notes")).containsExactly("before the release");
    assertThat(db.historyVersions()).containsExactly("1");
  }

  @Test
  void thePgDumpBackupIsRecordedAndProtected() throws Exception {
    target.migrate("rel-1", change(EXAMPLE));

    Backup backup = target.backup("rel/1", change(EXAMPLE));

    Path file = Path.of(backup.location());
    assertThat(backup.method()).isEqualTo("pg-dump");
    assertThat(file).isEqualTo(db.backups.toAbsolutePath().resolve("rel_1-medication-db.dump"));
    assertThat(Files.readAllBytes(file)).startsWith("PGDMP".getBytes());
    assertThat(backup.sizeBytes()).isEqualTo(Files.size(file));
    assertThat(backup.sha256()).isEqualTo(TargetDatabase.sha256(file));
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
        .isEqualTo("rw-------");
    try (var files = Files.list(db.backups)) {
      assertThat(files).containsExactly(file);
    }
    assertThat(target.backup("rel/1", change(EXAMPLE)).location())
        .as("a re-run overwrites")
        .isEqualTo(backup.location());
  }

  @Test
  void aTamperedPgDumpIsNeverRestored() throws Exception {
    Backup backup = target.backup("rel-1", change(EXAMPLE));
    db.execute("CREATE TABLE written_after_backup (id INT)");
    Files.write(Path.of(backup.location()), new byte[] {0}, StandardOpenOption.APPEND);

    assertThatThrownBy(() -> target.restoreBackup("rel-1", change(EXAMPLE), backup))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("SHA-256");
    assertThat(db.tables()).containsExactly("written_after_backup");
  }

  @Test
  void reRunningEachStepAfterACrashChangesNothing() {
    db.migrateEarlier(EXAMPLE, "1");
    db.execute(
        "INSERT INTO medications (name, form, strength) VALUES ('Metformin', 'tablet', '500 mg')");
    String before = schema();
    Backup backup = target.backup("rel-1", change(EXAMPLE));

    Migration first = target.migrate("rel-1", change(EXAMPLE));
    String migrated = schema();
    Migration again = target.migrate("rel-1", change(EXAMPLE));
    assertThat(again.appliedVersions())
        .as("still knows what it applied")
        .isEqualTo(first.appliedVersions());
    assertThat(schema()).isEqualTo(migrated);
    assertThat(db.historyVersions()).containsExactly("1", "2", "3");

    target.rollBack("rel-1", change(EXAMPLE), first.appliedVersions());
    RollbackResult rollBackAgain =
        target.rollBack("rel-1", change(EXAMPLE), first.appliedVersions());
    assertThat(rollBackAgain.restored()).isTrue();
    assertThat(rollBackAgain.undoneVersions()).isEmpty();
    assertThat(schema()).isEqualTo(before);
    assertThat(db.historyVersions()).containsExactly("1");

    target.restoreBackup("rel-1", change(EXAMPLE), backup);
    target.restoreBackup("rel-1", change(EXAMPLE), backup);
    assertThat(schema()).isEqualTo(before);
    assertThat(db.historyVersions()).containsExactly("1");
    assertThat(db.strings("SELECT name FROM medications")).containsExactly("Metformin");
  }

  @Test
  void aConnectionLostMidMigrationIsRetriedAndTheRetryContinues() throws Exception {
    Path work = scratch.resolve("work");
    Path migrations = Files.createDirectories(work.resolve("releases/db/migration"));
    Files.writeString(
        migrations.resolve("V1__accounts.sql"), "CREATE TABLE accounts (id BIGINT PRIMARY KEY);");
    // Ends its own session, as a dropped network connection or a server restart would.
    Files.writeString(
        migrations.resolve("V2__email.sql"),
        "ALTER TABLE accounts ADD COLUMN email TEXT;\n"
            + "SELECT pg_terminate_backend(pg_backend_pid());");
    DatabaseTarget inWork = targetIn(work);
    var change = TestTargets.change("releases/db/migration");

    assertThatThrownBy(() -> inWork.migrate("rel-1", change))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("lost database target medication-db while migrating");
    assertThat(db.historyVersions()).containsExactly("1");
    assertThat(
            db.strings(
                "SELECT column_name FROM information_schema.columns WHERE table_name = 'accounts'"))
        .containsExactly("id");

    Files.writeString(
        migrations.resolve("V2__email.sql"), "ALTER TABLE accounts ADD COLUMN email TEXT;");
    Migration retry = inWork.migrate("rel-1", change);

    assertThat(retry.failed()).isFalse();
    assertThat(retry.appliedVersions()).containsExactly("1", "2");
    assertThat(db.historyVersions()).containsExactly("1", "2");
  }

  /**
   * A script and its history row commit together. With Flyway's default PostgreSQL lock the row is
   * written on a second connection, so the two commit apart; a node killed between them left the
   * schema changed with no row, and the re-run applied the script again (a crash test found it).
   * The script here ends every other session of the database that waits inside a transaction
   * (Flyway's second connection, holding its lock and to write the row), as such a crash would:
   * with one connection there is none, and the migration and its row land together.
   */
  @Test
  void aScriptAndItsHistoryRowCommitTogether() throws Exception {
    Path work = scratch.resolve("work");
    Path migrations = Files.createDirectories(work.resolve("releases/db/migration"));
    Files.writeString(
        migrations.resolve("V1__accounts.sql"),
        "CREATE TABLE accounts (id BIGINT PRIMARY KEY);\n"
            + "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            + " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            + " AND application_name <> '' AND state = 'idle in transaction';");
    DatabaseTarget inWork = targetIn(work);

    Migration migration = inWork.migrate("rel-1", TestTargets.change("releases/db/migration"));

    assertThat(migration.failed()).as(migration.toString()).isFalse();
    assertThat(db.historyVersions()).containsExactly("1");
    assertThat(db.tables()).contains("accounts");
  }

  /** The live target on this database with its migrations under {@code work/releases}. */
  private DatabaseTarget targetIn(Path work) {
    return new DatabaseTargets(
            Map.of(
                TestTargets.TARGET,
                new DatabaseTargetProperties(
                    TargetMode.LIVE,
                    db.url,
                    PgTargets.ROLE,
                    null,
                    db.passwordFile.toString(),
                    List.of("releases"),
                    BackupMethod.PG_DUMP)),
            work,
            db.backups)
        .get(TestTargets.TARGET);
  }

  @Test
  void twoReleasesNeverMigrateOneDatabaseAtOnce() throws Exception {
    String url = db.url;
    DatabaseTarget second = db.live(); // another job, another adapter: only the database is shared
    Backup backupOfB =
        second.backup("rel-B", change(BLOCKING)); // before A locks tables pg_dump must read
    try (Connection holder = DriverManager.getConnection(url, PgTargets.ROLE, PgTargets.PASSWORD);
        Statement s = holder.createStatement()) {
      s.execute(
          "SELECT pg_advisory_lock(4242)"); // keeps release A inside its V2 until released below
      CompletableFuture<Migration> releaseA =
          CompletableFuture.supplyAsync(() -> target.migrate("rel-A", change(BLOCKING)));
      await()
          .atMost(Duration.ofSeconds(30))
          .until(
              () ->
                  !db.strings(
                          "SELECT pid FROM pg_locks WHERE locktype = 'advisory' "
                              + "AND objid = 4242 AND NOT granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())")
                      .isEmpty());

      assertThatThrownBy(() -> second.migrate("rel-B", change(BLOCKING)))
          .isInstanceOf(IllegalStateException.class)
          .hasMessage(
              "database medication-db is being migrated by another release (rel-A); the step is retried later");
      assertThatThrownBy(() -> second.rollBack("rel-B", change(BLOCKING), List.of("1")))
          .hasMessageContaining("is being migrated by another release (rel-A)");
      assertThatThrownBy(() -> second.restoreBackup("rel-B", change(BLOCKING), backupOfB))
          .hasMessageContaining("is being migrated by another release (rel-A)");

      s.execute("SELECT pg_advisory_unlock(4242)");
      Migration a = releaseA.get(30, TimeUnit.SECONDS);
      assertThat(a.appliedVersions()).containsExactly("1", "2");
    }

    Migration b = db.live().migrate("rel-B", change(BLOCKING)); // the engine's retry
    assertThat(b.failed()).isFalse();
    assertThat(b.appliedVersions()).isEmpty();
    assertThat(b.versionBefore()).isEqualTo("2");
    assertThat(db.historyVersions()).containsExactly("1", "2");
    assertThat(
            db.strings("SELECT installed_by FROM flyway_schema_history WHERE version IS NOT NULL"))
        .containsOnly("countersign:rel-A");
    assertThat(
            db.strings(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' "
                    + "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"))
        .containsExactly("0");
  }

  @Test
  void badTargetsFailClearlyAndChangeNothing() {
    DatabaseTargets targets = db.targets(TargetMode.LIVE, BackupMethod.PG_DUMP);
    assertThatThrownBy(() -> targets.get("billing-db"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("database target 'billing-db' is not configured (known: [medication-db])");

    Migration outside =
        target.migrate("rel-1", change("examples/../src/main/resources/db/countersign"));
    assertThat(outside.failed()).isTrue();
    assertThat(outside.error()).contains("outside the target's allowed migration roots");

    DatabaseTarget closedPort =
        new DatabaseTargets(
                Map.of(
                    TestTargets.TARGET,
                    new DatabaseTargetProperties(
                        TargetMode.LIVE,
                        "jdbc:postgresql://127.0.0.1:1/" + db.database,
                        PgTargets.ROLE,
                        null,
                        db.passwordFile.toString(),
                        TestTargets.ROOTS,
                        BackupMethod.PG_DUMP)),
                Path.of(""),
                db.backups)
            .get(TestTargets.TARGET);
    for (var step :
        List.<Runnable>of(
            () -> closedPort.migrate("rel-1", change(EXAMPLE)),
            () -> closedPort.rollBack("rel-1", change(EXAMPLE), List.of("3")),
            () -> closedPort.schemaFingerprint(change(EXAMPLE)))) {
      assertThatThrownBy(step::run)
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("cannot reach database target medication-db")
          .hasMessageContaining("refused");
    }
    assertThatThrownBy(() -> closedPort.backup("rel-1", change(EXAMPLE)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("pg_dump of database target medication-db failed")
        .hasMessageContaining("127.0.0.1");

    assertThat(db.tables()).isEmpty();
    assertThat(db.backups.resolve("rel-1-medication-db.dump")).doesNotExist();
  }

  @Test
  void theTargetsPasswordIsCheckedReadFromItsFileAndNeverShown() throws Exception {
    Files.writeString(db.passwordFile, "wrong-password-1234\n");

    assertThatThrownBy(() -> target.migrate("rel-1", change(EXAMPLE)))
        .hasMessageContaining("password authentication failed")
        .hasMessageNotContaining("wrong-password-1234");
    assertThatThrownBy(() -> target.backup("rel-1", change(EXAMPLE)))
        .hasMessageContaining("password authentication failed")
        .hasMessageNotContaining("wrong-password-1234");

    Files.writeString(
        db.passwordFile, PgTargets.PASSWORD + "\n"); // rotated back: read again at use, no restart
    assertThat(target.migrate("rel-1", change(EXAMPLE)).appliedVersions())
        .containsExactly("1", "2", "3");
  }

  @Test
  void pgDumpGetsThePasswordOnlyThroughItsEnvironmentAndRunsWithATimeLimit() throws Exception {
    // Stand-ins for pg_dump: one reports its arguments and environment, one never ends.
    Path tattler =
        Files.writeString(
            scratch.resolve("tattler.sh"),
            "#!/bin/sh\necho \"args: $*\" >&2\necho \"PGPASSWORD=$PGPASSWORD PGHOST=[$PGHOST]\" >&2\nexit 3\n");
    Path sleeper = Files.writeString(scratch.resolve("sleeper.sh"), "#!/bin/sh\nexec sleep 30\n");
    tattler.toFile().setExecutable(true);
    sleeper.toFile().setExecutable(true);
    Map<String, DatabaseTargetProperties> config =
        Map.of(TestTargets.TARGET, db.properties(TargetMode.LIVE, BackupMethod.PG_DUMP));

    DatabaseTarget tattling =
        new DatabaseTargets(
                config,
                Path.of(""),
                db.backups,
                new PgTools(tattler.toString(), "pg_restore", Duration.ofSeconds(20)))
            .get(TestTargets.TARGET);
    assertThatThrownBy(() -> tattling.backup("rel-1", change(EXAMPLE)))
        .hasMessageContaining("failed (exit 3)")
        .hasMessageContaining("--format=custom")
        .hasMessageContaining("--username=" + PgTargets.ROLE)
        .hasMessageContaining("PGPASSWORD=****")
        .hasMessageContaining("PGHOST=[]")
        .hasMessageNotContaining(PgTargets.PASSWORD);

    DatabaseTarget sleeping =
        new DatabaseTargets(
                config,
                Path.of(""),
                db.backups,
                new PgTools(sleeper.toString(), "pg_restore", Duration.ofMillis(500)))
            .get(TestTargets.TARGET);
    assertThatThrownBy(() -> sleeping.backup("rel-1", change(EXAMPLE)))
        .hasMessageContaining("did not finish within PT0.5S");

    DatabaseTarget missing =
        new DatabaseTargets(
                config,
                Path.of(""),
                db.backups,
                new PgTools(
                    scratch.resolve("no-pg_dump").toString(), "pg_restore", Duration.ofSeconds(5)))
            .get(TestTargets.TARGET);
    assertThatThrownBy(() -> missing.backup("rel-1", change(EXAMPLE)))
        .hasMessageContaining("cannot run")
        .hasMessageContaining("countersign.database.pg-dump");
    try (var files = Files.list(db.backups)) {
      assertThat(files).as("no partial dump is left").isEmpty();
    }
  }
}
