package io.countersign.signoff;

import io.countersign.engine.Variables;
import io.countersign.evidence.EvidenceLog;
import java.util.LinkedHashMap;
import java.util.Map;
import org.camunda.bpm.engine.delegate.DelegateTask;
import org.camunda.bpm.engine.delegate.TaskListener;
import org.camunda.bpm.engine.impl.form.validator.FormFieldValidationException;
import org.springframework.stereotype.Component;

/** A release manager's decision on an emergency override; a denial needs a reason. */
@Component("recordOverrideDecision")
class RecordOverrideDecisionListener implements TaskListener {
  private final EvidenceLog evidence;

  RecordOverrideDecisionListener(EvidenceLog evidence) {
    this.evidence = evidence;
  }

  @Override
  public void notify(DelegateTask task) {
    String decision = Decisions.text(task.getVariable(Variables.OVERRIDE_DECISION));
    String comment = Decisions.text(task.getVariable(Variables.COMMENT));
    if (!"approve".equals(decision) && !"deny".equals(decision)) {
      throw new FormFieldValidationException(Variables.OVERRIDE_DECISION, "Choose approve or deny");
    }
    if ("deny".equals(decision) && comment == null) {
      throw new FormFieldValidationException(Variables.COMMENT, "A comment is required to deny an override");
    }
    String user = FourEyesListener.completingUser(task);
    task.getExecution().setVariable(Variables.OVERRIDE_DECIDED_BY, user);
    Map<String, Object> payload = new LinkedHashMap<>();
    payload.put("decision", decision);
    payload.put("comment", comment);
    payload.put("kind", task.getVariable(Variables.OVERRIDE_KIND));
    payload.put("reason", task.getVariable(Variables.OVERRIDE_REASON));
    payload.put("incidentReference", task.getVariable(Variables.OVERRIDE_INCIDENT));
    evidence.record(String.valueOf(task.getVariable(Variables.RELEASE_ID)), "override-decision", user, payload);
  }
}
