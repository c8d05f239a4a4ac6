package io.countersign.verification;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.countersign.aws.FakeLambdaApi.AliasState;
import io.countersign.process.Variables;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.context.annotation.Import;

/**
 * Lambda releases gated by CloudWatch through deploy.bpmn on the real engine (see {@link
 * CloudWatchProcessSupport}): a canary gated by a CloudWatch rule or an alarm, a missing alarm at
 * the checkpoint, and alarms through the bake window under the default INSUFFICIENT_DATA policy
 * (inconclusive: the window pauses for an operations lead). The other policies: {@link
 * InsufficientDataOkProcessTest}, {@link InsufficientDataAlarmProcessTest}.
 */
@Import(CloudWatchProcessSupport.Credentials.class)
class CloudWatchGatesProcessTest extends CloudWatchProcessSupport {
  @Test
  void aCanaryWhoseCloudWatchRuleCrossesItsThresholdRollsBack() {
    errors(1);
    String id = submit(errorsRule(release("canary10-5")));
    approveAll(id);
    assertThat(lambda.alias("api_handler", "live"))
        .extracting(AliasState::weights)
        .isEqualTo(Map.of("8", 0.1));

    errors(9);
    fireTimer(id, "lambdaTrafficHold");

    assertThat(status(id)).isEqualTo("rolled-back");
    assertThat(statusReason(id)).contains("metric-rules: errors[api_handler] 9 > max 5 FAIL");
    assertThat(lambda.alias("api_handler", "live"))
        .extracting(AliasState::version, AliasState::weights)
        .containsExactly("7", Map.of());
    JsonNode gate =
        payloads(id, "metrics-verdict").stream()
            .filter(p -> p.has("percent"))
            .findFirst()
            .orElseThrow();
    assertThat(gate.get("provider").asText()).isEqualTo("cloudwatch");
    assertThat(gate.get("name").asText()).isEqualTo("errors[api_handler]");
    assertThat(gate.get("query").asText())
        .isEqualTo("AWS/Lambda Errors {FunctionName=api_handler} Sum per 60 s");
    assertThat(gate.get("value").asDouble()).isEqualTo(9.0);
    assertThat(gate.get("verdict").asText()).isEqualTo("FAIL");
    assertThat(gate.get("detail").asText())
        .isEqualTo("9 > max 5 (newest datapoint, 2026-12-01T08:59:00Z)");
    assertThat(gate.get("function").asText()).isEqualTo("api_handler");
    assertThat(gate.get("percent").asInt()).isEqualTo(10);
    assertThat(cloudWatch.calls("GetMetricData"))
        .isNotEmpty()
        .allSatisfy(
            c ->
                assertThat(
                        c.param(
                            "MetricDataQueries.member.1.MetricStat.Metric.Dimensions.member.1.Value"))
                    .isEqualTo("api_handler"));
  }

  @Test
  void aCanaryWhoseCloudWatchRulePassesGoesToAllTrafficAndIsReleased() {
    errors(1);
    String id = submit(errorsRule(release("canary10-5")));
    approveAll(id);
    fireTimer(id, "lambdaTrafficHold");
    advanceClock(java.time.Duration.ofSeconds(60));
    fireTimer(id, "nextEvaluation");

    assertThat(lambda.alias("api_handler", "live"))
        .extracting(AliasState::version, AliasState::weights)
        .containsExactly("8", Map.of());
    assertThat(status(id)).isEqualTo("released");
    assertThat(payloads(id, "metrics-verdict"))
        .allSatisfy(
            p -> {
              assertThat(p.get("provider").asText()).isEqualTo("cloudwatch");
              assertThat(p.get("verdict").asText()).isEqualTo("PASS");
            });
  }

