package io.countersign.signoff;

import io.countersign.engine.Variables;
import io.countersign.evidence.EvidenceLog;
import java.util.LinkedHashMap;
import java.util.Map;
import org.camunda.bpm.engine.delegate.DelegateTask;
import org.camunda.bpm.engine.delegate.TaskListener;
import org.camunda.bpm.engine.impl.form.validator.FormFieldValidationException;
import org.springframework.stereotype.Component;

/** Records an approver's decision (after four-eyes passed); a rejection ends the sign-off. */
@Component("recordSignOff")
class RecordSignOffListener implements TaskListener {
  private final SignOffRepository signOffs;
  private final EvidenceLog evidence;

  RecordSignOffListener(SignOffRepository signOffs, EvidenceLog evidence) {
    this.signOffs = signOffs;
    this.evidence = evidence;
  }

  @Override
  public void notify(DelegateTask task) {
    String decision = Decisions.text(task.getVariable(Variables.DECISION));
    String comment = Decisions.text(task.getVariable(Variables.COMMENT));
    if (!"approve".equals(decision) && !"reject".equals(decision)) {
      throw new FormFieldValidationException(Variables.DECISION, "Choose approve or reject");
    }
    if ("reject".equals(decision) && comment == null) {
      throw new FormFieldValidationException(Variables.COMMENT, "A comment is required to reject a release");
    }
    String releaseId = String.valueOf(task.getVariable(Variables.RELEASE_ID));
    String role = String.valueOf(task.getVariable(Variables.ROLE));
    String user = FourEyesListener.completingUser(task);
    signOffs.save(releaseId, role, user, decision, comment, task.getId());
    Map<String, Object> payload = new LinkedHashMap<>();
    payload.put("role", role);
    payload.put("decision", decision);
    payload.put("comment", comment);
    payload.put("taskId", task.getId());
    payload.put("escalated", task.getPriority() >= io.countersign.engine.EscalationPriority.VALUE);
    evidence.record(releaseId, "sign-off", user, payload);
    if ("reject".equals(decision)) {
      task.getExecution().getProcessInstance().setVariable(Variables.SIGN_OFF_REJECTED, true);
      task.getExecution().getProcessInstance().setVariable(Variables.STATUS_REASON,
          "Rejected by " + user + " (" + role + "): " + comment);
    }
  }
}
