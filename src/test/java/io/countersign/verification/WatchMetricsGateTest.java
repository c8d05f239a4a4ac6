package io.countersign.verification;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.mockito.ArgumentMatchers.argThat;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.verify;

import io.countersign.FakeExecution;
import io.countersign.evidence.EvidenceLog;
import io.countersign.manifest.ReleaseManifest.HttpCheck;
import io.countersign.manifest.ReleaseManifest.MetricRule;
import io.countersign.process.Variables;
import io.countersign.verification.VerificationTarget.MetricVerdict;
import io.countersign.verification.VerificationTarget.Verdict;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.camunda.bpm.engine.delegate.BpmnError;
import org.camunda.bpm.engine.impl.util.ClockUtil;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The bake window's gate with the default inconclusive: pause, and the status it shows Cockpit and
 * REST.
 */
class WatchMetricsGateTest {
  private static final Instant NOW = Instant.parse("2025-01-10T10:00:00Z");
  private static final String METRICS =
      "\"bakeWindow\":\"PT5M\",\"interval\":\"PT30S\",\"metrics\":["
          + "{\"name\":\"error-rate\",\"query\":\"errors\",\"max\":0.01},{\"name\":\"p95-latency\",\"query\":\"p95\",\"max\":0.5}]";

  private final Map<String, Verdict> script = new HashMap<>();
  private final List<MetricRule> asked = new ArrayList<>();
  private final EvidenceLog evidence = mock(EvidenceLog.class);
  private final WatchMetricsDelegate watch =
      new WatchMetricsDelegate(
          new VerificationTarget() {
            @Override
            public CheckResult check(HttpCheck check) {
              throw new AssertionError("not a health check");
            }

            @Override
            public MetricVerdict evaluate(MetricRule rule) {
              asked.add(rule);
              Verdict verdict = script.getOrDefault(rule.name(), Verdict.PASS);
              return switch (verdict) {
                case PASS ->
                    new MetricVerdict(
                        rule.name(),
                        rule.query(),
                        0.002,
                        "max " + rule.max(),
                        verdict,
                        "0.002 ≤ max 0.01");
                case FAIL ->
                    new MetricVerdict(
                        rule.name(),
                        rule.query(),
                        0.9,
                        "max " + rule.max(),
                        verdict,
                        "0.9 > max 0.5");
                case INCONCLUSIVE ->
                    MetricRules.inconclusive(rule, "no data: the query returned an empty result");
              };
            }

            @Override
            public AlarmReading alarms(List<String> names) {
              throw new AssertionError("the manifest names no alarms");
            }
          },
          VerificationProperties.of("live", Map.of()),
          evidence,
          FakeExecution.variableStart(evidence));

  @BeforeEach
  void clock() {
    ClockUtil.setCurrentTime(Date.from(NOW));
  }

  @AfterEach
  void resetClock() {
    ClockUtil.reset();
  }

  @Test
  void everyEvaluationLeavesTheGateStatusForCockpit() throws Exception {
    FakeExecution fake =
        new FakeExecution(FakeExecution.manifest("\"verification\":{" + METRICS + "}"));

    watch.execute(fake.execution);

    assertThat(fake.variables)
        .containsEntry(Variables.STEP_OUTCOME, "running")
        .containsEntry(Variables.METRICS_WINDOW_ENDS, "2025-01-10T10:05:00Z")
        .containsEntry(
            Variables.METRICS_STATUS,
            "error-rate 0.002 ≤ max 0.01 PASS; p95-latency 0.002 ≤ max 0.5 PASS; 5 min left");
    assertThat(fake.variables.get(Variables.METRICS_LAST_VERDICTS))
        .isEqualTo(
            List.of(
                Map.of(
                    "rule",
                    "error-rate",
                    "value",
                    0.002,
                    "threshold",
                    "max 0.01",
                    "verdict",
                    "PASS",
                    "detail",
                    "0.002 ≤ max 0.01",
                    "time",
                    "2025-01-10T10:00:00Z"),
                Map.of(
                    "rule",
                    "p95-latency",
                    "value",
                    0.002,
                    "threshold",
                    "max 0.5",
                    "verdict",
                    "PASS",
                    "detail",
                    "0.002 ≤ max 0.01",
                    "time",
                    "2025-01-10T10:00:00Z")));
  }

  @Test
  void anInconclusiveRulePausesForAPersonInsteadOfFailing() throws Exception {
    script.put("p95-latency", Verdict.INCONCLUSIVE);
    FakeExecution fake =
        new FakeExecution(FakeExecution.manifest("\"verification\":{" + METRICS + "}"));

    watch.execute(fake.execution);

    assertThat(fake.variables)
        .containsEntry(Variables.STEP_OUTCOME, "paused")
        .containsEntry(
            Variables.METRICS_INCONCLUSIVE_REASON,
            "metrics inconclusive: p95-latency = null (max 0.5): no data: the query returned an empty result")
        .doesNotContainKey(Variables.FAILED_STEP);
    assertThat((String) fake.variables.get(Variables.METRICS_STATUS))
        .contains("p95-latency ? (no data: the query returned an empty result) INCONCLUSIVE");
    verify(evidence)
        .record(
            eq("rel-1"),
            eq("metrics-verdict"),
            eq("countersign"),
            argThat(
                p ->
                    p.get("name").equals("p95-latency")
                        && p.get("verdict").equals("INCONCLUSIVE")
                        && p.get("query").equals("p95")
                        && p.get("threshold").equals("max 0.5")));
  }

