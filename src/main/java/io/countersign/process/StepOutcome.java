package io.countersign.process;

import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import org.camunda.bpm.engine.delegate.BpmnError;
import org.camunda.bpm.engine.delegate.DelegateExecution;

/**
 * How an act or await step went, in the words every model reads. The step records it in two
 * variables, {@link Variables#STEP_OUTCOME} ({@code done}, {@code running}, {@code paused} or
 * {@code failed}) and {@link Variables#STEP_WAIT} (an ISO-8601 duration); the gateway right after
 * the step, or right after the subprocess around it, branches on the first, and the loop's timer
 * waits the second:
 *
 * <ul>
 *   <li>{@code done}: finished, the model goes on;
 *   <li>{@code running}: not finished yet; the model waits on its timer and calls the step again;
 *   <li>{@code paused}: not finished, and it goes on only when something outside the step lets it:
 *       a canary's traffic gate after the hold, an operations lead's decision; the timer then
 *       waits, as for running;
 *   <li>{@code failed}: a deterministic failure, with a reason written here in Java (also in {@link
 *       Variables#FAILED_STEP} and {@link Variables#FAILURE_REASON}). Usually thrown as the
 *       BpmnError the deploy model rolls back on ({@link #raise}). But Camunda compensates only
 *       completed activities, so a failure must not leave uncompleted what has changes of its own
 *       to undo: {@code migrateDatabase} records it ({@link #record}) and completes (the versions
 *       applied before the failing one are undone by its compensation); the Lambda and rollout
 *       steps raise it inside a subprocess whose error boundary ends that subprocess normally, so
 *       the subprocess completes and its compensation undoes what the functions or workloads before
 *       the failing one changed. Either way the gateway after it reads {@code failed} and starts
 *       the rollback. A deadline that passes is the waiting step's failure too: its bean is the
 *       deadline end event's execution listener and records the reason.
 * </ul>
 *
 * Older deploy models, which running releases may still be pinned to, read other variables: see
 * {@link OlderDeployModels}, which {@link #record} also writes for them. Transient failures
 * (throttling, 5xx, I/O) are no outcome: they stay exceptions, which the job's retry cycle retries
 * and then turns into an incident.
 *
 * <p>Undo steps (the compensation handlers) record no outcome: they complete, or throw and become
 * an incident (a refused undo too). A handler runs only for what completed, so the rollback's
 * gateways could not read a shared outcome without reading a stale one left by the failed step;
 * they read flags the release set at submission and restoreDatabase and verifyRestoration overwrite
 * ({@link Variables#DB_RESTORE_NEEDS_BACKUP}, {@link Variables#RESTORATION_VERIFIED}).
 */
public record StepOutcome(Status status, Duration waitFor, String reason) {
  public enum Status {
    DONE,
    RUNNING,
    PAUSED,
    FAILED;

    /** The word the models compare with, e.g. {@code ${stepOutcome == 'done'}}. */
    public String word() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  public StepOutcome {
    Objects.requireNonNull(status, "status");
    Objects.requireNonNull(waitFor, "waitFor");
    if (waitFor.isNegative()) {
      throw new IllegalArgumentException("a step cannot wait " + waitFor);
    }
    if (reason != null && status != Status.FAILED) {
      throw new IllegalArgumentException("only a failed outcome has a reason");
    }
  }

  public static StepOutcome done() {
    return new StepOutcome(Status.DONE, Duration.ZERO, null);
  }

  public static StepOutcome running(Duration waitFor) {
    return new StepOutcome(Status.RUNNING, waitFor, null);
  }

  public static StepOutcome paused(Duration waitFor) {
    return new StepOutcome(Status.PAUSED, waitFor, null);
  }

  public static StepOutcome failed(String reason) {
    return new StepOutcome(Status.FAILED, Duration.ZERO, reason);
  }

  /** Writes the outcome where the model reads it; a failure also names the step and its reason. */
  public void record(DelegateExecution execution, String step) {
    execution.setVariable(Variables.STEP_OUTCOME, status.word());
    execution.setVariable(Variables.STEP_WAIT, waitFor.toString());
    if (status == Status.FAILED) {
      execution.setVariable(Variables.FAILED_STEP, step);
      execution.setVariable(Variables.FAILURE_REASON, reason);
    }
    OlderDeployModels.write(execution, step, this);
  }

  /**
   * Records a failure and returns the error for the step to throw: the step does not complete, the
   * model rolls back.
   */
  public BpmnError raise(DelegateExecution execution, String step) {
    if (status != Status.FAILED) {
      throw new IllegalStateException("only a failed outcome is raised, not " + status.word());
    }
    record(execution, step);
    return new BpmnError(StepSupport.STEP_FAILED, reason);
  }

  /** What the last step recorded, or null before any did: how a step reads what came before it. */
  public static Status recorded(DelegateExecution execution) {
    Object word = execution.getVariable(Variables.STEP_OUTCOME);
    return word == null ? null : Status.valueOf(word.toString().toUpperCase(Locale.ROOT));
  }
}
