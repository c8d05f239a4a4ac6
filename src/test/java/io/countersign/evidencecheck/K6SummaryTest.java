package io.countersign.evidencecheck;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The k6 files under evidence/ are hand-written in the two shapes k6 writes (k6 cannot be installed
 * here): k6-summary-export.json as {@code --summary-export} writes it, k6-handle-summary.json as
 * {@code JSON.stringify(data)} in {@code handleSummary} does.
 */
class K6SummaryTest {

  /** The release policy's load-test demands: p95 200 ms, 0.1 % errors, 99 % checks, 1000 VUs. */
  private static final Thresholds POLICY =
      new Thresholds("k6-summary", 200.0, 0.001, 0.99, 1000, null, null, null);

  /** Both shapes, for the tests that build a summary inline. */
  enum Shape {
    SUMMARY_EXPORT,
    HANDLE_SUMMARY;

    /** A summary with only the metrics a release checks; a null value leaves its metric out. */
    String summary(Double p95, Double errorRate, Double checksRate, Double vusMax) {
      StringBuilder metrics = new StringBuilder();
      if (this == SUMMARY_EXPORT) {
        append(
            metrics, p95, "\"http_req_duration\": {\"avg\": 90.1, \"med\": 80.2, \"p(95)\": %s}");
        append(
            metrics,
            errorRate,
            "\"http_req_failed\": {\"passes\": 1, \"fails\": 999, \"value\": %s}");
        append(metrics, checksRate, "\"checks\": {\"passes\": 999, \"fails\": 1, \"value\": %s}");
        append(metrics, vusMax, "\"vus_max\": {\"value\": %s, \"min\": 10, \"max\": 5000}");
        return "{\"root_group\": {\"name\": \"\", \"groups\": {}, \"checks\": {}}, \"metrics\": {"
            + metrics
            + "}}";
      }
      append(
          metrics,
          p95,
          "\"http_req_duration\": {\"type\": \"trend\", \"contains\": \"time\","
              + " \"values\": {\"avg\": 90.1, \"p(95)\": %s}}");
      append(
          metrics,
          errorRate,
          "\"http_req_failed\": {\"type\": \"rate\", \"values\": {\"rate\": %s, \"passes\": 1}}");
      append(metrics, checksRate, "\"checks\": {\"type\": \"rate\", \"values\": {\"rate\": %s}}");
      append(
          metrics,
          vusMax,
          "\"vus_max\": {\"type\": \"gauge\", \"values\": {\"value\": %s, \"max\": 5000}}");
      return "{\"root_group\": {\"groups\": [], \"checks\": []}, \"options\": {}, \"state\": {},"
          + " \"metrics\": {"
          + metrics
          + "}}";
    }

    private static void append(StringBuilder metrics, Double value, String template) {
      if (value != null) {
        metrics.append(metrics.length() == 0 ? "" : ", ").append(String.format(template, value));
      }
    }
  }

  @Test
  void aSummaryExportThatMeetsThePolicyPasses() throws IOException {
    Reading reading = K6Summary.read(resource("k6-summary-export.json"), POLICY);

    assertThat(reading.failures()).isEmpty();
    assertThat(reading.passed()).isTrue();
    assertThat(reading.figures())
        .containsEntry("shape", "summary-export")
        .containsEntry("p95Ms", 180.3)
        .containsEntry("errorRate", 0.0004)
        .containsEntry("checksRate", 0.9996)
        .containsEntry("vusMax", 1000L)
        .containsEntry("requests", 120000L);
    assertThat(reading.figures().keySet())
        .containsExactly(
            "shape", "p95Ms", "errorRate", "checksRate", "vusMax", "requests", "k6Thresholds");
  }

  @Test
  void aHandleSummaryThatMissesThePolicyFailsOnceForEachMiss() throws IOException {
    Reading reading = K6Summary.read(resource("k6-handle-summary.json"), POLICY);

    assertThat(reading.passed()).isFalse();
    assertThat(reading.failures())
        .containsExactly(
            "http_req_duration p(95) was 245.7 ms, above the 200 ms allowed",
            "http_req_failed rate was 0.0021 (0.21 %), above the 0.001 (0.1 %) allowed");
    assertThat(reading.figures())
        .containsEntry("shape", "handleSummary")
        .containsEntry("p95Ms", 245.7)
        .containsEntry("vusMax", 1000L)
        .containsEntry("errorRate", 0.0021)
        .containsEntry("checksRate", 0.99895)
        .containsEntry("requests", 240000L);
  }