  @Test
  void anAlarmThatGoesToAlarmDuringACanaryRollsBack() {
    String id = submit(alarms(release("canary10-5"), "{function}-errors"));
    approveAll(id);
    assertThat(lambda.alias("api_handler", "live").weights()).isEqualTo(Map.of("8", 0.1));

    cloudWatch.alarm(
        "api_handler-errors",
        "ALARM",
        "Threshold Crossed: 1 datapoint [7.0 (01/12/26 09:04:00)] was greater than the threshold"
            + " (5.0).",
        START.plusSeconds(240));
    fireTimer(id, "lambdaTrafficHold");

    assertThat(status(id)).isEqualTo("rolled-back");
    assertThat(statusReason(id))
        .contains("cloudwatch-alarms: alarm api_handler-errors ALARM FAIL")
        .contains("Threshold Crossed");
    assertThat(lambda.alias("api_handler", "live"))
        .extracting(AliasState::version, AliasState::weights)
        .containsExactly("7", Map.of());
    JsonNode verdict = lastPayload(id, "alarm-verdict");
    assertThat(verdict.get("alarm").asText()).isEqualTo("api_handler-errors");
    assertThat(verdict.get("state").asText()).isEqualTo("ALARM");
    assertThat(verdict.get("stateReason").asText()).startsWith("Threshold Crossed");
    assertThat(verdict.get("stateUpdated").asText()).isEqualTo("2026-12-01T09:04:00Z");
    assertThat(verdict.get("verdict").asText()).isEqualTo("FAIL");
    assertThat(verdict.get("where").asText()).isEqualTo("traffic gate");
    assertThat(verdict.get("function").asText()).isEqualTo("api_handler");
    assertThat(verdict.get("percent").asInt()).isEqualTo(10);
    // The checkpoint looked (the alarm existed, OK), then the gate: one call each.
    assertThat(cloudWatch.calls("DescribeAlarms")).hasSize(2);
    JsonNode gate = lastPayload(id, "lambda-traffic-gate");
    assertThat(gate.get("passed").asBoolean()).isFalse();
    assertThat(gate.get("gates").findValuesAsText("gate"))
        .contains("metric-rules", "cloudwatch-alarms");
  }

  @Test
  void anAlarmDeletedOrUnreadableDuringACanaryStopsTheShift() {
    String id = submit(alarms(release("canary10-5"), "{function}-errors"));
    approveAll(id);

    cloudWatch.deleteAlarm("api_handler-errors");
    fireTimer(id, "lambdaTrafficHold");

    assertThat(status(id)).isEqualTo("rolled-back");
    assertThat(statusReason(id))
        .contains("cloudwatch-alarms: inconclusive, so the shift stops")
        .contains("the alarm does not exist in CloudWatch");
    assertThat(lastPayload(id, "alarm-verdict").get("verdict").asText()).isEqualTo("INCONCLUSIVE");
    assertThat(lambda.alias("api_handler", "live"))
        .extracting(AliasState::version, AliasState::weights)
        .containsExactly("7", Map.of());

    cloudWatch.alarm("api_handler-errors", "OK", "Threshold not crossed", START);
    String throttled = submit(alarms(release("canary10-5"), "{function}-errors"));
    approveAll(throttled);
    cloudWatch.failNext("DescribeAlarms", 1, 400, "Throttling", "Rate exceeded");
    fireTimer(throttled, "lambdaTrafficHold");

    assertThat(status(throttled)).isEqualTo("rolled-back");
    assertThat(statusReason(throttled))
        .contains(
            "CloudWatch alarms could not be read: CloudWatch DescribeAlarms failed: Throttling:"
                + " Rate exceeded (HTTP 400)");
  }

  @Test
  void anAlarmTheManifestNamesThatDoesNotExistRefusesTheReleaseAtTheCheckpoint() {
    String id = submit(alarms(release("canary10-5"), "{function}-errors", "medication-5xx"));
    approveAll(id);

    assertThat(status(id)).isEqualTo("failed");
    assertThat(statusReason(id))
        .startsWith("Failed at the deployment checkpoint, nothing was changed")
        .contains("alarm medication-5xx: does not exist in CloudWatch");
    assertThat(lambda.alias("api_handler", "live"))
        .extracting(AliasState::version, AliasState::weights)
        .containsExactly("7", Map.of());
    assertThat(evidenceTypes(id)).doesNotContain("alarm-verdict", "rollback-started");
  }

