package io.countersign.database;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.countersign.database.DatabaseTargetProperties.BackupMethod;
import io.countersign.process.TargetMode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

/** Binds the configuration the way application.yaml spells it, other target kinds included. */
class DatabaseTargetsPropertiesTest {

  static DatabaseTargetsProperties bind(Map<String, String> properties) {
    return new Binder(new MapConfigurationPropertySource(properties))
        .bindOrCreate("countersign.targets", DatabaseTargetsProperties.class);
  }

  @Test
  void bindsNamedTargetsAndIgnoresTheOtherKinds() {
    DatabaseTargetsProperties bound =
        bind(
            Map.of(
                "countersign.targets.databases.medication-db.mode", "dry-run",
                "countersign.targets.databases.medication-db.url", "jdbc:h2:mem:medication-db",
                "countersign.targets.databases.medication-db.username", "sa",
                "countersign.targets.databases.medication-db.password", "",
                "countersign.targets.databases.medication-db.migration-roots[0]", "examples",
                "countersign.targets.databases.medication-db.backup", "h2-script",
                "countersign.targets.lambda.mode", "live"));

    DatabaseTargetProperties target = bound.databases().get("medication-db");
    assertThat(target.mode()).isEqualTo(TargetMode.DRY_RUN);
    assertThat(target.backup()).isEqualTo(BackupMethod.H2_SCRIPT);
    assertThat(target.migrationRoots()).containsExactly("examples");
    assertThat(target.password()).isEmpty();
    assertThat(target.toString()).doesNotContain("password");
  }

  @Test
  void bindsAPostgresqlTargetWithAPasswordFile() {
    DatabaseTargetProperties target =
        bind(Map.of(
                "countersign.targets.databases.medication-db.mode", "live",
                "countersign.targets.databases.medication-db.url",
                    "jdbc:postgresql://db.internal:5432/medication",
                "countersign.targets.databases.medication-db.username", "countersign_migrator",
                "countersign.targets.databases.medication-db.password-file",
                    "/run/secrets/medication-db-password",
                "countersign.targets.databases.medication-db.backup", "pg-dump"))
            .databases()
            .get("medication-db");

    assertThat(target.backup()).isEqualTo(BackupMethod.PG_DUMP);
    assertThat(target.passwordFile()).isEqualTo("/run/secrets/medication-db-password");
    assertThat(target.password()).isNull();
    assertThat(target.postgres()).isTrue();
  }

  @Test
  void refusesContradictoryTargets() {
    assertThatThrownBy(
            () ->
                new DatabaseTargetProperties(
                    TargetMode.LIVE,
                    "jdbc:postgresql://h/db",
                    "u",
                    "secret",
                    "/run/secret",
                    null,
                    BackupMethod.PG_DUMP))
        .hasMessage("set password or password-file, not both");
    assertThatThrownBy(
            () ->
                new DatabaseTargetProperties(
                    TargetMode.LIVE, "jdbc:h2:mem:x", "sa", "", null, null, BackupMethod.PG_DUMP))
        .hasMessage("backup: pg-dump needs a jdbc:postgresql: url");
    assertThatThrownBy(
            () ->
                new DatabaseTargetProperties(
                    TargetMode.LIVE,
                    "jdbc:postgresql://h/db",
                    "u",
                    null,
                    null,
                    null,
                    BackupMethod.H2_SCRIPT))
        .hasMessage("backup: h2-script needs a jdbc:h2: url");
  }

  @Test
  void thePasswordFileIsReadAtUseAndTrimmed(@TempDir Path dir) throws Exception {
    Path file = Files.writeString(dir.resolve("password"), "  s3cret-value \n");
    var properties =
        new DatabaseTargetProperties(
            TargetMode.LIVE,
            "jdbc:postgresql://h/db",
            "u",
            null,
            file.toString(),
            null,
            BackupMethod.PG_DUMP);
    TargetDatabase db =
        new TargetDatabase(
            "medication-db", properties, new MigrationPaths(dir), dir, PgTools.DEFAULT);

    assertThat(db.password()).isEqualTo("s3cret-value");
    Files.writeString(file, "rotated\n");
    assertThat(db.password()).isEqualTo("rotated");
    assertThat(db.scrub("FATAL: password rotated was wrong"))
        .isEqualTo("FATAL: password **** was wrong");
    assertThat(properties.toString()).doesNotContain("rotated", dir.toString());
    Files.delete(file);
    assertThatThrownBy(db::password)
        .hasMessageStartingWith("cannot read the password-file of database target medication-db");
  }

  @Test
  void refusesATargetWithoutMode() {
    assertThatThrownBy(() -> bind(Map.of("countersign.targets.databases.x.url", "jdbc:h2:mem:x")))
        .hasStackTraceContaining("mode (live|dry-run) is required");
  }

  @Test
  void backupDefaultsToNoneAndRootsToNothing() {
    DatabaseTargetProperties target =
        new DatabaseTargetProperties(TargetMode.LIVE, "jdbc:h2:mem:x", "sa", "", null, null, null);

    assertThat(target.backup()).isEqualTo(BackupMethod.NONE);
    assertThat(target.migrationRoots()).isEqualTo(List.of());
  }
}