  @Test
  void afterALeadContinuesTheSameRuleIsNotAskedAboutAgainButANewOneIs() throws Exception {
    script.put("p95-latency", Verdict.INCONCLUSIVE);
    FakeExecution fake =
        new FakeExecution(FakeExecution.manifest("\"verification\":{" + METRICS + "}"));
    watch.execute(fake.execution);
    fake.variables.put(Variables.METRICS_DECISION, "continue"); // the user task's output

    ClockUtil.setCurrentTime(Date.from(NOW.plusSeconds(30)));
    watch.execute(fake.execution);
    assertThat(fake.variables)
        .containsEntry(Variables.STEP_OUTCOME, "running")
        .containsEntry(Variables.METRICS_ACCEPTED, List.of("p95-latency"));
    verify(evidence)
        .record(
            eq("rel-1"),
            eq("metrics-verdict"),
            eq("countersign"),
            argThat(p -> "operations lead (continue)".equals(p.get("acceptedBy"))));

    ClockUtil.setCurrentTime(Date.from(NOW.plusSeconds(60)));
    script.put("error-rate", Verdict.INCONCLUSIVE);
    watch.execute(fake.execution);
    assertThat(fake.variables).containsEntry(Variables.STEP_OUTCOME, "paused");
    assertThat((String) fake.variables.get(Variables.METRICS_INCONCLUSIVE_REASON))
        .contains("error-rate")
        .doesNotContain("p95-latency");
  }

  @Test
  void aWindowThatEndsWithOnlyAcceptedRulesInconclusivePasses() throws Exception {
    script.put("p95-latency", Verdict.INCONCLUSIVE);
    FakeExecution fake =
        new FakeExecution(FakeExecution.manifest("\"verification\":{" + METRICS + "}"));
    watch.execute(fake.execution);
    fake.variables.put(Variables.METRICS_DECISION, "continue");

    // The lead decided within the tolerated gap; the window is then watched every interval to its
    // end.
    for (int seconds = 30; seconds < 300; seconds += 30) {
      ClockUtil.setCurrentTime(Date.from(NOW.plusSeconds(seconds)));
      watch.execute(fake.execution);
      assertThat(fake.variables).containsEntry(Variables.STEP_OUTCOME, "running");
    }
    ClockUtil.setCurrentTime(Date.from(NOW.plusSeconds(300)));
    watch.execute(fake.execution);

    assertThat(fake.variables).containsEntry(Variables.STEP_OUTCOME, "done");
    assertThat((String) fake.variables.get(Variables.METRICS_STATUS)).endsWith("; window over");
  }

  @Test
  void aLeadWhoDecidesAfterTheToleratedGapRestartsTheWindow() throws Exception {
    script.put("p95-latency", Verdict.INCONCLUSIVE);
    FakeExecution fake =
        new FakeExecution(FakeExecution.manifest("\"verification\":{" + METRICS + "}"));
    watch.execute(fake.execution);
    assertThat(fake.variables).containsEntry(Variables.STEP_OUTCOME, "paused");
    fake.variables.put(Variables.METRICS_DECISION, "continue");

    // Ten minutes with the window paused: nobody watched them, so they do not count as baked.
    ClockUtil.setCurrentTime(Date.from(NOW.plusSeconds(600)));
    watch.execute(fake.execution);

    assertThat(fake.variables)
        .containsEntry(Variables.STEP_OUTCOME, "running")
        .containsEntry(Variables.METRICS_WINDOW_ENDS, NOW.plusSeconds(900).toString());
    verify(evidence)
        .record(
            eq("rel-1"),
            eq("bake-window-gap"),
            eq("countersign"),
            argThat(p -> p.get("gap").equals("PT10M") && p.get("policy").equals("restart")));
  }

  @Test
  void aCrossedThresholdStillRollsBackAtOnce() {
    script.put("p95-latency", Verdict.FAIL);
    script.put("error-rate", Verdict.INCONCLUSIVE);
    FakeExecution fake =
        new FakeExecution(FakeExecution.manifest("\"verification\":{" + METRICS + "}"));

    assertThatThrownBy(() -> watch.execute(fake.execution))
        .isInstanceOf(BpmnError.class)
        .hasMessage("metric threshold crossed: p95-latency = 0.9 (max 0.5): 0.9 > max 0.5");
    assertThat(fake.variables).containsEntry(Variables.STEP_OUTCOME, "failed");
  }

  @Test
  void aRuleScopedPerFunctionIsAskedForEachFunctionOfTheRelease() throws Exception {
    FakeExecution fake =
        new FakeExecution(
            FakeExecution.manifest(
                "\"lambda\":{\"target\":\"medication-aws\",\"functions\":["
                    + "{\"name\":\"data_ingestion\",\"artifact\":{\"bucket\":\"b\",\"key\":\"k\"}},"
                    + "{\"name\":\"api_handler\",\"artifact\":{\"bucket\":\"b\",\"key\":\"k\"}}]},"
                    + "\"verification\":{\"metrics\":[{\"name\":\"errors\",\"query\":\"errors{fn=\\\"{function}\\\"}\",\"max\":0.01}]}"));

    watch.execute(fake.execution);

    assertThat(asked)
        .extracting(MetricRule::query)
        .containsExactly("errors{fn=\"data_ingestion\"}", "errors{fn=\"api_handler\"}");
    assertThat((String) fake.variables.get(Variables.METRICS_STATUS))
        .startsWith("errors[data_ingestion] ");
  }
}
