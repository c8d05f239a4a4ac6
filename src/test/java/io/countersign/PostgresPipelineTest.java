package io.countersign;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.countersign.EmbeddedPostgresSupport.TwoRoles;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.test.context.ActiveProfiles;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The whole release pipeline on a real PostgreSQL set up as production runs it (profile
 * "postgres"): Flyway migrates as the owner role, creating Countersign's tables and the engine's;
 * the application connects as a runtime role that owns nothing and cannot rewrite the evidence.
 */
@ActiveProfiles({"demo", "postgres"})
class PostgresPipelineTest extends ProcessTestSupport {
  private static final TwoRoles DB = EmbeddedPostgresSupport.newDatabaseWithTwoRoles("countersign");

  @Autowired DataSource dataSource;
  @Autowired ConfigurableListableBeanFactory beans;

  @DynamicPropertySource
  static void postgres(DynamicPropertyRegistry registry) {
    // The URL overrides ProcessTestSupport's H2.
    EmbeddedPostgresSupport.register(registry, DB);
  }

  @Test
  void theEngineRunsOnPostgresqlAsTheRuntimeRoleOnTablesTheOwnerCreated() throws Exception {
    try (var c = dataSource.getConnection()) {
      assertThat(c.getMetaData().getDatabaseProductName()).isEqualTo("PostgreSQL");
    }
    assertThat(jdbc.queryForObject("SELECT current_user", String.class)).isEqualTo(DB.runtime());
    assertThat(
            jdbc.queryForObject(
                "SELECT COUNT(*) FROM act_re_procdef WHERE key_ = 'release'", Long.class))
        .isOne();
    assertThat(
            jdbc.queryForList(
                "SELECT version || ' ' || installed_by FROM cs_schema_history WHERE success ORDER BY installed_rank",
                String.class))
        .contains("1 " + DB.owner(), "1.1 " + DB.owner(), "1.2 " + DB.owner());
    assertThat(
            jdbc.queryForList(
                "SELECT DISTINCT tableowner FROM pg_tables WHERE schemaname = current_schema()",
                String.class))
        .containsExactly(DB.owner());
    assertThat(
            jdbc.queryForObject(
                "SELECT COUNT(*) FROM pg_tables WHERE tablename LIKE 'act\\_%'", Long.class))
        .isGreaterThan(40);
    // The engine checks its tables at start, so it must start after Flyway created them.
    assertThat(beans.getBeanDefinition("processEngineFactoryBean").getDependsOn())
        .contains("flywayInitializer");
  }

  @Test
  void aProductionReleaseIsSignedOffDeployedAndRolledBackOnPostgresql() {
    ObjectNode m = example("production");
    String id = submit(m);
    assertThat(openTasks(id, "approveRelease")).hasSize(6);
    approveAll(id);
    assertThat(status(id)).isEqualTo("awaiting-evidence");
    postDeploymentEvidence(id);
    assertThat(status(id)).isEqualTo("released");
    assertThat(targetTables()).contains("dose_reminders");
    assertThat(
            jdbc.queryForObject(
                "SELECT COUNT(*) FROM cs_sign_off WHERE release_id = ?", Long.class, id))
        .isEqualTo(6);

    assertThat(
            runtime
                .createMessageCorrelation("rollbackRequested")
                .processInstanceBusinessKey(id)
                .setVariables(
                    Map.of(
                        "rollbackReason", "drill on PostgreSQL", "rollbackRequestedBy", "ops-lead"))
                .correlateWithResult())
        .isNotNull();
    runJobs();
    assertThat(status(id)).isEqualTo("rolled-back");
    assertThat(targetTables()).isEmpty();
    assertThat(evidence.verify(id).valid()).isTrue();
    assertThat(evidence.entries(id)).hasSizeGreaterThan(25);
  }

