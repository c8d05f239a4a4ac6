package io.countersign.verification;

import static org.assertj.core.api.Assertions.assertThat;

import io.countersign.ProcessTestSupport;
import io.countersign.manifest.ReleaseManifest.HttpCheck;
import io.countersign.manifest.ReleaseManifest.MetricRule;
import io.countersign.verification.VerificationTarget.Verdict;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.context.annotation.Primary;

/**
 * Verification failures roll back every step; a restoration that still fails its checks ends the
 * release failed.
 */
@Import(VerificationFailureProcessTest.ScriptedChecksConfig.class)
class VerificationFailureProcessTest extends ProcessTestSupport {
  private static final List<String> HANDLERS =
      List.of("undoRollout", "restoreFrontend", "revertLambda", "restoreDatabase");
  @Autowired ScriptedChecks checks;

  @BeforeEach
  void reset() {
    checks.failuresLeft = 0;
    checks.healthyFirst = 0;
    checks.metric = Verdict.PASS;
  }

  @Test
  void aFailedHealthCheckAfterDeploymentRollsBackEveryStep() {
    // Healthy at the deployment checkpoint, down after deploying, healthy again once the previous
    // version runs.
    checks.healthyFirst = 1;
    checks.failuresLeft = 1;
    String id = submit(example("staging"));
    approveAll(id);
    assertThat(status(id)).isEqualTo("rolled-back");
    assertThat(activities(id, "deploy").stream().filter(HANDLERS::contains).toList())
        .containsExactlyElementsOf(HANDLERS);
    assertThat(evidenceTypes(id))
        .contains("verification-result", "rollback-started", "restoration-verified");
  }

  @Test
  void aRestorationThatStillFailsItsChecksEndsTheReleaseFailed() {
    checks.failuresLeft = Integer.MAX_VALUE;
    String id = submit(example("staging"));
    approveAll(id);

    assertThat(status(id)).isEqualTo("failed");
    assertThat(activities(id, "deploy")).contains("restorationFailedEnd");
    assertThat(activities(id, "release")).endsWith("failedEnd");
  }

  @Test
  void aMetricOverItsThresholdInTheBakeWindowRollsBack() {
    checks.metric = Verdict.FAIL;
    String id = submit(example("staging"));
    approveAll(id);

    assertThat(status(id)).isEqualTo("rolled-back");
    assertThat(statusReason(id)).contains("error-rate");
    assertThat(activities(id, "deploy").stream().filter(HANDLERS::contains).toList())
        .containsExactlyElementsOf(HANDLERS);
  }

  @TestConfiguration
  static class ScriptedChecksConfig {
    @Bean
    @Primary
    ScriptedChecks scriptedChecks() {
      return new ScriptedChecks();
    }
  }

  /** Answers every health check and metric as scripted by the test. */
  static class ScriptedChecks implements VerificationTarget {
    volatile int failuresLeft;

    /** Healthy answers before the failures start (the deployment checkpoint's look). */
    volatile int healthyFirst;

    volatile Verdict metric = Verdict.PASS;

    @Override
    public CheckResult check(HttpCheck check) {
      if (healthyFirst > 0) {
        healthyFirst--;
        return new CheckResult(check.name(), check.url(), true, 200, 12, "ok");
      }
      boolean healthy = failuresLeft <= 0;
      if (!healthy) {
        failuresLeft--;
      }
      return new CheckResult(
          check.name(),
          check.url(),
          healthy,
          healthy ? 200 : 503,
          12,
          healthy ? "ok" : "503 Service Unavailable");
    }

    @Override
    public MetricVerdict evaluate(MetricRule rule) {
      boolean fail = metric == Verdict.FAIL && rule.name().equals("error-rate");
      return new MetricVerdict(
          rule.name(),
          rule.query(),
          fail ? 0.07 : 0.001,
          "max " + rule.max(),
          fail ? Verdict.FAIL : Verdict.PASS,
          fail ? "0.07 > 0.01" : "within threshold");
    }

    @Override
    public AlarmReading alarms(List<String> names) {
      throw new AssertionError("the manifest names no alarms");
    }
  }
}
