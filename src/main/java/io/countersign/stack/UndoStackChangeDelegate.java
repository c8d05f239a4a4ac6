package io.countersign.stack;

import com.fasterxml.jackson.databind.JsonNode;
import io.countersign.evidence.EvidenceLog;
import io.countersign.process.Attempts;
import io.countersign.process.StepOutcome;
import io.countersign.process.StepStart;
import io.countersign.process.StepSupport;
import io.countersign.process.Variables;
import io.countersign.stack.StackTarget.ChangeSet;
import io.countersign.stack.StackTarget.ChangeSetRequest;
import io.countersign.stack.StackTarget.StackState;
import io.countersign.stack.StackTarget.TemplateObject;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.camunda.bpm.engine.delegate.DelegateExecution;
import org.camunda.bpm.engine.delegate.JavaDelegate;
import org.springframework.stereotype.Component;

/**
 * The rollback's loop for the stack (deploy.bpmn's Roll back): decides from the signed evidence
 * what this release did to the stack and puts it back, one look per run (running until done, the
 * loop's timer between looks). Nothing executed: skipped. CloudFormation rolled the update back
 * itself: nothing to undo, recorded. An update that completed: a change set from the previous
 * template (kept at planning, digest re-checked) and parameters ({@code UsePreviousValue} for
 * {@code NoEcho} ones), created, executed and awaited. A stack this release created: deleted, or
 * left when termination protection is on (the release then ends failed with the reason). Each call
 * that changes something goes through attempts; a run after a crash looks at the stack first.
 */
@Component("undoStackChange")
class UndoStackChangeDelegate implements JavaDelegate {
  static final String STEP = "undoStackChange";

  private final StackTarget target;
  private final StackProperties properties;
  private final EvidenceLog evidence;
  private final StepStart steps;
  private final Attempts attempts;

  UndoStackChangeDelegate(
      StackTarget target,
      StackProperties properties,
      EvidenceLog evidence,
      StepStart steps,
      Attempts attempts) {
    this.target = target;
    this.properties = properties;
    this.evidence = evidence;
    this.steps = steps;
    this.attempts = attempts;
  }

  @Override
  public void execute(DelegateExecution execution) {
    String releaseId = StepSupport.releaseId(execution);
    if (execution.getVariable(StackCapability.STACK_RESTORED) == null) {
      // The rollback's last gateway reads it; releases begun before the stack target lack it.
      execution.setVariable(StackCapability.STACK_RESTORED, true);
    }
    StepStart.Started started =
        steps.beginUndo(
            execution,
            STEP,
            m ->
                StackCapability.SECTION.in(m) == null
                    || StackPlans.latest(evidence, releaseId, StackPlans.EXECUTED) == null,
            "nothing was executed on a stack");
    if (started == null || finished(releaseId)) {
      StepOutcome.done().record(execution, STEP);
      return;
    }
    StackChange change = StackCapability.SECTION.in(started.manifest());
    JsonNode plan = StackPlans.latest(evidence, releaseId, StackPlans.PLAN_STARTED);
    StackState stack = target.describeStack(change.target(), change.name());
    boolean undoStarted = StackPlans.latest(evidence, releaseId, StackPlans.UNDO_STARTED) != null;
    if (StackPlans.inProgress(stack.status())
        && !"UPDATE_COMPLETE_CLEANUP_IN_PROGRESS".equals(stack.status())) {
      running(execution); // this release's operation or the undo's, still going
      return;
    }
    if (StackPlans.CREATE.equals(StackPlans.text(plan, "changeSetType"))) {
      undoCreate(execution, releaseId, change, stack, undoStarted);
    } else {
      undoUpdate(execution, releaseId, change, plan, stack, undoStarted);
    }
  }

  /** Whether an earlier run already recorded how the stack ended. */
  private boolean finished(String releaseId) {
    for (String type :
        List.of(
            StackPlans.UNDONE,
            StackPlans.UNDO_NOT_NEEDED,
            StackPlans.LEFT_PROTECTED,
            StackPlans.UNDO_FAILED)) {
      if (StackPlans.latest(evidence, releaseId, type) != null) {
        return true;
      }
    }
    return false;
  }