  @Test
  void theFilesOwnThresholdsAreReportedButDoNotDecide() throws IOException {
    // The script's p(95)<200 failed in this file; a policy that allows 250 ms still passes it.
    Thresholds lenient = new Thresholds("k6-summary", 250.0, 0.01, null, null, null, null, null);

    Reading reading = K6Summary.read(resource("k6-handle-summary.json"), lenient);

    assertThat(reading.passed()).isTrue();
    assertThat(reading.figures().get("k6Thresholds"))
        .isEqualTo(
            Map.of(
                "http_req_duration p(95)<200", "failed",
                "http_req_failed rate<0.001", "failed",
                "checks rate>0.99", "passed"));
  }

  @Test
  void theLegacyExportsInvertedThresholdBooleanIsReadAsK6MeantIt() throws IOException {
    // --summary-export writes true for a threshold that FAILED (k6's summary-wrapper: !ok).
    String summary =
        "{\"metrics\": {\"http_req_duration\": {\"p(95)\": 180.3,"
            + " \"thresholds\": {\"p(95)<100\": true, \"p(95)<500\": false}}}}";

    Reading reading = read(summary, POLICY.p95MaxMs(), null, null, null);

    assertThat(reading.figures().get("k6Thresholds"))
        .isEqualTo(
            Map.of(
                "http_req_duration p(95)<100", "failed",
                "http_req_duration p(95)<500", "passed"));
    assertThat(K6Summary.read(resource("k6-summary-export.json"), POLICY).figures())
        .containsEntry(
            "k6Thresholds",
            Map.of(
                "checks rate>0.99", "passed",
                "http_req_duration p(95)<200", "passed",
                "http_req_failed rate<0.001", "passed"));
  }

  @ParameterizedTest
  @EnumSource(Shape.class)
  void theP95LimitIsInclusive(Shape shape) {
    assertThat(read(shape.summary(200.0, null, null, null), 200.0, null, null, null).passed())
        .isTrue();
    Reading over = read(shape.summary(200.01, null, null, null), 200.0, null, null, null);
    assertThat(over.failures())
        .containsExactly("http_req_duration p(95) was 200.01 ms, above the 200 ms allowed");
  }

  @ParameterizedTest
  @EnumSource(Shape.class)
  void theErrorRateLimitIsInclusive(Shape shape) {
    assertThat(read(shape.summary(null, 0.001, null, null), null, 0.001, null, null).passed())
        .isTrue();
    Reading over = read(shape.summary(null, 0.0011, null, null), null, 0.001, null, null);
    assertThat(over.failures())
        .containsExactly(
            "http_req_failed rate was 0.0011 (0.11 %), above the 0.001 (0.1 %) allowed");
  }

  @ParameterizedTest
  @EnumSource(Shape.class)
  void theChecksRateMinimumIsInclusive(Shape shape) {
    assertThat(read(shape.summary(null, null, 0.99, null), null, null, 0.99, null).passed())
        .isTrue();
    Reading under = read(shape.summary(null, null, 0.9899, null), null, null, 0.99, null);
    assertThat(under.failures())
        .containsExactly("checks pass rate was 0.9899 (98.99 %), below the 0.99 (99 %) required");
  }

  @ParameterizedTest
  @EnumSource(Shape.class)
  void theVirtualUserMinimumIsInclusive(Shape shape) {
    assertThat(read(shape.summary(null, null, null, 1000.0), null, null, null, 1000).passed())
        .isTrue();
    Reading under = read(shape.summary(null, null, null, 999.0), null, null, null, 1000);
    assertThat(under.failures())
        .containsExactly("vus_max was 999, below the 1000 virtual users required");
    assertThat(under.figures()).containsEntry("vusMax", 999L);
  }

  @ParameterizedTest
  @EnumSource(Shape.class)
  void aThresholdWhoseMetricIsMissingFails(Shape shape) {
    Reading reading = read(shape.summary(null, null, null, null), 200.0, 0.001, 0.99, 1000);

    assertThat(reading.passed()).isFalse();
    assertThat(reading.failures())
        .containsExactly(
            "http_req_duration p(95) is missing",
            "http_req_failed rate is missing",
            "checks pass rate is missing",
            "vus_max is missing");
    assertThat(reading.figures()).doesNotContainKeys("p95Ms", "errorRate", "checksRate", "vusMax");
  }

