package io.countersign.windows;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.countersign.ApiAppSupport;
import io.countersign.HttpSupport;
import io.countersign.HttpSupport.Response;
import io.countersign.ManifestFixture;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.Map;
import org.camunda.bpm.engine.ManagementService;
import org.camunda.bpm.engine.RuntimeService;
import org.camunda.bpm.engine.runtime.Job;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Nobody skips a change window past the API: a release waiting for its window (development, open
 * one minute a week in the HTTP tests' app) is attacked over engine REST, by an admin, a release
 * manager and its requester, with the variables the check and its gateway read, a modification to
 * the gate, the override message and its timer, and each attempt is refused with nothing changed.
 */
@ApiAppSupport
class ChangeWindowGuardHttpTest {
  private static final List<String> ATTACKERS = List.of("admin", "release-manager", "requester");
  @LocalServerPort int port;
  @Autowired JdbcTemplate jdbc;
  @Autowired RuntimeService runtime;
  @Autowired ManagementService management;
  HttpSupport http;
  String releaseId;
  String instanceId;

  @BeforeEach
  void aReleaseAwaitingItsWindow() {
    ZonedDateTime now = ZonedDateTime.now(ZoneOffset.UTC);
    Assumptions.assumeFalse(
        now.getDayOfWeek() == DayOfWeek.MONDAY && now.toLocalTime().isBefore(LocalTime.of(0, 2)),
        "development's one open minute a week");
    http = new HttpSupport(port);
    ObjectNode m =
        ManifestFixture.withVersion(
            ManifestFixture.staging(), ManifestFixture.freshVersion("window"));
    m.put("environment", "development");
    ((ObjectNode) m.get("kubernetes")).put("namespace", "medication-staging");
    m.remove("verification");
    Response submitted =
        http.post(
            "requester", "/api/releases", "application/json", ManifestFixture.json(m), Map.of());
    assertThat(submitted.status()).as(submitted.body()).isEqualTo(201);
    releaseId = submitted.json().path("id").asText();
    await("release " + releaseId + " waiting for its window")
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(100))
        .until(() -> status().equals("awaiting-window"));
    instanceId =
        jdbc.queryForObject(
            "SELECT process_instance_id FROM cs_release WHERE id = ?", String.class, releaseId);
  }

  @AfterEach
  void cancel() {
    if (releaseId != null) {
      Response cancelled =
          http.postJson(
              "requester", "/api/releases/" + releaseId + "/cancel", Map.of("reason", "test over"));
      assertThat(cancelled.status()).as(cancelled.body()).isEqualTo(202);
      assertThat(status()).isEqualTo("cancelled");
    }
  }

  private String status() {
    return jdbc.queryForObject(
        "SELECT status FROM cs_release WHERE id = ?", String.class, releaseId);
  }

  private static void assertRefused(Response r, String what) {
    assertThat(r.status()).as(what + ": " + r.body()).isIn(400, 403, 404);
  }

  @Test
  void nobodySkipsTheWindowOverEngineRest() {
    Job timer =
        management
            .createJobQuery()
            .processInstanceId(instanceId)
            .timers()
            .activityId("windowOpens")
            .singleResult();
    assertThat(timer.getDuedate().toInstant().atZone(ZoneOffset.UTC).getDayOfWeek())
        .isEqualTo(DayOfWeek.MONDAY);
    String variables = "/engine-rest/process-instance/" + instanceId + "/variables";
    for (String user : ATTACKERS) {
      assertRefused(
          http.json("PUT", user, variables + "/changeWindow", Map.of("value", "open")),
          user + " PUT changeWindow");
      assertRefused(
          http.postJson(
              user,
              variables,
              Map.of(
                  "modifications",
                  Map.of(
                      "overrideActive",
                      Map.of("value", true),
                      "windowOpensAt",
                      Map.of("value", "2020-01-01T00:00:00.000+0000", "type", "Date")))),
          user + " modify overrideActive and windowOpensAt");
      assertRefused(
          http.json(
              "PUT",
              user,
              "/engine-rest/execution/" + instanceId + "/localVariables/overrideActive",
              Map.of("value", true)),
          user + " PUT execution local variable");
      assertRefused(
          http.postJson(
              user,
              "/engine-rest/process-instance/" + instanceId + "/modification",
              Map.of(
                  "instructions",
                  List.of(
                      Map.of("type", "startBeforeActivity", "activityId", "startDeployment"),
                      Map.of("type", "cancel", "activityId", "awaitWindow")))),
          user + " modification to the gate");
      assertRefused(
          http.postJson(
              user,
              "/engine-rest/message",
              Map.of(
                  "messageName",
                  "overrideRequested",
                  "businessKey",
                  releaseId,
                  "processVariables",
                  Map.of("overrideActive", Map.of("value", true)))),
          user + " correlating overrideRequested");
      assertRefused(
          http.postJson(user, "/engine-rest/job/" + timer.getId() + "/execute", Map.of()),
          user + " run the window's timer");
      assertRefused(
          http.json(
              "PUT",
              user,
              "/engine-rest/job/" + timer.getId() + "/duedate",
              Map.of("duedate", "2020-01-01T00:00:00.000+0000")),
          user + " move the window's timer");
    }

    assertThat(status()).isEqualTo("awaiting-window");
    assertThat(management.createJobQuery().jobId(timer.getId()).singleResult().getDuedate())
        .isEqualTo(timer.getDuedate());
    assertThat(runtime.getVariable(instanceId, "overrideActive")).isEqualTo(false);
    assertThat(runtime.getVariable(instanceId, "changeWindow")).isEqualTo("wait");
    assertThat(runtime.createProcessInstanceQuery().processInstanceBusinessKey(releaseId).list())
        .extracting(p -> p.getProcessDefinitionId().split(":")[0])
        .containsExactly("release");
    assertThat(
            jdbc.queryForList(
                "SELECT type FROM cs_evidence WHERE release_id = ? AND type IN"
                    + " ('change-window-checked', 'deployment-started') ORDER BY seq",
                String.class,
                releaseId))
        .containsExactly("change-window-checked");
  }
}
