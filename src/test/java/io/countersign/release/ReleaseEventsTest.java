package io.countersign.release;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.countersign.ProcessTestSupport;
import io.countersign.notify.Notifications;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.camunda.bpm.engine.runtime.Job;
import org.camunda.bpm.engine.task.Task;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.context.TestPropertySource;

/**
 * Which events a release publishes, and what they carry, on the real engine: every path that should
 * tell somebody (a sign-off waiting, escalated, expired; an override asked for, decided and due for
 * review; a rollback started and finished; an incident opened and resolved) writes its event to the
 * outbox in the transaction of the step. Read from the outbox of a channel that wants everything
 * ("everything", delivery off here: notify.OutboxDeliveryTest covers sending).
 */
@TestPropertySource(
    properties = {
      "countersign.notifications.delivery.enabled=false",
      "countersign.notifications.webhooks.everything.url=https://receiver.example.org/events",
      "countersign.notifications.webhooks.everything.secret=events-secret-0123456789",
      "countersign.base-url=https://countersign.example.org",
    })
class ReleaseEventsTest extends ProcessTestSupport {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Autowired ReleaseActions actions;

  @BeforeEach
  void emptyOutbox() {
    jdbc.update("DELETE FROM cs_notification_outbox");
  }

  /** The events of a release, oldest first, as the channel would get them. */
  private List<JsonNode> events(String releaseId) {
    return jdbc
        .queryForList(
            "SELECT payload FROM cs_notification_outbox WHERE release_id = ? AND channel = ?"
                + " ORDER BY seq",
            String.class,
            releaseId,
            "everything")
        .stream()
        .map(ReleaseEventsTest::parse)
        .toList();
  }

  private List<JsonNode> events(String releaseId, String type) {
    return events(releaseId).stream().filter(e -> e.path("type").asText().equals(type)).toList();
  }

