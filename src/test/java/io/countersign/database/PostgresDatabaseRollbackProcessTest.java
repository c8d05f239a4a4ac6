package io.countersign.database;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.countersign.CrashAfterStep;
import io.countersign.ProcessTestSupport;
import io.countersign.process.Attempts;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.camunda.bpm.engine.history.HistoricVariableInstance;
import org.camunda.bpm.engine.runtime.Incident;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * deploy.bpmn's database steps with medication-db on a real PostgreSQL (the engine stays on H2):
 * pg_dump backups, rollback scripts in one transaction, the pg_restore after the confirmation task,
 * and a target that refuses connections becoming an incident.
 */
class PostgresDatabaseRollbackProcessTest extends ProcessTestSupport {
  static PgTargets target;

  @DynamicPropertySource
  static void postgresTarget(DynamicPropertyRegistry registry) throws IOException {
    var scratch = Files.createTempDirectory("countersign-pg-process");
    target = new PgTargets(scratch);
    scratch.toFile().deleteOnExit();
    target.passwordFile.toFile().deleteOnExit(); // registered last, deleted first
    String prefix = "countersign.targets.databases.";
    registry.add(prefix + "medication-db.url", () -> target.url);
    registry.add(prefix + "medication-db.username", () -> PgTargets.ROLE);
    registry.add(prefix + "medication-db.password", () -> "");
    registry.add(prefix + "medication-db.password-file", () -> target.passwordFile.toString());
    registry.add(prefix + "medication-db.backup", () -> "pg-dump");
    registry.add(prefix + "closed-db.mode", () -> "live");
    registry.add(prefix + "closed-db.url", () -> "jdbc:postgresql://127.0.0.1:1/closed");
    registry.add(prefix + "closed-db.username", () -> PgTargets.ROLE);
    registry.add(prefix + "closed-db.migration-roots[0]", () -> "examples");
    registry.add(prefix + "closed-db.backup", () -> "pg-dump");
  }

  @BeforeEach
  void emptyTarget() {
    target.recreate();
  }

  private ObjectNode withMigrations(String set) {
    ObjectNode m = example("staging");
    ObjectNode db = (ObjectNode) m.get("database");
    db.put("migrations", "src/test/resources/db/" + set + "/migration");
    db.put("rollbacks", "src/test/resources/db/" + set + "/rollbacks");
    return m;
  }

  /** Neither the evidence nor any variable the engine ever held may carry the target's password. */
  private void assertNoSecretLeaked(String id) {
    assertThat(evidence.entries(id))
        .extracting(e -> e.payload().toString())
        .noneMatch(p -> p.contains(PgTargets.PASSWORD));
    List<HistoricVariableInstance> variables =
        history
            .createHistoricVariableInstanceQuery()
            .processInstanceIdIn(historicInstance("release", id), historicInstance("deploy", id))
            .list();
    assertThat(variables)
        .isNotEmpty()
        .extracting(v -> String.valueOf(v.getValue()))
        .noneMatch(v -> v.contains(PgTargets.PASSWORD));
  }

  @Test
  void aMigrationWhoseJobDiedBeforeItsCommitIsNotRunAgain() {
    String id = submit(example("staging"));
    CrashAfterStep.arm("migrateDatabase");
    approveAll(id);
    assertThat(CrashAfterStep.fired()).isTrue();
    List<String> history = target.strings("SELECT version FROM flyway_schema_history ORDER BY 1");
    assertThat(history).isNotEmpty();
    assertThat(evidenceTypes(id)).doesNotContain("database-migrated");

    advanceClock(Duration.ofSeconds(31));
    runJobs();

    // One history row per version: nothing was migrated twice.
    assertThat(target.strings("SELECT version FROM flyway_schema_history ORDER BY 1"))
        .isEqualTo(history)
        .doesNotHaveDuplicates();
    assertThat(evidence.entries(id))
        .filteredOn(e -> e.type().equals("database-migrated"))
        .singleElement()
        .satisfies(e -> assertThat(e.payload().path("applied")).isNotEmpty());
    JsonNode repeated = lastPayload(id, Attempts.REPEATED);
    assertThat(repeated.path("key").asText()).isEqualTo(id + "/migrateDatabase/medication-db");
    assertThat(repeated.path("handled").asText()).isEqualTo("reused");
    assertThat(CrashAfterStep.attempts(jdbc, id))
        .filteredOn(a -> a.contains("/migrateDatabase/"))
        .containsExactly(id + "/migrateDatabase/medication-db succeeded 1");
    assertThat(evidence.verify(id).valid()).isTrue();
  }

