package io.countersign.verification;

import io.countersign.manifest.ReleaseManifest.HttpCheck;
import io.countersign.manifest.ReleaseManifest.MetricRule;
import java.util.List;

/**
 * Port to health endpoints, the metrics stores (Prometheus, CloudWatch) and CloudWatch alarms. The
 * adapter comes from {@code countersign.targets.verification.mode}.
 */
interface VerificationTarget {

  /**
   * Calls the URL (with the check's retries). Only URLs the allow-list permits reach this method.
   */
  CheckResult check(HttpCheck check);

  /** Queries the metric once and compares it with the rule's bounds. */
  MetricVerdict evaluate(MetricRule rule);

  /**
   * The current state of the named CloudWatch alarms (metric and composite), in one call. Never
   * throws for what CloudWatch answers: a call that fails is a reading with a {@code problem}.
   */
  AlarmReading alarms(List<String> names);

  /**
   * One alarm as CloudWatch describes it: {@code state} is OK, ALARM or INSUFFICIENT_DATA; {@code
   * kind} metric or composite (null in a dry run).
   */
  record AlarmState(String name, String kind, String state, String reason, String updated) {}

  /**
   * The alarms found (names asked for that are missing do not exist), or why they could not be
   * read.
   */
  record AlarmReading(List<AlarmState> found, String problem) {
    static AlarmReading failed(String problem) {
      return new AlarmReading(List.of(), problem);
    }
  }

  /**
   * What one check found. {@code bodyExcerpt} is at most {@link #EXCERPT} characters of the
   * response body; response headers are never kept (they may carry cookies or tokens).
   */
  record CheckResult(
      String name,
      String url,
      boolean passed,
      Integer status,
      long latencyMs,
      String detail,
      String bodyExcerpt,
      int attempts) {
    static final int EXCERPT = 500;

    CheckResult(
        String name, String url, boolean passed, Integer status, long latencyMs, String detail) {
      this(name, url, passed, status, latencyMs, detail, null, 1);
    }
  }

  record MetricVerdict(
      String name, String query, Double value, String threshold, Verdict verdict, String detail) {}

  enum Verdict {
    PASS,
    FAIL,
    INCONCLUSIVE
  }

  /** The rule's bounds as people read them, e.g. "max 0.001" or "min 0.5, max 0.9". */
  static String threshold(MetricRule rule) {
    String min = rule.min() == null ? null : "min " + rule.min();
    String max = rule.max() == null ? null : "max " + rule.max();
    return min == null ? max : max == null ? min : min + ", " + max;
  }
}
