package io.countersign;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/** The whole release pipeline with the engine and Countersign's own tables on a real PostgreSQL. */
class PostgresPipelineTest extends ProcessTestSupport {
  @Autowired DataSource dataSource;

  @DynamicPropertySource
  static void postgres(DynamicPropertyRegistry registry) {
    String url = EmbeddedPostgresSupport.newDatabase("countersign");
    registry.add("spring.datasource.url", () -> url);
    registry.add("spring.datasource.username", () -> "postgres");
    registry.add("spring.datasource.password", () -> "postgres");
    // At JVM exit the embedded server may stop before this context closes: closing the engine must not wait
    // 30 s for a connection to report metrics.
    registry.add("camunda.bpm.metrics.db-reporter-activate", () -> "false");
    registry.add("spring.datasource.hikari.connection-timeout", () -> "2000");
  }

  @Test
  void theEngineRunsOnPostgresql() throws Exception {
    try (var c = dataSource.getConnection()) {
      assertThat(c.getMetaData().getDatabaseProductName()).isEqualTo("PostgreSQL");
    }
    assertThat(jdbc.queryForObject("SELECT COUNT(*) FROM act_re_procdef WHERE key_ = 'release'", Long.class)).isOne();
    assertThat(jdbc.queryForObject("SELECT COUNT(*) FROM cs_schema_history WHERE success", Long.class)).isPositive();
  }

  @Test
  void aProductionReleaseIsSignedOffDeployedAndRolledBackOnPostgresql() {
    ObjectNode m = example("production");
    String id = submit(m);
    assertThat(openTasks(id, "approveRelease")).hasSize(6);
    approveAll(id);
    assertThat(status(id)).isEqualTo("released");
    assertThat(targetTables()).contains("dose_reminders");

    assertThat(runtime.createMessageCorrelation("rollbackRequested").processInstanceBusinessKey(id)
        .setVariables(Map.of("rollbackReason", "drill on PostgreSQL", "rollbackRequestedBy", "ops-lead"))
        .correlateWithResult()).isNotNull();
    runJobs();
    assertThat(status(id)).isEqualTo("rolled-back");
    assertThat(targetTables()).isEmpty();
    assertThat(evidence.verify(id).valid()).isTrue();
    assertThat(evidence.entries(id)).hasSizeGreaterThan(25);
  }

  @Test
  void evidenceCannotBeChangedOrRemovedOnPostgresql() {
    String id = submit(example("staging"));
    assertThat(evidence.entries(id)).isNotEmpty();
    for (String sql : List.of("UPDATE cs_evidence SET actor = 'mallory' WHERE release_id = ?",
        "DELETE FROM cs_evidence WHERE release_id = ?")) {
      assertThatThrownBy(() -> jdbc.update(sql, id)).rootCause().hasMessageContaining("append-only");
    }
    assertThatThrownBy(() -> jdbc.execute("TRUNCATE cs_evidence")).rootCause().hasMessageContaining("append-only");
    assertThat(evidence.verify(id).valid()).isTrue();
  }

  @Test
  void fourEyesAndRejectionHoldOnPostgresql() {
    String id = submit(example("staging"));
    completeAs("qa-lead", signOffTask(id, "qa-leads").getId(), Map.of("decision", "reject", "comment", "Not on PG"));
    runJobs();
    assertThat(status(id)).isEqualTo("rejected");
  }
}
