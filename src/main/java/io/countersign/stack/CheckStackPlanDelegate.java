package io.countersign.stack;

import com.fasterxml.jackson.databind.JsonNode;
import io.countersign.aws.TargetRefusedException;
import io.countersign.evidence.EvidenceLog;
import io.countersign.process.ManifestStore;
import io.countersign.process.StepOutcome;
import io.countersign.process.StepSupport;
import io.countersign.stack.StackTarget.ChangeSet;
import io.countersign.stack.StackTarget.Drift;
import java.util.List;
import org.camunda.bpm.engine.delegate.DelegateExecution;
import org.camunda.bpm.engine.delegate.ExecutionListener;
import org.camunda.bpm.engine.delegate.JavaDelegate;
import org.springframework.stereotype.Component;

/**
 * The wait of the planning (release.bpmn, a timer loop): looks at the drift detection and the
 * change set that {@code planStackChange} started, and once both are done records {@value
 * StackPlans#PLANNED} with the summary approvers sign over (its digest is re-checked before the
 * execution) and puts the summary on their form. A change set CloudFormation could not create
 * refuses the release; one without changes is recorded (nothing will be executed). As the listener
 * of the deadline's end event it records that the change set was not ready in time.
 */
@Component("checkStackPlan")
class CheckStackPlanDelegate implements JavaDelegate, ExecutionListener {
  static final String STEP = "checkStackPlan";

  private final StackTarget target;
  private final StackProperties properties;
  private final EvidenceLog evidence;
  private final ManifestStore manifests;

  CheckStackPlanDelegate(
      StackTarget target,
      StackProperties properties,
      EvidenceLog evidence,
      ManifestStore manifests) {
    this.target = target;
    this.properties = properties;
    this.evidence = evidence;
    this.manifests = manifests;
  }

  @Override
  public void execute(DelegateExecution execution) {
    String releaseId = StepSupport.releaseId(execution);
    StackChange change = StackCapability.SECTION.in(manifests.submitted(releaseId).manifest());
    JsonNode started = StackPlans.latest(evidence, releaseId, StackPlans.PLAN_STARTED);
    if (change == null || started == null) {
      StepOutcome.done().record(execution, STEP); // nothing planned (the planning skipped)
      return;
    }
    try {
      check(execution, releaseId, change, started);
    } catch (TargetRefusedException refused) {
      throw StackPlans.refusePlan(
          evidence, execution, releaseId, STEP, change.name(), refused.getMessage());
    }
  }

  private void check(
      DelegateExecution execution, String releaseId, StackChange change, JsonNode started) {
    String t = change.target();
    String driftId = StackPlans.text(started, "driftDetectionId");
    Drift drift = driftId == null ? null : target.drift(t, change.name(), driftId);
    if (drift != null && "DETECTION_IN_PROGRESS".equals(drift.detectionStatus())) {
      StepOutcome.running(properties.pollIntervalOrDefault()).record(execution, STEP);
      return;
    }
    String changeSetId = StackPlans.text(started, "changeSetId");
    ChangeSet changeSet = target.describeChangeSet(t, change.name(), changeSetId);
    if (changeSet == null) {
      throw StackPlans.refusePlan(
          evidence,
          execution,
          releaseId,
          STEP,
          change.name(),
          "the change set " + changeSetId + " is gone (deleted by someone?)");
    }
    String status = changeSet.status();
    if ("CREATE_PENDING".equals(status) || "CREATE_IN_PROGRESS".equals(status)) {
      StepOutcome.running(properties.pollIntervalOrDefault()).record(execution, STEP);
      return;
    }
    boolean noChanges = "FAILED".equals(status) && StackPlans.noChanges(changeSet.statusReason());
    if (!noChanges && !"CREATE_COMPLETE".equals(status)) {
      throw StackPlans.refusePlan(
          evidence,
          execution,
          releaseId,
          STEP,
          change.name(),
          "CloudFormation could not create the change set ("
              + status
              + "): "
              + changeSet.statusReason());
    }
    String type = StackPlans.text(started, "changeSetType");
    List<StackTarget.Change> changes = noChanges ? List.of() : changeSet.changes();
    evidence.record(
        releaseId,
        StackPlans.PLANNED,
        StepSupport.ACTOR,
        StepSupport.payload(
            "stack",
            change.name(),
            "target",
            t,
            "changeSetId",
            changeSet.id(),
            "changeSetType",
            type,
            "templateSha256",
            StackPlans.text(started, "templateSha256"),
            "parameters",
            change.parameters(),
            "capabilities",
            change.capabilities(),
            "terminationProtection",
            started.path("terminationProtection").asBoolean(false),
            "drift",
            drift == null
                ? null
                : StepSupport.payload(
                    "detectionStatus",
                    drift.detectionStatus(),
                    "stackDriftStatus",
                    drift.stackDriftStatus(),
                    "driftedResources",
                    drift.drifted()),
            "noChanges",
            noChanges,
            "changes",
            StackPlans.summary(changes),
            "summarySha256",
            StackPlans.summaryDigest(changes),
            "dryRun",
            changeSet.dryRun() ? true : null));
    String text =
        noChanges
            ? "Stack " + change.name() + ": no changes; nothing will be executed."
            : StackPlans.text(change.name(), type, changes, changeSet.dryRun());
    if (drift != null && "DRIFTED".equals(drift.stackDriftStatus())) {
      text += "\nDrifted from its template now: " + String.join(", ", drift.drifted());
    }
    execution.setVariable(StackCapability.CHANGE_SET_TEXT, text);
    StepOutcome.done().record(execution, STEP);
  }

  /** The planning's deadline passed: recorded, and the release ends before the sign-off. */
  @Override
  public void notify(DelegateExecution execution) {
    String releaseId = StepSupport.releaseId(execution);
    StackChange change = StackCapability.SECTION.in(manifests.submitted(releaseId).manifest());
    String why =
        "stack "
            + (change == null ? "?" : change.name())
            + ": the change set was not ready within "
            + properties.timeoutOrDefault();
    evidence.record(
        releaseId,
        StackPlans.PLAN_REFUSED,
        StepSupport.ACTOR,
        StepSupport.payload("step", STEP, "reason", why));
    execution.setVariable(io.countersign.process.Variables.FAILURE_REASON, why);
  }
}
