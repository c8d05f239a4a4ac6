package io.countersign.verification;

import io.countersign.release.Environment;
import io.countersign.release.FieldErrors;
import io.countersign.release.ManifestCheck;
import io.countersign.release.ReleaseManifest;
import io.countersign.release.ReleaseManifest.HttpCheck;
import io.countersign.release.ReleaseManifest.VerificationPlan;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.List;
import org.springframework.stereotype.Component;

/** The manifest's verification plan against the host allow-list; metric rules must be able to fail. */
@Component
class VerificationManifestCheck implements ManifestCheck {
  static final Duration MIN_INTERVAL = Duration.ofSeconds(10);

  private final VerificationProperties properties;

  VerificationManifestCheck(VerificationProperties properties) {
    this.properties = properties;
  }

  @Override
  public void check(ReleaseManifest manifest, FieldErrors errors) {
    VerificationPlan plan = manifest.verification();
    if (plan == null) {
      return;
    }
    if (manifest.environment() != null) {
      urls(plan.healthChecks(), "$.verification.healthChecks", manifest.environment(), errors);
      urls(plan.smokeTests(), "$.verification.smokeTests", manifest.environment(), errors);
    }
    // Thresholds (max/min present, min <= max) are checked once, by ManifestRules.
    // The model's timer waits this long between evaluations; a shorter one would spin the job executor.
    if (plan.interval() != null && shorterThan(plan.interval(), MIN_INTERVAL)) {
      errors.add("$.verification.interval", "must be at least " + MIN_INTERVAL);
    }
  }

  private void urls(List<HttpCheck> checks, String path, Environment environment, FieldErrors errors) {
    for (int i = 0; i < checks.size(); i++) {
      HttpCheck check = checks.get(i);
      String refusal = check == null || check.url() == null ? null : properties.refusal(check.url(), environment);
      if (refusal != null) {
        errors.add(path + "[" + i + "].url", refusal);
      }
    }
  }

  private static boolean shorterThan(String duration, Duration minimum) {
    try {
      return Duration.parse(duration).compareTo(minimum) < 0;
    } catch (DateTimeParseException e) {
      return false; // the shape check reports it
    }
  }
}
