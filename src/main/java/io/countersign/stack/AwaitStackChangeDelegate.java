package io.countersign.stack;

import io.countersign.evidence.EvidenceLog;
import io.countersign.process.ManifestStore;
import io.countersign.process.StepOutcome;
import io.countersign.process.StepSupport;
import io.countersign.stack.StackTarget.StackState;
import java.util.List;
import org.camunda.bpm.engine.delegate.DelegateExecution;
import org.camunda.bpm.engine.delegate.ExecutionListener;
import org.camunda.bpm.engine.delegate.JavaDelegate;
import org.springframework.stereotype.Component;

/**
 * The wait after {@code executeStackChange} (a timer loop in deploy.bpmn): {@code
 * CREATE_COMPLETE}/{@code UPDATE_COMPLETE} is done, an operation in progress is looked at again, a
 * failure or CloudFormation's own rollback fails the step (the error starts the rollback) with the
 * failed resources' reasons (CloudFormation put the stack back itself, so the rollback has nothing
 * to undo there). As the listener of the deadline's end event it records that the stack took too
 * long.
 */
@Component("awaitStackChange")
class AwaitStackChangeDelegate implements JavaDelegate, ExecutionListener {
  static final String STEP = "awaitStackChange";

  private final StackTarget target;
  private final StackProperties properties;
  private final EvidenceLog evidence;
  private final ManifestStore manifests;

  AwaitStackChangeDelegate(
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
    StackChange change = StackCapability.SECTION.in(manifests.forStep(execution));
    String releaseId = StepSupport.releaseId(execution);
    if (change == null
        || StackPlans.latest(evidence, releaseId, StackPlans.EXECUTED) == null
        || StackPlans.latest(evidence, releaseId, StackPlans.UPDATED) != null) {
      StepOutcome.done().record(execution, STEP); // nothing executed, or seen complete already
      return;
    }
    StackState stack = target.describeStack(change.target(), change.name());
    String status = stack.status();
    if ("UPDATE_COMPLETE_CLEANUP_IN_PROGRESS".equals(status)
        || "UPDATE_COMPLETE".equals(status)
        || "CREATE_COMPLETE".equals(status)
        || "IMPORT_COMPLETE".equals(status)) {
      evidence.record(
          releaseId,
          StackPlans.UPDATED,
          StepSupport.ACTOR,
          StepSupport.payload(
              "stack",
              change.name(),
              "stackId",
              stack.stackId(),
              "status",
              status,
              "dryRun",
              stack.dryRun() ? true : null));
      StepOutcome.done().record(execution, STEP);
    } else if (StackPlans.inProgress(status)) {
      StepOutcome.running(properties.pollIntervalOrDefault()).record(execution, STEP);
    } else {
      List<String> reasons =
          stack.exists() ? target.failureReasons(change.target(), change.name()) : List.of();
      String why =
          "stack "
              + change.name()
              + " ended "
              + (status == null ? "deleted" : status)
              + (reasons.isEmpty() ? "" : ": " + reasons.get(reasons.size() - 1))
              + "; CloudFormation rolled it back itself";
      evidence.record(
          releaseId,
          StackPlans.UPDATE_FAILED,
          StepSupport.ACTOR,
          StepSupport.payload(
              "stack",
              change.name(),
              "status",
              status,
              "statusReason",
              stack.statusReason(),
              "failedResources",
              reasons,
              "rolledBackBy",
              "CloudFormation"));
      // Raised: the rollback's stack loop undoes from the evidence, not from a compensation of
      // this step, so nothing here needs to complete first.
      throw StepOutcome.failed(why).raise(execution, STEP);
    }
  }

  /** The deadline passed with the stack still busy: recorded; the rollback waits for it. */
  @Override
  public void notify(DelegateExecution execution) {
    StackChange change = StackCapability.SECTION.in(manifests.forStep(execution));
    String why =
        "stack "
            + (change == null ? "?" : change.name())
            + " did not finish within "
            + properties.timeoutOrDefault();
    evidence.record(
        StepSupport.releaseId(execution),
        StackPlans.TIMED_OUT,
        StepSupport.ACTOR,
        StepSupport.payload("step", STEP, "reason", why));
    StepOutcome.failed(why).record(execution, STEP);
  }
}
