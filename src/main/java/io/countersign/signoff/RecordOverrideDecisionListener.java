package io.countersign.signoff;

import io.countersign.evidence.EvidenceLog;
import io.countersign.notify.Notifications;
import io.countersign.process.ManifestStore;
import io.countersign.process.Variables;
import java.util.LinkedHashMap;
import java.util.Map;
import org.camunda.bpm.engine.delegate.DelegateTask;
import org.camunda.bpm.engine.delegate.TaskListener;
import org.camunda.bpm.engine.impl.form.validator.FormFieldValidationException;
import org.springframework.stereotype.Component;

/**
 * A release manager's decision on an emergency override, recorded against the request the task was
 * created for and the digest of the stored manifest; a denial needs a reason.
 */
@Component("recordOverrideDecision")
class RecordOverrideDecisionListener implements TaskListener {
  private final TaskFacts facts;
  private final Overrides overrides;
  private final ManifestStore manifests;
  private final EvidenceLog evidence;
  private final Notifications notifications;

  RecordOverrideDecisionListener(
      TaskFacts facts,
      Overrides overrides,
      ManifestStore manifests,
      EvidenceLog evidence,
      Notifications notifications) {
    this.facts = facts;
    this.overrides = overrides;
    this.evidence = evidence;
    this.manifests = manifests;
    this.notifications = notifications;
  }

  @Override
  public void notify(DelegateTask task) {
    String decision = Decisions.text(task.getVariable(Variables.OVERRIDE_DECISION));
    String comment = Decisions.text(task.getVariable(Variables.COMMENT));
    if (!"approve".equals(decision) && !"deny".equals(decision)) {
      throw new FormFieldValidationException(Variables.OVERRIDE_DECISION, "Choose approve or deny");
    }
    if ("deny".equals(decision) && comment == null) {
      throw new FormFieldValidationException(
          Variables.COMMENT, "A comment is required to deny an override");
    }
    String user = FourEyesListener.completingUser(task);
    TaskFacts.Fact fact =
        facts
            .find(task.getId())
            .orElseThrow(
                () ->
                    new IllegalStateException(
                        "override task " + task.getId() + " was not registered"));
    Overrides.Request request =
        overrides
            .find(fact.subjectId())
            .orElseThrow(
                () ->
                    new IllegalStateException(
                        "release "
                            + fact.releaseId()
                            + " has no override request for task "
                            + task.getId()));
    String digest = manifests.submitted(fact.releaseId()).sha256();
    overrides.decide(request.id(), fact.releaseId(), decision, user, comment, digest);
    task.getExecution().setVariable(Variables.OVERRIDE_DECIDED_BY, user);
    Map<String, Object> payload = new LinkedHashMap<>();
    payload.put("decision", decision);
    payload.put("comment", comment);
    payload.put("requestId", request.id());
    payload.put("kind", request.kind());
    payload.put("reason", request.reason());
    payload.put("incidentReference", request.incidentReference());
    payload.put("manifestSha256", digest);
    evidence.record(fact.releaseId(), "override-decision", user, payload);
    Map<String, Object> data = new LinkedHashMap<>();
    data.put("decision", "approve".equals(decision) ? "approved" : "denied");
    data.put("decidedBy", user);
    data.put("comment", comment);
    data.put("reason", request.reason());
    data.put("incidentReference", request.incidentReference());
    notifications.publish(fact.releaseId(), Notifications.OVERRIDE_DECIDED, data);
  }
}
