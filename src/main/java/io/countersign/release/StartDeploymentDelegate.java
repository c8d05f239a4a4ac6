package io.countersign.release;

import io.countersign.engine.Variables;
import io.countersign.evidence.EvidenceLog;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.camunda.bpm.engine.delegate.DelegateExecution;
import org.camunda.bpm.engine.delegate.JavaDelegate;
import org.springframework.stereotype.Component;

/**
 * The last gate before anything changes: the checkpoint and the sign-offs passed, or an override
 * still in its window covers them. An override that lapsed before this ran does not count.
 */
@Component("startDeployment")
class StartDeploymentDelegate implements JavaDelegate {
  private final EvidenceLog evidence;

  StartDeploymentDelegate(EvidenceLog evidence) {
    this.evidence = evidence;
  }

  @Override
  public void execute(DelegateExecution execution) {
    boolean evidenceComplete = Boolean.TRUE.equals(execution.getVariable(Variables.EVIDENCE_COMPLETE));
    boolean signedOff = "approved".equals(execution.getVariable(Variables.SIGN_OFF_OUTCOME));
    boolean override = Boolean.TRUE.equals(execution.getVariable(Variables.OVERRIDE_ACTIVE));
    String releaseId = execution.getProcessBusinessKey();
    if (!(evidenceComplete && signedOff) && !override) {
      String reason = "The emergency override lapsed before deployment started; the release needs its evidence and sign-offs";
      execution.setVariable(Variables.APPROVAL_OUTCOME, "expired");
      execution.setVariable(Variables.STATUS_REASON, reason);
      evidence.record(releaseId, "deployment-refused", "countersign", Map.of("reason", reason));
      return;
    }
    ReleaseManifest manifest = Manifests.from(execution);
    List<String> steps = new ArrayList<>();
    List<String> skipped = new ArrayList<>();
    (manifest.hasDatabase() ? steps : skipped).addAll(List.of("backupDatabase", "migrateDatabase"));
    (manifest.hasLambda() ? steps : skipped).add("deployLambda");
    (manifest.hasFrontend() ? steps : skipped).add("publishFrontend");
    (manifest.hasKubernetes() ? steps : skipped).addAll(List.of("rolloutKubernetes", "awaitRollout"));
    steps.addAll(List.of("verifyRelease", "watchMetrics"));
    Map<String, Object> payload = new LinkedHashMap<>();
    payload.put("gate", override && !(evidenceComplete && signedOff) ? "emergency-override" : "evidence-and-sign-off");
    payload.put("steps", steps);
    payload.put("skipped", skipped);
    evidence.record(releaseId, "deployment-started", "countersign", payload);
    execution.setVariable(Variables.DEPLOYMENT_STARTED, true);
    execution.setVariable(Variables.APPROVAL_OUTCOME, "approved");
  }
}
