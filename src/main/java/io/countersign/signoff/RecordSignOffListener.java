package io.countersign.signoff;

import io.countersign.evidence.EvidenceLog;
import io.countersign.process.IntegrityViolation;
import io.countersign.process.ManifestStore;
import io.countersign.process.Variables;
import java.util.LinkedHashMap;
import java.util.Map;
import org.camunda.bpm.engine.BadUserRequestException;
import org.camunda.bpm.engine.delegate.DelegateTask;
import org.camunda.bpm.engine.delegate.TaskListener;
import org.camunda.bpm.engine.impl.form.validator.FormFieldValidationException;
import org.springframework.stereotype.Component;

/**
 * Records an approver's decision (after four-eyes passed) on the digest of the stored manifest,
 * which the form showed; a rejection ends the sign-off. The role comes from what the process
 * registered for the task.
 */
@Component("recordSignOff")
class RecordSignOffListener implements TaskListener {
  private final SignOffRepository signOffs;
  private final TaskFacts facts;
  private final ManifestStore manifests;
  private final EvidenceLog evidence;
  private final SignOffStatus status;

  RecordSignOffListener(
      SignOffRepository signOffs,
      TaskFacts facts,
      ManifestStore manifests,
      EvidenceLog evidence,
      SignOffStatus status) {
    this.signOffs = signOffs;
    this.facts = facts;
    this.evidence = evidence;
    this.manifests = manifests;
    this.status = status;
  }

  @Override
  public void notify(DelegateTask task) {
    String decision = Decisions.text(task.getVariable(Variables.DECISION));
    // The form has one comment field per decision, each shown only with its decision: an approval
    // may carry a comment, a rejection must carry its reason. A comment of the other decision is
    // refused rather than recorded, so what is recorded is what the approver saw themselves write.
    String comment = Decisions.text(task.getVariable(Variables.COMMENT));
    String rejectComment = Decisions.text(task.getVariable(Variables.REJECT_COMMENT));
    if (!"approve".equals(decision) && !"reject".equals(decision)) {
      throw new FormFieldValidationException(Variables.DECISION, "Choose approve or reject");
    }
    if ("reject".equals(decision)) {
      if (comment != null) {
        throw new FormFieldValidationException(
            Variables.COMMENT,
            "A rejection's reason goes in "
                + Variables.REJECT_COMMENT
                + ", not in the approval's comment");
      }
      if (rejectComment == null) {
        throw new FormFieldValidationException(
            Variables.REJECT_COMMENT, "A comment is required to reject a release");
      }
      comment = rejectComment;
    } else if (rejectComment != null) {
      throw new FormFieldValidationException(
          Variables.REJECT_COMMENT, "A reason for rejecting cannot come with an approval");
    }
    TaskFacts.Fact fact =
        facts
            .find(task.getId())
            .orElseThrow(
                () ->
                    new IllegalStateException(
                        "sign-off task " + task.getId() + " was not registered"));
    String releaseId = fact.releaseId();
    String role = fact.role();
    String digest = manifests.submitted(releaseId).sha256();
    Object shown = task.getVariable(Variables.MANIFEST_SHA256);
    if (shown != null && !digest.equals(shown.toString())) {
      throw new IntegrityViolation(
          releaseId,
          "the sign-off form showed manifest " + shown + " but the stored manifest is " + digest);
    }
    String user = FourEyesListener.completingUser(task);
    if (!signOffs.save(releaseId, role, user, decision, comment, task.getId(), digest)) {
      throw new BadUserRequestException(
          "Role " + role + " of release " + releaseId + " already has a decision");
    }
    Map<String, Object> payload = new LinkedHashMap<>();
    payload.put("role", role);
    payload.put("decision", decision);
    payload.put("manifestSha256", digest);
    payload.put("comment", comment);
    payload.put("taskId", task.getId());
    payload.put("escalated", fact.escalatedTo() != null);
    evidence.record(releaseId, "sign-off", user, payload);
    status.refresh(task.getExecution(), releaseId);
    if ("reject".equals(decision)) {
      task.getExecution().getProcessInstance().setVariable(Variables.SIGN_OFF_REJECTED, true);
      task.getExecution()
          .getProcessInstance()
          .setVariable(
              Variables.STATUS_REASON, "Rejected by " + user + " (" + role + "): " + comment);
    }
  }
}
