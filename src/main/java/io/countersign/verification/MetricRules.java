package io.countersign.verification;

import io.countersign.manifest.ReleaseManifest.CloudWatchMetric;
import io.countersign.manifest.ReleaseManifest.CloudWatchQuery;
import io.countersign.manifest.ReleaseManifest.MetricRule;
import io.countersign.verification.PrometheusResponse.Sample;
import io.countersign.verification.VerificationTarget.MetricVerdict;
import io.countersign.verification.VerificationTarget.Verdict;
import java.math.BigDecimal;
import java.math.MathContext;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The judging of metric rules, free of any I/O: thresholds, scoping a rule to one Lambda function,
 * the overall verdict of a gate and the one line of status people read in Cockpit.
 */
final class MetricRules {
  /**
   * How a rule that was measured but found nothing (Prometheus' empty result, CloudWatch's
   * datapoints) begins its reason.
   */
  static final String NO_DATA = "no data:";

  static final String NAN = "value is NaN";

  /**
   * A query containing this is about one Lambda function; the placeholder becomes the function's
   * name.
   */
  static final String FUNCTION = "{function}";

  static final int MAX_STATUS = 4000;

  static final String PROMETHEUS = "prometheus";
  static final String CLOUDWATCH = "cloudwatch";

  private MetricRules() {}

  /**
   * Whether the rule is about one Lambda function: its PromQL query, or a dimension value of its
   * CloudWatch metrics, names {@code {function}}.
   */
  static boolean scoped(MetricRule rule) {
    if (rule.query() != null) {
      return rule.query().contains(FUNCTION);
    }
    CloudWatchQuery cw = rule.cloudwatch();
    return cw != null
        && (cw.dimensions().values().stream().anyMatch(MetricRules::hasFunction)
            || cw.metrics().stream()
                .anyMatch(
                    m -> m.dimensions().values().stream().anyMatch(MetricRules::hasFunction)));
  }

  private static boolean hasFunction(String value) {
    return value != null && value.contains(FUNCTION);
  }

  /**
   * The rule about {@code function}: its name says which (error-rate[api_handler]), its query asks
   * about it.
   */
  static MetricRule forFunction(MetricRule rule, String function) {
    if (!scoped(rule)) {
      return rule;
    }
    String name = rule.name() + "[" + function + "]";
    if (rule.query() != null) {
      return new MetricRule(name, rule.query().replace(FUNCTION, function), rule.max(), rule.min());
    }
    CloudWatchQuery cw = rule.cloudwatch();
    return new MetricRule(
        name,
        null,
        new CloudWatchQuery(
            cw.namespace(),
            cw.metric(),
            scope(cw.dimensions(), function),
            cw.stat(),
            cw.period(),
            cw.lookbackPeriods(),
            cw.expression(),
            cw.metrics().stream()
                .map(
                    m ->
                        new CloudWatchMetric(
                            m.id(),
                            m.namespace(),
                            m.metric(),
                            scope(m.dimensions(), function),
                            m.stat()))
                .toList()),
        rule.max(),
        rule.min());
  }

  private static Map<String, String> scope(Map<String, String> dimensions, String function) {
    Map<String, String> scoped = new LinkedHashMap<>();
    dimensions.forEach((k, v) -> scoped.put(k, v == null ? null : v.replace(FUNCTION, function)));
    return scoped;
  }

  /** Who measures the rule, for the evidence. */
  static String provider(MetricRule rule) {
    return rule.cloudwatch() != null ? CLOUDWATCH : PROMETHEUS;
  }

  /**
   * What the rule asks, as people read it: the PromQL query, or the CloudWatch query ("AWS/Lambda
   * Errors {FunctionName=api_handler} Sum per 60 s", metric math with its metrics).
   */
  static String describe(MetricRule rule) {
    if (rule.cloudwatch() == null) {
      return rule.query();
    }
    CloudWatchQuery cw = rule.cloudwatch();
    String period = " per " + cw.periodOrDefault() + " s";
    if (!cw.hasExpression()) {
      return metric(cw.namespace(), cw.metric(), cw.dimensions(), cw.stat()) + period;
    }
    List<String> metrics = new ArrayList<>();
    for (CloudWatchMetric m : cw.metrics()) {
      metrics.add(m.id() + " = " + metric(m.namespace(), m.metric(), m.dimensions(), m.stat()));
    }
    return cw.expression() + " where " + String.join(", ", metrics) + period;
  }

  private static String metric(
      String namespace, String metric, Map<String, String> dimensions, String stat) {
    List<String> dims = new ArrayList<>();
    dimensions.forEach((k, v) -> dims.add(k + "=" + v));
    return namespace + " " + metric + " {" + String.join(", ", dims) + "} " + stat;
  }

  /**
   * The bake window's rules: a rule scoped per function is asked once for each function of the
   * release.
   */
  static List<MetricRule> expand(List<MetricRule> rules, List<String> functions) {
    List<MetricRule> expanded = new ArrayList<>();
    for (MetricRule rule : rules) {
      if (scoped(rule)) {
        functions.forEach(f -> expanded.add(forFunction(rule, f)));
      } else {
        expanded.add(rule);
      }
    }
    return expanded;
  }

  static boolean crosses(MetricRule rule, double value) {
    return rule.max() != null && value > rule.max() || rule.min() != null && value < rule.min();
  }