  @Test
  void theRuntimeRoleCannotChangeRemoveOrUnprotectEvidence() {
    String id = submit(example("staging"));
    int entries = evidence.entries(id).size();
    assertThat(entries).isPositive();
    String trigger =
        "CREATE TRIGGER cs_evidence_silence BEFORE UPDATE ON cs_evidence FOR EACH ROW "
            + "EXECUTE FUNCTION suppress_redundant_updates_trigger()";
    Map<String, String> refused =
        Map.ofEntries(
            Map.entry("UPDATE cs_evidence SET actor = 'mallory'", "permission denied"),
            Map.entry("DELETE FROM cs_evidence", "permission denied"),
            Map.entry("TRUNCATE cs_evidence", "permission denied"),
            Map.entry("ALTER TABLE cs_evidence DISABLE TRIGGER ALL", "must be owner"),
            Map.entry(
                "DROP TRIGGER cs_evidence_no_update_or_delete ON cs_evidence", "must be owner"),
            Map.entry("ALTER TABLE cs_evidence OWNER TO " + DB.runtime(), "must be owner"),
            Map.entry("DROP TABLE cs_evidence", "must be owner"),
            Map.entry(trigger, "permission denied"),
            // Hollowing out the trigger function would leave the triggers in place but harmless.
            Map.entry(
                "CREATE OR REPLACE FUNCTION cs_evidence_refuse_change() RETURNS trigger LANGUAGE plpgsql"
                    + " AS 'BEGIN RETURN NEW; END'",
                "permission denied"),
            Map.entry("DROP FUNCTION cs_evidence_refuse_change() CASCADE", "must be owner"),
            Map.entry("UPDATE cs_sign_off SET decision = 'approve'", "permission denied"),
            Map.entry("DELETE FROM cs_sign_off", "permission denied"),
            Map.entry("DELETE FROM cs_evidence_head", "permission denied"),
            Map.entry("UPDATE cs_schema_history SET checksum = 0", "permission denied"),
            Map.entry("CREATE TABLE cs_evidence_copy (id int)", "permission denied"),
            Map.entry("GRANT " + DB.owner() + " TO " + DB.runtime(), DB.owner()));
    refused.forEach(
        (sql, reason) ->
            assertThatThrownBy(() -> jdbc.execute(sql))
                .as(sql)
                .rootCause()
                .hasMessageContaining(reason));

    // Granting itself what it lacks is no error in PostgreSQL (only a warning) and grants nothing.
    jdbc.execute("GRANT UPDATE, DELETE, TRUNCATE, TRIGGER ON cs_evidence TO " + DB.runtime());
    for (String privilege : List.of("UPDATE", "DELETE", "TRUNCATE", "TRIGGER")) {
      assertThat(
              jdbc.queryForObject(
                  "SELECT has_table_privilege(current_user, 'cs_evidence', ?)",
                  Boolean.class,
                  privilege))
          .as(privilege)
          .isFalse();
    }
    assertThatThrownBy(() -> jdbc.execute("UPDATE cs_evidence SET actor = 'mallory'"))
        .rootCause()
        .hasMessageContaining("permission denied");
    assertThat(evidence.entries(id)).hasSize(entries);
    assertThat(evidence.verify(id).valid()).isTrue();
  }

  @Test
  void theOwnerIsStillStoppedByTheAppendOnlyTriggers() throws SQLException {
    String id = submit(example("staging"));
    try (Connection owner = DriverManager.getConnection(DB.url(), DB.owner(), DB.owner());
        Statement s = owner.createStatement()) {
      for (String sql :
          List.of(
              "UPDATE cs_evidence SET actor = 'mallory' WHERE release_id = '" + id + "'",
              "DELETE FROM cs_evidence WHERE release_id = '" + id + "'",
              "TRUNCATE cs_evidence")) {
        assertThatThrownBy(() -> s.execute(sql)).as(sql).hasMessageContaining("append-only");
      }
    }
    assertThat(evidence.verify(id).valid()).isTrue();
  }

  @Test
  void fourEyesAndRejectionHoldOnPostgresql() {
    String id = submit(example("staging"));
    completeAs(
        "qa-lead",
        signOffTask(id, "qa-leads").getId(),
        Map.of("decision", "reject", "rejectComment", "Not on PG"));
    runJobs();
    assertThat(status(id)).isEqualTo("rejected");
  }
}
