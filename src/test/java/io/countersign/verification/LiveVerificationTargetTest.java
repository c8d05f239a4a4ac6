package io.countersign.verification;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.WireMockServer;
import io.countersign.manifest.ReleaseManifest.HttpCheck;
import io.countersign.manifest.ReleaseManifest.MetricRule;
import io.countersign.verification.VerificationProperties.Prometheus;
import io.countersign.verification.VerificationTarget.CheckResult;
import io.countersign.verification.VerificationTarget.MetricVerdict;
import io.countersign.verification.VerificationTarget.Verdict;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The live adapter against WireMock standing in for the release's services and for Prometheus. */
class LiveVerificationTargetTest {
  private static final WireMockServer SERVER = new WireMockServer(options().dynamicPort());
  private static final MetricRule ERROR_RATE =
      new MetricRule("error-rate", PrometheusStubs.ERROR_RATE, 0.01, null);
  private static final MetricRule P95 =
      new MetricRule("p95-latency", PrometheusStubs.P95, 0.5, null);
  private static LiveVerificationTarget target;
  private static String base;

  @BeforeAll
  static void start() {
    SERVER.start();
    base = "http://localhost:" + SERVER.port();
    target =
        new LiveVerificationTarget(
            new VerificationProperties(
                "live",
                Map.of("development", List.of("localhost")),
                null,
                null,
                null,
                new Prometheus(URI.create(base + "/"), Duration.ofSeconds(2)),
                null));
  }

  @AfterAll
  static void stop() {
    SERVER.stop();
  }

  @BeforeEach
  void reset() {
    SERVER.resetAll();
  }

  private static HttpCheck check(
      String name,
      String method,
      String path,
      Integer status,
      String bodyContains,
      String timeout,
      Integer retries,
      String jsonField,
      String jsonValue) {
    return new HttpCheck(
        name, method, base + path, status, bodyContains, timeout, retries, jsonField, jsonValue);
  }

  private static void serve(String path, int status, String body) {
    SERVER.stubFor(
        get(urlEqualTo(path))
            .willReturn(
                aResponse()
                    .withStatus(status)
                    .withHeader("Content-Type", "application/json")
                    .withHeader("Set-Cookie", "session=secret-cookie")
                    .withBody(body)));
  }

  @Test
  void aHealthyServiceWithTheExpectedJsonFieldPasses() {
    serve(
        "/health",
        200,
        "{\"status\":\"UP\",\"components\":{\"db\":{\"status\":\"UP\"}},\"checks\":[{\"state\":\"ok\"}]}");

    CheckResult result =
        target.check(check("api-health", null, "/health", 200, null, null, null, "$.status", "UP"));
    CheckResult nested =
        target.check(
            check("db", null, "/health", null, null, null, null, "$.components.db.status", "UP"));
    CheckResult indexed =
        target.check(
            check("first", null, "/health", null, null, null, null, "$.checks[0].state", "ok"));

    assertThat(result.passed()).isTrue();
    assertThat(result.status()).isEqualTo(200);
    assertThat(result.attempts()).isEqualTo(1);
    assertThat(result.latencyMs()).isGreaterThanOrEqualTo(0);
    assertThat(result.detail()).matches("200 in \\d+ ms");
    assertThat(result.bodyExcerpt()).startsWith("{\"status\":\"UP\"");
    assertThat(List.of(nested.passed(), indexed.passed())).containsOnly(true);
    // Headers (cookies, tokens) are never kept.
    assertThat(result.toString()).doesNotContain("secret-cookie");
  }

  @Test
  void aServiceThatStaysDownFailsAfterItsRetries() {
    serve("/health", 503, "{\"status\":\"DOWN\"}");

    CheckResult result =
        target.check(check("api-health", null, "/health", 200, null, null, 2, null, null));

    assertThat(result.passed()).isFalse();
    assertThat(result.status()).isEqualTo(503);
    assertThat(result.attempts()).isEqualTo(3);
    assertThat(result.detail()).isEqualTo("expected 200, got 503 (attempt 3 of 3)");
    assertThat(result.bodyExcerpt()).isEqualTo("{\"status\":\"DOWN\"}");
    SERVER.verify(3, getRequestedFor(urlEqualTo("/health")));
  }