  @Test
  void aMigrationWhoseOutcomeWasLostTooIsVerifiedInFlywaysHistory() {
    String id = submit(example("staging"));
    CrashAfterStep.arm("migrateDatabase");
    approveAll(id);
    List<String> history = target.strings("SELECT version FROM flyway_schema_history ORDER BY 1");
    CrashAfterStep.forgetOutcomes(jdbc, id, "migrateDatabase");

    advanceClock(Duration.ofSeconds(31));
    runJobs();

    assertThat(target.strings("SELECT version FROM flyway_schema_history ORDER BY 1"))
        .isEqualTo(history);
    JsonNode migrated = lastPayload(id, "database-migrated");
    assertThat(migrated.path("applied")).isNotEmpty();
    assertThat(migrated.path("applied").toString())
        .as("this release's versions, read from the history's installed_by")
        .isEqualTo(
            JSON_LIST.apply(
                target.strings(
                    "SELECT version FROM flyway_schema_history WHERE version IS NOT NULL"
                        + " AND installed_by LIKE '%"
                        + id
                        + "%' ORDER BY installed_rank")));
    JsonNode repeated = lastPayload(id, Attempts.REPEATED);
    assertThat(repeated.path("handled").asText()).isEqualTo("verified");
    assertThat(repeated.path("detail").asText()).contains("Flyway skipped");
  }

  private static final java.util.function.Function<List<String>, String> JSON_LIST =
      versions ->
          versions.stream()
              .map(v -> "\"" + v + "\"")
              .collect(java.util.stream.Collectors.joining(",", "[", "]"));

  @Test
  void aFailingThirdMigrationIsUndoneByTheRollbackScripts() {
    String id = submit(withMigrations("failing"));
    approveAll(id);

    assertThat(status(id)).isEqualTo("rolled-back");
    JsonNode backup = lastPayload(id, "database-backup");
    assertThat(backup.get("method").asText()).isEqualTo("pg-dump");
    assertThat(backup.get("location").asText()).endsWith(id + "-medication-db.dump");
    assertThat(backup.get("sizeBytes").asLong()).isPositive();
    assertThat(backup.get("sha256").asText()).hasSize(64);
    JsonNode restore = lastPayload(id, "database-restore");
    assertThat(restore.get("method").asText()).isEqualTo("rollback-scripts");
    assertThat(restore.get("undone")).extracting(JsonNode::asText).containsExactly("2", "1");
    assertThat(restore.get("schemaMatchesBefore").asBoolean()).isTrue();
    assertThat(target.tables()).containsExactly("flyway_schema_history");
    assertThat(target.historyVersions()).isEmpty();
    assertThat(activities(id, "deploy")).doesNotContain("confirmDatabaseRestore");
    assertNoSecretLeaked(id);
  }

  @Test
  void aMissingRollbackScriptIsUndoneByRestoringThePgDumpAfterConfirmation() {
    ObjectNode m = withMigrations("missing-rollback");
    m.putObject("drill").put("failAt", "verifyRelease");
    String id = submit(m);
    approveAll(id);
    assertThat(target.tables()).as("nothing undone before a person decides").contains("accounts");
    String confirm = openTask(id, "confirmDatabaseRestore").getId();
    assertThat((String) tasks.getVariable(confirm, "backupSummary"))
        .contains(".dump", "pg-dump", "no rollback script for version 2");

    completeAs(
        "ops-lead",
        confirm,
        Map.of("restoreConfirmed", "restore", "comment", "No writes since; restore"));
    runJobs();

    assertThat(status(id)).isEqualTo("rolled-back");
    assertThat(target.tables()).as("the database as it was before the release: empty").isEmpty();
    assertThat(evidenceTypes(id)).contains("database-restore-decision", "database-backup-restored");
    JsonNode restored = lastPayload(id, "database-backup-restored");
    assertThat(restored.get("schemaMatchesBefore").asBoolean()).isTrue();
    assertThat(restored.get("sha256").asText())
        .isEqualTo(lastPayload(id, "database-backup").get("sha256").asText());
    assertNoSecretLeaked(id);
  }

  @Test
  void aTargetThatRefusesConnectionsIsRetriedThenFailsAtTheDeploymentCheckpoint() {
    ObjectNode m = example("staging");
    ((ObjectNode) m.get("database")).put("target", "closed-db");
    String id = submit(m);
    approveAll(id);

    for (int attempt = 0; attempt < 5 && !status(id).equals("failed"); attempt++) {
      advanceClock(Duration.ofSeconds(31));
      runJobs();
    }

    assertThat(status(id)).isEqualTo("failed");
    assertThat(statusReason(id))
        .startsWith("Failed at the deployment checkpoint, nothing was changed")
        .contains("cannot reach database target closed-db", "refused");
    assertThat(incidents(id)).isEmpty();
    assertThat(lastPayload(id, "checkpoint-deployment").get("passed").asBoolean()).isFalse();
    assertThat(evidenceTypes(id))
        .doesNotContain("database-backup", "database-migrated", "rollback-started");
  }

  private List<Incident> incidents(String id) {
    var deploy = instance("deploy", id);
    return deploy == null
        ? List.of()
        : runtime.createIncidentQuery().processInstanceId(deploy.getId()).list();
  }
}
