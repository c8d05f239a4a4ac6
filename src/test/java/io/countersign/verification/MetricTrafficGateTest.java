package io.countersign.verification;

import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.argThat;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tomakehurst.wiremock.WireMockServer;
import io.countersign.evidence.EvidenceLog;
import io.countersign.lambda.TrafficGate;
import io.countersign.manifest.ReleaseManifest;
import io.countersign.manifest.ReleaseManifest.MetricRule;
import io.countersign.verification.VerificationProperties.Prometheus;
import io.countersign.verification.VerificationTarget.MetricVerdict;
import io.countersign.verification.VerificationTarget.Verdict;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The metric rules between two Lambda traffic steps, scoped to the shifting function where the
 * query says so.
 */
class MetricTrafficGateTest {
  private static final String SCOPED =
      "sum(rate(lambda_errors_total{function_name=\\\"{function}\\\"}[1m]))";
  private final EvidenceLog evidence = mock(EvidenceLog.class);

  @Test
  void aScopedRuleAsksAboutTheShiftingFunctionAndTheOthersAsTheyAre() throws Exception {
    List<MetricRule> asked = new ArrayList<>();
    MetricTrafficGate gate = new MetricTrafficGate(scripted(asked, Map.of()), evidence);

    MetricTrafficGate.Outcome outcome = gate.evaluate(manifest(), "api_handler");

    assertThat(outcome.verdict()).isEqualTo(Verdict.PASS);
    assertThat(asked)
        .extracting(MetricRule::name, MetricRule::query)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(
                "errors[api_handler]",
                "sum(rate(lambda_errors_total{function_name=\"api_handler\"}[1m]))"),
            org.assertj.core.groups.Tuple.tuple("p95-latency", "histogram_quantile(0.95, x)"));
  }

  @Test
  void theGateStopsTheShiftOnAFailureAndOnAnInconclusiveRuleAndRecordsEachEvaluation()
      throws Exception {
    MetricTrafficGate failing =
        new MetricTrafficGate(
            scripted(new ArrayList<>(), Map.of("errors[api_handler]", Verdict.FAIL)), evidence);
    MetricTrafficGate unmeasured =
        new MetricTrafficGate(
            scripted(new ArrayList<>(), Map.of("p95-latency", Verdict.INCONCLUSIVE)), evidence);
    MetricTrafficGate passing =
        new MetricTrafficGate(scripted(new ArrayList<>(), Map.of()), evidence);

    TrafficGate.Result failed = failing.check("rel-1", manifest(), "api_handler", 10);
    TrafficGate.Result inconclusive = unmeasured.check("rel-1", manifest(), "api_handler", 10);
    TrafficGate.Result passed = passing.check("rel-1", manifest(), "api_handler", 10);

    assertThat(failed.passed()).isFalse();
    assertThat(failed.detail())
        .isEqualTo("errors[api_handler] 0.2 > max 0.01 FAIL; p95-latency 0.2 ≤ max 0.5 PASS");
    assertThat(inconclusive.passed()).isFalse();
    assertThat(inconclusive.detail()).startsWith("inconclusive, so the shift stops: ");
    assertThat(passed.passed()).isTrue();
    assertThat(failing.name()).isEqualTo("metric-rules");
    verify(evidence, times(6))
        .record(
            eq("rel-1"),
            eq("metrics-verdict"),
            eq("countersign"),
            argThat(p -> p.get("function").equals("api_handler") && p.get("percent").equals(10)));
  }

  @Test
  void withoutRulesTheGatePasses() throws Exception {
    ReleaseManifest bare =
        new ObjectMapper()
            .readValue(
                "{\"application\":\"a\",\"version\":\"1\",\"environment\":\"staging\","
                    + "\"changeReference\":\"C-1\"}",
                ReleaseManifest.class);

    assertThat(
            new MetricTrafficGate(scripted(new ArrayList<>(), Map.of()), evidence)
                .check("rel-1", bare, "f", 10))
        .isEqualTo(new TrafficGate.Result(true, "no metric rules"));
  }

  @Test
  void theScopedQueryReachesPrometheus() throws Exception {
    WireMockServer server = new WireMockServer(options().dynamicPort());
    server.start();
    try {
      String query = "sum(rate(lambda_errors_total{function_name=\"api_handler\"}[1m]))";
      PrometheusStubs.answer(server, query, PrometheusStubs.vector("0.3"));
      PrometheusStubs.answer(server, "histogram_quantile(0.95, x)", PrometheusStubs.vector("0.1"));
      LiveVerificationTarget live =
          new LiveVerificationTarget(
              new VerificationProperties(
                  "live",
                  Map.of(),
                  null,
                  null,
                  null,
                  new Prometheus(
                      URI.create("http://localhost:" + server.port()), Duration.ofSeconds(2)),
                  null));

      TrafficGate.Result result =
          new MetricTrafficGate(live, evidence).check("rel-1", manifest(), "api_handler", 25);

      assertThat(result.passed()).isFalse();
      assertThat(result.detail()).startsWith("errors[api_handler] 0.3 > max 0.01 FAIL");
      server.verify(
          getRequestedFor(urlPathEqualTo("/api/v1/query")).withQueryParam("query", equalTo(query)));
    } finally {
      server.stop();
    }
  }

  /** Every rule at 0.2 and PASS, unless the script names it. */
  private static VerificationTarget scripted(List<MetricRule> asked, Map<String, Verdict> script) {
    return new VerificationTarget() {
      @Override
      public CheckResult check(ReleaseManifest.HttpCheck check) {
        throw new AssertionError("a metric gate calls no service");
      }

      @Override
      public MetricVerdict evaluate(MetricRule rule) {
        asked.add(rule);
        Verdict verdict = script.getOrDefault(rule.name(), Verdict.PASS);
        return verdict == Verdict.INCONCLUSIVE
            ? MetricRules.inconclusive(rule, "no data")
            : new MetricVerdict(
                rule.name(), rule.query(), 0.2, VerificationTarget.threshold(rule), verdict, null);
      }

      @Override
      public AlarmReading alarms(List<String> names) {
        throw new AssertionError("the manifest names no alarms");
      }
    };
  }

  private static ReleaseManifest manifest() throws Exception {
    return new ObjectMapper()
        .readValue(
            "{\"application\":\"medication-tracker\",\"version\":\"2.4.0\","
                + "\"environment\":\"staging\",\"changeReference\":\"CHG-1\",\"verification\":{\"metrics\":["
                + "{\"name\":\"errors\",\"query\":\""
                + SCOPED
                + "\",\"max\":0.01},"
                + "{\"name\":\"p95-latency\",\"query\":\"histogram_quantile(0.95, x)\",\"max\":0.5}]}}",
            ReleaseManifest.class);
  }
}
