package io.countersign.release;

import io.countersign.evidence.EvidenceLog;
import io.countersign.manifest.ReleaseManifest;
import io.countersign.process.ManifestStore;
import io.countersign.process.Variables;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.camunda.bpm.engine.delegate.DelegateExecution;
import org.camunda.bpm.engine.delegate.JavaDelegate;
import org.springframework.stereotype.Component;

/**
 * Pre-deployment checkpoint: every evidence type the policy requires is attached with its digest.
 */
@Component("checkEvidence")
class CheckEvidenceDelegate implements JavaDelegate {
  private final EvidenceLog evidence;
  private final ReleaseStatus status;
  private final ManifestStore manifests;

  CheckEvidenceDelegate(EvidenceLog evidence, ReleaseStatus status, ManifestStore manifests) {
    this.evidence = evidence;
    this.status = status;
    this.manifests = manifests;
  }

  @Override
  @SuppressWarnings("unchecked")
  public void execute(DelegateExecution execution) {
    ReleaseManifest manifest = manifests.submitted(execution.getProcessBusinessKey()).manifest();
    List<String> required = (List<String>) execution.getVariable(Variables.REQUIRED_EVIDENCE);
    Map<String, ReleaseManifest.EvidenceItem> attached = new LinkedHashMap<>();
    manifest.evidence().forEach(item -> attached.put(item.type(), item));
    List<String> missing = new ArrayList<>();
    List<Map<String, Object>> present = new ArrayList<>();
    for (String type : required == null ? List.<String>of() : required) {
      ReleaseManifest.EvidenceItem item = attached.get(type);
      if (item == null || item.sha256() == null) {
        missing.add(type);
      } else {
        present.add(Map.of("type", type, "location", item.location(), "sha256", item.sha256()));
      }
    }
    execution.setVariable(Variables.MISSING_EVIDENCE, missing);
    execution.setVariable(Variables.EVIDENCE_COMPLETE, missing.isEmpty());
    if (!missing.isEmpty()) {
      status.set(
          execution,
          "requested",
          "Held at the pre-deployment checkpoint: missing evidence "
              + String.join(", ", missing)
              + ". Request an emergency override, or cancel and resubmit with the evidence.");
    }
    Map<String, Object> payload = new LinkedHashMap<>();
    payload.put("required", required);
    payload.put("present", present);
    payload.put("missing", missing);
    payload.put("passed", missing.isEmpty());
    evidence.record(
        execution.getProcessBusinessKey(), "checkpoint-pre-deployment", "countersign", payload);
  }
}