  @ParameterizedTest
  @EnumSource(Shape.class)
  void withoutThresholdsTheFiguresAreReportedAndItPasses(Shape shape) {
    Reading reading = read(shape.summary(512.0, 0.5, 0.1, 3.0), null, null, null, null);

    assertThat(reading.passed()).isTrue();
    assertThat(reading.figures())
        .containsEntry("p95Ms", 512L)
        .containsEntry("errorRate", 0.5)
        .containsEntry("checksRate", 0.1)
        .containsEntry("vusMax", 3L)
        .containsEntry("shape", shape == Shape.SUMMARY_EXPORT ? "summary-export" : "handleSummary");
  }

  @Test
  void aTrendWithoutP95AmongItsStatisticsIsMissingIt() {
    // summaryTrendStats can leave p(95) out of the summary.
    String summary =
        "{\"metrics\": {\"http_req_duration\": {\"type\": \"trend\","
            + " \"values\": {\"avg\": 90.1, \"p(99)\": 250.0}}}}";

    assertThat(read(summary, 200.0, null, null, null).failures())
        .containsExactly("http_req_duration p(95) is missing");
  }

  @Test
  void aValueThatIsNotAFiniteNumberIsMissing() {
    // JSON.stringify writes NaN as null; 1e999 overflows a double.
    String summary =
        "{\"metrics\": {\"http_req_duration\": {\"p(95)\": null},"
            + " \"http_req_failed\": {\"value\": 1e999}, \"checks\": {\"value\": \"0.99\"}}}";

    assertThat(read(summary, 200.0, 0.001, 0.99, null).failures())
        .containsExactly(
            "http_req_duration p(95) is missing",
            "http_req_failed rate is missing",
            "checks pass rate is missing");
  }

  @Test
  void aHandleSummaryRateIsUnderRateAndALegacyRateUnderValue() {
    // A handleSummary rate metric's "value" is not its rate, nor a legacy one's "rate".
    String crossed =
        "{\"metrics\": {\"http_req_failed\": {\"type\": \"rate\", \"values\": {\"value\": 0.0}},"
            + " \"checks\": {\"rate\": 1.0}}}";

    assertThat(read(crossed, null, 0.001, 0.99, null).failures())
        .containsExactly("http_req_failed rate is missing", "checks pass rate is missing");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "this is not json",
        "{\"metrics\": {}",
        "{\"metrics\": {}} trailing",
        "{\"metrics\": {}, \"metrics\": {\"checks\": {\"value\": 1.0}}}"
      })
  void contentThatIsNotJsonIsUnreadable(String content) {
    Reading reading = read(content, 200.0, null, null, null);

    assertThat(reading.passed()).isFalse();
    assertThat(reading.figures()).isEmpty();
    assertThat(reading.failures())
        .singleElement()
        .asString()
        .startsWith("not a k6 summary: not JSON (");
  }

  @Test
  void jsonOfAnotherShapeIsUnreadable() throws IOException {
    assertThat(read("[1, 2, 3]", null, null, null, null).failures())
        .containsExactly("not a k6 summary: the top level is not a JSON object");
    assertThat(read("\"metrics\"", null, null, null, null).failures())
        .containsExactly("not a k6 summary: the top level is not a JSON object");
    assertThat(read("{\"metrics\": [1]}", null, null, null, null).failures())
        .containsExactly("not a k6 summary: it has no \"metrics\" object");
    assertThat(K6Summary.read(resource("eslint.sarif"), POLICY).failures())
        .containsExactly("not a k6 summary: it has no \"metrics\" object");
  }

  private static Reading read(
      String summary, Double p95MaxMs, Double errorRateMax, Double checksMinRate, Integer minVus) {
    return K6Summary.read(
        summary.getBytes(StandardCharsets.UTF_8),
        new Thresholds(
            "k6-summary", p95MaxMs, errorRateMax, checksMinRate, minVus, null, null, null));
  }

  static byte[] resource(String name) throws IOException {
    try (InputStream in = K6SummaryTest.class.getResourceAsStream("/evidence/" + name)) {
      assertThat(in).as(name).isNotNull();
      return in.readAllBytes();
    }
  }
}