  @Test
  void aServiceThatRecoversOnARetryPasses() {
    SERVER.stubFor(
        get(urlEqualTo("/health"))
            .inScenario("flaky")
            .whenScenarioStateIs("Started")
            .willSetStateTo("up")
            .willReturn(aResponse().withStatus(502)));
    SERVER.stubFor(
        get(urlEqualTo("/health"))
            .inScenario("flaky")
            .whenScenarioStateIs("up")
            .willReturn(aResponse().withStatus(200)));

    CheckResult result =
        target.check(check("api-health", null, "/health", null, null, null, null, null, null));

    assertThat(result.passed()).isTrue();
    assertThat(result.attempts()).isEqualTo(2);
  }

  @Test
  void aSmokeTestWhoseBodyLacksTheTextFailsWithoutRetrying() {
    serve("/", 200, "<html><title>Maintenance</title></html>");

    CheckResult result =
        target.check(check("web-home", "GET", "/", 200, "Medication Tracker", null, 2, null, null));

    assertThat(result.passed()).isFalse();
    assertThat(result.detail()).isEqualTo("body does not contain 'Medication Tracker'");
    assertThat(result.attempts()).isEqualTo(1);
    SERVER.verify(1, getRequestedFor(urlEqualTo("/")));
  }

  @Test
  void aJsonFieldWithTheWrongValueOrMissingFails() {
    serve("/health", 200, "{\"status\":\"DOWN\"}");
    serve("/text", 200, "OK");

    assertThat(
            target
                .check(check("a", null, "/health", 200, null, null, null, "$.status", "UP"))
                .detail())
        .isEqualTo("$.status is 'DOWN', expected 'UP'");
    assertThat(
            target
                .check(
                    check("b", null, "/health", 200, null, null, null, "$.checks[0].state", "ok"))
                .detail())
        .isEqualTo("$.checks[0].state is missing");
    assertThat(
            target
                .check(check("c", null, "/text", 200, null, null, null, "$.status", "UP"))
                .detail())
        .isEqualTo("body is not JSON, so $.status cannot be read");
  }

  @Test
  void aCheckThatGetsNoAnswerInTimeTimesOut() {
    SERVER.stubFor(
        get(urlEqualTo("/slow")).willReturn(aResponse().withStatus(200).withFixedDelay(1000)));

    CheckResult result =
        target.check(check("slow", null, "/slow", 200, null, "PT0.3S", 0, null, null));

    assertThat(result.passed()).isFalse();
    assertThat(result.status()).isNull();
    // The answer comes after a second, with status 200: a result without a status shows the timeout
    // cut it off (no wall-clock bound here, which a busy machine would break).
    assertThat(result.detail()).isEqualTo("no response within 300 ms");
  }

  @Test
  void aPostSmokeTestUsesItsMethodAndExpectedStatus() {
    SERVER.stubFor(
        post(urlEqualTo("/login"))
            .willReturn(aResponse().withStatus(401).withBody("unauthorized")));

    CheckResult result =
        target.check(check("login", "POST", "/login", 401, "unauthorized", null, null, null, null));

    assertThat(result.passed()).isTrue();
  }

