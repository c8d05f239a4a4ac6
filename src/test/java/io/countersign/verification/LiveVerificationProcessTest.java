package io.countersign.verification;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import io.countersign.ProcessTestSupport;
import io.countersign.evidence.EvidenceEntry;
import io.countersign.process.Variables;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import org.camunda.bpm.engine.impl.util.ClockUtil;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.context.TestPropertySource;

/**
 * The whole pipeline with the live verification adapter: WireMock is the release's services and
 * Prometheus (its real /api/v1/query JSON), the embedded target database answers the data checks.
 */
@TestPropertySource(
    properties = {
      "countersign.targets.verification.mode=live",
      "countersign.targets.verification.allowed-hosts.staging[0]=localhost",
      "countersign.targets.verification.inconclusive=pause"
    })
class LiveVerificationProcessTest extends ProcessTestSupport {
  private static final WireMockServer SERVER = new WireMockServer(options().dynamicPort());
  private static final List<String> HANDLERS =
      List.of("undoRollout", "restoreFrontend", "revertLambda", "restoreDatabase");

  static {
    SERVER.start();
  }

  @DynamicPropertySource
  static void prometheus(DynamicPropertyRegistry registry) {
    registry.add(
        "countersign.targets.verification.prometheus.url",
        () -> "http://localhost:" + SERVER.port());
  }

  @AfterAll
  static void stop() {
    SERVER.stop();
  }

  private String errorRate;
  private String p95;

  @BeforeEach
  void healthyServices() {
    SERVER.resetAll();
    serve("/health", 200, "{\"status\":\"UP\"}");
    serve("/v1/medications?limit=1", 200, "[{\"id\":1,\"name\":\"Metformin\"}]");
    serve("/", 200, "<html><title>Medication Tracker</title></html>");
    ObjectNode m = manifest();
    errorRate = m.at("/verification/metrics/0/query").asText();
    p95 = m.at("/verification/metrics/1/query").asText();
    PrometheusStubs.answer(SERVER, errorRate, PrometheusStubs.vector("0.002"));
    PrometheusStubs.answer(SERVER, p95, PrometheusStubs.vector("0.31"));
  }

  @Test
  void aHealthyReleaseWithPassingMetricsAndDataChecksIsReleased() {
    String id = submit(manifest());
    approveAll(id);

    assertThat(status(id)).isEqualTo("released");
    assertThat(evidence(id, "verification-result"))
        .hasSize(3)
        .allSatisfy(
            e -> {
              assertThat(e.get("passed").asBoolean()).isTrue();
              assertThat(e.get("status").asInt()).isEqualTo(200);
            });
    assertThat(evidence(id, "verification-result").get(0).get("bodyExcerpt").asText())
        .isEqualTo("{\"status\":\"UP\"}");
    assertThat(evidence(id, "data-check"))
        .extracting(
            e ->
                e.get("name").asText()
                    + ":"
                    + e.get("ran").asBoolean()
                    + ":"
                    + e.get("passed").asBoolean()
                    + ":"
                    + e.get("phase").asText())
        .containsExactly(
            "no-orphan-reminders:true:true:after-migration",
            "patients-have-mrn:true:true:after-migration");
    assertThat(evidence(id, "metrics-verdict"))
        .extracting(
            e ->
                e.get("name").asText()
                    + " "
                    + e.get("value").asDouble()
                    + " "
                    + e.get("verdict").asText())
        .containsExactly("error-rate 0.002 PASS", "p95-latency 0.31 PASS");
    // Once at the deployment checkpoint (the service before the release), once after deploying.
    SERVER.verify(2, getRequestedFor(urlEqualTo("/health")));
  }

