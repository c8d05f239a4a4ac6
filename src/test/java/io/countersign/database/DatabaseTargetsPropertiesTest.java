package io.countersign.database;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.countersign.database.DatabaseTargetProperties.BackupMethod;
import io.countersign.database.DatabaseTargetProperties.Mode;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
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
    DatabaseTargetsProperties bound = bind(Map.of(
        "countersign.targets.databases.medication-db.mode", "dry-run",
        "countersign.targets.databases.medication-db.url", "jdbc:h2:mem:medication-db",
        "countersign.targets.databases.medication-db.username", "sa",
        "countersign.targets.databases.medication-db.password", "",
        "countersign.targets.databases.medication-db.migration-roots[0]", "examples",
        "countersign.targets.databases.medication-db.backup", "h2-script",
        "countersign.targets.lambda.mode", "live"));

    DatabaseTargetProperties target = bound.databases().get("medication-db");
    assertThat(target.mode()).isEqualTo(Mode.DRY_RUN);
    assertThat(target.backup()).isEqualTo(BackupMethod.H2_SCRIPT);
    assertThat(target.migrationRoots()).containsExactly("examples");
    assertThat(target.password()).isEmpty();
    assertThat(target.toString()).doesNotContain("password");
  }

  @Test
  void refusesATargetWithoutMode() {
    assertThatThrownBy(() -> bind(Map.of("countersign.targets.databases.x.url", "jdbc:h2:mem:x")))
        .hasStackTraceContaining("mode (live|dry-run) is required");
  }

  @Test
  void backupDefaultsToNoneAndRootsToNothing() {
    DatabaseTargetProperties target = new DatabaseTargetProperties(Mode.LIVE, "jdbc:h2:mem:x", "sa", "", null, null);

    assertThat(target.backup()).isEqualTo(BackupMethod.NONE);
    assertThat(target.migrationRoots()).isEqualTo(List.of());
  }
}
