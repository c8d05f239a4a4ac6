package io.countersign.webhook;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.countersign.evidence.EvidenceEntry;
import io.countersign.manifest.CanonicalJson;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.camunda.bpm.engine.history.HistoricVariableInstance;
import org.camunda.bpm.engine.runtime.Incident;
import org.camunda.bpm.engine.runtime.Job;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * deploy.bpmn with the webhook step, through every path: the notice after the rollouts, an endpoint
 * refusing it (rollback, and those told hear of it), a failure after it (the rollback notice comes
 * first), an endpoint out of reach (retried, incident, retried by an operator), a rollback notice
 * that cannot be delivered, a release without webhooks and a drill at the step. Failures first.
 */
class WebhookProcessTest extends WebhookTestSupport {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final List<String> HANDLERS =
      List.of(
          "postRollbackNotice",
          "undoRollout",
          "restoreFrontend",
          "revertLambda",
          "restoreDatabase");

  @BeforeEach
  void endpointsAccept() {
    accept(CHANGE_BOARD, 200);
    accept(OPS_CHAT, 200);
  }

  @Test
  void anEndpointThatRefusesTheNoticeRollsTheReleaseBackAndThoseToldBeforeHearOfIt() {
    answer(OPS_CHAT, WebhookNotices.DEPLOYED, 404, "no such channel");

    String id = submit(manifest("change-board", "ops-chat"));
    approveAll(id);

    assertThat(status(id)).isEqualTo("rolled-back");
    assertThat(statusReason(id))
        .contains("webhook endpoint ops-chat answered 404: no such channel");
    // The failed step never completed, so it is not compensated: every step before it is.
    assertThat(activities(id, "deploy").stream().filter(HANDLERS::contains).toList())
        .containsExactly("undoRollout", "restoreFrontend", "revertLambda", "restoreDatabase");
    assertThat(received())
        .extracting(Received::summary)
        .containsExactly(
            "change-board release.deployed",
            "ops-chat release.deployed",
            "change-board release.rolling-back");
    assertThat(received().get(2).body().path("reason").asText())
        .isEqualTo("webhook endpoint ops-chat answered 404: no such channel");
    assertThat(notices(id))
        .containsExactly(
            "change-board release.deployed accepted",
            "ops-chat release.deployed refused",
            "change-board release.rolling-back accepted");
    assertThat(evidence.verify(id).valid()).isTrue();
  }

  @Test
  void aFailureAfterTheNoticeTellsEveryEndpointOfTheRollbackBeforeAnythingIsUndone() {
    ObjectNode manifest = manifest("change-board", "ops-chat");
    manifest.putObject("drill").put("failAt", "verifyRelease");

    String id = submit(manifest);
    approveAll(id);

    assertThat(status(id)).isEqualTo("rolled-back");
    assertThat(activities(id, "deploy").stream().filter(HANDLERS::contains).toList())
        .containsExactlyElementsOf(HANDLERS);
    assertThat(received())
        .extracting(Received::summary)
        .containsExactly(
            "change-board release.deployed",
            "ops-chat release.deployed",
            "change-board release.rolling-back",
            "ops-chat release.rolling-back");
    assertThat(received().get(3).body().path("reason").asText())
        .isEqualTo("Rollback drill: step verifyRelease failed as the manifest asked");
    assertThat(received().get(3).id()).isEqualTo(id + ".rolling-back.ops-chat");
    assertThat(notices(id))
        .endsWith(
            "change-board release.rolling-back accepted", "ops-chat release.rolling-back accepted");
    assertThat(recorded(id, WebhookCapability.RETRACTED))
        .isEqualTo("[\"change-board\",\"ops-chat\"]");
  }

