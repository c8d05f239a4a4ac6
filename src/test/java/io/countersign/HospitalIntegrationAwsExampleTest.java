package io.countersign;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.countersign.process.Variables;
import java.util.List;
import org.camunda.bpm.engine.task.Task;
import org.junit.jupiter.api.Test;

/**
 * The AWS team's example (examples/hospital-integration-aws) end to end on the embedded default,
 * where every cloud kind runs in dry-run: the stack planned before the sign-off and shown to the
 * approvers, executed after it, both functions configured and checked before and after traffic, the
 * CloudWatch rules and alarm judged in the bake window, every step in the evidence.
 */
class HospitalIntegrationAwsExampleTest extends ProcessTestSupport {
  private static final List<String> TIMERS =
      List.of(
          "stackPlanPoll", "stackPoll", "lambdaUpdatePoll", "lambdaTrafficHold", "nextEvaluation");

  @Test
  void theAwsTeamsReleaseIsPlannedSignedDeployedCheckedAndWatched() {
    String id = submit(exampleFile("examples/hospital-integration-aws/release-staging.yaml"));
    settle(id);

    List<Task> signOffs = openTasks(id, "approveRelease");
    assertThat(signOffs).as(status(id) + ": " + statusReason(id)).isNotEmpty();
    Object changeSet = tasks.getVariable(signOffs.get(0).getId(), "stackChangeSet");
    assertThat(String.valueOf(changeSet)).contains("hospital-integration").contains("dry run");
    assertThat(
            String.valueOf(
                runtime.getVariable(instance("release", id).getId(), Variables.PLANNED_STEPS)))
        .contains("hl7_ingest")
        .contains("memory -> 512 MB")
        .contains("DB_PASSWORD from Secrets Manager hospital/staging/db");

    approveAll(id);
    settle(id);
    if ("awaiting-evidence".equals(status(id))) {
      postDeploymentEvidence(id);
      settle(id);
    }

    assertThat(status(id)).as(statusReason(id)).isEqualTo("released");
    assertThat(evidenceTypes(id))
        .containsSubsequence(
            "stack-planned",
            "stack-change-executed",
            "lambda-configuration-updated",
            "lambda-traffic-check",
            "lambda-traffic-check",
            "bake-window-observed");
    List<JsonNode> checks = payloads(id, "lambda-traffic-check");
    assertThat(checks)
        .extracting(c -> c.path("function").asText() + " " + c.path("phase").asText())
        .contains("hl7_ingest before", "hl7_ingest after", "alert_router before");
    assertThat(payloads(id, "metrics-verdict"))
        .extracting(v -> v.path("provider").asText() + " " + v.path("name").asText())
        .contains("cloudwatch errors[hl7_ingest]", "cloudwatch error-rate[alert_router]");
    assertThat(payloads(id, "alarm-verdict"))
        .extracting(v -> v.path("alarm").asText())
        .contains("hospital-hl7_ingest-errors", "hospital-alert_router-errors");
    // Secret references are named, never resolved, in a dry run.
    assertThat(payloads(id, "lambda-configuration-updated"))
        .filteredOn(p -> p.path("function").asText().equals("hl7_ingest"))
        .singleElement()
        .satisfies(
            p ->
                assertThat(p.path("references").toString())
                    .contains("hospital/staging/db")
                    .contains("unknown (dry-run)"));
    if (hasTimer(id, "rollbackWindowOver")) {
      fireTimer(id, "rollbackWindowOver");
    }
  }

  /** Fires the waits' timers until none is left: in a dry run every wait is one look. */
  private void settle(String id) {
    runJobs();
    for (int round = 0; round < 60; round++) {
      boolean fired = false;
      for (String timer : TIMERS) {
        if (hasTimer(id, timer)) {
          advanceClock(java.time.Duration.ofMinutes(1));
          fireTimer(id, timer);
          fired = true;
        }
      }
      if (!fired) {
        return;
      }
    }
    throw new AssertionError("the release kept waiting: " + status(id));
  }
}
