package io.countersign.release;

import io.countersign.evidence.EvidenceLog;
import io.countersign.notify.Notifications;
import io.countersign.process.Variables;
import java.util.LinkedHashMap;
import java.util.Map;
import org.camunda.bpm.engine.delegate.DelegateExecution;
import org.camunda.bpm.engine.delegate.JavaDelegate;
import org.springframework.stereotype.Component;

/** Records why the release is being rolled back, before the compensation of each completed step. */
@Component("startRollback")
class StartRollbackDelegate implements JavaDelegate {
  private final ReleaseStatus status;
  private final EvidenceLog evidence;
  private final Notifications notifications;

  StartRollbackDelegate(ReleaseStatus status, EvidenceLog evidence, Notifications notifications) {
    this.status = status;
    this.evidence = evidence;
    this.notifications = notifications;
  }

  @Override
  public void execute(DelegateExecution execution) {
    Object requestedBy = execution.getVariable(Variables.ROLLBACK_REQUESTED_BY);
    String reason =
        requestedBy != null
            ? "Rollback requested by "
                + requestedBy
                + ": "
                + execution.getVariable(Variables.ROLLBACK_REASON)
            : firstNonNull(
                execution.getVariable(Variables.FAILURE_REASON),
                execution.getVariable(Variables.ROLLBACK_ERROR));
    execution.setVariable(Variables.FAILURE_REASON, reason);
    Map<String, Object> payload = new LinkedHashMap<>();
    payload.put("reason", reason);
    payload.put("failedStep", execution.getVariable(Variables.FAILED_STEP));
    payload.put("requestedBy", requestedBy);
    evidence.record(
        execution.getProcessBusinessKey(),
        "rollback-started",
        requestedBy == null ? "countersign" : requestedBy.toString(),
        payload);
    status.set(execution, "rolling-back");
    Map<String, Object> data = new LinkedHashMap<>();
    data.put("reason", reason);
    data.put("failedStep", payload.get("failedStep"));
    data.put("rollbackRequestedBy", requestedBy);
    notifications.publish(execution.getProcessBusinessKey(), Notifications.ROLLBACK_STARTED, data);
  }

  private static String firstNonNull(Object a, Object b) {
    return a != null ? a.toString() : b != null ? b.toString() : "A deployment step failed";
  }
}
