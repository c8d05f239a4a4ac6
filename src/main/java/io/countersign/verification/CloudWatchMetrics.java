package io.countersign.verification;

import io.countersign.manifest.ReleaseManifest.CloudWatchMetric;
import io.countersign.manifest.ReleaseManifest.CloudWatchQuery;
import io.countersign.manifest.ReleaseManifest.MetricRule;
import io.countersign.verification.PrometheusResponse.Sample;
import io.countersign.verification.VerificationProperties.CloudWatch;
import io.countersign.verification.VerificationTarget.AlarmReading;
import io.countersign.verification.VerificationTarget.AlarmState;
import io.countersign.verification.VerificationTarget.MetricVerdict;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.ApiCallAttemptTimeoutException;
import software.amazon.awssdk.core.exception.ApiCallTimeoutException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.cloudwatch.CloudWatchClient;
import software.amazon.awssdk.services.cloudwatch.model.AlarmType;
import software.amazon.awssdk.services.cloudwatch.model.DescribeAlarmsResponse;
import software.amazon.awssdk.services.cloudwatch.model.Dimension;
import software.amazon.awssdk.services.cloudwatch.model.GetMetricDataRequest;
import software.amazon.awssdk.services.cloudwatch.model.GetMetricDataResponse;
import software.amazon.awssdk.services.cloudwatch.model.MessageData;
import software.amazon.awssdk.services.cloudwatch.model.Metric;
import software.amazon.awssdk.services.cloudwatch.model.MetricDataQuery;
import software.amazon.awssdk.services.cloudwatch.model.MetricDataResult;
import software.amazon.awssdk.services.cloudwatch.model.MetricStat;
import software.amazon.awssdk.services.cloudwatch.model.ScanBy;
import software.amazon.awssdk.services.cloudwatch.model.StatusCode;

/**
 * CloudWatch metric rules ({@code GetMetricData}, one call per rule and evaluation) and alarm
 * states ({@code DescribeAlarms}, one call per gate). As with Prometheus, whatever keeps a rule or
 * an alarm from being read (not configured, throttling, 5xx, a timeout, access denied, a result
 * CloudWatch marks PartialData, InternalError or Forbidden) is INCONCLUSIVE with its reason, never
 * an exception: what happens then is the gate's decision, not a job retry.
 *
 * <p>The value judged is each series' newest datapoint in the look-back, which ends at the start of
 * the period in progress: a period still filling up (a Sum of errors over half a minute) would read
 * lower than it will be.
 */
final class CloudWatchMetrics {
  /** The id of the query whose values are judged; the manifest check keeps it for us. */
  static final String RESULT_ID = "result";

  static final String NOT_CONFIGURED =
      "no CloudWatch is configured (" + CloudWatch.PREFIX + ".region)";

  private final CloudWatch settings;
  private final Supplier<CloudWatchClient> client;
  private final Clock clock;

  CloudWatchMetrics(CloudWatch settings, Supplier<CloudWatchClient> client, Clock clock) {
    this.settings = settings;
    this.client = client;
    this.clock = clock;
  }

  MetricVerdict evaluate(MetricRule rule) {
    if (!settings.configured()) {
      return MetricRules.inconclusive(rule, NOT_CONFIGURED);
    }
    GetMetricDataRequest request = request(rule.cloudwatch(), clock.instant());
    GetMetricDataResponse response;
    try {
      response = client.get().getMetricData(request);
    } catch (SdkException e) {
      return MetricRules.inconclusive(rule, failure("GetMetricData", e));
    }
    return judge(rule, request, response);
  }

  AlarmReading alarms(List<String> names) {
    if (names.isEmpty()) {
      return new AlarmReading(List.of(), null);
    }
    if (!settings.configured()) {
      return AlarmReading.failed(NOT_CONFIGURED);
    }
    DescribeAlarmsResponse response;
    try {
      response =
          client
              .get()
              .describeAlarms(
                  r ->
                      r.alarmNames(names)
                          .alarmTypes(AlarmType.METRIC_ALARM, AlarmType.COMPOSITE_ALARM)
                          .maxRecords(Alarms.MAX_NAMES));
    } catch (SdkException e) {
      return AlarmReading.failed(failure("DescribeAlarms", e));
    }
    List<AlarmState> found = new ArrayList<>();
    response
        .metricAlarms()
        .forEach(
            a ->
                found.add(
                    new AlarmState(
                        a.alarmName(),
                        "metric",
                        a.stateValueAsString(),
                        a.stateReason(),
                        text(a.stateUpdatedTimestamp()))));
    response
        .compositeAlarms()
        .forEach(
            a ->
                found.add(
                    new AlarmState(
                        a.alarmName(),
                        "composite",
                        a.stateValueAsString(),
                        a.stateReason(),
                        text(a.stateUpdatedTimestamp()))));
    return new AlarmReading(found, null);
  }