  @Test
  void anEndpointOutOfReachIsRetriedThenAnIncidentThatAnOperatorRetries() {
    answer(CHANGE_BOARD, WebhookNotices.DEPLOYED, 503, "maintenance");

    String id = submit(manifest("change-board"));
    approveAll(id);
    for (int attempt = 0; attempt < 5 && incidents(id).isEmpty(); attempt++) {
      advanceClock(Duration.ofSeconds(31));
      runJobs();
    }

    assertThat(incidents(id))
        .singleElement()
        .satisfies(
            incident -> {
              assertThat(incident.getActivityId()).isEqualTo("postDeploymentNotice");
              assertThat(incident.getIncidentMessage())
                  .isEqualTo("webhook endpoint change-board answered 503: maintenance");
            });
    // Every attempt sent the same notice id, so the endpoint can tell a repeat.
    assertThat(received())
        .hasSizeGreaterThan(1)
        .extracting(Received::id)
        .containsOnly(id + ".deployed.change-board");
    assertThat(evidenceTypes(id)).doesNotContain(WebhookNotices.EVIDENCE);

    SERVER.resetMappings(); // the endpoint is back
    accept(CHANGE_BOARD, 200);
    Job failed =
        management
            .createJobQuery()
            .processInstanceId(instance("deploy", id).getId())
            .withException()
            .singleResult();
    management.setJobRetries(failed.getId(), 1); // as an operator does in Cockpit
    advanceClock(Duration.ofSeconds(31));
    runJobs();

    assertThat(status(id)).isEqualTo("released");
    assertThat(notices(id)).containsExactly("change-board release.deployed accepted");
  }

  @Test
  void aRollbackNoticeThatCannotBeDeliveredIsRecordedAndTheRollbackGoesOn() {
    answer(OPS_CHAT, WebhookNotices.ROLLING_BACK, 502, "bad gateway");
    ObjectNode manifest = manifest("change-board", "ops-chat");
    manifest.putObject("drill").put("failAt", "verifyRelease");

    String id = submit(manifest);
    approveAll(id);

    assertThat(status(id)).isEqualTo("rolled-back");
    assertThat(activities(id, "deploy").stream().filter(HANDLERS::contains).toList())
        .containsExactlyElementsOf(HANDLERS);
    assertThat(notices(id))
        .endsWith(
            "change-board release.rolling-back accepted",
            "ops-chat release.rolling-back unreachable");
    assertThat(payloads(id).get(3).path("detail").asText())
        .isEqualTo("webhook endpoint ops-chat answered 502: bad gateway");
    assertThat(recorded(id, WebhookCapability.RETRACTED)).isEqualTo("[\"change-board\"]");
  }

  @Test
  void aDrillAtTheNoticeStepPostsNothingAndRollsBackEveryChange() {
    ObjectNode manifest = manifest("change-board");
    manifest.putObject("drill").put("failAt", "postDeploymentNotice");

    String id = submit(manifest);
    approveAll(id);

    assertThat(status(id)).isEqualTo("rolled-back");
    assertThat(statusReason(id)).contains("Rollback drill: step postDeploymentNotice failed");
    assertThat(activities(id, "deploy").stream().filter(HANDLERS::contains).toList())
        .containsExactly("undoRollout", "restoreFrontend", "revertLambda", "restoreDatabase");
    assertThat(received()).isEmpty();
  }

  @Test
  void aReleaseWithoutWebhooksRecordsBothStepsAsSkipped() {
    ObjectNode manifest = example("staging");
    manifest.putObject("drill").put("failAt", "verifyRelease");

    String id = submit(manifest);
    approveAll(id);

    assertThat(status(id)).isEqualTo("rolled-back");
    assertThat(
            evidence.entries(id).stream()
                .filter(e -> e.type().equals("step-skipped"))
                .map(e -> e.payload().path("step").asText()))
        .contains("postDeploymentNotice", "postRollbackNotice");
    assertThat(started(id).path("skipped").toString()).contains("postDeploymentNotice");
    assertThat(received()).isEmpty();
  }

