package io.countersign.verification;

import io.countersign.manifest.ReleaseManifest.HttpCheck;
import io.countersign.manifest.ReleaseManifest.MetricRule;

/**
 * Port to health endpoints and the metrics store. The adapter comes from {@code
 * countersign.targets.verification.mode}.
 */
interface VerificationTarget {

  /**
   * Calls the URL (with the check's retries). Only URLs the allow-list permits reach this method.
   */
  CheckResult check(HttpCheck check);

  /** Queries the metric once and compares it with the rule's bounds. */
  MetricVerdict evaluate(MetricRule rule);

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