  @Test
  void anAlarmInAlarmDuringTheBakeWindowRollsBack() {
    String id = submit(alarms(release("all-at-once"), "{function}-errors"));
    approveAll(id);
    assertThat(hasTimer(id, "nextEvaluation")).isTrue();

    cloudWatch.alarm("api_handler-errors", "ALARM", "Threshold Crossed", START.plusSeconds(20));
    advanceClock(java.time.Duration.ofSeconds(30));
    fireTimer(id, "nextEvaluation");

    assertThat(status(id)).isEqualTo("rolled-back");
    assertThat(statusReason(id))
        .contains("alarm firing: alarm api_handler-errors ALARM FAIL")
        .contains("Threshold Crossed");
    assertThat(lambda.alias("api_handler", "live").version()).isEqualTo("7");
    assertThat(payloads(id, "alarm-verdict"))
        .extracting(p -> p.get("where").asText() + " " + p.get("verdict").asText())
        .endsWith("bake window PASS", "bake window FAIL");
  }

  @Test
  void insufficientDataInTheBakeWindowPausesForAnOperationsLeadWhoContinues() {
    String id = submit(alarms(release("all-at-once"), "{function}-errors"));
    approveAll(id);
    cloudWatch.alarm(
        "api_handler-errors",
        "INSUFFICIENT_DATA",
        "Insufficient Data: 1 datapoint was unknown.",
        START.plusSeconds(20));
    advanceClock(java.time.Duration.ofSeconds(30));
    fireTimer(id, "nextEvaluation");

    String deploy = instance("deploy", id).getId();
    assertThat(runtime.getVariable(deploy, Variables.STEP_OUTCOME)).isEqualTo("paused");
    assertThat(runtime.getVariable(deploy, Variables.METRICS_INCONCLUSIVE_REASON).toString())
        .contains("alarm api_handler-errors INSUFFICIENT_DATA INCONCLUSIVE");
    completeAs(
        "ops-lead",
        openTask(id, "decideInconclusiveMetrics").getId(),
        Map.of(
            Variables.METRICS_DECISION,
            "continue",
            Variables.COMMENT,
            "No invocations at this hour; the function is idle"));
    runJobs();
    advanceClock(java.time.Duration.ofSeconds(30));
    fireTimer(id, "nextEvaluation");

    assertThat(status(id)).isEqualTo("released");
    List<JsonNode> verdicts = payloads(id, "alarm-verdict");
    assertThat(verdicts)
        .extracting(
            p ->
                p.get("where").asText()
                    + ": "
                    + p.get("state").asText()
                    + " "
                    + p.get("verdict").asText())
        .containsExactly(
            // The final gate with all traffic on the new version, then the bake window's looks.
            "traffic gate: OK PASS",
            "bake window: OK PASS",
            "bake window: INSUFFICIENT_DATA INCONCLUSIVE",
            "bake window: INSUFFICIENT_DATA INCONCLUSIVE");
    assertThat(verdicts.get(3).get("acceptedBy").asText()).isEqualTo("operations lead (continue)");
    assertThat(evidenceTypes(id)).contains("metrics-decision", "bake-window-observed");
  }

  @Test
  void insufficientDataInTheBakeWindowRollsBackWhenTheOperationsLeadSaysSo() {
    String id = submit(alarms(release("all-at-once"), "{function}-errors"));
    approveAll(id);
    cloudWatch.alarm("api_handler-errors", "INSUFFICIENT_DATA", "no data", START);
    advanceClock(java.time.Duration.ofSeconds(30));
    fireTimer(id, "nextEvaluation");

    completeAs(
        "ops-lead",
        openTask(id, "decideInconclusiveMetrics").getId(),
        Map.of(Variables.METRICS_DECISION, "rollback", Variables.COMMENT, "Cannot tell: back"));
    runJobs();

    assertThat(status(id)).isEqualTo("rolled-back");
    assertThat(lambda.alias("api_handler", "live").version()).isEqualTo("7");
  }
}
