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
 * Step 3 of the override protocol: a post-override validation plan, recorded before the release
 * closes.
 */
@Component("recordOverrideReview")
class RecordOverrideReviewListener implements TaskListener {
  private final TaskFacts facts;
  private final EvidenceLog evidence;

  RecordOverrideReviewListener(TaskFacts facts, EvidenceLog evidence) {
    this.facts = facts;
    this.evidence = evidence;
  }

  @Override
  public void notify(DelegateTask task) {
    String plan = Decisions.text(task.getVariable(Variables.VALIDATION_PLAN));
    if (plan == null) {
      throw new FormFieldValidationException(
          Variables.VALIDATION_PLAN, "A post-override validation plan is required");
    }
    Map<String, Object> payload = new LinkedHashMap<>();
    payload.put("validationPlan", plan);
    payload.put("comment", Decisions.text(task.getVariable(Variables.COMMENT)));
    TaskFacts.Fact fact =
        facts
            .find(task.getId())
            .orElseThrow(
                () ->
                    new IllegalStateException(
                        "review task " + task.getId() + " was not registered"));
    payload.put("requestId", fact.subjectId());
    evidence.record(
        fact.releaseId(), "post-override-review", FourEyesListener.completingUser(task), payload);
  }
}
