package io.countersign.verification;

import io.countersign.manifest.ReleaseManifest.HttpCheck;
import io.countersign.manifest.ReleaseManifest.MetricRule;
import java.util.List;

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
        MetricRules.describe(rule),
        null,
        VerificationTarget.threshold(rule),
        Verdict.PASS,
        NOT_CALLED);
  }

  /** Every alarm OK: a dry-run release walks the model as a healthy one would. */
  @Override
  public AlarmReading alarms(List<String> names) {
    return new AlarmReading(
        names.stream().map(n -> new AlarmState(n, null, Alarms.OK, NOT_CALLED, null)).toList(),
        null);
  }
}
