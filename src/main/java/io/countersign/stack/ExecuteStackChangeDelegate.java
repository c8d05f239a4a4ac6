package io.countersign.stack;

import com.fasterxml.jackson.databind.JsonNode;
import io.countersign.aws.TargetRefusedException;
import io.countersign.evidence.EvidenceLog;
import io.countersign.process.Attempts;
import io.countersign.process.StepOutcome;
import io.countersign.process.StepStart;
import io.countersign.process.StepSupport;
import io.countersign.stack.StackTarget.ChangeSet;
import org.camunda.bpm.engine.delegate.DelegateExecution;
import org.camunda.bpm.engine.delegate.JavaDelegate;
import org.springframework.stereotype.Component;

/**
 * Executes the change set the approvers signed over, after checking that it still is that one: the
 * recorded id, still {@code CREATE_COMPLETE} and {@code AVAILABLE} (not {@code OBSOLETE} because
 * someone changed the stack since), with the same summary digest. Otherwise it refuses and nothing
 * is executed. {@code awaitStackChange} then waits for the stack.
 */
@Component("executeStackChange")
class ExecuteStackChangeDelegate implements JavaDelegate {
  static final String STEP = "executeStackChange";

  private final StackTarget target;
  private final EvidenceLog evidence;
  private final StepStart steps;
  private final Attempts attempts;

  ExecuteStackChangeDelegate(
      StackTarget target, EvidenceLog evidence, StepStart steps, Attempts attempts) {
    this.target = target;
    this.evidence = evidence;
    this.steps = steps;
    this.attempts = attempts;
  }

  @Override
  public void execute(DelegateExecution execution) {
    StepStart.Started started =
        steps.begin(
            execution, STEP, m -> StackCapability.SECTION.in(m) == null, StackCapability.NO_STACK);
    if (started == null) {
      StepOutcome.done().record(execution, STEP);
      return;
    }
    String releaseId = started.releaseId();
    StackChange change = StackCapability.SECTION.in(started.manifest());
    JsonNode planned = StackPlans.latest(evidence, releaseId, StackPlans.PLANNED);
    if (planned == null) {
      throw refuse(
          execution,
          releaseId,
          change,
          "no signed change set: the release was not planned before its sign-off (an emergency"
              + " override skips the sign-off); nothing was executed",
          null);
    }
    if (planned.path("noChanges").asBoolean(false)) {
      evidence.record(
          releaseId,
          StackPlans.UNCHANGED,
          StepSupport.ACTOR,
          StepSupport.payload(
              "stack", change.name(), "reason", "the change set had no changes; nothing executed"));
      execution.setVariable(StackCapability.EXECUTED, false);
      StepOutcome.done().record(execution, STEP);
      return;
    }
    String changeSetId = StackPlans.text(planned, "changeSetId");
    String token = StackPlans.token(releaseId, "execute");
    String t = change.target();
    Executed executed;
    try {
      executed =
          attempts.once(
              new Attempts.Call(
                  releaseId, STEP, t, change.name() + "/execute-change-set", "execute-change-set"),
              Executed.class,
              () -> {
                ChangeSet now = target.describeChangeSet(t, change.name(), changeSetId);
                String problem = problem(now, planned);
                if (problem != null) {
                  return new Executed(null, problem, now == null ? null : now.executionStatus());
                }
                target.executeChangeSet(t, change.name(), changeSetId, token);
                return new Executed(changeSetId, null, now.executionStatus());
              },
              earlier -> {
                // The call may have been made: the change set's execution status says.
                ChangeSet now = target.describeChangeSet(t, change.name(), changeSetId);
                if (now != null && !"AVAILABLE".equals(now.executionStatus())) {
                  return new Attempts.Resolution<>(
                      new Executed(changeSetId, null, now.executionStatus()),
                      "verified",
                      "the change set is " + now.executionStatus() + ": executed before");
                }
                String problem = problem(now, planned);
                if (problem == null) {
                  target.executeChangeSet(t, change.name(), changeSetId, token);
                }
                return new Attempts.Resolution<>(
                    new Executed(problem == null ? changeSetId : null, problem, null),
                    "verified",
                    problem == null ? "not executed before; executed now" : problem);
              });
    } catch (TargetRefusedException refused) {
      throw refuse(execution, releaseId, change, refused.getMessage(), null);
    }
    if (executed.refusal() != null) {
      throw refuse(execution, releaseId, change, executed.refusal(), executed.status());
    }
    evidence.record(
        releaseId,
        StackPlans.EXECUTED,
        StepSupport.ACTOR,
        StepSupport.payload(
            "stack",
            change.name(),
            "target",
            t,
            "changeSetId",
            changeSetId,
            "summarySha256",
            StackPlans.text(planned, "summarySha256"),
            "clientRequestToken",
            token,
            "dryRun",
            planned.path("dryRun").asBoolean(false) ? true : null));
    execution.setVariable(StackCapability.EXECUTED, true);
    StepOutcome.done().record(execution, STEP);
  }

  /** Why the change set is not the one signed over, or null when it is. */
  static String problem(ChangeSet now, JsonNode planned) {
    String signedId = StackPlans.text(planned, "changeSetId");
    if (now == null) {
      return "the signed change set " + signedId + " is gone";
    }
    if (!signedId.equals(now.id())) {
      return "the change set is " + now.id() + ", not the signed " + signedId;
    }
    if (!"CREATE_COMPLETE".equals(now.status()) || !"AVAILABLE".equals(now.executionStatus())) {
      return "the change set is "
          + now.status()
          + "/"
          + now.executionStatus()
          + ", not CREATE_COMPLETE/AVAILABLE"
          + ("OBSOLETE".equals(now.executionStatus())
              ? " (the stack was changed after the sign-off)"
              : "");
    }
    String digest = StackPlans.summaryDigest(now.changes());
    if (!now.dryRun() && !digest.equals(StackPlans.text(planned, "summarySha256"))) {
      return "the change set's changes (SHA-256 "
          + digest
          + ") differ from those signed over ("
          + StackPlans.text(planned, "summarySha256")
          + ")";
    }
    return null;
  }

  /**
   * Refused before anything was executed: recorded, and the release rolls back what came before.
   */
  private RuntimeException refuse(
      DelegateExecution execution,
      String releaseId,
      StackChange change,
      String reason,
      String status) {
    String why = "stack " + change.name() + ": " + reason;
    evidence.record(
        releaseId,
        StackPlans.CHANGE_REFUSED,
        StepSupport.ACTOR,
        StepSupport.payload(
            "stack", change.name(), "executionStatus", status, "reason", why, "executed", false));
    execution.setVariable(StackCapability.EXECUTED, false);
    return StepOutcome.failed(why).raise(execution, STEP);
  }

  /**
   * What the execution attempt keeps: the change set executed, or why it was refused unexecuted.
   */
  record Executed(String changeSetId, String refusal, String status) {}
}
