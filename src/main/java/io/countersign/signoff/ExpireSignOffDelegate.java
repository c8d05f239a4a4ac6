package io.countersign.signoff;

import io.countersign.evidence.EvidenceLog;
import io.countersign.notify.Notifications;
import io.countersign.process.Variables;
import java.util.List;
import java.util.Map;
import org.camunda.bpm.engine.delegate.DelegateExecution;
import org.camunda.bpm.engine.delegate.JavaDelegate;
import org.springframework.stereotype.Component;

/** The sign-off deadline passed with roles still open: the release expires. */
@Component("expireSignOff")
class ExpireSignOffDelegate implements JavaDelegate {
  private final SignOffRepository signOffs;
  private final EvidenceLog evidence;
  private final Notifications notifications;

  ExpireSignOffDelegate(
      SignOffRepository signOffs, EvidenceLog evidence, Notifications notifications) {
    this.signOffs = signOffs;
    this.evidence = evidence;
    this.notifications = notifications;
  }

  @Override
  @SuppressWarnings("unchecked")
  public void execute(DelegateExecution execution) {
    String releaseId = execution.getProcessBusinessKey();
    List<String> required = (List<String>) execution.getVariable(Variables.REQUIRED_ROLES);
    List<String> signed =
        signOffs.forRelease(releaseId).stream().map(SignOffRepository.SignOff::role).toList();
    List<String> open = required.stream().filter(r -> !signed.contains(r)).toList();
    String reason =
        "Sign-off expired after "
            + execution.getVariable(Variables.EXPIRY_AFTER)
            + " without "
            + String.join(", ", open);
    execution.setVariable(Variables.STATUS_REASON, reason);
    evidence.record(
        releaseId, "sign-off-expired", "countersign", Map.of("openRoles", open, "reason", reason));
    notifications.publish(
        releaseId, Notifications.SIGN_OFF_EXPIRED, Map.of("openRoles", open, "reason", reason));
  }
}
