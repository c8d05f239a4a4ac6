package io.countersign.release;

import io.countersign.evidence.EvidenceLog;
import io.countersign.process.Variables;
import java.util.LinkedHashMap;
import java.util.Map;
import org.camunda.bpm.engine.delegate.DelegateExecution;
import org.camunda.bpm.engine.delegate.JavaDelegate;
import org.springframework.stereotype.Component;

@Component("cancelRelease")
class CancelReleaseDelegate implements JavaDelegate {
  private final EvidenceLog evidence;

  CancelReleaseDelegate(EvidenceLog evidence) {
    this.evidence = evidence;
  }

  @Override
  public void execute(DelegateExecution execution) {
    Map<String, Object> payload = new LinkedHashMap<>();
    payload.put("reason", execution.getVariable(Variables.CANCEL_REASON));
    Object by = execution.getVariable(Variables.CANCELLED_BY);
    evidence.record(
        execution.getProcessBusinessKey(),
        "release-cancelled",
        by == null ? "countersign" : by.toString(),
        payload);
  }
}
