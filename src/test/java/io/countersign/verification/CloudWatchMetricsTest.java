package io.countersign.verification;

import static org.assertj.core.api.Assertions.assertThat;

import io.countersign.aws.FakeApiSupport;
import io.countersign.aws.FakeCloudWatchApi;
import io.countersign.aws.FakeCloudWatchApi.Call;
import io.countersign.aws.FakeCloudWatchApi.Datapoint;
import io.countersign.manifest.ReleaseManifest.CloudWatchMetric;
import io.countersign.manifest.ReleaseManifest.CloudWatchQuery;
import io.countersign.manifest.ReleaseManifest.MetricRule;
import io.countersign.verification.VerificationProperties.CloudWatch;
import io.countersign.verification.VerificationTarget.AlarmReading;
import io.countersign.verification.VerificationTarget.AlarmState;
import io.countersign.verification.VerificationTarget.MetricVerdict;
import io.countersign.verification.VerificationTarget.Verdict;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The live adapter against a fake CloudWatch speaking the Query protocol: the request each rule
 * means, the newest datapoint judged, and every way of not being measured is INCONCLUSIVE with its
 * reason, never an exception.
 */
class CloudWatchMetricsTest {
  private static final Instant NOW = Instant.parse("2026-12-01T10:02:30Z");
  private static final Map<String, String> API = Map.of("FunctionName", "api_handler");
  private static final MetricRule ERRORS =
      new MetricRule(
          "errors",
          null,
          new CloudWatchQuery("AWS/Lambda", "Errors", API, "Sum", null, null, null, null),
          5.0,
          null);
  private static final MetricRule P95 =
      new MetricRule(
          "p95-duration",
          null,
          new CloudWatchQuery("AWS/Lambda", "Duration", API, "p95", 300, 3, null, null),
          500.0,
          null);
  private static final MetricRule ERROR_RATE =
      new MetricRule(
          "error-rate",
          null,
          new CloudWatchQuery(
              null,
              null,
              null,
              null,
              60,
              null,
              "100 * errors / invocations",
              List.of(
                  new CloudWatchMetric("errors", "AWS/Lambda", "Errors", API, "Sum"),
                  new CloudWatchMetric("invocations", "AWS/Lambda", "Invocations", API, "Sum"))),
          1.0,
          null);

  private static FakeCloudWatchApi cloudWatch;
  private static LiveVerificationTarget target;

  @BeforeAll
  static void start() {
    cloudWatch = FakeCloudWatchApi.startServer();
    target = target(cloudWatch.endpoint(), Duration.ofSeconds(5));
  }

  @AfterAll
  static void stop() {
    cloudWatch.stop();
  }

  @BeforeEach
  void reset() {
    cloudWatch.reset();
  }

  static LiveVerificationTarget target(URI endpoint, Duration callTimeout) {
    VerificationProperties properties =
        new VerificationProperties(
            "live",
            Map.of(),
            null,
            null,
            null,
            null,
            null,
            new CloudWatch("eu-west-1", null, null, Map.of("cloudwatch", endpoint), callTimeout, 1),
            null);
    return new LiveVerificationTarget(
        properties, FakeApiSupport.TEST_CREDENTIALS, Clock.fixed(NOW, ZoneOffset.UTC));
  }

  @Test
  void oneMetricAsksForItsStatisticAndJudgesTheNewestDatapoint() {
    cloudWatch.metric(
        "AWS/Lambda",
        "Errors",
        API,
        "Sum",
        new Datapoint(Instant.parse("2026-12-01T09:59:00Z"), 9),
        new Datapoint(Instant.parse("2026-12-01T10:01:00Z"), 2),
        new Datapoint(Instant.parse("2026-12-01T10:00:00Z"), 7));

    MetricVerdict verdict = target.evaluate(ERRORS);

    assertThat(verdict)
        .isEqualTo(
            new MetricVerdict(
                "errors",
                "AWS/Lambda Errors {FunctionName=api_handler} Sum per 60 s",
                2.0,
                "max 5.0",
                Verdict.PASS,
                "2 ≤ max 5 (newest datapoint, 2026-12-01T10:01:00Z)"));
    Call call = cloudWatch.calls().get(0);
    assertThat(call.params())
        .containsEntry("Action", "GetMetricData")
        .containsEntry("Version", "2010-08-01")
        .containsEntry("MetricDataQueries.member.1.Id", "result")
        .containsEntry("MetricDataQueries.member.1.MetricStat.Metric.Namespace", "AWS/Lambda")
        .containsEntry("MetricDataQueries.member.1.MetricStat.Metric.MetricName", "Errors")
        .containsEntry(
            "MetricDataQueries.member.1.MetricStat.Metric.Dimensions.member.1.Name", "FunctionName")
        .containsEntry(
            "MetricDataQueries.member.1.MetricStat.Metric.Dimensions.member.1.Value", "api_handler")
        .containsEntry("MetricDataQueries.member.1.MetricStat.Stat", "Sum")
        .containsEntry("MetricDataQueries.member.1.MetricStat.Period", "60")
        .containsEntry("MetricDataQueries.member.1.ReturnData", "true")
        // Five whole periods, ending where the one in progress began.
        .containsEntry("StartTime", "2026-12-01T09:57:00Z")
        .containsEntry("EndTime", "2026-12-01T10:02:00Z")
        .containsEntry("ScanBy", "TimestampDescending");
  }

