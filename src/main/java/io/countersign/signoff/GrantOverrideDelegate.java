package io.countersign.signoff;

import io.countersign.engine.Variables;
import io.countersign.evidence.EvidenceLog;
import java.time.Duration;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.Map;
import org.camunda.bpm.engine.delegate.DelegateExecution;
import org.camunda.bpm.engine.delegate.JavaDelegate;
import org.camunda.bpm.engine.impl.util.ClockUtil;
import org.springframework.stereotype.Component;

/**
 * An approved emergency override: the release may pass its outstanding gates (missing evidence,
 * open sign-offs) while the override's window lasts. A post-override review falls due in 24 hours.
 */
@Component("grantOverride")
class GrantOverrideDelegate implements JavaDelegate {
  private final EvidenceLog evidence;

  GrantOverrideDelegate(EvidenceLog evidence) {
    this.evidence = evidence;
  }

  @Override
  public void execute(DelegateExecution execution) {
    Date now = ClockUtil.getCurrentTime();
    execution.setVariable(Variables.OVERRIDE_REVIEW_DUE, Date.from(now.toInstant().plus(Duration.ofHours(24))));
    Map<String, Object> payload = new LinkedHashMap<>();
    payload.put("kind", execution.getVariable(Variables.OVERRIDE_KIND));
    payload.put("window", execution.getVariable(Variables.OVERRIDE_WINDOW));
    payload.put("reason", execution.getVariable(Variables.OVERRIDE_REASON));
    payload.put("incidentReference", execution.getVariable(Variables.OVERRIDE_INCIDENT));
    payload.put("requestedBy", execution.getVariable(Variables.OVERRIDE_REQUESTED_BY));
    payload.put("approvedBy", execution.getVariable(Variables.OVERRIDE_DECIDED_BY));
    payload.put("missingEvidence", execution.getVariable(Variables.MISSING_EVIDENCE));
    evidence.record(execution.getProcessBusinessKey(), "override-granted", "countersign", payload);
    // Set last: conditional events waiting on it move the release on within this transaction.
    execution.getProcessInstance().setVariable(Variables.OVERRIDE_ACTIVE, true);
  }
}