  @Test
  void redirectsAreFollowedOnlyOnTheSameHost() {
    SERVER.stubFor(
        get(urlEqualTo("/old"))
            .willReturn(aResponse().withStatus(301).withHeader("Location", "/health")));
    serve("/health", 200, "{\"status\":\"UP\"}");
    // 127.0.0.1 is the same machine but not the host the allow-list approved (localhost).
    SERVER.stubFor(
        get(urlEqualTo("/away"))
            .willReturn(
                aResponse()
                    .withStatus(302)
                    .withHeader("Location", "http://127.0.0.1:" + SERVER.port() + "/metadata")));

    CheckResult same =
        target.check(check("moved", null, "/old", 200, null, null, null, "$.status", "UP"));
    CheckResult other =
        target.check(check("away", null, "/away", 200, null, null, null, null, null));

    assertThat(same.passed()).isTrue();
    assertThat(other.passed()).isFalse();
    assertThat(other.detail())
        .isEqualTo("redirected to http://127.0.0.1; not followed (other host)");
    assertThat(other.attempts()).isEqualTo(1);
    SERVER.verify(0, getRequestedFor(urlEqualTo("/metadata")));
  }

  @Test
  void theBodyExcerptIsAtMostFiveHundredCharacters() {
    serve("/big", 500, "x".repeat(100_000));

    CheckResult result = target.check(check("big", null, "/big", 200, null, null, 0, null, null));

    assertThat(result.bodyExcerpt()).hasSize(500);
  }

  @Test
  void aUrlOffTheAllowListIsNeverCalled() {
    serve("/health", 200, "{}");
    HttpChecks checks =
        new HttpChecks(
            target, VerificationProperties.of("live", Map.of("development", List.of("localhost"))));

    CheckResult result =
        checks.run(
            new HttpCheck(
                "sneaky",
                null,
                "http://127.0.0.1:" + SERVER.port() + "/health",
                200,
                null,
                null,
                null,
                null,
                null),
            "development");

    assertThat(result.passed()).isFalse();
    assertThat(result.detail())
        .isEqualTo(
            "not called: url host '127.0.0.1' is not allowed for development (allowed: localhost)");
    SERVER.verify(0, anyRequestedFor(anyUrl()));
  }

  @Test
  void metricsWithinTheirThresholdsPass() {
    PrometheusStubs.answer(SERVER, PrometheusStubs.ERROR_RATE, PrometheusStubs.vector("0.002"));
    PrometheusStubs.answer(SERVER, PrometheusStubs.P95, PrometheusStubs.vector("0.31"));

    MetricVerdict errors = target.evaluate(ERROR_RATE);
    MetricVerdict latency = target.evaluate(P95);

    assertThat(errors)
        .isEqualTo(
            new MetricVerdict(
                "error-rate",
                PrometheusStubs.ERROR_RATE,
                0.002,
                "max 0.01",
                Verdict.PASS,
                "0.002 ≤ max 0.01"));
    assertThat(latency.verdict()).isEqualTo(Verdict.PASS);
    assertThat(latency.value()).isEqualTo(0.31);
    SERVER.verify(
        getRequestedFor(urlPathEqualTo("/api/v1/query"))
            .withQueryParam("query", equalTo(PrometheusStubs.P95)));
  }

  @Test
  void anErrorRateOverOnePercentFails() {
    PrometheusStubs.answer(SERVER, PrometheusStubs.ERROR_RATE, PrometheusStubs.vector("0.0734"));

    MetricVerdict verdict = target.evaluate(ERROR_RATE);

    assertThat(verdict.verdict()).isEqualTo(Verdict.FAIL);
    assertThat(verdict.value()).isEqualTo(0.0734);
    assertThat(verdict.detail()).isEqualTo("0.0734 > max 0.01");
  }

  @Test
  void aP95LatencyOverHalfASecondFailsAndSoDoesInfinity() {
    PrometheusStubs.answer(SERVER, PrometheusStubs.P95, PrometheusStubs.vector("0.82"));
    assertThat(target.evaluate(P95).verdict()).isEqualTo(Verdict.FAIL);

    // histogram_quantile gives +Inf when the quantile falls in the last bucket: slower than every
    // bound.
    PrometheusStubs.answer(SERVER, PrometheusStubs.P95, PrometheusStubs.vector("+Inf"));
    MetricVerdict inf = target.evaluate(P95);
    assertThat(inf.verdict()).isEqualTo(Verdict.FAIL);
    assertThat(inf.detail()).isEqualTo("+Inf > max 0.5");
  }