  @Test
  void aPercentileOverItsThresholdFailsWithThePeriodAndLookBackAsked() {
    cloudWatch.metric(
        "AWS/Lambda",
        "Duration",
        API,
        "p95",
        new Datapoint(Instant.parse("2026-12-01T09:55:00Z"), 812.5));

    MetricVerdict verdict = target.evaluate(P95);

    assertThat(verdict.verdict()).isEqualTo(Verdict.FAIL);
    assertThat(verdict.value()).isEqualTo(812.5);
    assertThat(verdict.detail())
        .isEqualTo("812.5 > max 500 (newest datapoint, 2026-12-01T09:55:00Z)");
    assertThat(cloudWatch.calls().get(0).params())
        .containsEntry("MetricDataQueries.member.1.MetricStat.Stat", "p95")
        .containsEntry("MetricDataQueries.member.1.MetricStat.Period", "300")
        .containsEntry("StartTime", "2026-12-01T09:45:00Z")
        .containsEntry("EndTime", "2026-12-01T10:00:00Z");
  }

  @Test
  void metricMathSendsItsMetricsUnreturnedAndJudgesTheExpression() {
    cloudWatch.expression(
        "100 * errors / invocations", new Datapoint(Instant.parse("2026-12-01T10:01:00Z"), 0.4));

    MetricVerdict verdict = target.evaluate(ERROR_RATE);

    assertThat(verdict.verdict()).isEqualTo(Verdict.PASS);
    assertThat(verdict.value()).isEqualTo(0.4);
    assertThat(verdict.query())
        .isEqualTo(
            "100 * errors / invocations where errors = AWS/Lambda Errors {FunctionName=api_handler}"
                + " Sum, invocations = AWS/Lambda Invocations {FunctionName=api_handler} Sum per 60 s");
    assertThat(cloudWatch.calls().get(0).params())
        .containsEntry("MetricDataQueries.member.1.Id", "errors")
        .containsEntry("MetricDataQueries.member.1.MetricStat.Metric.MetricName", "Errors")
        .containsEntry("MetricDataQueries.member.1.MetricStat.Stat", "Sum")
        .containsEntry("MetricDataQueries.member.1.MetricStat.Period", "60")
        .containsEntry("MetricDataQueries.member.1.ReturnData", "false")
        .containsEntry("MetricDataQueries.member.2.Id", "invocations")
        .containsEntry("MetricDataQueries.member.2.MetricStat.Metric.MetricName", "Invocations")
        .containsEntry("MetricDataQueries.member.2.ReturnData", "false")
        .containsEntry("MetricDataQueries.member.3.Id", "result")
        .containsEntry("MetricDataQueries.member.3.Expression", "100 * errors / invocations")
        .containsEntry("MetricDataQueries.member.3.ReturnData", "true");
  }

  @Test
  void noDatapointsIsNoDataWhichTheCheckpointCountsAsMeasured() {
    MetricVerdict verdict = target.evaluate(ERRORS);

    assertThat(verdict.verdict()).isEqualTo(Verdict.INCONCLUSIVE);
    assertThat(verdict.detail())
        .isEqualTo(
            "no data: CloudWatch returned no datapoints from 2026-12-01T09:57:00Z to"
                + " 2026-12-01T10:02:00Z");
    assertThat(MetricRules.measurable(verdict)).isTrue();
  }

  @Test
  void throttlingServerErrorsAndAccessDeniedAreInconclusiveWithTheirReason() {
    cloudWatch.failNext("GetMetricData", 1, 400, "Throttling", "Rate exceeded");
    cloudWatch.failNext("GetMetricData", 1, 500, "InternalServiceFault", "Internal error");
    cloudWatch.failNext(
        "GetMetricData",
        1,
        403,
        "AccessDenied",
        "User: arn:aws:sts::123456789012:assumed-role/countersign/countersign is not authorized"
            + " to perform: cloudwatch:GetMetricData");

    List<MetricVerdict> verdicts =
        List.of(target.evaluate(ERRORS), target.evaluate(ERRORS), target.evaluate(ERRORS));

    assertThat(verdicts).allMatch(v -> v.verdict() == Verdict.INCONCLUSIVE);
    assertThat(verdicts)
        .extracting(MetricVerdict::detail)
        .containsExactly(
            "CloudWatch GetMetricData failed: Throttling: Rate exceeded (HTTP 400)",
            "CloudWatch GetMetricData failed: InternalServiceFault: Internal error (HTTP 500)",
            "CloudWatch GetMetricData failed: AccessDenied: User:"
                + " arn:aws:sts::123456789012:assumed-role/countersign/countersign is not"
                + " authorized to perform: cloudwatch:GetMetricData (HTTP 403)");
    // Monitoring that cannot see: the deployment checkpoint refuses it.
    assertThat(verdicts).noneMatch(MetricRules::measurable);
  }

