package io.countersign.verification;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.mockito.ArgumentMatchers.argThat;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.verify;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.countersign.FakeExecution;
import io.countersign.evidence.EvidenceLog;
import io.countersign.lambda.TrafficGate;
import io.countersign.manifest.ReleaseManifest;
import io.countersign.manifest.ReleaseManifest.HttpCheck;
import io.countersign.manifest.ReleaseManifest.MetricRule;
import io.countersign.process.Variables;
import io.countersign.verification.Alarms.AlarmVerdict;
import io.countersign.verification.VerificationProperties.AlarmPolicy;
import io.countersign.verification.VerificationProperties.InsufficientData;
import io.countersign.verification.VerificationTarget.AlarmReading;
import io.countersign.verification.VerificationTarget.AlarmState;
import io.countersign.verification.VerificationTarget.MetricVerdict;
import io.countersign.verification.VerificationTarget.Verdict;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.camunda.bpm.engine.delegate.BpmnError;
import org.camunda.bpm.engine.impl.util.ClockUtil;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The alarm gates: each state under each INSUFFICIENT_DATA policy, the traffic gate (one call, the
 * shifting function's alarms, evidence), the bake window (fail, pause, accepted by a lead) and the
 * deployment checkpoint (a missing alarm refuses the release).
 */
class AlarmGatesTest {
  private static final Instant NOW = Instant.parse("2026-12-01T10:00:00Z");
  private static final String SINCE = "2026-12-01T09:40:00Z";
  private static final String LAMBDA =
      "\"lambda\":{\"target\":\"medication-aws\",\"functions\":["
          + "{\"name\":\"api_handler\",\"artifact\":{\"bucket\":\"b\",\"key\":\"k\"}},"
          + "{\"name\":\"data_ingestion\",\"artifact\":{\"bucket\":\"b\",\"key\":\"k\"}}]},";
  private static final String PLAN =
      "\"verification\":{\"bakeWindow\":\"PT5M\",\"interval\":\"PT30S\","
          + "\"alarms\":[\"{function}-errors\",\"medication-api-5xx\"]}";

  private final Map<String, String> states = new LinkedHashMap<>();
  private final List<List<String>> asked = new ArrayList<>();
  private final EvidenceLog evidence = mock(EvidenceLog.class);
  private final VerificationTarget target =
      new VerificationTarget() {
        @Override
        public CheckResult check(HttpCheck check) {
          throw new AssertionError("not a health check");
        }

        @Override
        public MetricVerdict evaluate(MetricRule rule) {
          throw new AssertionError("no metric rules here");
        }

        @Override
        public AlarmReading alarms(List<String> names) {
          asked.add(names);
          if (states.containsKey("*unreadable*")) {
            return AlarmReading.failed("CloudWatch DescribeAlarms failed: Throttling (HTTP 400)");
          }
          return new AlarmReading(
              names.stream()
                  .filter(states::containsKey)
                  .map(n -> new AlarmState(n, "metric", states.get(n), "reason " + n, SINCE))
                  .toList(),
              null);
        }
      };

  @BeforeEach
  void clock() {
    ClockUtil.setCurrentTime(Date.from(NOW));
    states.put("api_handler-errors", "OK");
    states.put("data_ingestion-errors", "OK");
    states.put("medication-api-5xx", "OK");
  }

  @AfterEach
  void resetClock() {
    ClockUtil.reset();
  }

  @Test
  void eachStateUnderEachInsufficientDataPolicy() {
    AlarmState ok = new AlarmState("a", "metric", "OK", "fine", SINCE);
    AlarmState alarm = new AlarmState("a", "metric", "ALARM", "Threshold Crossed", SINCE);
    AlarmState none = new AlarmState("a", "composite", "INSUFFICIENT_DATA", "no data", SINCE);

    for (InsufficientData policy : InsufficientData.values()) {
      assertThat(Alarms.judge(ok, policy).verdict()).isEqualTo(Verdict.PASS);
      assertThat(Alarms.judge(alarm, policy).verdict()).isEqualTo(Verdict.FAIL);
    }
    assertThat(Alarms.judge(none, InsufficientData.INCONCLUSIVE).verdict())
        .isEqualTo(Verdict.INCONCLUSIVE);
    assertThat(Alarms.judge(none, InsufficientData.OK).verdict()).isEqualTo(Verdict.PASS);
    assertThat(Alarms.judge(none, InsufficientData.ALARM).verdict()).isEqualTo(Verdict.FAIL);
    assertThat(Alarms.judge(none, InsufficientData.OK).detail())
        .isEqualTo(
            "alarm a is in INSUFFICIENT_DATA, counted as ok"
                + " (countersign.targets.verification.alarms.insufficient-data): no data");
    assertThat(Alarms.judge(alarm, InsufficientData.OK).detail())
        .isEqualTo("alarm a is in ALARM: Threshold Crossed");
    assertThat(
            Alarms.judge(
                    List.of("a", "gone"),
                    new AlarmReading(List.of(ok), null),
                    InsufficientData.INCONCLUSIVE)
                .get(1))
        .satisfies(
            v -> {
              assertThat(v.verdict()).isEqualTo(Verdict.INCONCLUSIVE);
              assertThat(v.detail()).startsWith("the alarm does not exist in CloudWatch");
            });
    assertThat(
            Alarms.judge(
                List.of("a"), AlarmReading.failed("throttled"), InsufficientData.INCONCLUSIVE))
        .extracting(AlarmVerdict::verdict, AlarmVerdict::detail)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(
                Verdict.INCONCLUSIVE, "CloudWatch alarms could not be read: throttled"));
  }

  @Test
  void theTrafficGateAsksOnceForTheShiftingFunctionsAlarmsAndRecordsEach() throws Exception {
    states.put("api_handler-errors", "ALARM");
    AlarmTrafficGate gate = gate(InsufficientData.INCONCLUSIVE);

    TrafficGate.Result failed = gate.check("rel-1", manifest(), "data_ingestion", 10);
    TrafficGate.Result firing = gate.check("rel-1", manifest(), "api_handler", 10);

    assertThat(gate.name()).isEqualTo("cloudwatch-alarms");
    assertThat(asked)
        .containsExactly(
            List.of("data_ingestion-errors", "medication-api-5xx"),
            List.of("api_handler-errors", "medication-api-5xx"));
    assertThat(failed.passed()).isTrue();
    assertThat(failed.detail())
        .isEqualTo("alarm data_ingestion-errors OK PASS; alarm medication-api-5xx OK PASS");
    assertThat(firing.passed()).isFalse();
    assertThat(firing.detail())
        .isEqualTo(
            "alarm api_handler-errors ALARM FAIL (alarm api_handler-errors is in ALARM: reason"
                + " api_handler-errors); alarm medication-api-5xx OK PASS");
    verify(evidence)
        .record(
            eq("rel-1"),
            eq("alarm-verdict"),
            eq("countersign"),
            argThat(
                p ->
                    p.equals(
                        Map.of(
                            "alarm", "api_handler-errors",
                            "state", "ALARM",
                            "stateReason", "reason api_handler-errors",
                            "stateUpdated", SINCE,
                            "verdict", "FAIL",
                            "detail",
                                "alarm api_handler-errors is in ALARM: reason api_handler-errors",
                            "where", "traffic gate",
                            "function", "api_handler",
                            "percent", 10))));
  }

  @Test
  void theTrafficGateStopsTheShiftOnInsufficientDataUnlessThePolicySaysOk() throws Exception {
    states.put("medication-api-5xx", "INSUFFICIENT_DATA");

    TrafficGate.Result inconclusive =
        gate(InsufficientData.INCONCLUSIVE).check("rel-1", manifest(), "api_handler", 25);
    TrafficGate.Result ok = gate(InsufficientData.OK).check("rel-1", manifest(), "api_handler", 25);
    TrafficGate.Result alarm =
        gate(InsufficientData.ALARM).check("rel-1", manifest(), "api_handler", 25);

    assertThat(inconclusive.passed()).isFalse();
    assertThat(inconclusive.detail()).startsWith("inconclusive, so the shift stops: ");
    assertThat(ok.passed()).isTrue();
    assertThat(alarm.passed()).isFalse();
    assertThat(alarm.detail()).doesNotStartWith("inconclusive");
  }

  @Test
  void aManifestWithoutAlarmsAsksNothing() throws Exception {
    ReleaseManifest none =
        new ObjectMapper()
            .readValue(
                FakeExecution.manifest(LAMBDA + "\"verification\":{}"), ReleaseManifest.class);

    TrafficGate.Result result =
        gate(InsufficientData.INCONCLUSIVE).check("rel-1", none, "api_handler", 10);

    assertThat(result).isEqualTo(new TrafficGate.Result(true, "no alarms"));
    assertThat(asked).isEmpty();
    verify(evidence, never())
        .record(eq("rel-1"), eq("alarm-verdict"), eq("countersign"), argThat(p -> true));
  }

  @Test
  void anAlarmFiringInTheBakeWindowRollsBackNamingItAndItsReason() throws Exception {
    states.put("data_ingestion-errors", "ALARM");
    FakeExecution fake = new FakeExecution(FakeExecution.manifest(LAMBDA + PLAN));

    assertThatThrownBy(() -> watch(InsufficientData.INCONCLUSIVE).execute(fake.execution))
        .isInstanceOf(BpmnError.class)
        .hasMessage(
            "alarm firing: alarm data_ingestion-errors ALARM FAIL: alarm data_ingestion-errors is"
                + " in ALARM: reason data_ingestion-errors");
    assertThat(asked)
        .containsExactly(
            List.of("api_handler-errors", "data_ingestion-errors", "medication-api-5xx"));
    verify(evidence)
        .record(
            eq("rel-1"),
            eq("alarm-verdict"),
            eq("countersign"),
            argThat(
                p ->
                    p.get("alarm").equals("data_ingestion-errors")
                        && p.get("where").equals("bake window")
                        && p.get("verdict").equals("FAIL")
                        && p.get("windowEnds").equals("2026-12-01T10:05:00Z")));
  }

  @Test
  void insufficientDataInTheBakeWindowPausesPassesOrFailsAsThePolicySays() throws Exception {
    states.put("medication-api-5xx", "INSUFFICIENT_DATA");

    FakeExecution paused = new FakeExecution(FakeExecution.manifest(LAMBDA + PLAN));
    watch(InsufficientData.INCONCLUSIVE).execute(paused.execution);
    FakeExecution passed = new FakeExecution(FakeExecution.manifest(LAMBDA + PLAN));
    watch(InsufficientData.OK).execute(passed.execution);
    FakeExecution failed = new FakeExecution(FakeExecution.manifest(LAMBDA + PLAN));

    assertThat(paused.variables)
        .containsEntry(Variables.STEP_OUTCOME, "paused")
        .containsEntry(
            Variables.METRICS_INCONCLUSIVE_REASON,
            "metrics inconclusive: alarm medication-api-5xx INSUFFICIENT_DATA INCONCLUSIVE: alarm"
                + " medication-api-5xx is in INSUFFICIENT_DATA, counted as inconclusive"
                + " (countersign.targets.verification.alarms.insufficient-data): reason"
                + " medication-api-5xx");
    assertThat((String) paused.variables.get(Variables.METRICS_STATUS))
        .isEqualTo(
            "alarm api_handler-errors OK PASS; alarm data_ingestion-errors OK PASS;"
                + " alarm medication-api-5xx INSUFFICIENT_DATA INCONCLUSIVE; no metric rules; 5 min"
                + " left");
    assertThat(passed.variables).containsEntry(Variables.STEP_OUTCOME, "running");
    assertThatThrownBy(() -> watch(InsufficientData.ALARM).execute(failed.execution))
        .isInstanceOf(BpmnError.class)
        .hasMessageStartingWith("alarm firing: alarm medication-api-5xx INSUFFICIENT_DATA FAIL");
  }

  @Test
  void anAlarmWithoutDataThatALeadAcceptedIsNotAskedAboutAgainButAFiringOneStillFails()
      throws Exception {
    states.put("medication-api-5xx", "INSUFFICIENT_DATA");
    WatchMetricsDelegate watch = watch(InsufficientData.INCONCLUSIVE);
    FakeExecution fake = new FakeExecution(FakeExecution.manifest(LAMBDA + PLAN));
    watch.execute(fake.execution);
    fake.variables.put(Variables.METRICS_DECISION, "continue");

    ClockUtil.setCurrentTime(Date.from(NOW.plusSeconds(30)));
    watch.execute(fake.execution);
    assertThat(fake.variables)
        .containsEntry(Variables.STEP_OUTCOME, "running")
        .containsEntry(Variables.METRICS_ACCEPTED, List.of("alarm medication-api-5xx"));
    verify(evidence)
        .record(
            eq("rel-1"),
            eq("alarm-verdict"),
            eq("countersign"),
            argThat(p -> "operations lead (continue)".equals(p.get("acceptedBy"))));

    ClockUtil.setCurrentTime(Date.from(NOW.plusSeconds(60)));
    states.put("medication-api-5xx", "ALARM");
    assertThatThrownBy(() -> watch.execute(fake.execution))
        .isInstanceOf(BpmnError.class)
        .hasMessageContaining("alarm medication-api-5xx ALARM FAIL");
  }

  @Test
  void theCheckpointRefusesAMissingOrFiringAlarmAndRecordsTheOthers() throws Exception {
    states.remove("data_ingestion-errors");
    states.put("medication-api-5xx", "ALARM");
    VerificationCapability capability =
        new VerificationCapability(
            new VerificationManifestCheck(VerificationProperties.of("live", Map.of())),
            null,
            target);

    List<io.countersign.process.TargetCapability.Finding> findings =
        capability.verifyEnvironment(
            "rel-1",
            new ObjectMapper()
                .readValue(FakeExecution.manifest(LAMBDA + PLAN), ReleaseManifest.class));

    assertThat(findings)
        .extracting(f -> f.subject() + " " + f.passed() + " " + f.detail())
        .containsExactly(
            "alarm api_handler-errors true OK: reason api_handler-errors",
            "alarm data_ingestion-errors false does not exist in CloudWatch",
            "alarm medication-api-5xx false is in ALARM before the release: reason"
                + " medication-api-5xx; the first gate would roll the release back");
    states.put("*unreadable*", "");
    assertThat(
            capability.verifyEnvironment(
                "rel-1",
                new ObjectMapper()
                    .readValue(FakeExecution.manifest(LAMBDA + PLAN), ReleaseManifest.class)))
        .allSatisfy(
            f -> {
              assertThat(f.passed()).isFalse();
              assertThat(f.detail()).startsWith("CloudWatch alarms cannot be read: ");
            });
  }

  @Test
  void aDryRunReadsEveryAlarmAsOkWithoutCallingAndApproversSeeTheAlarms() throws Exception {
    DryRunVerificationTarget dryRun = new DryRunVerificationTarget();

    assertThat(dryRun.alarms(List.of("api_handler-errors")).found())
        .containsExactly(
            new AlarmState("api_handler-errors", null, "OK", "dry-run: not called", null));
    assertThat(
            new VerificationCapability(
                    new VerificationManifestCheck(VerificationProperties.of("dry-run", Map.of())),
                    null,
                    dryRun)
                .plannedSteps(manifest()))
        .contains(
            "Watch CloudWatch alarms ({function}-errors, medication-api-5xx) at every traffic step"
                + " and through the bake window; an alarm in ALARM rolls the release back");
  }

  private AlarmTrafficGate gate(InsufficientData policy) {
    return new AlarmTrafficGate(target, properties(policy), evidence);
  }

  private WatchMetricsDelegate watch(InsufficientData policy) {
    return new WatchMetricsDelegate(
        target, properties(policy), evidence, FakeExecution.variableStart(evidence));
  }

  private static VerificationProperties properties(InsufficientData policy) {
    return new VerificationProperties(
        "live", Map.of(), null, null, null, null, null, null, new AlarmPolicy(policy));
  }

  private static ReleaseManifest manifest() throws Exception {
    return new ObjectMapper()
        .readValue(FakeExecution.manifest(LAMBDA + PLAN), ReleaseManifest.class);
  }
}