  /**
   * Judges every series the query returned: one crossing its threshold fails the rule (the failure
   * is certain even if other series had no data); otherwise a NaN (e.g. a ratio over no requests)
   * makes it inconclusive.
   */
  static MetricVerdict judge(MetricRule rule, List<Sample> samples) {
    if (samples.isEmpty()) {
      return inconclusive(rule, NO_DATA + " the query returned an empty result");
    }
    String threshold = VerificationTarget.threshold(rule);
    String many = samples.size() == 1 ? "" : " (" + samples.size() + " series)";
    for (Sample sample : samples) {
      if (!Double.isNaN(sample.value()) && crosses(rule, sample.value())) {
        return new MetricVerdict(
            rule.name(),
            describe(rule),
            sample.value(),
            threshold,
            Verdict.FAIL,
            comparison(rule, sample.value())
                + (samples.size() == 1 ? "" : " for " + sample.series())
                + many);
      }
    }
    for (Sample sample : samples) {
      if (Double.isNaN(sample.value())) {
        return inconclusive(
            rule,
            NAN
                + (samples.size() == 1 ? "" : " for " + sample.series())
                + " (no samples in the range, e.g. no requests)");
      }
    }
    Sample worst = samples.get(0);
    for (Sample sample : samples) {
      if (rule.max() != null ? sample.value() > worst.value() : sample.value() < worst.value()) {
        worst = sample;
      }
    }
    return new MetricVerdict(
        rule.name(),
        describe(rule),
        worst.value(),
        threshold,
        Verdict.PASS,
        comparison(rule, worst.value()) + many);
  }

  /**
   * Whether the metrics store measured the rule: it answered, with no data yet or a NaN. Anything
   * else inconclusive (not configured, unreachable, a refused query) is monitoring that cannot see.
   */
  static boolean measurable(MetricVerdict verdict) {
    String detail = verdict.detail() == null ? "" : verdict.detail();
    return verdict.verdict() != Verdict.INCONCLUSIVE
        || detail.startsWith(NO_DATA)
        || detail.startsWith(NAN);
  }

  static MetricVerdict inconclusive(MetricRule rule, String reason) {
    return new MetricVerdict(
        rule.name(),
        describe(rule),
        null,
        VerificationTarget.threshold(rule),
        Verdict.INCONCLUSIVE,
        reason);
  }

  /**
   * FAIL if any rule failed, else INCONCLUSIVE if any could not be measured, else PASS (also with
   * no rules).
   */
  static Verdict overall(Collection<Verdict> verdicts) {
    return verdicts.contains(Verdict.FAIL)
        ? Verdict.FAIL
        : verdicts.contains(Verdict.INCONCLUSIVE) ? Verdict.INCONCLUSIVE : Verdict.PASS;
  }

  /** "0.002 ≤ max 0.01", "0.07 > max 0.01", "min 0.5 ≤ 0.8 ≤ max 0.9". */
  static String comparison(MetricRule rule, double value) {
    String v = format(value);
    if (rule.max() != null && value > rule.max()) {
      return v + " > max " + format(rule.max());
    }
    if (rule.min() != null && value < rule.min()) {
      return v + " < min " + format(rule.min());
    }
    if (rule.min() != null && rule.max() != null) {
      return "min " + format(rule.min()) + " ≤ " + v + " ≤ max " + format(rule.max());
    }
    return rule.max() != null
        ? v + " ≤ max " + format(rule.max())
        : v + " ≥ min " + format(rule.min());
  }

  /** One rule's last evaluation as people read it: "error-rate 0.002 ≤ max 0.01 PASS". */
  static String line(MetricRule rule, MetricVerdict verdict) {
    String judged =
        verdict.value() == null || Double.isNaN(verdict.value())
            ? "? (" + verdict.detail() + ")"
            : comparison(rule, verdict.value());
    return verdict.name() + " " + judged + " " + verdict.verdict().name();
  }

  /**
   * The whole gate in one line, with the time left in the window; cut to what a string variable
   * holds.
   */
  static String status(List<MetricRule> rules, List<MetricVerdict> verdicts, Duration left) {
    return status(rules, verdicts, List.of(), left);
  }

  /** As {@link #status(List, List, Duration)}, with the alarms' lines after the rules'. */
  static String status(
      List<MetricRule> rules, List<MetricVerdict> verdicts, List<String> alarms, Duration left) {
    List<String> parts = new ArrayList<>();
    for (int i = 0; i < verdicts.size(); i++) {
      parts.add(line(rules.get(i), verdicts.get(i)));
    }
    parts.addAll(alarms);
    parts.add(verdicts.isEmpty() ? "no metric rules; " + left(left) : left(left));
    String status = String.join("; ", parts);
    return status.length() <= MAX_STATUS ? status : status.substring(0, MAX_STATUS - 3) + "...";
  }

  static String left(Duration left) {
    if (left.isNegative() || left.isZero()) {
      return "window over";
    }
    long seconds = left.toSeconds() + (left.toNanosPart() > 0 ? 1 : 0);
    return seconds < 60 ? seconds + " s left" : (seconds + 59) / 60 + " min left";
  }

  /** Four significant digits, no exponent: 0.002, 0.4512, 1250. */
  static String format(double value) {
    if (Double.isNaN(value)) {
      return "NaN";
    }
    if (Double.isInfinite(value)) {
      return value > 0 ? "+Inf" : "-Inf";
    }
    return new BigDecimal(value).round(new MathContext(4)).stripTrailingZeros().toPlainString();
  }
}
