package io.countersign.verification;

import static org.assertj.core.api.Assertions.assertThat;

import io.countersign.manifest.ReleaseManifest.MetricRule;
import io.countersign.verification.PrometheusResponse.Sample;
import io.countersign.verification.VerificationTarget.MetricVerdict;
import io.countersign.verification.VerificationTarget.Verdict;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class MetricRulesTest {
  private static final MetricRule ERRORS =
      new MetricRule(
          "error-rate",
          "sum(rate(errors{function=\"{function}\"}[1m])) / sum(rate(calls{function=\"{function}\"}[1m]))",
          0.01,
          null);
  private static final MetricRule P95 =
      new MetricRule("p95-latency", "histogram_quantile(0.95, x)", 0.5, null);

  @Test
  void aScopedRuleIsAskedAboutOneFunctionAndTheOthersStayAsTheyAre() {
    MetricRule scoped = MetricRules.forFunction(ERRORS, "api_handler");

    assertThat(scoped.name()).isEqualTo("error-rate[api_handler]");
    assertThat(scoped.query())
        .isEqualTo(
            "sum(rate(errors{function=\"api_handler\"}[1m])) / sum(rate(calls{function=\"api_handler\"}[1m]))");
    assertThat(scoped.max()).isEqualTo(0.01);
    assertThat(MetricRules.forFunction(P95, "api_handler")).isSameAs(P95);
  }

  @Test
  void theBakeWindowAsksAScopedRuleOncePerFunction() {
    assertThat(MetricRules.expand(List.of(ERRORS, P95), List.of("data_ingestion", "api_handler")))
        .extracting(MetricRule::name)
        .containsExactly("error-rate[data_ingestion]", "error-rate[api_handler]", "p95-latency");
  }

  @Test
  void theOverallVerdictIsTheWorstOne() {
    assertThat(MetricRules.overall(List.of())).isEqualTo(Verdict.PASS);
    assertThat(MetricRules.overall(List.of(Verdict.PASS, Verdict.PASS))).isEqualTo(Verdict.PASS);
    assertThat(MetricRules.overall(List.of(Verdict.PASS, Verdict.INCONCLUSIVE)))
        .isEqualTo(Verdict.INCONCLUSIVE);
    assertThat(MetricRules.overall(List.of(Verdict.INCONCLUSIVE, Verdict.FAIL, Verdict.PASS)))
        .isEqualTo(Verdict.FAIL);
  }

  @Test
  void everySeriesIsJudgedAndACrossingOneFailsEvenBesideNaN() {
    MetricVerdict fail =
        MetricRules.judge(
            ERRORS,
            List.of(
                new Sample("{function=\"a\"}", Double.NaN), new Sample("{function=\"b\"}", 0.2)));
    MetricVerdict nan =
        MetricRules.judge(
            ERRORS,
            List.of(
                new Sample("{function=\"a\"}", Double.NaN), new Sample("{function=\"b\"}", 0.001)));
    MetricVerdict pass =
        MetricRules.judge(ERRORS, List.of(new Sample("{a}", 0.001), new Sample("{b}", 0.004)));

    assertThat(fail.verdict()).isEqualTo(Verdict.FAIL);
    assertThat(fail.detail()).isEqualTo("0.2 > max 0.01 for {function=\"b\"} (2 series)");
    assertThat(nan.verdict()).isEqualTo(Verdict.INCONCLUSIVE);
    assertThat(pass.verdict()).isEqualTo(Verdict.PASS);
    assertThat(pass.value()).isEqualTo(0.004); // the series nearest its bound
    assertThat(MetricRules.judge(ERRORS, List.of()).verdict()).isEqualTo(Verdict.INCONCLUSIVE);
  }

  @Test
  void boundsAreInclusive() {
    MetricRule band = new MetricRule("band", "q", 0.9, 0.5);

    assertThat(MetricRules.crosses(P95, 0.5)).isFalse();
    assertThat(MetricRules.crosses(P95, 0.5001)).isTrue();
    assertThat(MetricRules.crosses(band, 0.5)).isFalse();
    assertThat(MetricRules.crosses(band, 0.49)).isTrue();
    assertThat(MetricRules.comparison(band, 0.7)).isEqualTo("min 0.5 ≤ 0.7 ≤ max 0.9");
  }

  @Test
  void theStatusLineShowsEachRuleAndTheTimeLeft() {
    List<MetricVerdict> verdicts =
        List.of(
            new MetricVerdict(
                "error-rate", "q", 0.002, "max 0.01", Verdict.PASS, "whatever the adapter said"),
            new MetricVerdict(
                "p95-latency", "q", null, "max 0.5", Verdict.INCONCLUSIVE, "no data"));

    assertThat(MetricRules.status(List.of(ERRORS, P95), verdicts, Duration.ofSeconds(4 * 60 - 10)))
        .isEqualTo(
            "error-rate 0.002 ≤ max 0.01 PASS; p95-latency ? (no data) INCONCLUSIVE; 4 min left");
    assertThat(MetricRules.status(List.of(), List.of(), Duration.ofSeconds(30)))
        .isEqualTo("no metric rules; 30 s left");
    assertThat(MetricRules.left(Duration.ZERO)).isEqualTo("window over");
    assertThat(MetricRules.left(Duration.ofSeconds(-5))).isEqualTo("window over");
  }

  @Test
  void numbersReadWell() {
    assertThat(MetricRules.format(0.00213456)).isEqualTo("0.002135");
    assertThat(MetricRules.format(1250.0)).isEqualTo("1250");
    assertThat(MetricRules.format(1.0E-4)).isEqualTo("0.0001");
    assertThat(MetricRules.format(Double.POSITIVE_INFINITY)).isEqualTo("+Inf");
    assertThat(MetricRules.format(Double.NaN)).isEqualTo("NaN");
  }

  @Test
  void prometheusAnswersThatCannotBeJudgedSayWhy() {
    assertThat(PrometheusResponse.parse(200, PrometheusStubs.matrix()).problem())
        .isEqualTo(
            "result type 'matrix' cannot be judged: the query must give an instant vector or a scalar");
    assertThat(PrometheusResponse.parse(200, PrometheusStubs.vector("abc")).problem())
        .isEqualTo("value 'abc' of {} is not a number");
    assertThat(PrometheusResponse.parse(200, "not json").problem())
        .isEqualTo("Prometheus answered 200 without its JSON");
    assertThat(
            PrometheusResponse.parse(
                    200, PrometheusStubs.vectorBy("function", "a", "0.1", "b", "-Inf"))
                .samples())
        .containsExactly(
            new Sample("{function=\"a\"}", 0.1),
            new Sample("{function=\"b\"}", Double.NEGATIVE_INFINITY));
    assertThat(PrometheusResponse.parse(200, PrometheusStubs.scalar("3")).samples())
        .containsExactly(new Sample("scalar", 3.0));
  }
}