  @Test
  void aHealthCheckDownAfterDeploymentRollsBackEveryStep() {
    // Healthy at the deployment checkpoint; down for the check after deploying and its two
    // retries; healthy again once the previous version runs.
    SERVER.stubFor(
        get(urlEqualTo("/health"))
            .inScenario("service")
            .whenScenarioStateIs(Scenario.STARTED)
            .willSetStateTo("deployed")
            .willReturn(aResponse().withStatus(200).withBody("{\"status\":\"UP\"}")));
    for (String state : List.of("deployed", "down-1", "down-2")) {
      SERVER.stubFor(
          get(urlEqualTo("/health"))
              .inScenario("service")
              .whenScenarioStateIs(state)
              .willSetStateTo(
                  state.equals("down-2")
                      ? "restored"
                      : state.equals("down-1") ? "down-2" : "down-1")
              .willReturn(aResponse().withStatus(503).withBody("{\"status\":\"DOWN\"}")));
    }
    SERVER.stubFor(
        get(urlEqualTo("/health"))
            .inScenario("service")
            .whenScenarioStateIs("restored")
            .willReturn(aResponse().withStatus(200).withBody("{\"status\":\"UP\"}")));

    String id = submit(manifest());
    approveAll(id);

    assertThat(status(id)).isEqualTo("rolled-back");
    assertThat(statusReason(id))
        .contains("health-check api-health: expected 200, got 503 (attempt 3 of 3)");
    assertThat(activities(id, "deploy").stream().filter(HANDLERS::contains).toList())
        .containsExactlyElementsOf(HANDLERS);
    assertThat(evidence(id, "restoration-verified"))
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.get("passed").asBoolean()).isTrue();
              assertThat(e.at("/dataChecks/0/name").asText())
                  .isEqualTo("reminders-table-gone"); // only the one meant for after a rollback
              assertThat(e.at("/dataChecks/0/passed").asBoolean()).isTrue();
              assertThat(e.get("dataChecks")).hasSize(1);
            });
    assertThat(evidenceTypes(id)).doesNotContain("metrics-verdict");
  }

  @Test
  void anErrorRateOverItsThresholdInTheBakeWindowRollsBack() {
    PrometheusStubs.answer(SERVER, errorRate, PrometheusStubs.vector("0.07"));

    String id = submit(manifest());
    approveAll(id);

    assertThat(status(id)).isEqualTo("rolled-back");
    assertThat(statusReason(id))
        .contains("metric threshold crossed: error-rate = 0.07 (max 0.01): 0.07 > max 0.01");
    assertThat(activities(id, "deploy").stream().filter(HANDLERS::contains).toList())
        .containsExactlyElementsOf(HANDLERS);
    assertThat(evidence(id, "metrics-verdict"))
        .anySatisfy(
            e -> {
              assertThat(e.get("query").asText()).isEqualTo(errorRate);
              assertThat(e.get("value").asDouble()).isEqualTo(0.07);
              assertThat(e.get("threshold").asText()).isEqualTo("max 0.01");
              assertThat(e.get("verdict").asText()).isEqualTo("FAIL");
            });
  }

  @Test
  void aDataCheckThatFindsTheWrongValueRollsBack() {
    ObjectNode m = manifest();
    ((ObjectNode) m.at("/verification/dataChecks/1"))
        .put("sql", "SELECT count(*) FROM dose_reminders")
        .put("value", "5")
        .put("after", "migration");

    String id = submit(m);
    approveAll(id);

    assertThat(status(id)).isEqualTo("rolled-back");
    assertThat(statusReason(id)).contains("data-check patients-have-mrn: expected '5', found '0'");
    assertThat(evidence(id, "data-check"))
        .extracting(e -> e.get("passed").asBoolean())
        .containsExactly(true, false);
    assertThat(evidence(id, "restoration-verified").get(0).get("passed").asBoolean()).isTrue();
  }

  @Test
  void theBakeWindowWaitsOnATimerWithoutHoldingAThread() {
    ClockUtil.setCurrentTime(Date.from(Instant.parse("2025-03-01T09:00:00Z")));
    ObjectNode m = manifest();
    ((ObjectNode) m.get("verification")).put("bakeWindow", "PT2M").put("interval", "PT30S");
    String id = submit(m);
    approveAll(id);

    String deploy = instance("deploy", id).getId();
    assertThat(hasTimer(id, "nextEvaluation")).isTrue();
    assertThat(management.createJobQuery().processInstanceId(deploy).executable().count()).isZero();
    assertThat(
            jdbc.queryForObject(
                "SELECT COUNT(*) FROM ACT_RU_JOB WHERE LOCK_OWNER_ IS NOT NULL "
                    + "OR LOCK_EXP_TIME_ IS NOT NULL",
                Integer.class))
        .isZero();
    assertThat(runtime.getVariable(deploy, Variables.METRICS_STATUS))
        .isEqualTo("error-rate 0.002 ≤ max 0.01 PASS; p95-latency 0.31 ≤ max 0.5 PASS; 2 min left");
    assertThat(runtime.getVariable(deploy, Variables.METRICS_WINDOW_ENDS))
        .isEqualTo("2025-03-01T09:02:00Z");
    assertThat((List<?>) runtime.getVariable(deploy, Variables.METRICS_LAST_VERDICTS)).hasSize(2);

    ClockUtil.setCurrentTime(Date.from(Instant.parse("2025-03-01T09:01:00Z")));
    fireTimer(id, "nextEvaluation");
    assertThat(hasTimer(id, "nextEvaluation")).isTrue();
    assertThat(runtime.getVariable(deploy, Variables.METRICS_STATUS).toString())
        .endsWith("; 1 min left");

    ClockUtil.setCurrentTime(Date.from(Instant.parse("2025-03-01T09:02:00Z")));
    fireTimer(id, "nextEvaluation");
    assertThat(status(id)).isEqualTo("released");
    assertThat(evidence(id, "metrics-verdict")).hasSize(6);
  }

  @Test
  void anInconclusiveMetricPausesUntilAnOperationsLeadContinues() {
    PrometheusStubs.answer(SERVER, p95, PrometheusStubs.empty());
    String id = submit(manifest());
    approveAll(id);

    String deploy = instance("deploy", id).getId();
    assertThat(runtime.getVariable(deploy, Variables.STEP_OUTCOME)).isEqualTo("paused");
    assertThat(runtime.getVariable(deploy, Variables.METRICS_INCONCLUSIVE_REASON).toString())
        .contains("p95-latency", "no data: the query returned an empty result");
    completeAs(
        "ops-lead",
        openTask(id, "decideInconclusiveMetrics").getId(),
        Map.of(
            Variables.METRICS_DECISION,
            "continue",
            Variables.COMMENT,
            "Latency dashboard is fine; exporter restarting"));
    runJobs();
    fireTimer(id, "nextEvaluation");

    assertThat(status(id)).isEqualTo("released");
    assertThat(evidenceTypes(id)).contains("metrics-decision");
  }

  @Test
  void aQueryPrometheusRefusesFailsTheReleaseAtTheDeploymentCheckpoint() {
    PrometheusStubs.answer(SERVER, errorRate, 400, PrometheusStubs.badData());
    String id = submit(manifest());
    approveAll(id);

    assertThat(status(id)).isEqualTo("failed");
    assertThat(statusReason(id))
        .startsWith("Failed at the deployment checkpoint, nothing was changed")
        .contains("metric error-rate: monitoring cannot measure it");
    assertThat(evidenceTypes(id))
        .contains("checkpoint-deployment")
        .doesNotContain("rollback-started");
    assertThat(activities(id, "deploy")).doesNotContain("backupDatabase");
  }

  @Test
  void anInconclusiveMetricRollsBackWhenAnOperationsLeadSaysSo() {
    PrometheusStubs.answer(SERVER, errorRate, PrometheusStubs.empty());
    String id = submit(manifest());
    approveAll(id);

    completeAs(
        "ops-lead",
        openTask(id, "decideInconclusiveMetrics").getId(),
        Map.of(
            Variables.METRICS_DECISION,
            "rollback",
            Variables.COMMENT,
            "No error metrics: not safe"));
    runJobs();

    assertThat(status(id)).isEqualTo("rolled-back");
    assertThat(activities(id, "deploy").stream().filter(HANDLERS::contains).toList())
        .containsExactlyElementsOf(HANDLERS);
  }

  /**
   * The staging example pointed at WireMock, with a JSON field on the health check, two data checks
   * after the migration and one after a rollback (which takes this first release's tables away
   * again).
   */
  private ObjectNode manifest() {
    ObjectNode m = example("staging");
    String base = "http://localhost:" + SERVER.port();
    ObjectNode verification = (ObjectNode) m.get("verification");
    ((ObjectNode) verification.at("/healthChecks/0"))
        .put("url", base + "/health")
        .put("jsonField", "$.status")
        .put("jsonValue", "UP");
    ((ObjectNode) verification.at("/smokeTests/0")).put("url", base + "/v1/medications?limit=1");
    ((ObjectNode) verification.at("/smokeTests/1")).put("url", base + "/");
    ArrayNode data = verification.putArray("dataChecks");
    data.addObject()
        .put("name", "no-orphan-reminders")
        .put("after", "migration")
        .put(
            "sql",
            "SELECT r.id FROM dose_reminders r LEFT JOIN dose_events e ON e.id = r.dose_event_id WHERE e.id IS NULL");
    data.addObject()
        .put("name", "patients-have-mrn")
        .put("expect", "value")
        .put("value", "0")
        .put("after", "migration")
        .put("sql", "SELECT count(*) FROM patients WHERE mrn IS NULL OR mrn = ''");
    data.addObject()
        .put("name", "reminders-table-gone")
        .put("after", "rollback")
        .put(
            "sql",
            "SELECT table_name FROM information_schema.tables WHERE lower(table_name) = 'dose_reminders'");
    return m;
  }

  private void serve(String url, int status, String body) {
    SERVER.stubFor(get(urlEqualTo(url)).willReturn(aResponse().withStatus(status).withBody(body)));
  }

  private List<JsonNode> evidence(String releaseId, String type) {
    return evidence.entries(releaseId).stream()
        .filter(e -> e.type().equals(type))
        .map(EvidenceEntry::payload)
        .toList();
  }
}
