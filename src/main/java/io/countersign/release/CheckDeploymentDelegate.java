package io.countersign.release;

import io.countersign.evidence.EvidenceEntry;
import io.countersign.evidence.EvidenceLog;
import io.countersign.manifest.FieldErrors;
import io.countersign.manifest.ManifestCheck;
import io.countersign.manifest.ReleaseManifest;
import io.countersign.process.ManifestStore;
import io.countersign.process.TargetCapability;
import io.countersign.process.TargetCapability.Finding;
import io.countersign.process.TargetRegistry;
import io.countersign.process.Variables;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.camunda.bpm.engine.delegate.DelegateExecution;
import org.camunda.bpm.engine.delegate.JavaDelegate;
import org.springframework.stereotype.Component;

/**
 * Deployment checkpoint, first in deploy.bpmn and before anything changes: the signed manifest
 * still validates against the server's configuration as it is now (targets, allow-lists: it may
 * have changed since the sign-offs), the release it was promoted from has not been rolled back
 * since, and every target it names exists and answers, health and monitoring included. A finding
 * that fails ends the release failed with nothing to undo; a target that does not answer throws, so
 * the job asks again, and fails the release the same way on its last attempt.
 */
@Component("checkDeployment")
class CheckDeploymentDelegate implements JavaDelegate {
  private final EvidenceLog evidence;
  private final ManifestStore manifests;
  private final TargetRegistry targets;
  private final Promotions promotions;

  CheckDeploymentDelegate(
      EvidenceLog evidence,
      ManifestStore manifests,
      TargetRegistry targets,
      Promotions promotions) {
    this.evidence = evidence;
    this.manifests = manifests;
    this.targets = targets;
    this.promotions = promotions;
  }

  @Override
  public void execute(DelegateExecution execution) {
    String releaseId = execution.getProcessBusinessKey();
    ReleaseManifest manifest = manifests.submitted(releaseId).manifest();
    FieldErrors errors = new FieldErrors();
    for (ManifestCheck check : targets.checks()) {
      check.check(manifest, errors);
    }
    List<Finding> findings = new ArrayList<>();
    errors
        .list()
        .forEach(
            error ->
                findings.add(Finding.failed("configuration " + error.path(), error.message())));
    if (errors.isEmpty()) {
      findings.add(
          Finding.passed("configuration", "the manifest validates against this server's targets"));
    }
    // Promoted at sign-off; the release it came from may have been rolled back since.
    String promotedFrom = promotedFrom(releaseId);
    if (promotedFrom != null) {
      boolean rolledBack = promotions.rolledBack(promotedFrom);
      findings.add(
          new Finding(
              "promotion",
              !rolledBack,
              rolledBack
                  ? promotedFrom + ", promoted from, has been rolled back since"
                  : "from " + promotedFrom + ", still not rolled back"));
    }
    for (TargetCapability capability : targets.capabilities()) {
      if (!capability.isUsedBy(manifest)) {
        continue;
      }
      try {
        findings.addAll(capability.verifyEnvironment(releaseId, manifest));
      } catch (RuntimeException noAnswer) {
        if (!CheckEvidenceDelegate.lastAttempt(execution)) {
          throw noAnswer;
        }
        // Nothing has changed yet, so a target still silent after the retries fails the release
        // cleanly instead of leaving it stuck on an incident.
        findings.add(
            Finding.failed(
                capability.section().name(), "did not answer: " + noAnswer.getMessage()));
      }
    }
    List<Finding> failed = findings.stream().filter(f -> !f.passed()).toList();
    boolean passed = failed.isEmpty();
    execution.setVariable(Variables.ENVIRONMENT_VERIFIED, passed);
    if (!passed) {
      execution.setVariable(
          Variables.FAILURE_REASON,
          "Failed at the deployment checkpoint, nothing was changed: "
              + String.join(
                  "; ", failed.stream().map(f -> f.subject() + ": " + f.detail()).toList()));
    }
    Map<String, Object> payload = new LinkedHashMap<>();
    payload.put(
        "findings",
        findings.stream()
            .map(
                f -> {
                  Map<String, Object> entry = new LinkedHashMap<>();
                  entry.put("subject", f.subject());
                  entry.put("passed", f.passed());
                  entry.put("detail", f.detail());
                  return entry;
                })
            .toList());
    payload.put("passed", passed);
    evidence.record(releaseId, "checkpoint-deployment", "countersign", payload);
  }

  /**
   * The release this one was promoted from, as its signed pre-deployment checkpoint recorded it
   * (not the variable of that name, which could be written past the API); null when none was.
   */
  private String promotedFrom(String releaseId) {
    List<EvidenceEntry> checkpoints = evidence.authentic(releaseId, "checkpoint-pre-deployment");
    return checkpoints.isEmpty()
        ? null
        : checkpoints
            .get(checkpoints.size() - 1)
            .payload()
            .path("promotion")
            .path("releaseId")
            .textValue();
  }
}