  private void undoCreate(
      DelegateExecution execution,
      String releaseId,
      StackChange change,
      StackState stack,
      boolean deleteStarted) {
    if (!stack.exists() || "DELETE_COMPLETE".equals(stack.status())) {
      record(
          execution,
          releaseId,
          StackPlans.UNDONE,
          change,
          "deleted",
          deleteStarted
              ? "the stack this release created was deleted"
              : "the stack this release created does not exist any more");
      return;
    }
    if (stack.terminationProtection()) {
      String why =
          "stack "
              + change.name()
              + " was created by this release and has termination protection on: left as it is ("
              + stack.status()
              + "); delete it by hand once protection is turned off";
      execution.setVariable(StackCapability.STACK_RESTORED, false);
      execution.setVariable(Variables.FAILURE_REASON, why);
      record(execution, releaseId, StackPlans.LEFT_PROTECTED, change, "left", why);
      return;
    }
    if ("DELETE_FAILED".equals(stack.status())) {
      fail(
          execution,
          releaseId,
          change,
          "CloudFormation could not delete the stack: " + reasons(change));
      return;
    }
    String token = StackPlans.token(releaseId, "undo-delete");
    attempts.once(
        new Attempts.Call(
            releaseId, STEP, change.target(), change.name() + "/delete-stack", "delete-stack"),
        Boolean.class,
        () -> {
          target.deleteStack(change.target(), change.name(), token);
          return true;
        },
        Attempts.Interrupted.repeat(
            () -> {
              target.deleteStack(change.target(), change.name(), token);
              return true;
            },
            "DeleteStack again with the same ClientRequestToken (a deleting stack is left be)"));
    if (!deleteStarted) {
      evidence.record(
          releaseId,
          StackPlans.UNDO_STARTED,
          StepSupport.ACTOR,
          StepSupport.payload("stack", change.name(), "action", "delete", "token", token));
    }
    running(execution);
  }

  private void undoUpdate(
      DelegateExecution execution,
      String releaseId,
      StackChange change,
      JsonNode plan,
      StackState stack,
      boolean undoStarted) {
    if (!undoStarted) {
      if (StackPlans.failedOrRolledBack(stack.status())) {
        record(
            execution,
            releaseId,
            StackPlans.UNDO_NOT_NEEDED,
            change,
            "none",
            "CloudFormation rolled the update back itself (" + stack.status() + ")");
        return;
      }
      startUndo(execution, releaseId, change, plan.get("previous"));
      return;
    }
    String t = change.target();
    String name = StackPlans.undoChangeSetName(releaseId);
    if (StackPlans.latest(evidence, releaseId, StackPlans.UNDO_EXECUTED) == null) {
      ChangeSet changeSet = target.describeChangeSet(t, change.name(), name);
      String status = changeSet == null ? null : changeSet.status();
      if ("CREATE_PENDING".equals(status) || "CREATE_IN_PROGRESS".equals(status)) {
        running(execution);
      } else if ("FAILED".equals(status) && StackPlans.noChanges(changeSet.statusReason())) {
        record(
            execution,
            releaseId,
            StackPlans.UNDONE,
            change,
            "none",
            "the stack already runs the previous template and parameters");
      } else if (!"CREATE_COMPLETE".equals(status)) {
        fail(
            execution,
            releaseId,
            change,
            "the change set back to the previous template is "
                + status
                + (changeSet == null ? "" : ": " + changeSet.statusReason()));
      } else {
        String token = StackPlans.token(releaseId, "undo-execute");
        attempts.once(
            new Attempts.Call(
                releaseId,
                STEP,
                t,
                change.name() + "/execute-undo-change-set",
                "execute-undo-change-set"),
            Boolean.class,
            () -> {
              target.executeChangeSet(t, change.name(), changeSet.id(), token);
              return true;
            },
            earlier -> {
              ChangeSet now = target.describeChangeSet(t, change.name(), name);
              if (now != null && "AVAILABLE".equals(now.executionStatus())) {
                target.executeChangeSet(t, change.name(), now.id(), token);
              }
              return new Attempts.Resolution<>(
                  true,
                  "verified",
                  "execution status was " + (now == null ? null : now.executionStatus()));
            });
        evidence.record(
            releaseId,
            StackPlans.UNDO_EXECUTED,
            StepSupport.ACTOR,
            StepSupport.payload(
                "stack", change.name(), "changeSetId", changeSet.id(), "token", token));
        running(execution);
      }
      return;
    }
    if (StackPlans.failedOrRolledBack(stack.status())) {
      fail(
          execution,
          releaseId,
          change,
          "putting the previous template back ended " + stack.status() + ": " + reasons(change));
    } else {
      record(
          execution,
          releaseId,
          StackPlans.UNDONE,
          change,
          "previous-template",
          "the stack runs its previous template and parameters again (" + stack.status() + ")");
    }
  }

