package io.countersign.signoff;

import io.countersign.evidence.EvidenceLog;
import io.countersign.process.Variables;
import java.util.LinkedHashMap;
import java.util.Map;
import org.camunda.bpm.engine.delegate.DelegateTask;
import org.camunda.bpm.engine.delegate.TaskListener;
import org.camunda.bpm.engine.impl.form.validator.FormFieldValidationException;
import org.springframework.stereotype.Component;

/**
 * An operations lead's call on inconclusive metrics during the bake window: go on watching, or roll
 * back.
 */
@Component("recordMetricsDecision")
class RecordMetricsDecisionListener implements TaskListener {
  private final EvidenceLog evidence;

  RecordMetricsDecisionListener(EvidenceLog evidence) {
    this.evidence = evidence;
  }

  @Override
  public void notify(DelegateTask task) {
    String decision = Decisions.text(task.getVariable(Variables.METRICS_DECISION));
    String comment = Decisions.text(task.getVariable(Variables.COMMENT));
    if (!"continue".equals(decision) && !"rollback".equals(decision)) {
      throw new FormFieldValidationException(
          Variables.METRICS_DECISION, "Choose continue or rollback");
    }
    if (comment == null) {
      throw new FormFieldValidationException(Variables.COMMENT, "Say what you checked");
    }
    String user = FourEyesListener.completingUser(task);
    if ("rollback".equals(decision)) {
      task.getExecution()
          .setVariable(
              Variables.FAILURE_REASON,
              "Rolled back by " + user + " on inconclusive metrics: " + comment);
    }
    Map<String, Object> payload = new LinkedHashMap<>();
    payload.put("decision", decision);
    payload.put("comment", comment);
    payload.put("reason", task.getVariable(Variables.METRICS_INCONCLUSIVE_REASON));
    evidence.record(
        String.valueOf(task.getVariable(Variables.RELEASE_ID)), "metrics-decision", user, payload);
  }
}
