package io.countersign.aws;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.extension.ResponseDefinitionTransformerV2;
import com.github.tomakehurst.wiremock.http.ResponseDefinition;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A WireMock server that answers like the CloudWatch API (AWS Query protocol, version 2010-08-01:
 * form-encoded POSTs with {@code Action} and {@code Version}, XML answers in the service's
 * namespace) for the calls Countersign makes: {@code GetMetricData} (datapoints per metric or
 * expression, newest first, with their {@code StatusCode} and messages) and {@code DescribeAlarms}
 * (metric and composite alarms by name, the missing ones left out as CloudWatch does), and its
 * {@code ErrorResponse} shape. It records every request's parameters.
 */
public final class FakeCloudWatchApi extends FakeApiSupport
    implements ResponseDefinitionTransformerV2 {
  static final String NAME = "fake-cloudwatch";
  public static final String NS = "http://monitoring.amazonaws.com/doc/2010-08-01/";

  private final Map<String, Series> series = new LinkedHashMap<>();
  private final Map<String, Alarm> alarms = new LinkedHashMap<>();
  private final List<Call> calls = new CopyOnWriteArrayList<>();
  private WireMockServer server;
  private volatile int delayMillis;

  /** One request: its action and every form parameter as sent. */
  public record Call(String action, Map<String, String> params) {
    public String param(String name) {
      return params.get(name);
    }
  }

  /** One datapoint of a series. */
  public record Datapoint(Instant at, double value) {}

  private record Series(List<Datapoint> points, String status, List<String> messages) {}

  private record Alarm(String name, boolean composite, String state, String reason, Instant at) {}

  public static FakeCloudWatchApi startServer() {
    FakeCloudWatchApi fake = new FakeCloudWatchApi();
    fake.server = new WireMockServer(options().dynamicPort().extensions(fake));
    fake.server.start();
    fake.server.stubFor(any(anyUrl()).willReturn(aResponse().withTransformers(NAME)));
    return fake;
  }

  public URI endpoint() {
    return URI.create("http://localhost:" + server.port());
  }

  public void stop() {
    server.stop();
  }

  /** Forgets series, alarms, calls and injected failures. */
  public synchronized void reset() {
    series.clear();
    alarms.clear();
    delayMillis = 0;
    calls.clear();
    clearInjected();
  }

  /** The key a metric's series is kept under: namespace, name, dimensions (sorted) and stat. */
  public static String metricKey(
      String namespace, String metric, Map<String, String> dimensions, String stat) {
    return namespace + " " + metric + " " + new TreeMap<>(dimensions) + " " + stat;
  }

  /** Datapoints of one metric with one statistic (any period). */
  public synchronized void metric(
      String namespace,
      String metric,
      Map<String, String> dimensions,
      String stat,
      Datapoint... points) {
    series.put(
        metricKey(namespace, metric, dimensions, stat),
        new Series(List.of(points), "Complete", List.of()));
  }

  /** Datapoints a metric-math expression gives. */
  public synchronized void expression(String expression, Datapoint... points) {
    series.put("expression " + expression, new Series(List.of(points), "Complete", List.of()));
  }

  /**
   * The status CloudWatch marks a metric's result with (PartialData, InternalError, Forbidden) and
   * its messages.
   */
  public synchronized void status(
      String namespace,
      String metric,
      Map<String, String> dimensions,
      String stat,
      String status,
      String... messages) {
    String key = metricKey(namespace, metric, dimensions, stat);
    Series existing = series.get(key);
    series.put(
        key, new Series(existing == null ? List.of() : existing.points, status, List.of(messages)));
  }

  /** A metric alarm in {@code state} (OK, ALARM, INSUFFICIENT_DATA) since {@code at}. */
  public synchronized void alarm(String name, String state, String reason, Instant at) {
    alarms.put(name, new Alarm(name, false, state, reason, at));
  }

  public synchronized void compositeAlarm(String name, String state, String reason, Instant at) {
    alarms.put(name, new Alarm(name, true, state, reason, at));
  }

  /** The alarm is deleted. */
  public synchronized void deleteAlarm(String name) {
    alarms.remove(name);
  }

  /** Every answer comes this late (0: at once), for timeouts. */
  public void delay(int millis) {
    delayMillis = millis;
  }

  /** The next {@code times} calls of {@code action} fail with this error. */
  public void failNext(String action, int times, int status, String code, String message) {
    fail("POST", action, times, status, code, message);
  }

  public List<Call> calls() {
    return List.copyOf(calls);
  }

  public List<Call> calls(String action) {
    return calls.stream().filter(c -> c.action().equals(action)).toList();
  }

  @Override
  public String getName() {
    return NAME;
  }

  @Override
  public boolean applyGlobally() {
    return false;
  }

  @Override
  public ResponseDefinition transform(ServeEvent event) {
    ResponseDefinition response = answer(event);
    return delayMillis == 0
        ? response
        : ResponseDefinitionBuilder.like(response).withFixedDelay(delayMillis).build();
  }

  private synchronized ResponseDefinition answer(ServeEvent event) {
    LoggedRequest request = event.getRequest();
    if (!request.getMethod().getName().equals("POST")
        || !String.valueOf(request.getHeader("Content-Type"))
            .startsWith("application/x-www-form-urlencoded")) {
      return error(400, "InvalidAction", "CloudWatch takes form-encoded POST requests");
    }
    Map<String, String> params = form(request.getBodyAsString());
    String action = params.getOrDefault("Action", "");
    calls.add(new Call(action, params));
    if (!"2010-08-01".equals(params.get("Version"))) {
      return error(400, "InvalidParameterValue", "Version must be 2010-08-01");
    }
    Injected injected = injected("POST", action);
    if (injected != null) {
      return error(injected.status(), injected.code(), injected.message());
    }
    return switch (action) {
      case "GetMetricData" -> metricData(params);
      case "DescribeAlarms" -> describeAlarms(params);
      default -> error(400, "InvalidAction", "not handled by the fake: " + action);
    };
  }

  private ResponseDefinition metricData(Map<String, String> params) {
    if (params.get("StartTime") == null || params.get("EndTime") == null) {
      return error(400, "MissingParameter", "StartTime and EndTime are required");
    }
    StringBuilder results = new StringBuilder();
    for (int i = 1; params.containsKey("MetricDataQueries.member." + i + ".Id"); i++) {
      String q = "MetricDataQueries.member." + i + ".";
      if ("false".equals(params.get(q + "ReturnData"))) {
        continue;
      }
      String id = params.get(q + "Id");
      String expression = params.get(q + "Expression");
      String key;
      String label;
      if (expression != null) {
        key = "expression " + expression;
        label = id;
      } else {
        String m = q + "MetricStat.Metric.";
        Map<String, String> dimensions = new TreeMap<>();
        for (int d = 1; params.containsKey(m + "Dimensions.member." + d + ".Name"); d++) {
          dimensions.put(
              params.get(m + "Dimensions.member." + d + ".Name"),
              params.get(m + "Dimensions.member." + d + ".Value"));
        }
        key =
            metricKey(
                params.get(m + "Namespace"),
                params.get(m + "MetricName"),
                dimensions,
                params.get(q + "MetricStat.Stat"));
        label = params.get(m + "MetricName");
      }
      Series found = series.getOrDefault(key, new Series(List.of(), "Complete", List.of()));
      List<Datapoint> points = new ArrayList<>(found.points);
      points.sort(Comparator.comparing(Datapoint::at).reversed());
      StringBuilder timestamps = new StringBuilder();
      StringBuilder values = new StringBuilder();
      for (Datapoint p : points) {
        timestamps.append("<member>").append(p.at()).append("</member>");
        values.append("<member>").append(p.value()).append("</member>");
      }
      StringBuilder messages = new StringBuilder();
      for (String message : found.messages) {
        String[] codeValue = message.split(": ", 2);
        messages
            .append("<member><Code>")
            .append(codeValue[0])
            .append("</Code><Value>")
            .append(codeValue.length > 1 ? codeValue[1] : "")
            .append("</Value></member>");
      }
      results
          .append("<member><Timestamps>")
          .append(timestamps)
          .append("</Timestamps><StatusCode>")
          .append(found.status)
          .append("</StatusCode><Messages>")
          .append(messages)
          .append("</Messages><Values>")
          .append(values)
          .append("</Values><Label>")
          .append(label)
          .append("</Label><Id>")
          .append(id)
          .append("</Id></member>");
    }
    return xml(
        "<GetMetricDataResponse xmlns=\""
            + NS
            + "\"><GetMetricDataResult><MetricDataResults>"
            + results
            + "</MetricDataResults><Messages/></GetMetricDataResult>"
            + metadata()
            + "</GetMetricDataResponse>");
  }

  private ResponseDefinition describeAlarms(Map<String, String> params) {
    List<String> names = members(params, "AlarmNames");
    List<String> types = members(params, "AlarmTypes");
    // Without AlarmTypes CloudWatch returns metric alarms only.
    boolean metric = types.isEmpty() || types.contains("MetricAlarm");
    boolean composite = types.contains("CompositeAlarm");
    StringBuilder metricAlarms = new StringBuilder();
    StringBuilder compositeAlarms = new StringBuilder();
    for (Alarm alarm : alarms.values()) {
      if (!names.isEmpty() && !names.contains(alarm.name)) {
        continue;
      }
      String arn = "arn:aws:cloudwatch:eu-west-1:123456789012:alarm:" + alarm.name;
      String state =
          "<StateValue>"
              + alarm.state
              + "</StateValue><StateReason>"
              + escape(alarm.reason)
              + "</StateReason><StateUpdatedTimestamp>"
              + alarm.at
              + "</StateUpdatedTimestamp><StateTransitionedTimestamp>"
              + alarm.at
              + "</StateTransitionedTimestamp>";
      if (alarm.composite && composite) {
        compositeAlarms
            .append("<member><AlarmName>")
            .append(escape(alarm.name))
            .append("</AlarmName><AlarmArn>")
            .append(escape(arn))
            .append("</AlarmArn><AlarmRule>ALARM(&quot;api-errors&quot;)</AlarmRule>")
            .append("<ActionsEnabled>true</ActionsEnabled><AlarmActions/><OKActions/>")
            .append(state)
            .append("</member>");
      } else if (!alarm.composite && metric) {
        metricAlarms
            .append("<member><AlarmName>")
            .append(escape(alarm.name))
            .append("</AlarmName><AlarmArn>")
            .append(escape(arn))
            .append("</AlarmArn><Namespace>AWS/Lambda</Namespace><MetricName>Errors</MetricName>")
            .append("<Dimensions/><Statistic>Sum</Statistic><Period>60</Period>")
            .append("<EvaluationPeriods>1</EvaluationPeriods><Threshold>5.0</Threshold>")
            .append("<ComparisonOperator>GreaterThanThreshold</ComparisonOperator>")
            .append("<ActionsEnabled>true</ActionsEnabled><AlarmActions/><OKActions/>")
            .append(state)
            .append("</member>");
      }
    }
    return xml(
        "<DescribeAlarmsResponse xmlns=\""
            + NS
            + "\"><DescribeAlarmsResult><MetricAlarms>"
            + metricAlarms
            + "</MetricAlarms><CompositeAlarms>"
            + compositeAlarms
            + "</CompositeAlarms></DescribeAlarmsResult>"
            + metadata()
            + "</DescribeAlarmsResponse>");
  }

  private static List<String> members(Map<String, String> params, String list) {
    List<String> members = new ArrayList<>();
    for (int i = 1; params.containsKey(list + ".member." + i); i++) {
      members.add(params.get(list + ".member." + i));
    }
    return members;
  }

  static Map<String, String> form(String body) {
    Map<String, String> params = new LinkedHashMap<>();
    if (body == null || body.isEmpty()) {
      return params;
    }
    for (String pair : body.split("&")) {
      int eq = pair.indexOf('=');
      String name = eq < 0 ? pair : pair.substring(0, eq);
      String value = eq < 0 ? "" : pair.substring(eq + 1);
      params.put(
          URLDecoder.decode(name, StandardCharsets.UTF_8),
          URLDecoder.decode(value, StandardCharsets.UTF_8));
    }
    return params;
  }

  private static String metadata() {
    return "<ResponseMetadata><RequestId>" + UUID.randomUUID() + "</RequestId></ResponseMetadata>";
  }

  private static String escape(String text) {
    return text == null ? "" : text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
  }

  private static ResponseDefinition xml(String body) {
    return ResponseDefinitionBuilder.responseDefinition()
        .withStatus(200)
        .withBody(body)
        .withHeader("Content-Type", "text/xml")
        .withHeader("x-amzn-RequestId", UUID.randomUUID().toString())
        .build();
  }

  private static ResponseDefinition error(int status, String code, String message) {
    return ResponseDefinitionBuilder.responseDefinition()
        .withStatus(status)
        .withBody(
            "<ErrorResponse xmlns=\""
                + NS
                + "\"><Error><Type>"
                + (status >= 500 ? "Receiver" : "Sender")
                + "</Type><Code>"
                + code
                + "</Code><Message>"
                + escape(message)
                + "</Message></Error><RequestId>"
                + UUID.randomUUID()
                + "</RequestId></ErrorResponse>")
        .withHeader("Content-Type", "text/xml")
        .withHeader("x-amzn-RequestId", UUID.randomUUID().toString())
        .build();
  }
}