  private static JsonNode parse(String json) {
    try {
      return JSON.readTree(json);
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private static List<String> texts(JsonNode array) {
    return java.util.stream.StreamSupport.stream(array.spliterator(), false)
        .map(JsonNode::asText)
        .toList();
  }

  @Test
  void aRollbackIsStartedThenFinishedRestored() {
    ObjectNode manifest = example("staging");
    manifest.putObject("drill").put("failAt", "verifyRelease");
    String id = submit(manifest);
    approveAll(id);
    runJobs();
    assertThat(status(id)).isEqualTo("rolled-back");

    JsonNode started = events(id, Notifications.ROLLBACK_STARTED).get(0).path("data");
    assertThat(started.path("reason").asText())
        .isEqualTo("Rollback drill: step verifyRelease failed as the manifest asked");
    assertThat(started.path("environment").asText()).isEqualTo("staging");
    assertThat(started.path("requestedBy").asText()).isEqualTo("requester");
    JsonNode finished = events(id, Notifications.ROLLBACK_FINISHED).get(0).path("data");
    assertThat(finished.path("restored").asBoolean()).isTrue();
    assertThat(finished.path("status").asText()).isEqualTo("rolled-back");
    assertThat(events(id).stream().map(e -> e.path("type").asText()))
        .containsSubsequence(
            Notifications.ROLLBACK_STARTED,
            Notifications.STATUS_CHANGED,
            Notifications.ROLLBACK_FINISHED);
  }

  @Test
  void aDecisionWaitsForOperationsLeadsAndARollbackThatLeavesTheDatabaseDidNotRestore() {
    ObjectNode manifest = example("staging");
    ObjectNode database = (ObjectNode) manifest.get("database");
    database.put("migrations", "src/test/resources/db/missing-rollback/migration");
    database.put("rollbacks", "src/test/resources/db/missing-rollback/rollbacks");
    manifest.putObject("drill").put("failAt", "verifyRelease");
    String id = submit(manifest);
    approveAll(id);
    String confirm = openTask(id, "confirmDatabaseRestore").getId();

    JsonNode waiting = events(id, Notifications.DECISION_WAITING).get(0).path("data");
    assertThat(waiting.path("taskId").asText()).isEqualTo(confirm);
    assertThat(waiting.path("taskName").asText()).isEqualTo("Confirm database restore");
    assertThat(waiting.path("group").asText()).isEqualTo("operations-leads");
    assertThat(texts(waiting.path("mayNotAct"))).containsExactly("requester");

    completeAs(
        "ops-lead",
        confirm,
        Map.of("restoreConfirmed", "leave", "comment", "A DBA repairs it by hand"));
    runJobs();
    assertThat(status(id)).isEqualTo("failed");
    JsonNode finished = events(id, Notifications.ROLLBACK_FINISHED).get(0).path("data");
    assertThat(finished.path("restored").asBoolean()).isFalse();
    assertThat(finished.path("status").asText()).isEqualTo("failed");
  }

  @Test
  void anIncidentIsOpenedAndResolvedWhenTheJobGetsRetriesAgain() {
    String id = submit(example("staging"));
    Job timer =
        management.createJobQuery().timers().activityId("escalationDue").list().stream()
            .filter(j -> id.equals(instanceBusinessKey(j.getProcessInstanceId())))
            .findFirst()
            .orElseThrow();

    // Retries at zero is how the engine opens a failed-job incident (the last retry failed).
    management.setJobRetries(timer.getId(), 0);
    List<JsonNode> opened = events(id, Notifications.INCIDENT_OPENED);
    assertThat(opened).hasSize(1);
    String incidentId = opened.get(0).path("data").path("incidentId").asText();
    assertThat(runtime.createIncidentQuery().incidentId(incidentId).count()).isOne();
    assertThat(opened.get(0).path("data").path("activity").asText()).isEqualTo("escalationDue");

    management.setJobRetries(timer.getId(), 1);
    List<JsonNode> resolved = events(id, Notifications.INCIDENT_RESOLVED);
    assertThat(resolved).hasSize(1);
    assertThat(resolved.get(0).path("data").path("incidentId").asText()).isEqualTo(incidentId);
    assertThat(resolved.get(0).path("data").path("how").asText()).isEqualTo("resolved");

    // An incident that goes with its release is resolved too (nobody is paged for ever).
    management.setJobRetries(timer.getId(), 0);
    assertThat(actions.cancel(id, "test over", "requester", Set.of()).kind())
        .isEqualTo(ReleaseActions.Kind.ACCEPTED);
    List<JsonNode> ended = events(id, Notifications.INCIDENT_RESOLVED);
    assertThat(ended).hasSize(2);
    assertThat(ended.get(1).path("data").path("how").asText())
        .isEqualTo("deleted with its release");
  }

  private String instanceBusinessKey(String processInstanceId) {
    var instance =
        runtime.createProcessInstanceQuery().processInstanceId(processInstanceId).singleResult();
    return instance == null ? null : instance.getBusinessKey();
  }

  @Test
  void eachSignOffWaitsForItsRoleThenEscalatesThenExpires() {
    String id = submit(example("staging"));
    List<Task> open = openTasks(id, "approveRelease");
    List<JsonNode> waiting = events(id, Notifications.SIGN_OFF_WAITING);
    assertThat(waiting).hasSameSizeAs(open).isNotEmpty();
    for (JsonNode event : waiting) {
      JsonNode data = event.path("data");
      String taskId = data.path("taskId").asText();
      String role = (String) tasks.getVariable(taskId, "role");
      assertThat(data.path("role").asText()).isEqualTo(role);
      assertThat(data.path("group").asText()).isEqualTo(role);
      assertThat(texts(data.path("mayNotAct"))).containsExactly("requester");
      assertThat(data.path("links").path("task").asText())
          .isEqualTo(
              "https://countersign.example.org/camunda/app/tasklist/default/#/?task=" + taskId);
      assertThat(data.path("links").path("release").asText())
          .isEqualTo("https://countersign.example.org/api/releases/" + id);
      assertThat(data.path("links").path("console").asText())
          .isEqualTo("https://countersign.example.org/console/releases/" + id);
      // The task carries the policy's escalation and expiry times, as Tasklist shows them.
      Task task = tasks.createTaskQuery().taskId(taskId).singleResult();
      assertThat(data.path("followUp").asText())
          .isEqualTo(task.getFollowUpDate().toInstant().toString());
      assertThat(data.path("due").asText()).isEqualTo(task.getDueDate().toInstant().toString());
      assertThat(
              java.time.Duration.between(
                  task.getCreateTime().toInstant(), task.getFollowUpDate().toInstant()))
          .isEqualTo(
              java.time.Duration.parse(
                  String.valueOf(tasks.getVariable(taskId, "escalationAfter"))));
      assertThat(
              java.time.Duration.between(
                  task.getCreateTime().toInstant(), task.getDueDate().toInstant()))
          .isEqualTo(
              java.time.Duration.parse(String.valueOf(tasks.getVariable(taskId, "expiryAfter"))));
      assertThat(event.path("subject").asText()).isEqualTo(id);
    }

    String signedRole = (String) tasks.getVariable(open.get(0).getId(), "role");
    approve(id, signedRole);
    fireTimer(id, "escalationDue");
    JsonNode escalated = events(id, Notifications.SIGN_OFF_ESCALATED).get(0).path("data");
    assertThat(escalated.path("group").asText()).isEqualTo("release-managers");
    assertThat(texts(escalated.path("openRoles"))).doesNotContain(signedRole).isNotEmpty();
    assertThat(escalated.path("links").path("task").asText()).contains("?task=");

    fireTimer(id, "signOffDeadline");
    runJobs();
    assertThat(status(id)).isEqualTo("expired");
    JsonNode expired = events(id, Notifications.SIGN_OFF_EXPIRED).get(0).path("data");
    assertThat(texts(expired.path("openRoles"))).isEqualTo(texts(escalated.path("openRoles")));
    assertThat(expired.path("reason").asText()).startsWith("Sign-off expired after");
  }

  @Test
  void anOverrideIsRequestedDecidedAndItsReviewFallsDue() {
    ObjectNode manifest = example("production");
    ArrayNode items = (ArrayNode) manifest.get("evidence");
    for (int i = items.size() - 1; i >= 0; i--) {
      if ("security-scan".equals(items.get(i).path("type").asText())) {
        items.remove(i);
      }
    }
    String id = submit(manifest);
    assertThat(
            actions
                .override(id, "extended", "Patient alerts are failing", "INC-7781", "requester")
                .kind())
        .isEqualTo(ReleaseActions.Kind.ACCEPTED);
    JsonNode requested = events(id, Notifications.OVERRIDE_REQUESTED).get(0).path("data");
    assertThat(requested.path("group").asText()).isEqualTo("release-managers");
    assertThat(requested.path("reason").asText()).isEqualTo("Patient alerts are failing");
    assertThat(requested.path("incidentReference").asText()).isEqualTo("INC-7781");
    assertThat(texts(requested.path("mayNotAct"))).containsExactly("requester");
    assertThat(requested.path("environment").asText()).isEqualTo("production");

    completeAs(
        "release-manager",
        openTask(id, "decideOverride").getId(),
        Map.of("overrideDecision", "approve", "comment", "Emergency fix for INC-7781"));
    JsonNode decided = events(id, Notifications.OVERRIDE_DECIDED).get(0).path("data");
    assertThat(decided.path("decision").asText()).isEqualTo("approved");
    assertThat(decided.path("decidedBy").asText()).isEqualTo("release-manager");
    assertThat(decided.path("comment").asText()).isEqualTo("Emergency fix for INC-7781");

    runJobs();
    postDeploymentEvidence(id);
    assertThat(status(id)).isEqualTo("released");
    String review = openTask(id, "reviewOverride").getId();
    JsonNode due = events(id, Notifications.OVERRIDE_REVIEW_DUE).get(0).path("data");
    assertThat(due.path("taskId").asText()).isEqualTo(review);
    assertThat(due.path("group").asText()).isEqualTo("compliance-officers");
    assertThat(texts(due.path("mayNotAct")))
        .containsExactlyInAnyOrder("requester", "release-manager");
    assertThat(due.path("due").asText())
        .isEqualTo(
            tasks
                .createTaskQuery()
                .taskId(review)
                .singleResult()
                .getDueDate()
                .toInstant()
                .toString());

    fireTimer(id, "rollbackWindowOver");
    completeAs(
        "compliance-officer", review, Map.of("validationPlan", "Re-run the scan within 24 h"));
    fireTimer(id, "overrideWindowOver");
    assertThat(instance("release", id)).isNull();
  }
}
