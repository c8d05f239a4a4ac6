package io.countersign.verification;

import io.countersign.evidence.EvidenceLog;
import io.countersign.manifest.ReleaseManifest;
import io.countersign.manifest.ReleaseManifest.DataCheck;
import io.countersign.manifest.ReleaseManifest.HttpCheck;
import io.countersign.manifest.ReleaseManifest.VerificationPlan;
import io.countersign.process.StepStart;
import io.countersign.process.StepSupport;
import io.countersign.verification.DataChecks.Phase;
import io.countersign.verification.VerificationTarget.CheckResult;
import java.util.ArrayList;
import java.util.List;
import org.camunda.bpm.engine.delegate.DelegateExecution;
import org.camunda.bpm.engine.delegate.JavaDelegate;
import org.springframework.stereotype.Component;

/**
 * Runs every health check, every smoke test, then every data check of the migrated database,
 * recording each result; any failure rolls the release back.
 */
@Component("verifyRelease")
class VerifyReleaseDelegate implements JavaDelegate {
  static final String STEP = "verifyRelease";

  private final HttpChecks checks;
  private final DataChecks dataChecks;
  private final EvidenceLog evidence;
  private final StepStart start;

  VerifyReleaseDelegate(
      HttpChecks checks, DataChecks dataChecks, EvidenceLog evidence, StepStart start) {
    this.checks = checks;
    this.dataChecks = dataChecks;
    this.evidence = evidence;
    this.start = start;
  }

  @Override
  public void execute(DelegateExecution execution) {
    StepStart.Started started =
        start.begin(
            execution,
            STEP,
            VerifyReleaseDelegate::nothingToCheck,
            "the manifest has no health checks, smoke tests or data checks");
    if (started == null) {
      return;
    }
    ReleaseManifest manifest = started.manifest();
    String releaseId = started.releaseId();
    VerificationPlan plan = manifest.verification();
    List<DataCheck> data = DataChecks.of(manifest, Phase.AFTER_MIGRATION);
    List<String> failures = new ArrayList<>();
    run("health-check", plan.healthChecks(), manifest, releaseId, failures);
    run("smoke-test", plan.smokeTests(), manifest, releaseId, failures);
    List<DataChecks.Result> results = dataChecks.run(manifest, Phase.AFTER_MIGRATION);
    for (int i = 0; i < results.size(); i++) {
      DataChecks.Result result = results.get(i);
      evidence.record(
          releaseId,
          "data-check",
          StepSupport.ACTOR,
          DataChecks.payload(Phase.AFTER_MIGRATION, data.get(i), result));
      if (!result.passed()) {
        failures.add("data-check " + result.name() + ": " + result.detail());
      }
    }
    if (!failures.isEmpty()) {
      throw StepSupport.fail(
          execution, STEP, "verification failed: " + String.join("; ", failures));
    }
  }

  private static boolean nothingToCheck(ReleaseManifest manifest) {
    VerificationPlan plan = manifest.verification();
    return plan == null
        || (plan.healthChecks().isEmpty()
            && plan.smokeTests().isEmpty()
            && DataChecks.of(manifest, Phase.AFTER_MIGRATION).isEmpty());
  }

  private void run(
      String kind,
      List<HttpCheck> list,
      ReleaseManifest manifest,
      String releaseId,
      List<String> failures) {
    for (HttpCheck check : list) {
      CheckResult result = checks.run(check, manifest.environment());
      evidence.record(
          releaseId, "verification-result", StepSupport.ACTOR, HttpChecks.payload(kind, result));
      if (!result.passed()) {
        failures.add(kind + " " + result.name() + ": " + result.detail());
      }
    }
  }
}
