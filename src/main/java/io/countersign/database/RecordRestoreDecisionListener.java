package io.countersign.database;

import io.countersign.evidence.EvidenceLog;
import io.countersign.process.Variables;
import java.util.LinkedHashMap;
import java.util.Map;
import org.camunda.bpm.engine.delegate.DelegateTask;
import org.camunda.bpm.engine.delegate.TaskListener;
import org.camunda.bpm.engine.impl.form.validator.FormFieldValidationException;
import org.camunda.bpm.engine.impl.identity.Authentication;
import org.springframework.stereotype.Component;

/**
 * An operations lead's decision to restore the database backup (losing writes made since the
 * migration) or to leave the database as it is for people to repair. Either way needs a comment.
 */
@Component("recordRestoreDecision")
class RecordRestoreDecisionListener implements TaskListener {
  private final EvidenceLog evidence;

  RecordRestoreDecisionListener(EvidenceLog evidence) {
    this.evidence = evidence;
  }

  @Override
  public void notify(DelegateTask task) {
    String decision = text(task.getVariable(Variables.DB_RESTORE_CONFIRMED));
    String comment = text(task.getVariable(Variables.COMMENT));
    if (!"restore".equals(decision) && !"leave".equals(decision)) {
      throw new FormFieldValidationException(
          Variables.DB_RESTORE_CONFIRMED, "Choose restore or leave");
    }
    if (comment == null) {
      throw new FormFieldValidationException(Variables.COMMENT, "A comment is required");
    }
    Authentication auth =
        task.getProcessEngineServices().getIdentityService().getCurrentAuthentication();
    String user = auth != null ? auth.getUserId() : task.getAssignee();
    Map<String, Object> payload = new LinkedHashMap<>();
    payload.put("decision", decision);
    payload.put("comment", comment);
    payload.put("failureReason", task.getVariable(Variables.FAILURE_REASON));
    evidence.record(
        String.valueOf(task.getVariable(Variables.RELEASE_ID)),
        "database-restore-decision",
        user,
        payload);
  }

  private static String text(Object value) {
    return value == null || value.toString().isBlank() ? null : value.toString().trim();
  }
}