  @Test
  void theNoticeGoesToEveryNamedEndpointOnceTheChangesAreDeployedAndBeforeVerification() {
    String id = submit(manifest("change-board", "ops-chat"));
    approveAll(id);

    assertThat(status(id)).isEqualTo("released");
    List<String> deploy = activities(id, "deploy");
    assertThat(deploy.indexOf("postDeploymentNotice"))
        .isGreaterThan(deploy.indexOf("awaitRollout"))
        .isLessThan(deploy.indexOf("verifyRelease"));
    assertThat(deploy).doesNotContain("postRollbackNotice");
    assertThat(started(id).path("steps").toString()).contains("postDeploymentNotice");

    List<Received> received = received();
    assertThat(received)
        .extracting(Received::summary)
        .containsExactly("change-board release.deployed", "ops-chat release.deployed");
    JsonNode body = received.get(0).body();
    assertThat(body.path("releaseId").asText()).isEqualTo(id);
    assertThat(body.path("application").asText()).isEqualTo("medication-tracker");
    assertThat(body.path("version").asText()).startsWith("9.");
    assertThat(body.path("environment").asText()).isEqualTo("staging");
    assertThat(body.path("manifestSha256").asText())
        .isEqualTo(started(id).path("manifestSha256").asText());
    assertThat(body.path("url").asText()).endsWith("/api/releases/" + id);
    assertThat(body.has("reason")).isFalse();
    assertThat(received.get(0).id()).isEqualTo(id + ".deployed.change-board");

    List<JsonNode> payloads = payloads(id);
    assertThat(notices(id))
        .containsExactly(
            "change-board release.deployed accepted", "ops-chat release.deployed accepted");
    assertThat(payloads.get(0).path("bodySha256").asText())
        .isEqualTo(CanonicalJson.sha256(received.get(0).text()));
    assertThat(payloads.get(1).path("status").asInt()).isEqualTo(200);
    assertThat(recorded(id, WebhookCapability.NOTIFIED))
        .isEqualTo("[\"change-board\",\"ops-chat\"]");
  }

  @Test
  void neitherTheUrlNorTheSecretReachesVariablesEvidenceOrIncidents() {
    answer(OPS_CHAT, WebhookNotices.DEPLOYED, 500, "oops");
    String id = submit(manifest("change-board", "ops-chat"));
    approveAll(id);
    for (int attempt = 0; attempt < 5 && incidents(id).isEmpty(); attempt++) {
      advanceClock(Duration.ofSeconds(31));
      runJobs();
    }

    List<String> stored = new ArrayList<>();
    history.createHistoricVariableInstanceQuery().list().stream()
        .map(HistoricVariableInstance::getValue)
        .map(String::valueOf)
        .forEach(stored::add);
    evidence.entries(id).stream().map(e -> e.payload().toString()).forEach(stored::add);
    incidents(id).forEach(i -> stored.add(i.getIncidentMessage()));
    stored.add(
        management.getJobExceptionStacktrace(
            management
                .createJobQuery()
                .processInstanceId(instance("deploy", id).getId())
                .withException()
                .singleResult()
                .getId()));

    assertThat(incidents(id)).isNotEmpty();
    assertThat(stored)
        .noneMatch(
            text ->
                text.contains("T0KEN")
                    || text.contains(HttpWebhookTargetTest.SECRET)
                    || text.contains("/hooks/"));
  }

  private void accept(String path, int status) {
    SERVER.stubFor(post(urlEqualTo(path)).willReturn(aResponse().withStatus(status)));
  }

  private void answer(String path, String type, int status, String body) {
    SERVER.stubFor(
        post(urlEqualTo(path))
            .withRequestBody(matchingJsonPath("$.type", equalTo(type)))
            .atPriority(1)
            .willReturn(aResponse().withStatus(status).withBody(body)));
  }

  private List<JsonNode> payloads(String id) {
    return evidence.entries(id).stream()
        .filter(e -> e.type().equals(WebhookNotices.EVIDENCE))
        .map(EvidenceEntry::payload)
        .toList();
  }

  /** Each webhook-notice entry as "endpoint notice outcome". */
  private List<String> notices(String id) {
    return payloads(id).stream()
        .map(
            p ->
                p.path("endpoint").asText()
                    + " "
                    + p.path("notice").asText()
                    + " "
                    + p.path("outcome").asText())
        .toList();
  }

  private JsonNode started(String id) {
    return evidence.entries(id).stream()
        .filter(e -> e.type().equals("deployment-started"))
        .findFirst()
        .orElseThrow()
        .payload();
  }

  /** A recorded variable of the deploy instance, as JSON text. */
  private String recorded(String id, String name) {
    Object value =
        history
            .createHistoricVariableInstanceQuery()
            .processInstanceId(historicInstance("deploy", id))
            .variableName(name)
            .singleResult()
            .getValue();
    return CanonicalJson.of(JSON.valueToTree(value));
  }

  private List<Incident> incidents(String id) {
    var deploy = instance("deploy", id);
    return deploy == null
        ? List.of()
        : runtime.createIncidentQuery().processInstanceId(deploy.getId()).list();
  }
}
