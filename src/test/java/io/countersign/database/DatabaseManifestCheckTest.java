package io.countersign.database;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.countersign.database.DatabaseTargetProperties.BackupMethod;
import io.countersign.manifest.Environments;
import io.countersign.manifest.FieldErrors;
import io.countersign.manifest.FieldErrors.FieldError;
import io.countersign.manifest.ReleaseManifest.DatabaseChange;
import io.countersign.process.TargetMode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs in a scratch working directory: examples/ is the allowed root, everything else is outside.
 */
class DatabaseManifestCheckTest {
  @TempDir Path work;
  DatabaseManifestCheck check;

  @BeforeEach
  void setUp() throws Exception {
    Files.createDirectories(work.resolve("examples/app/db/migration"));
    Files.createDirectories(work.resolve("examples/app/db/rollbacks"));
    Files.createDirectories(work.resolve("examples/bare/migration"));
    Files.createDirectories(work.resolve("examples/sneaky/db/migration"));
    Files.createDirectories(work.resolve("outside/migration"));
    Files.writeString(work.resolve("pom.xml"), "<project/>");
    Files.writeString(
        work.resolve("examples/app/db/migration/V1__init.sql"), "CREATE TABLE t (id INT);");
    Files.createSymbolicLink(work.resolve("examples/link"), work.resolve("outside"));
    Files.createSymbolicLink(
        work.resolve("examples/sneaky/db/rollbacks"), work.resolve("outside/migration"));
    check = checkFor(BackupMethod.H2_SCRIPT);
  }

  DatabaseManifestCheck checkFor(BackupMethod backup) {
    var target =
        new DatabaseTargetProperties(
            TargetMode.LIVE, "jdbc:h2:mem:unused", "sa", "", null, List.of("examples"), backup);
    return new DatabaseManifestCheck(
        new DatabaseTargets(Map.of("medication-db", target), work, work.resolve("backups")),
        Environments.defaults());
  }

  List<FieldError> errors(DatabaseManifestCheck check, String environment, DatabaseChange change) {
    FieldErrors errors = new FieldErrors();
    check.check(TestTargets.manifest(environment, change, null), errors);
    return errors.list();
  }

  List<FieldError> errors(String migrations, String rollbacks) {
    return errors(check, "staging", new DatabaseChange("medication-db", migrations, rollbacks));
  }

  @Test
  void acceptsFoldersInsideTheRoots() {
    assertThat(errors("examples/app/db/migration", null)).isEmpty();
    assertThat(errors("examples/app/db/migration", "examples/app/db/rollbacks")).isEmpty();
    assertThat(errors("examples/bare/migration", null))
        .as("the default rollbacks folder may be absent")
        .isEmpty();
  }

  @Test
  void namesTheKnownTargetsForAnUnknownOne() {
    assertThat(
            errors(
                check,
                "staging",
                new DatabaseChange("billing-db", "examples/app/db/migration", null)))
        .extracting(FieldError::path, FieldError::message)
        .containsExactly(
            tuple(
                "$.database.target",
                "unknown database target 'billing-db'; known targets: [medication-db]"));
  }

  @Test
  void refusesTraversalAbsolutePathsAndSymlinksOutOfTheRoots() {
    assertThat(errors("examples/../pom.xml", null))
        .extracting(FieldError::path)
        .containsExactly("$.database.migrations");
    assertThat(errors("examples/../outside/migration", null))
        .extracting(FieldError::message)
        .containsExactly(
            "'examples/../outside/migration' is outside the target's allowed migration roots [examples]");
    assertThat(errors(work.resolve("examples/app/db/migration").toString(), null))
        .extracting(FieldError::message)
        .allMatch(m -> m.endsWith("must be a relative path"));
    assertThat(errors("examples/link/migration", null))
        .extracting(FieldError::path, FieldError::message)
        .containsExactly(
            tuple(
                "$.database.migrations",
                "'examples/link/migration' is outside the target's allowed migration roots [examples]"));
  }

  @Test
  void refusesMissingFoldersFilesAndEscapingRollbacks() {
    assertThat(errors("examples/nope", null))
        .extracting(FieldError::message)
        .containsExactly("'examples/nope' is not an existing directory");
    assertThat(errors("examples/app/db/migration/V1__init.sql", null))
        .extracting(FieldError::path)
        .containsExactly("$.database.migrations");
    assertThat(errors("examples/app/db/migration", "examples/app/db/undo"))
        .extracting(FieldError::path)
        .containsExactly("$.database.rollbacks");
    assertThat(errors("examples/app/db/migration", "examples/../outside/migration"))
        .extracting(FieldError::path)
        .containsExactly("$.database.rollbacks");
    assertThat(errors("examples/a\0b", null))
        .as("an impossible path is a field error, not a crash")
        .extracting(FieldError::path)
        .containsExactly("$.database.migrations");
    assertThat(errors("examples/sneaky/db/migration", null))
        .as("default rollbacks folder is a symlink out")
        .extracting(FieldError::path)
        .containsExactly("$.database.rollbacks");
  }

  @Test
  void refusesBackupNoneForProductionOnly() {
    DatabaseManifestCheck noBackup = checkFor(BackupMethod.NONE);
    DatabaseChange change = new DatabaseChange("medication-db", "examples/app/db/migration", null);

    assertThat(errors(noBackup, "production", change))
        .extracting(FieldError::path, FieldError::message)
        .containsExactly(
            tuple(
                "$.database.target",
                "target 'medication-db' has backup: none, which is not allowed for production"));
    assertThat(errors(noBackup, "staging", change)).isEmpty();
    assertThat(errors(check, "production", change)).isEmpty();
  }

  @Test
  void acceptsTheMedicationTrackerExampleInTheRepository() {
    var target =
        new DatabaseTargetProperties(
            TargetMode.LIVE,
            "jdbc:h2:mem:unused",
            "sa",
            "",
            null,
            List.of("examples"),
            BackupMethod.H2_SCRIPT);
    var repoCheck =
        new DatabaseManifestCheck(
            new DatabaseTargets(Map.of("medication-db", target), Path.of(""), work),
            Environments.defaults());

    assertThat(
            errors(
                repoCheck,
                "production",
                new DatabaseChange("medication-db", TestTargets.EXAMPLE, null)))
        .isEmpty();
    assertThat(
            errors(
                repoCheck,
                "production",
                new DatabaseChange(
                    "medication-db", "examples/../src/main/resources/db/countersign", null)))
        .extracting(FieldError::path)
        .containsExactly("$.database.migrations");
  }
}
