package io.countersign.signoff;

import io.countersign.evidence.EvidenceLog;
import io.countersign.process.Variables;
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
  private final Overrides overrides;
  private final EvidenceLog evidence;

  GrantOverrideDelegate(Overrides overrides, EvidenceLog evidence) {
    this.overrides = overrides;
    this.evidence = evidence;
  }

  @Override
  public void execute(DelegateExecution execution) {
    Date now = ClockUtil.getCurrentTime();
    execution.setVariable(
        Variables.OVERRIDE_REVIEW_DUE, Date.from(now.toInstant().plus(Duration.ofHours(24))));
    String releaseId = FourEyesListener.releaseOf(execution);
    Overrides.Request request =
        overrides
            .latest(releaseId)
            .orElseThrow(
                () ->
                    new IllegalStateException("release " + releaseId + " has no override request"));
    Overrides.Decision decision =
        overrides
            .decision(request.id())
            .filter(Overrides.Decision::approved)
            .orElseThrow(
                () ->
                    new IllegalStateException(
                        "override "
                            + request.id()
                            + " of release "
                            + releaseId
                            + " was not approved"));
    Map<String, Object> payload = new LinkedHashMap<>();
    payload.put("requestId", request.id());
    payload.put("kind", request.kind());
    payload.put("window", request.window().toString());
    payload.put("reason", request.reason());
    payload.put("incidentReference", request.incidentReference());
    payload.put("requestedBy", request.requestedBy());
    payload.put("approvedBy", decision.decidedBy());
    payload.put("manifestSha256", decision.manifestSha256());
    payload.put("missingEvidence", execution.getVariable(Variables.MISSING_EVIDENCE));
    evidence.record(releaseId, "override-granted", "countersign", payload);
    // Set last: conditional events waiting on it move the release on within this transaction.
    execution.getProcessInstance().setVariable(Variables.OVERRIDE_ACTIVE, true);
  }
}
