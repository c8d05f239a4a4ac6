package io.countersign.signoff;

import io.countersign.evidence.EvidenceLog;
import io.countersign.manifest.Environment;
import io.countersign.manifest.Environments;
import io.countersign.manifest.ReleaseManifest;
import io.countersign.models.ModelVersions;
import io.countersign.process.ManifestStore;
import io.countersign.process.TargetRegistry;
import io.countersign.process.Variables;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.camunda.bpm.dmn.engine.DmnDecisionResult;
import org.camunda.bpm.dmn.engine.DmnDecisionResultEntries;
import org.camunda.bpm.engine.DecisionService;
import org.camunda.bpm.engine.delegate.DelegateExecution;
import org.camunda.bpm.engine.delegate.JavaDelegate;
import org.springframework.stereotype.Component;

/**
 * Evaluates release-policy.dmn (process admins edit it in Camunda Modeler) in the version the
 * release was submitted with: which roles sign off, which evidence must be attached (and which
 * posted once deployed), where the release must have been released before (promotion), how each
 * attached evidence type is read and checked, the deadlines, and what a release does when its
 * environment is closed (change windows). The facts come from the stored manifest: its environment
 * and that environment's production flag (configured, {@link Environments}) and what each target
 * capability declares; what the policy required is kept in Countersign's tables for the
 * start-deployment gate and recorded as evidence.
 */
@Component("applyReleasePolicy")
class ApplyReleasePolicyDelegate implements JavaDelegate {
  static final String POST_DEPLOYMENT = "post-deployment";

  /** For a deadlines decision from before the post-deployment checkpoint existed. */
  static final String DEFAULT_POST_DEPLOYMENT_WITHIN = "PT2H";

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
    facts.put(
        Variables.PROMOTES_FROM,
        environments.find(manifest.environment()).map(Environment::promotesFrom).orElse(null));
    facts.putAll(targets.policyFacts(manifest));
    List<String> roles = evaluate(releaseId, "requiredSignOffRoles", facts).collectEntries("role");
    List<String> evidenceTypes = new ArrayList<>();
    List<String> postDeploymentTypes = new ArrayList<>();
    for (Map<String, Object> rule :
        evaluate(releaseId, "requiredEvidence", facts).getResultList()) {
      // A decision version from before checkpoints existed names pre-deployment evidence only.
      boolean after = POST_DEPLOYMENT.equals(rule.get("checkpoint"));
      String type = (String) rule.get("evidenceType");
      List<String> list = after ? postDeploymentTypes : evidenceTypes;
      if (!list.contains(type)) {
        list.add(type);
      }
    }
    DmnDecisionResult deadlines = evaluate(releaseId, "signOffDeadlines", facts);
    Map<String, Map<String, Object>> checks = new LinkedHashMap<>();
    Set<String> checkedTypes = new LinkedHashSet<>(postDeploymentTypes);
    manifest.evidence().forEach(item -> checkedTypes.add(item.type()));
    for (String type : checkedTypes) {
      Map<String, Object> itemFacts = new LinkedHashMap<>(facts);
      itemFacts.put("evidenceType", type);
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
      checks.put(type, check);
    }
    // Recorded here, read by the change-window check from this entry of the signed chain.
    Map<String, Object> windows = new LinkedHashMap<>();
    DmnDecisionResultEntries windowRow =
        evaluate(releaseId, "changeWindows", facts).getFirstResult();
    if (windowRow != null) {
      windowRow
          .getEntryMap()
          .forEach(
              (name, value) -> {
                if (value != null) {
                  windows.put(name, value);
                }
              });
    }
    String escalationAfter = deadlines.getSingleResult().getEntry("escalationAfter");
    String expiryAfter = deadlines.getSingleResult().getEntry("expiryAfter");
    DmnDecisionResult promotion = evaluate(releaseId, "promotion", facts);
    String promoteFrom =
        promotion.isEmpty() ? null : promotion.getSingleResult().getEntry("promoteFrom");
    String minimumSoak =
        promotion.isEmpty() || promoteFrom == null
            ? null
            : Objects.requireNonNullElse(
                promotion.getSingleResult().getEntry("minimumSoak"), "PT0S");
    String postDeploymentWithin =
        Objects.requireNonNullElse(
            deadlines.getSingleResult().getEntry("postDeploymentEvidenceWithin"),
            DEFAULT_POST_DEPLOYMENT_WITHIN);

    execution.setVariable(Variables.REQUIRED_ROLES, List.copyOf(roles));
    execution.setVariable(Variables.REQUIRED_EVIDENCE, List.copyOf(evidenceTypes));
    execution.setVariable(Variables.EVIDENCE_CHECKS, checks);
    execution.setVariable(Variables.POST_DEPLOYMENT_EVIDENCE, List.copyOf(postDeploymentTypes));
    execution.setVariable(Variables.POST_DEPLOYMENT_EVIDENCE_WITHIN, postDeploymentWithin);
    execution.setVariable(Variables.PROMOTE_FROM, promoteFrom);
    execution.setVariable(Variables.MINIMUM_SOAK, minimumSoak);
    execution.setVariable(Variables.ESCALATION_AFTER, escalationAfter);
    execution.setVariable(Variables.EXPIRY_AFTER, expiryAfter);
    signOffs.recordPolicy(releaseId, roles, evidenceTypes);

    Map<String, Object> payload = new LinkedHashMap<>();
    payload.put("facts", facts);
    payload.put("requiredRoles", roles);
    payload.put("requiredEvidence", evidenceTypes);
    payload.put("requiredPostDeploymentEvidence", postDeploymentTypes);
    payload.put("postDeploymentEvidenceWithin", postDeploymentWithin);
    payload.put("evidenceChecks", checks);
    payload.put("promoteFrom", promoteFrom);
    payload.put("minimumSoak", minimumSoak);
    payload.put("escalationAfter", escalationAfter);
    payload.put("expiryAfter", expiryAfter);
    payload.put("changeWindows", windows);
    Map<String, Integer> versions = new LinkedHashMap<>();
    for (String key : ModelVersions.DECISIONS) {
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
