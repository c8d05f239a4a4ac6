package io.countersign.signoff;

import io.countersign.evidence.EvidenceLog;
import io.countersign.manifest.Environments;
import io.countersign.manifest.ReleaseManifest;
import io.countersign.models.ModelVersions;
import io.countersign.process.ManifestStore;
import io.countersign.process.TargetRegistry;
import io.countersign.process.Variables;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.camunda.bpm.dmn.engine.DmnDecisionResult;
import org.camunda.bpm.engine.DecisionService;
import org.camunda.bpm.engine.delegate.DelegateExecution;
import org.camunda.bpm.engine.delegate.JavaDelegate;
import org.springframework.stereotype.Component;

/**
 * Evaluates release-policy.dmn (process admins edit it in Camunda Modeler) in the version the
 * release was submitted with: which roles sign off, which evidence must be attached, how each
 * attached evidence type is read and checked, and the sign-off deadlines. The facts come from the
 * stored manifest: its environment and that environment's production flag (configured, {@link
 * Environments}) and what each target capability declares; what the policy required is kept in
 * Countersign's tables for the start-deployment gate and recorded as evidence.
 */
@Component("applyReleasePolicy")
class ApplyReleasePolicyDelegate implements JavaDelegate {
  private final DecisionService decisions;
  private final ModelVersions models;
  private final ManifestStore manifests;
  private final SignOffRepository signOffs;
  private final EvidenceLog evidence;
  private final TargetRegistry targets;
  private final Environments environments;

  ApplyReleasePolicyDelegate(
      DecisionService decisions,
      ModelVersions models,
      ManifestStore manifests,
      SignOffRepository signOffs,
      EvidenceLog evidence,
      TargetRegistry targets,
      Environments environments) {
    this.decisions = decisions;
    this.environments = environments;
    this.targets = targets;
    this.models = models;
    this.signOffs = signOffs;
    this.evidence = evidence;
    this.manifests = manifests;
  }

  @Override
  public void execute(DelegateExecution execution) {
    String releaseId = execution.getProcessBusinessKey();
    ReleaseManifest manifest = manifests.submitted(releaseId).manifest();
    Map<String, Object> facts = new LinkedHashMap<>();
    facts.put(Variables.ENVIRONMENT, manifest.environment());
    facts.put(Variables.PRODUCTION, environments.production(manifest.environment()));
    facts.putAll(targets.policyFacts(manifest));
    List<String> roles = evaluate(releaseId, "requiredSignOffRoles", facts).collectEntries("role");
    List<String> evidenceTypes =
        evaluate(releaseId, "requiredEvidence", facts).collectEntries("evidenceType");
    DmnDecisionResult deadlines = evaluate(releaseId, "signOffDeadlines", facts);
    Map<String, Map<String, Object>> checks = new LinkedHashMap<>();
    for (ReleaseManifest.EvidenceItem item : manifest.evidence()) {
      Map<String, Object> itemFacts = new LinkedHashMap<>(facts);
      itemFacts.put("evidenceType", item.type());
      Map<String, Object> check = new LinkedHashMap<>();
      evaluate(releaseId, "evidenceChecks", itemFacts)
          .getSingleResult()
          .getEntryMap()
          .forEach(
              (name, value) -> {
                if (value != null) {
                  check.put(name, value);
                }
              });
      checks.put(item.type(), check);
    }
    String escalationAfter = deadlines.getSingleResult().getEntry("escalationAfter");
    String expiryAfter = deadlines.getSingleResult().getEntry("expiryAfter");

    execution.setVariable(Variables.REQUIRED_ROLES, List.copyOf(roles));
    execution.setVariable(Variables.REQUIRED_EVIDENCE, List.copyOf(evidenceTypes));
    execution.setVariable(Variables.EVIDENCE_CHECKS, checks);
    execution.setVariable(Variables.ESCALATION_AFTER, escalationAfter);
    execution.setVariable(Variables.EXPIRY_AFTER, expiryAfter);
    signOffs.recordPolicy(releaseId, roles, evidenceTypes);

    Map<String, Object> payload = new LinkedHashMap<>();
    payload.put("facts", facts);
    payload.put("requiredRoles", roles);
    payload.put("requiredEvidence", evidenceTypes);
    payload.put("evidenceChecks", checks);
    payload.put("escalationAfter", escalationAfter);
    payload.put("expiryAfter", expiryAfter);
    Map<String, Integer> versions = new LinkedHashMap<>();
    for (String key :
        List.of("requiredSignOffRoles", "requiredEvidence", "signOffDeadlines", "evidenceChecks")) {
      versions.put(key, models.version(releaseId, key));
    }
    payload.put("decisionVersions", versions);
    evidence.record(releaseId, "policy-applied", "countersign", payload);
  }

  private DmnDecisionResult evaluate(String releaseId, String key, Map<String, Object> facts) {
    return decisions
        .evaluateDecisionByKey(key)
        .version(models.version(releaseId, key))
        .variables(facts)
        .evaluate();
  }
}