  /** The change set back to the previous template, from the copy whose digest the plan signed. */
  private void startUndo(
      DelegateExecution execution, String releaseId, StackChange change, JsonNode previous) {
    String t = change.target();
    String bucket = StackPlans.text(previous, "templateBucket");
    String key = StackPlans.text(previous, "templateKey");
    TemplateObject kept = target.readTemplate(t, bucket, key);
    if (!kept.dryRun()
        && !StackPlans.sha256(kept.body()).equals(StackPlans.text(previous, "templateSha256"))) {
      fail(
          execution,
          releaseId,
          change,
          "the kept previous template s3://"
              + bucket
              + "/"
              + key
              + " is not the one recorded at planning");
      return;
    }
    Map<String, String> parameters = new LinkedHashMap<>();
    previous
        .path("parameters")
        .fields()
        .forEachRemaining(e -> parameters.put(e.getKey(), e.getValue().asText()));
    List<String> keep = new ArrayList<>();
    previous.path("noEchoParameters").forEach(n -> keep.add(n.asText()));
    boolean small = kept.body().length <= StackPlans.MAX_BODY_BYTES;
    StackProperties.Target settings = properties.targets().get(t);
    ChangeSetRequest request =
        new ChangeSetRequest(
            change.name(),
            StackPlans.undoChangeSetName(releaseId),
            StackPlans.UPDATE,
            small ? new String(kept.body(), StandardCharsets.UTF_8) : null,
            small ? null : kept.url(),
            parameters,
            keep,
            change.capabilities(),
            settings == null ? null : settings.cloudformationRoleArn(),
            StackPlans.token(releaseId, "undo-change-set"));
    String id =
        attempts.once(
            new Attempts.Call(
                releaseId,
                STEP,
                t,
                change.name() + "/create-undo-change-set",
                "create-undo-change-set"),
            String.class,
            () -> target.createChangeSet(t, request),
            earlier -> {
              ChangeSet existing = target.describeChangeSet(t, change.name(), request.name());
              return existing != null
                  ? new Attempts.Resolution<>(existing.id(), "verified", "the change set exists")
                  : new Attempts.Resolution<>(
                      target.createChangeSet(t, request), "verified", "created it now");
            });
    evidence.record(
        releaseId,
        StackPlans.UNDO_STARTED,
        StepSupport.ACTOR,
        StepSupport.payload(
            "stack",
            change.name(),
            "action",
            "previous-template",
            "changeSetId",
            id,
            "templateSha256",
            StackPlans.text(previous, "templateSha256"),
            "parameters",
            parameters,
            "usePreviousValue",
            keep));
    running(execution);
  }

  private String reasons(StackChange change) {
    List<String> reasons = target.failureReasons(change.target(), change.name());
    return reasons.isEmpty() ? "no reason given" : String.join("; ", reasons);
  }

  private void running(DelegateExecution execution) {
    StepOutcome.running(properties.pollIntervalOrDefault()).record(execution, STEP);
  }

  /** How the stack ended, recorded once; the loop ends. */
  private void record(
      DelegateExecution execution,
      String releaseId,
      String type,
      StackChange change,
      String action,
      String detail) {
    evidence.record(
        releaseId,
        type,
        StepSupport.ACTOR,
        StepSupport.payload("stack", change.name(), "action", action, "detail", detail));
    execution.setVariable(StackCapability.UNDONE, StackPlans.UNDONE.equals(type) ? action : type);
    StepOutcome.done().record(execution, STEP);
  }

  /**
   * The stack could not be put back: recorded, the release ends failed (not rolled back) with the
   * reason; an undo never throws a BpmnError.
   */
  private void fail(
      DelegateExecution execution, String releaseId, StackChange change, String reason) {
    String why = "stack " + change.name() + ": " + reason;
    execution.setVariable(StackCapability.STACK_RESTORED, false);
    execution.setVariable(Variables.FAILURE_REASON, why);
    record(execution, releaseId, StackPlans.UNDO_FAILED, change, "failed", why);
  }
}