  @Test
  void partialDataInternalErrorAndForbiddenResultsAreInconclusive() {
    cloudWatch.metric(
        "AWS/Lambda",
        "Errors",
        API,
        "Sum",
        new Datapoint(Instant.parse("2026-12-01T10:01:00Z"), 99));
    cloudWatch.status(
        "AWS/Lambda", "Errors", API, "Sum", "PartialData", "MaxDatapointsExceeded: too many");

    MetricVerdict partial = target.evaluate(ERRORS);
    cloudWatch.status("AWS/Lambda", "Errors", API, "Sum", "InternalError");
    MetricVerdict internal = target.evaluate(ERRORS);

    assertThat(partial.verdict()).isEqualTo(Verdict.INCONCLUSIVE);
    assertThat(partial.detail())
        .isEqualTo(
            "CloudWatch returned status PartialData for the query (MaxDatapointsExceeded: too many)");
    assertThat(internal.detail())
        .isEqualTo("CloudWatch returned status InternalError for the query");
  }

  @Test
  void aCallThatTimesOutIsInconclusiveAndNamesNoEndpoint() {
    cloudWatch.delay(3000);
    MetricVerdict verdict = target(cloudWatch.endpoint(), Duration.ofMillis(200)).evaluate(ERRORS);

    assertThat(verdict.verdict()).isEqualTo(Verdict.INCONCLUSIVE);
    assertThat(verdict.detail()).isEqualTo("CloudWatch did not answer GetMetricData within 200 ms");
  }

  @Test
  void anUnreachableCloudWatchIsInconclusiveAndTheMessageCarriesNoUrl() throws Exception {
    int closed;
    try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
      closed = socket.getLocalPort();
    }
    MetricVerdict verdict =
        target(URI.create("http://localhost:" + closed), Duration.ofMillis(500)).evaluate(ERRORS);

    assertThat(verdict.verdict()).isEqualTo(Verdict.INCONCLUSIVE);
    assertThat(verdict.detail())
        .startsWith("CloudWatch unreachable (GetMetricData): ")
        .doesNotContain("localhost")
        .doesNotContain(String.valueOf(closed));
  }

  @Test
  void noCloudWatchConfiguredIsInconclusiveWithoutACall() {
    LiveVerificationTarget none =
        new LiveVerificationTarget(
            VerificationProperties.of("live", Map.of()),
            FakeApiSupport.TEST_CREDENTIALS,
            Clock.systemUTC());

    assertThat(none.evaluate(ERRORS).detail())
        .isEqualTo(
            "no CloudWatch is configured (countersign.targets.verification.cloudwatch.region)");
    assertThat(none.alarms(List.of("api-errors")).problem())
        .isEqualTo(
            "no CloudWatch is configured (countersign.targets.verification.cloudwatch.region)");
  }

  @Test
  void alarmsAreReadInOneCallMetricAndCompositeAndTheMissingAreLeftOut() {
    Instant at = Instant.parse("2026-12-01T09:58:12Z");
    cloudWatch.alarm("api_handler-errors", "ALARM", "Threshold Crossed: 1 datapoint [7.0]", at);
    cloudWatch.compositeAlarm("medication-health", "OK", "all children OK", at);
    cloudWatch.alarm("someone-elses", "ALARM", "not asked", at);

    AlarmReading reading =
        target.alarms(List.of("api_handler-errors", "medication-health", "gone-alarm"));

    assertThat(reading.problem()).isNull();
    assertThat(reading.found())
        .containsExactly(
            new AlarmState(
                "api_handler-errors",
                "metric",
                "ALARM",
                "Threshold Crossed: 1 datapoint [7.0]",
                "2026-12-01T09:58:12Z"),
            new AlarmState(
                "medication-health", "composite", "OK", "all children OK", "2026-12-01T09:58:12Z"));
    assertThat(cloudWatch.calls("DescribeAlarms")).hasSize(1);
    assertThat(cloudWatch.calls().get(0).params())
        .containsEntry("AlarmNames.member.1", "api_handler-errors")
        .containsEntry("AlarmNames.member.2", "medication-health")
        .containsEntry("AlarmNames.member.3", "gone-alarm")
        .containsEntry("AlarmTypes.member.1", "MetricAlarm")
        .containsEntry("AlarmTypes.member.2", "CompositeAlarm")
        .containsEntry("MaxRecords", "100");
  }

  @Test
  void alarmsThatCannotBeReadAreAProblemNotAnException() {
    cloudWatch.failNext("DescribeAlarms", 1, 400, "Throttling", "Rate exceeded");

    AlarmReading reading = target.alarms(List.of("api_handler-errors"));

    assertThat(reading.found()).isEmpty();
    assertThat(reading.problem())
        .isEqualTo("CloudWatch DescribeAlarms failed: Throttling: Rate exceeded (HTTP 400)");
    assertThat(target.alarms(List.of())).isEqualTo(new AlarmReading(List.of(), null));
    assertThat(cloudWatch.calls()).hasSize(1);
  }
}
