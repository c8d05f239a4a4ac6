package io.countersign.verification;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyMap;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.ArgumentMatchers.argThat;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.Mockito.doReturn;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.spy;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.verifyNoInteractions;
import static org.mockito.Mockito.when;

import io.countersign.FakeExecution;
import io.countersign.evidence.EvidenceLog;
import io.countersign.manifest.ReleaseManifest.HttpCheck;
import io.countersign.manifest.ReleaseManifest.MetricRule;
import io.countersign.process.StepSupport;
import io.countersign.process.TargetRegistry;
import io.countersign.process.Variables;
import io.countersign.verification.VerificationTarget.CheckResult;
import io.countersign.verification.VerificationTarget.MetricVerdict;
import io.countersign.verification.VerificationTarget.Verdict;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import org.camunda.bpm.engine.delegate.BpmnError;
import org.camunda.bpm.engine.impl.util.ClockUtil;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class VerificationDelegatesTest {
  private static final Instant NOW = Instant.parse("2025-01-10T10:00:00Z");
  private static final String CHECKS =
      "\"healthChecks\":[{\"name\":\"api-health\",\"url\":\"https://staging.medication.example/health\"}],"
          + "\"smokeTests\":[{\"name\":\"login\",\"method\":\"POST\",\"url\":\"https://staging.medication.example/login\"}]";
  private static final String METRICS =
      "\"metrics\":[{\"name\":\"error-rate\",\"query\":\"rate(errors[5m])\",\"max\":0.001},"
          + "{\"name\":\"p95\",\"query\":\"histogram_quantile(0.95, x)\",\"max\":0.2}]";

  /** The behaviour these tests were written for; pausing is tested in WatchMetricsGateTest. */
  private static final VerificationProperties FAIL_ON_INCONCLUSIVE =
      new VerificationProperties(
          "dry-run",
          VerificationManifestCheckTest.PROPERTIES.allowedHosts(),
          null,
          null,
          VerificationProperties.Inconclusive.FAIL,
          null,
          null);

  private final VerificationTarget target =
      spy(new VerificationTargets().verificationTarget(VerificationManifestCheckTest.PROPERTIES));
  private final EvidenceLog evidence = mock(EvidenceLog.class);
  private final HttpChecks checks =
      new HttpChecks(target, VerificationManifestCheckTest.PROPERTIES);
  private final DataChecks dataChecks = new DataChecks(name -> java.util.Optional.empty());
  private final VerifyReleaseDelegate verify =
      new VerifyReleaseDelegate(
          checks, dataChecks, evidence, FakeExecution.variableStart(evidence));
  private final WatchMetricsDelegate watch =
      new WatchMetricsDelegate(
          target, FAIL_ON_INCONCLUSIVE, evidence, FakeExecution.variableStart(evidence));
  private final VerifyRestorationDelegate restoration =
      new VerifyRestorationDelegate(
          checks, dataChecks, evidence, FakeExecution.variableManifests(), recorded());

  @AfterEach
  void resetClock() {
    ClockUtil.reset();
  }

  @Test
  void dryRunTargetCallsNothingAndPasses() {
    VerificationTarget dryRun = new DryRunVerificationTarget();

    assertThat(
            dryRun.check(
                new HttpCheck(
                    "api-health",
                    null,
                    "https://staging.medication.example/health",
                    200,
                    null,
                    null,
                    null,
                    null,
                    null)))
        .isEqualTo(
            new CheckResult(
                "api-health",
                "https://staging.medication.example/health",
                true,
                null,
                0,
                "dry-run: not called",
                null,
                0));
    assertThat(dryRun.evaluate(new MetricRule("error-rate", "rate(errors[5m])", 0.001, null)))
        .isEqualTo(
            new MetricVerdict(
                "error-rate",
                "rate(errors[5m])",
                null,
                "max 0.001",
                Verdict.PASS,
                "dry-run: not called"));
    assertThat(VerificationTarget.threshold(new MetricRule("x", "q", 0.9, 0.5)))
        .isEqualTo("min 0.5, max 0.9");
  }

  @Test
  void liveModeStartsAndAnUnknownModeRefusesTo() {
    assertThat(
            new VerificationTargets().verificationTarget(VerificationProperties.of("live", null)))
        .isInstanceOf(LiveVerificationTarget.class);
    assertThatThrownBy(
            () ->
                new VerificationTargets()
                    .verificationTarget(VerificationProperties.of("maybe", null)))
        .hasMessage("countersign.targets.verification.mode must be live or dry-run, not 'maybe'");
  }

  @Test
  void verifySkipsWithEvidenceWithoutChecks() throws Exception {
    FakeExecution fake =
        new FakeExecution(FakeExecution.manifest("\"verification\":{" + METRICS + "}"));

    verify.execute(fake.execution);

    verify(evidence)
        .record(
            "rel-1",
            "step-skipped",
            "countersign",
            Map.of(
                "step",
                "verifyRelease",
                "reason",
                "the manifest has no health checks, smoke tests or data checks"));
    verifyNoInteractions(target);
  }

  @Test
  void verifyDrillFailsBeforeCallingAnything() {
    FakeExecution fake =
        new FakeExecution(
            FakeExecution.manifest(
                "\"verification\":{" + CHECKS + "},\"drill\":{\"failAt\":\"verifyRelease\"}"));

    assertThatThrownBy(() -> verify.execute(fake.execution)).isInstanceOf(BpmnError.class);
    verifyNoInteractions(target, evidence);
    assertThat(fake.variables).containsEntry(Variables.FAILED_STEP, "verifyRelease");
  }

  @Test
  void verifyRecordsEveryResultInOrder() throws Exception {
    verify.execute(
        new FakeExecution(FakeExecution.manifest("\"verification\":{" + CHECKS + "}")).execution);

    verify(evidence)
        .record(
            "rel-1",
            "verification-result",
            "countersign",
            Map.of(
                "kind",
                "health-check",
                "name",
                "api-health",
                "url",
                "https://staging.medication.example/health",
                "passed",
                true,
                "latencyMs",
                0L,
                "attempts",
                0,
                "detail",
                "dry-run: not called"));
    verify(evidence)
        .record(
            eq("rel-1"),
            eq("verification-result"),
            eq("countersign"),
            argThat(p -> p.get("kind").equals("smoke-test") && p.get("name").equals("login")));
  }

  @Test
  void verifyFailureRunsTheRestThenFailsTheStep() {
    doReturn(
            new CheckResult(
                "api-health",
                "https://staging.medication.example/health",
                false,
                503,
                12,
                "expected 200, got 503"))
        .when(target)
        .check(argThat(c -> c.name().equals("api-health")));
    FakeExecution fake =
        new FakeExecution(FakeExecution.manifest("\"verification\":{" + CHECKS + "}"));

    assertThatThrownBy(() -> verify.execute(fake.execution))
        .isInstanceOfSatisfying(
            BpmnError.class, e -> assertThat(e.getErrorCode()).isEqualTo(StepSupport.STEP_FAILED))
        .hasMessage("verification failed: health-check api-health: expected 200, got 503");
    verify(evidence, times(2))
        .record(anyString(), eq("verification-result"), anyString(), anyMap());
    assertThat(fake.variables)
        .containsEntry(Variables.FAILED_STEP, "verifyRelease")
        .containsEntry(
            Variables.FAILURE_REASON,
            "verification failed: health-check api-health: expected 200, got 503");
  }

  @Test
  void verifyNeverCallsAHostTheAllowListNoLongerPermits() {
    FakeExecution fake =
        new FakeExecution(
            FakeExecution.manifest(
                "\"verification\":{\"healthChecks\":[{\"name\":\"sneaky\",\"url\":\"http://169.254.169.254/latest/meta-data\"}]}"));

    assertThatThrownBy(() -> verify.execute(fake.execution))
        .isInstanceOf(BpmnError.class)
        .hasMessageContaining("not called: url host '169.254.169.254' is not allowed for staging");
    verify(target, never()).check(any());
  }

  @Test
  void watchSkipsWithoutAVerificationSectionAndLetsTheGatewayPass() throws Exception {
    FakeExecution fake = new FakeExecution(FakeExecution.manifest(""));

    watch.execute(fake.execution);

    assertThat(fake.variables).containsEntry(Variables.STEP_OUTCOME, "done");
    verify(evidence)
        .record(
            eq("rel-1"),
            eq("step-skipped"),
            eq("countersign"),
            argThat(p -> p.get("step").equals("watchMetrics")));
  }

  @Test
  void watchHoldsTheDefaultWindowThenPasses() throws Exception {
    ClockUtil.setCurrentTime(Date.from(NOW));
    FakeExecution fake =
        new FakeExecution(FakeExecution.manifest("\"verification\":{" + METRICS + "}"));

    watch.execute(fake.execution);
    assertThat(fake.variables)
        .containsEntry(Variables.STEP_OUTCOME, "running")
        .containsEntry(Variables.METRICS_WINDOW_ENDS, "2025-01-10T10:10:00Z")
        .containsEntry(Variables.METRICS_INTERVAL, "PT1M");

    // Evaluated on time, every interval, as the model's timer runs it.
    for (int minute = 1; minute < 10; minute++) {
      ClockUtil.setCurrentTime(Date.from(NOW.plusSeconds(minute * 60)));
      watch.execute(fake.execution);
      assertThat(fake.variables)
          .containsEntry(Variables.STEP_OUTCOME, "running")
          .containsEntry(Variables.METRICS_WINDOW_ENDS, "2025-01-10T10:10:00Z");
    }

    ClockUtil.setCurrentTime(Date.from(NOW.plusSeconds(10 * 60)));
    watch.execute(fake.execution);
    assertThat(fake.variables).containsEntry(Variables.STEP_OUTCOME, "done");
    verify(evidence, times(22))
        .record(
            eq("rel-1"),
            eq("metrics-verdict"),
            eq("countersign"),
            argThat(
                p ->
                    p.get("verdict").equals("PASS")
                        && p.get("windowEnds").equals("2025-01-10T10:10:00Z")));
    verify(evidence)
        .record(
            eq("rel-1"),
            eq("bake-window-observed"),
            eq("countersign"),
            argThat(
                p ->
                    p.get("observedFrom").equals("2025-01-10T10:00:00Z")
                        && p.get("observedTo").equals("2025-01-10T10:10:00Z")
                        && p.get("evaluations").equals(11L)
                        && p.get("toleratedGap").equals("PT3M")));
    verify(evidence, never()).record(any(), eq("bake-window-gap"), any(), any());
  }

  @Test
  void anUnwatchedGapRestartsTheBakeWindow() throws Exception {
    ClockUtil.setCurrentTime(Date.from(NOW));
    FakeExecution fake =
        new FakeExecution(FakeExecution.manifest("\"verification\":{" + METRICS + "}"));
    watch.execute(fake.execution);
    // Within the tolerated gap (three intervals): still one unbroken watch.
    ClockUtil.setCurrentTime(Date.from(NOW.plusSeconds(3 * 60)));
    watch.execute(fake.execution);
    assertThat(fake.variables).containsEntry(Variables.METRICS_EVALUATIONS, 2L);

    // The node was down for nine minutes: the window would have ended unwatched one minute later.
    ClockUtil.setCurrentTime(Date.from(NOW.plusSeconds(12 * 60)));
    watch.execute(fake.execution);
    assertThat(fake.variables)
        .containsEntry(Variables.STEP_OUTCOME, "running")
        .containsEntry(Variables.METRICS_WINDOW_ENDS, "2025-01-10T10:22:00Z")
        .containsEntry(Variables.METRICS_OBSERVED_SINCE, "2025-01-10T10:12:00Z")
        .containsEntry(Variables.METRICS_EVALUATIONS, 1L);
    verify(evidence)
        .record(
            eq("rel-1"),
            eq("bake-window-gap"),
            eq("countersign"),
            argThat(
                p ->
                    p.get("previousEvaluation").equals("2025-01-10T10:03:00Z")
                        && p.get("gap").equals("PT9M")
                        && p.get("policy").equals("restart")
                        && p.get("windowEndedAt").equals("2025-01-10T10:10:00Z")
                        && p.get("windowEnds").equals("2025-01-10T10:22:00Z")));

    for (int minute = 13; minute < 22; minute++) {
      ClockUtil.setCurrentTime(Date.from(NOW.plusSeconds(minute * 60)));
      watch.execute(fake.execution);
      assertThat(fake.variables).containsEntry(Variables.STEP_OUTCOME, "running");
    }
    ClockUtil.setCurrentTime(Date.from(NOW.plusSeconds(22 * 60)));
    watch.execute(fake.execution);
    assertThat(fake.variables).containsEntry(Variables.STEP_OUTCOME, "done");
    verify(evidence)
        .record(
            eq("rel-1"),
            eq("bake-window-observed"),
            eq("countersign"),
            argThat(
                p ->
                    p.get("observedFrom").equals("2025-01-10T10:12:00Z")
                        && p.get("evaluations").equals(11L)));
  }

  @Test
  void anUnwatchedGapCanExtendTheBakeWindowInstead() throws Exception {
    WatchMetricsDelegate extending =
        new WatchMetricsDelegate(
            target,
            new VerificationProperties(
                "dry-run",
                VerificationManifestCheckTest.PROPERTIES.allowedHosts(),
                null,
                null,
                VerificationProperties.Inconclusive.FAIL,
                null,
                new VerificationProperties.BakeGaps(2, VerificationProperties.GapPolicy.EXTEND)),
            evidence,
            FakeExecution.variableStart(evidence));
    ClockUtil.setCurrentTime(Date.from(NOW));
    FakeExecution fake =
        new FakeExecution(FakeExecution.manifest("\"verification\":{" + METRICS + "}"));
    extending.execute(fake.execution);

    // Five minutes unwatched, one interval of which an evaluation on time would have waited anyway.
    ClockUtil.setCurrentTime(Date.from(NOW.plusSeconds(5 * 60)));
    extending.execute(fake.execution);
    assertThat(fake.variables)
        .containsEntry(Variables.METRICS_WINDOW_ENDS, "2025-01-10T10:14:00Z")
        .containsEntry(Variables.METRICS_OBSERVED_SINCE, "2025-01-10T10:00:00Z");
    verify(evidence)
        .record(
            eq("rel-1"),
            eq("bake-window-gap"),
            eq("countersign"),
            argThat(p -> p.get("policy").equals("extend") && p.get("toleratedGap").equals("PT2M")));

    for (int minute = 6; minute < 14; minute++) {
      ClockUtil.setCurrentTime(Date.from(NOW.plusSeconds(minute * 60)));
      extending.execute(fake.execution);
      assertThat(fake.variables).containsEntry(Variables.STEP_OUTCOME, "running");
    }
    ClockUtil.setCurrentTime(Date.from(NOW.plusSeconds(14 * 60)));
    extending.execute(fake.execution);
    assertThat(fake.variables).containsEntry(Variables.STEP_OUTCOME, "done");
  }

  @Test
  void aGapToleranceBelowTwoIntervalsIsRefused() {
    assertThatThrownBy(() -> new VerificationProperties.BakeGaps(1, null))
        .hasMessage(
            "countersign.targets.verification.gaps.tolerance must be at least 2 intervals, not 1"
                + " (one interval is the gap between two evaluations on time)");
  }

  @Test
  void watchUsesTheManifestsWindowAndIntervalAndAZeroWindowPassesAtOnce() throws Exception {
    ClockUtil.setCurrentTime(Date.from(NOW));
    FakeExecution fake =
        new FakeExecution(
            FakeExecution.manifest(
                "\"verification\":{\"bakeWindow\":\"PT0S\",\"interval\":\"PT30S\"}"));

    watch.execute(fake.execution);

    assertThat(fake.variables)
        .containsEntry(Variables.STEP_OUTCOME, "done")
        .containsEntry(Variables.METRICS_WINDOW_ENDS, "2025-01-10T10:00:00Z")
        .containsEntry(Variables.METRICS_INTERVAL, "PT30S");
  }

  @Test
  void watchWithoutRulesStillHonoursTheWindow() throws Exception {
    ClockUtil.setCurrentTime(Date.from(NOW));
    FakeExecution fake =
        new FakeExecution(FakeExecution.manifest("\"verification\":{\"bakeWindow\":\"PT2M\"}"));

    watch.execute(fake.execution);

    assertThat(fake.variables).containsEntry(Variables.STEP_OUTCOME, "running");
  }

  @Test
  void watchFailsAtOnceWhenAThresholdIsCrossed() {
    ClockUtil.setCurrentTime(Date.from(NOW));
    doReturn(new MetricVerdict("p95", "q", 0.45, "max 0.2", Verdict.FAIL, null))
        .when(target)
        .evaluate(argThat(r -> r.name().equals("p95")));
    FakeExecution fake =
        new FakeExecution(FakeExecution.manifest("\"verification\":{" + METRICS + "}"));

    assertThatThrownBy(() -> watch.execute(fake.execution))
        .isInstanceOfSatisfying(
            BpmnError.class, e -> assertThat(e.getErrorCode()).isEqualTo(StepSupport.STEP_FAILED))
        .hasMessage("metric threshold crossed: p95 = 0.45 (max 0.2)");
    assertThat(fake.variables)
        .containsEntry(Variables.STEP_OUTCOME, "failed")
        .containsEntry(Variables.FAILED_STEP, "watchMetrics");
    verify(evidence)
        .record(
            eq("rel-1"),
            eq("metrics-verdict"),
            eq("countersign"),
            argThat(p -> p.get("verdict").equals("FAIL")));
  }

  @Test
  void watchKeepsWatchingWhileInconclusiveButFailsIfStillInconclusiveAtTheEnd() throws Exception {
    ClockUtil.setCurrentTime(Date.from(NOW));
    doReturn(new MetricVerdict("p95", "q", null, "max 0.2", Verdict.INCONCLUSIVE, "no data"))
        .when(target)
        .evaluate(argThat(r -> r.name().equals("p95")));
    FakeExecution fake =
        new FakeExecution(FakeExecution.manifest("\"verification\":{" + METRICS + "}"));

    watch.execute(fake.execution);
    assertThat(fake.variables).containsEntry(Variables.STEP_OUTCOME, "running");

    for (int minute = 1; minute < 10; minute++) {
      ClockUtil.setCurrentTime(Date.from(NOW.plusSeconds(minute * 60)));
      watch.execute(fake.execution);
    }
    ClockUtil.setCurrentTime(Date.from(NOW.plusSeconds(600)));
    assertThatThrownBy(() -> watch.execute(fake.execution))
        .isInstanceOf(BpmnError.class)
        .hasMessage(
            "metrics inconclusive at the end of the bake window: p95 = null (max 0.2): no data");
    assertThat(fake.variables).containsEntry(Variables.STEP_OUTCOME, "failed");
  }

  @Test
  void watchDrillFailsBeforeEvaluating() {
    FakeExecution fake =
        new FakeExecution(
            FakeExecution.manifest(
                "\"verification\":{" + METRICS + "},\"drill\":{\"failAt\":\"watchMetrics\"}"));

    assertThatThrownBy(() -> watch.execute(fake.execution)).isInstanceOf(BpmnError.class);
    verifyNoInteractions(target);
    assertThat(fake.variables).doesNotContainKey(Variables.METRICS_WINDOW_ENDS);
  }

  /** The registry as far as restoration reads it: the variables the act and undo steps record. */
  private static TargetRegistry recorded() {
    TargetRegistry registry = mock(TargetRegistry.class);
    when(registry.recordedVariables())
        .thenReturn(
            List.of(
                Variables.DB_VERSION_BEFORE,
                Variables.DB_APPLIED_VERSIONS,
                Variables.LAMBDA_PREVIOUS_VERSIONS,
                Variables.LAMBDA_REVERTED,
                Variables.FRONTEND_PREVIOUS_RELEASE,
                Variables.FRONTEND_RESTORED,
                Variables.K8S_PREVIOUS_IMAGES,
                Variables.K8S_UNDONE));
    return registry;
  }

  @Test
  void restorationRecordsTheChecksAndWhatWasUndone() throws Exception {
    FakeExecution fake =
        new FakeExecution(FakeExecution.manifest("\"verification\":{" + CHECKS + "}"));
    fake.variables.put(Variables.LAMBDA_PREVIOUS_VERSIONS, Map.of("api_handler", "7"));
    fake.variables.put(Variables.LAMBDA_REVERTED, List.of("api_handler"));
    fake.variables.put(Variables.FRONTEND_PREVIOUS_RELEASE, "releases/2.3.0/");

    restoration.execute(fake.execution);

    assertThat(fake.variables).containsEntry(Variables.RESTORATION_VERIFIED, true);
    verify(target, times(1))
        .check(argThat(c -> c.name().equals("api-health"))); // health checks only, not smoke tests
    verify(evidence)
        .record(
            eq("rel-1"),
            eq("restoration-verified"),
            eq("countersign"),
            argThat(
                p ->
                    p.get("passed").equals(true)
                        && ((List<?>) p.get("checks")).size() == 1
                        && p.get("whatWasUndone")
                            .equals(
                                Map.of(
                                    Variables.LAMBDA_PREVIOUS_VERSIONS,
                                    Map.of("api_handler", "7"),
                                    Variables.LAMBDA_REVERTED,
                                    List.of("api_handler"),
                                    Variables.FRONTEND_PREVIOUS_RELEASE,
                                    "releases/2.3.0/"))));
  }

  @Test
  void restorationFailureIsForPeopleToActOnNotAnotherRollback() throws Exception {
    doReturn(new CheckResult("api-health", "u", false, 500, 3, "expected 200, got 500"))
        .when(target)
        .check(any());
    FakeExecution fake =
        new FakeExecution(FakeExecution.manifest("\"verification\":{" + CHECKS + "}"));

    restoration.execute(
        fake.execution); // no BpmnError: the model's gateway ends the release as failed

    assertThat(fake.variables)
        .containsEntry(Variables.RESTORATION_VERIFIED, false)
        .containsEntry(
            Variables.FAILURE_REASON,
            "restoration not verified after rollback: api-health: expected 200, got 500");
    verify(evidence)
        .record(
            eq("rel-1"),
            eq("restoration-verified"),
            eq("countersign"),
            argThat(p -> p.get("passed").equals(false)));
  }
}
