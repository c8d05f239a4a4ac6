package io.countersign.verification;

import io.countersign.manifest.ReleaseManifest.HttpCheck;
import io.countersign.manifest.ReleaseManifest.MetricRule;

/** Calls nothing; every check passes and says so, so a dry-run release walks the whole model. */
class DryRunVerificationTarget implements VerificationTarget {
  static final String NOT_CALLED = "dry-run: not called";

  @Override
  public CheckResult check(HttpCheck check) {
    return new CheckResult(check.name(), check.url(), true, null, 0, NOT_CALLED, null, 0);
  }

  @Override
  public MetricVerdict evaluate(MetricRule rule) {
    return new MetricVerdict(
        rule.name(),
        rule.query(),
        null,
        VerificationTarget.threshold(rule),
        Verdict.PASS,
        NOT_CALLED);
  }
}