  @Test
  void queryErrorsEmptyResultsAndNaNAreInconclusive() {
    PrometheusStubs.answer(SERVER, PrometheusStubs.ERROR_RATE, 400, PrometheusStubs.badData());
    assertThat(target.evaluate(ERROR_RATE))
        .satisfies(
            v -> {
              assertThat(v.verdict()).isEqualTo(Verdict.INCONCLUSIVE);
              assertThat(v.value()).isNull();
              assertThat(v.detail())
                  .isEqualTo(
                      "Prometheus error bad_data (HTTP 400): invalid parameter \"query\": 1:6: parse error: unexpected end of input");
            });

    PrometheusStubs.answer(SERVER, PrometheusStubs.ERROR_RATE, PrometheusStubs.empty());
    assertThat(target.evaluate(ERROR_RATE).detail())
        .isEqualTo("no data: the query returned an empty result");

    PrometheusStubs.answer(SERVER, PrometheusStubs.ERROR_RATE, PrometheusStubs.vector("NaN"));
    MetricVerdict nan = target.evaluate(ERROR_RATE);
    assertThat(nan.verdict()).isEqualTo(Verdict.INCONCLUSIVE);
    assertThat(nan.detail()).startsWith("value is NaN");

    PrometheusStubs.answer(SERVER, PrometheusStubs.ERROR_RATE, 503, "<html>upstream down</html>");
    assertThat(target.evaluate(ERROR_RATE).detail())
        .isEqualTo("Prometheus answered 503 without its JSON");
  }

  @Test
  void aScalarIsJudgedAndAMinimumCanFail() {
    MetricRule throughput =
        new MetricRule("throughput", "scalar(sum(rate(http_requests_total[1m])))", null, 5.0);
    PrometheusStubs.answer(SERVER, throughput.query(), PrometheusStubs.scalar("2.5"));

    MetricVerdict verdict = target.evaluate(throughput);

    assertThat(verdict.verdict()).isEqualTo(Verdict.FAIL);
    assertThat(verdict.detail()).isEqualTo("2.5 < min 5");
  }

  @Test
  void aPrometheusThatDoesNotAnswerIsInconclusive() {
    LiveVerificationTarget unreachable =
        new LiveVerificationTarget(
            new VerificationProperties(
                "live",
                Map.of(),
                null,
                null,
                null,
                new Prometheus(URI.create("http://localhost:" + freePort()), Duration.ofSeconds(2)),
                null));
    LiveVerificationTarget unconfigured =
        new LiveVerificationTarget(VerificationProperties.of("live", Map.of()));

    assertThat(unreachable.evaluate(ERROR_RATE).verdict()).isEqualTo(Verdict.INCONCLUSIVE);
    assertThat(unreachable.evaluate(ERROR_RATE).detail())
        .startsWith("Prometheus unreachable: ConnectException");
    assertThat(unconfigured.evaluate(ERROR_RATE).detail())
        .isEqualTo("no Prometheus is configured (countersign.targets.verification.prometheus.url)");
  }

  @Test
  void aSlowPrometheusIsInconclusiveWithinItsTimeout() {
    SERVER.stubFor(
        get(urlPathEqualTo("/api/v1/query"))
            .willReturn(
                aResponse()
                    .withStatus(200)
                    .withBody(PrometheusStubs.vector("0.001"))
                    .withFixedDelay(1500)));
    LiveVerificationTarget impatient =
        new LiveVerificationTarget(
            new VerificationProperties(
                "live",
                Map.of(),
                null,
                null,
                null,
                new Prometheus(URI.create(base), Duration.ofMillis(300)),
                null));

    MetricVerdict verdict = impatient.evaluate(ERROR_RATE);

    assertThat(verdict.verdict()).isEqualTo(Verdict.INCONCLUSIVE);
    assertThat(verdict.detail()).isEqualTo("Prometheus did not answer within 300 ms");
  }

  private static int freePort() {
    try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
      return socket.getLocalPort();
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
