package io.countersign.release;

import io.countersign.evidence.EvidenceLog;
import io.countersign.manifest.ReleaseManifest;
import io.countersign.process.ManifestStore;
import io.countersign.process.TargetRegistry;
import io.countersign.process.Variables;
import io.countersign.signoff.SignOffGate;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.camunda.bpm.engine.delegate.DelegateExecution;
import org.camunda.bpm.engine.delegate.JavaDelegate;
import org.springframework.stereotype.Component;

/**
 * The last gate before anything changes. It re-reads the stored manifest (digest re-checked) and
 * decides from the release's evidence whether every required sign-off, or an approved override
 * still in its window, names that digest ({@link SignOffGate}). Passing writes the authorization
 * every deploy and rollback step requires; an override that lapsed ends the release as expired;
 * records that do not support deployment stop it with an incident (an integrity violation), before
 * any change.
 */
@Component("startDeployment")
class StartDeploymentDelegate implements JavaDelegate {
  private final ManifestStore manifests;
  private final SignOffGate gate;
  private final EvidenceLog evidence;
  private final TargetRegistry targets;

  StartDeploymentDelegate(
      ManifestStore manifests, SignOffGate gate, EvidenceLog evidence, TargetRegistry targets) {
    this.gate = gate;
    this.targets = targets;
    this.evidence = evidence;
    this.manifests = manifests;
  }

  @Override
  public void execute(DelegateExecution execution) {
    String releaseId = execution.getProcessBusinessKey();
    ManifestStore.Signed signed = manifests.submitted(releaseId);
    SignOffGate.Passed passed;
    try {
      passed = gate.check(signed);
    } catch (SignOffGate.Refused lapsed) {
      execution.setVariable(Variables.APPROVAL_OUTCOME, "expired");
      execution.setVariable(Variables.STATUS_REASON, lapsed.getMessage());
      evidence.record(
          releaseId, "deployment-refused", "countersign", Map.of("reason", lapsed.getMessage()));
      return;
    }
    manifests.authorize(releaseId, signed.sha256(), passed.gate(), passed.overrideRequestId());
    ReleaseManifest manifest = signed.manifest();
    Map<Boolean, List<String>> steps = targets.mainSteps(manifest);
    Map<String, Object> payload = new LinkedHashMap<>();
    payload.put("gate", passed.gate());
    payload.put("manifestSha256", signed.sha256());
    payload.put("approvers", passed.approvers());
    payload.put("overrideRequestId", passed.overrideRequestId());
    payload.put("steps", steps.get(true));
    payload.put("skipped", steps.get(false));
    evidence.record(releaseId, "deployment-started", "countersign", payload);
    execution.setVariable(Variables.DEPLOYMENT_STARTED, true);
    execution.setVariable(Variables.APPROVAL_OUTCOME, "approved");
  }
}
