package io.countersign.signoff;

import io.countersign.engine.Variables;
import io.countersign.evidence.EvidenceLog;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.camunda.bpm.dmn.engine.DmnDecisionResult;
import org.camunda.bpm.engine.DecisionService;
import org.camunda.bpm.engine.delegate.DelegateExecution;
import org.camunda.bpm.engine.delegate.JavaDelegate;
import org.springframework.stereotype.Component;

/**
 * Evaluates release-policy.dmn (admins edit it in Camunda Modeler): which roles sign off, which
 * evidence must be attached, and the sign-off deadlines. The decisions are recorded as evidence.
 */
@Component("applyReleasePolicy")
class ApplyReleasePolicyDelegate implements JavaDelegate {
  private final DecisionService decisions;
  private final EvidenceLog evidence;

  ApplyReleasePolicyDelegate(DecisionService decisions, EvidenceLog evidence) {
    this.decisions = decisions;
    this.evidence = evidence;
  }

  @Override
  public void execute(DelegateExecution execution) {
    Map<String, Object> facts = new LinkedHashMap<>();
    for (String name : List.of(Variables.ENVIRONMENT, Variables.HAS_DATABASE, Variables.HAS_LAMBDA,
        Variables.HAS_FRONTEND, Variables.HAS_KUBERNETES)) {
      facts.put(name, execution.getVariable(name));
    }
    List<String> roles = decisions.evaluateDecisionByKey("requiredSignOffRoles").variables(facts).evaluate()
        .collectEntries("role");
    List<String> evidenceTypes = decisions.evaluateDecisionByKey("requiredEvidence").variables(facts).evaluate()
        .collectEntries("evidenceType");
    DmnDecisionResult deadlines = decisions.evaluateDecisionByKey("signOffDeadlines").variables(facts).evaluate();
    String escalationAfter = deadlines.getSingleResult().getEntry("escalationAfter");
    String expiryAfter = deadlines.getSingleResult().getEntry("expiryAfter");

    execution.setVariable(Variables.REQUIRED_ROLES, List.copyOf(roles));
    execution.setVariable(Variables.REQUIRED_EVIDENCE, List.copyOf(evidenceTypes));
    execution.setVariable(Variables.ESCALATION_AFTER, escalationAfter);
    execution.setVariable(Variables.EXPIRY_AFTER, expiryAfter);

    Map<String, Object> payload = new LinkedHashMap<>();
    payload.put("facts", facts);
    payload.put("requiredRoles", roles);
    payload.put("requiredEvidence", evidenceTypes);
    payload.put("escalationAfter", escalationAfter);
    payload.put("expiryAfter", expiryAfter);
    evidence.record(execution.getProcessBusinessKey(), "policy-applied", "countersign", payload);
  }
}