  /**
   * The query the rule means: one metric with its statistic and period (id {@value #RESULT_ID}), or
   * metric math whose metrics are not returned and whose expression is; the look-back ends at the
   * start of the period in progress, newest datapoints first.
   */
  static GetMetricDataRequest request(CloudWatchQuery query, Instant now) {
    int period = query.periodOrDefault();
    long end = now.getEpochSecond() / period * period;
    List<MetricDataQuery> queries = new ArrayList<>();
    if (query.hasExpression()) {
      for (CloudWatchMetric m : query.metrics()) {
        queries.add(
            MetricDataQuery.builder()
                .id(m.id())
                .metricStat(stat(m.namespace(), m.metric(), m.dimensions(), m.stat(), period))
                .returnData(false)
                .build());
      }
      queries.add(
          MetricDataQuery.builder()
              .id(RESULT_ID)
              .expression(query.expression())
              .returnData(true)
              .build());
    } else {
      queries.add(
          MetricDataQuery.builder()
              .id(RESULT_ID)
              .metricStat(
                  stat(query.namespace(), query.metric(), query.dimensions(), query.stat(), period))
              .returnData(true)
              .build());
    }
    return GetMetricDataRequest.builder()
        .metricDataQueries(queries)
        .startTime(Instant.ofEpochSecond(end - (long) period * query.lookbackPeriodsOrDefault()))
        .endTime(Instant.ofEpochSecond(end))
        .scanBy(ScanBy.TIMESTAMP_DESCENDING)
        .build();
  }

  private static MetricStat stat(
      String namespace, String metric, Map<String, String> dimensions, String stat, int period) {
    return MetricStat.builder()
        .metric(
            Metric.builder()
                .namespace(namespace)
                .metricName(metric)
                .dimensions(
                    dimensions.entrySet().stream()
                        .map(d -> Dimension.builder().name(d.getKey()).value(d.getValue()).build())
                        .toList())
                .build())
        .period(period)
        .stat(stat)
        .build();
  }

  /**
   * Each series' newest datapoint, judged as Prometheus' samples are (one path for both providers);
   * the verdict says which datapoint it was.
   */
  static MetricVerdict judge(
      MetricRule rule, GetMetricDataRequest request, GetMetricDataResponse response) {
    List<MetricDataResult> results =
        response.metricDataResults().stream().filter(r -> RESULT_ID.equals(r.id())).toList();
    for (MetricDataResult result : results) {
      if (result.statusCode() != StatusCode.COMPLETE) {
        return MetricRules.inconclusive(
            rule,
            "CloudWatch returned status "
                + result.statusCodeAsString()
                + " for the query"
                + messages(result.messages(), response.messages()));
      }
    }
    List<Sample> samples = new ArrayList<>();
    List<Instant> times = new ArrayList<>();
    for (MetricDataResult result : results) {
      int newest = newest(result);
      if (newest < 0) {
        continue;
      }
      Instant at = result.timestamps().get(newest);
      samples.add(
          new Sample(
              (result.label() == null ? RESULT_ID : result.label()) + " at " + at,
              result.values().get(newest)));
      times.add(at);
    }
    if (samples.isEmpty()) {
      return MetricRules.inconclusive(
          rule,
          MetricRules.NO_DATA
              + " CloudWatch returned no datapoints from "
              + request.startTime()
              + " to "
              + request.endTime()
              + messages(List.of(), response.messages()));
    }
    MetricVerdict verdict = MetricRules.judge(rule, samples);
    if (samples.size() != 1) {
      return verdict;
    }
    return new MetricVerdict(
        verdict.name(),
        verdict.query(),
        verdict.value(),
        verdict.threshold(),
        verdict.verdict(),
        verdict.detail() + " (newest datapoint, " + times.get(0) + ")");
  }

  /** The index of the newest datapoint, or -1 with none (CloudWatch pairs the two lists). */
  private static int newest(MetricDataResult result) {
    int newest = -1;
    int count = Math.min(result.timestamps().size(), result.values().size());
    for (int i = 0; i < count; i++) {
      if (newest < 0 || result.timestamps().get(i).isAfter(result.timestamps().get(newest))) {
        newest = i;
      }
    }
    return newest;
  }

  private static String messages(List<MessageData> result, List<MessageData> response) {
    List<MessageData> all = new ArrayList<>(result);
    all.addAll(response);
    return all.isEmpty()
        ? ""
        : " ("
            + all.stream().map(m -> m.code() + ": " + m.value()).collect(Collectors.joining("; "))
            + ")";
  }

  /**
   * Why a call failed, for the evidence: AWS's error code and message with the HTTP status, or what
   * kind of client failure it was. Never the exception's own message for client failures, which can
   * quote the endpoint.
   */
  String failure(String action, SdkException e) {
    if (e instanceof ApiCallTimeoutException || e instanceof ApiCallAttemptTimeoutException) {
      return "CloudWatch did not answer "
          + action
          + " within "
          + settings.aws().callTimeoutOrDefault().toMillis()
          + " ms";
    }
    if (e instanceof AwsServiceException service) {
      String code =
          service.awsErrorDetails() == null ? null : service.awsErrorDetails().errorCode();
      String message =
          service.awsErrorDetails() == null ? null : service.awsErrorDetails().errorMessage();
      return "CloudWatch "
          + action
          + " failed: "
          + (code == null ? "" : code + ": ")
          + (message == null ? "" : message)
          + " (HTTP "
          + service.statusCode()
          + ")";
    }
    return "CloudWatch unreachable (" + action + "): " + e.getClass().getSimpleName();
  }

  private static String text(Instant instant) {
    return instant == null ? null : instant.toString();
  }
}
