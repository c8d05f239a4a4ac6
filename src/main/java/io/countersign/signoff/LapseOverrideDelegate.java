package io.countersign.signoff;

import io.countersign.evidence.EvidenceLog;
import io.countersign.process.Variables;
import java.util.Map;
import org.camunda.bpm.engine.delegate.DelegateExecution;
import org.camunda.bpm.engine.delegate.JavaDelegate;
import org.springframework.stereotype.Component;

/** The override's window ended: if deployment has not started, the override no longer counts. */
@Component("lapseOverride")
class LapseOverrideDelegate implements JavaDelegate {
  private final EvidenceLog evidence;

  LapseOverrideDelegate(EvidenceLog evidence) {
    this.evidence = evidence;
  }

  @Override
  public void execute(DelegateExecution execution) {
    boolean started = Boolean.TRUE.equals(execution.getVariable(Variables.DEPLOYMENT_STARTED));
    if (!started) {
      execution.getProcessInstance().setVariable(Variables.OVERRIDE_ACTIVE, false);
    }
    evidence.record(
        execution.getProcessBusinessKey(),
        started ? "override-used" : "override-lapsed",
        "countersign",
        Map.of(
            "window",
            String.valueOf(execution.getVariable(Variables.OVERRIDE_WINDOW)),
            "deploymentStarted",
            started));
  }
}
