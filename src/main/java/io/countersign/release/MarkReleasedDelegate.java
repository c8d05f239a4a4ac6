package io.countersign.release;

import io.countersign.evidence.EvidenceLog;
import io.countersign.process.Variables;
import java.util.LinkedHashMap;
import java.util.Map;
import org.camunda.bpm.engine.delegate.DelegateExecution;
import org.camunda.bpm.engine.delegate.JavaDelegate;
import org.springframework.stereotype.Component;

/** Deployed and verified: the release is live; it stays rollback-able for its rollback window. */
@Component("markReleased")
class MarkReleasedDelegate implements JavaDelegate {
  private final ReleaseStatus status;
  private final EvidenceLog evidence;

  MarkReleasedDelegate(ReleaseStatus status, EvidenceLog evidence) {
    this.status = status;
    this.evidence = evidence;
  }

  @Override
  public void execute(DelegateExecution execution) {
    Map<String, Object> payload = new LinkedHashMap<>();
    payload.put("application", execution.getVariable(Variables.APPLICATION));
    payload.put("version", execution.getVariable(Variables.VERSION));
    payload.put("environment", execution.getVariable(Variables.ENVIRONMENT));
    payload.put("rollbackWindow", execution.getVariable(Variables.ROLLBACK_WINDOW));
    evidence.record(execution.getProcessBusinessKey(), "release-released", "countersign", payload);
    status.set(execution, "released", null);
  }
}
