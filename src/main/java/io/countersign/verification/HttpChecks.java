package io.countersign.verification;

import io.countersign.manifest.ReleaseManifest.HttpCheck;
import io.countersign.process.StepSupport;
import io.countersign.verification.VerificationTarget.CheckResult;
import java.util.Map;
import org.springframework.stereotype.Component;

/**
 * Runs HTTP checks through the port, but first asks the allow-list again: configuration and process
 * variables can change between submission and the step.
 */
@Component
class HttpChecks {
  private final VerificationTarget target;
  private final VerificationProperties properties;

  HttpChecks(VerificationTarget target, VerificationProperties properties) {
    this.target = target;
    this.properties = properties;
  }

  CheckResult run(HttpCheck check, String environment) {
    String refusal = properties.refusal(check.url(), environment);
    if (refusal != null) {
      return new CheckResult(
          check.name(), check.url(), false, null, 0, "not called: url " + refusal);
    }
    return target.check(check);
  }

  static Map<String, Object> payload(String kind, CheckResult result) {
    return StepSupport.payload(
        "kind",
        kind,
        "name",
        result.name(),
        "url",
        result.url(),
        "passed",
        result.passed(),
        "status",
        result.status(),
        "latencyMs",
        result.latencyMs(),
        "attempts",
        result.attempts(),
        "detail",
        result.detail(),
        "bodyExcerpt",
        result.bodyExcerpt());
  }
}
