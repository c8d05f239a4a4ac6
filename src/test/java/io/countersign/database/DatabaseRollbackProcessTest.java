package io.countersign.database;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.countersign.ProcessTestSupport;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The database steps of deploy.bpmn against the real embedded target: migrate, roll back, restore.
 */
class DatabaseRollbackProcessTest extends ProcessTestSupport {

  private ObjectNode withMigrations(String set) {
    ObjectNode m = example("staging");
    ObjectNode db = (ObjectNode) m.get("database");
    db.put("migrations", "src/test/resources/db/" + set + "/migration");
    db.put("rollbacks", "src/test/resources/db/" + set + "/rollbacks");
    return m;
  }

  @Test
  void aFailingThirdMigrationIsUndoneByTheRollbackScripts() {
    String id = submit(withMigrations("failing"));
    approveAll(id);

    assertThat(status(id)).isEqualTo("rolled-back");
    assertThat(statusReason(id)).contains("no_such_table");
    JsonNode restore = lastPayload(id, "database-restore");
    assertThat(restore.get("method").asText()).isEqualTo("rollback-scripts");
    assertThat(restore.get("schemaMatchesBefore").asBoolean()).isTrue();
    assertThat(targetTables()).isEmpty();
    assertThat(activities(id, "deploy")).doesNotContain("confirmDatabaseRestore");
  }

  @Test
  void aMissingRollbackScriptWaitsForConfirmationThenRestoresTheBackup() {
    ObjectNode m = withMigrations("missing-rollback");
    m.putObject("drill").put("failAt", "verifyRelease");
    String id = submit(m);
    approveAll(id);
    assertThat(targetTables()).as("nothing undone before a person decides").isNotEmpty();
    String confirm = openTask(id, "confirmDatabaseRestore").getId();
    assertThat(tasks.getVariable(confirm, "backupSummary")).isNotNull();

    completeAs(
        "ops-lead",
        confirm,
        Map.of("restoreConfirmed", "restore", "comment", "No writes since; restore"));
    runJobs();

    assertThat(status(id)).isEqualTo("rolled-back");
    assertThat(targetTables()).isEmpty();
    assertThat(evidenceTypes(id)).contains("database-restore-decision", "database-backup-restored");
    assertThat(lastPayload(id, "database-backup-restored").get("schemaMatchesBefore").asBoolean())
        .isTrue();
  }

  @Test
  void leavingTheDatabaseForPeopleToRepairEndsTheReleaseFailed() {
    ObjectNode m = withMigrations("missing-rollback");
    m.putObject("drill").put("failAt", "verifyRelease");
    String id = submit(m);
    approveAll(id);
    completeAs(
        "ops-lead",
        openTask(id, "confirmDatabaseRestore").getId(),
        Map.of(
            "restoreConfirmed",
            "leave",
            "comment",
            "Orders were written since; DBA will repair by hand"));
    runJobs();

    assertThat(status(id)).isEqualTo("failed");
    assertThat(activities(id, "deploy"))
        .contains("databaseLeftAsIs")
        .doesNotContain("restoreDatabaseBackup");
    assertThat(activities(id, "release")).endsWith("failedEnd");
    assertThat(targetTables()).isNotEmpty();
  }
}
