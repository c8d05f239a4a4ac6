package io.countersign.process;

import io.countersign.process.StepOutcome.Status;
import org.camunda.bpm.engine.delegate.DelegateExecution;

/**
 * What the deploy models from before the one {@link StepOutcome} read, written for the releases
 * that still run one.
 *
 * <p>A release runs the model versions pinned at its submission ({@code ModelVersions};
 * release.bpmn calls deploy with {@code calledElementBinding="version"}), but the delegates are
 * always this code. A release submitted before the step outcome and deployed after the upgrade
 * would find its older model's gateways and timers reading variables nobody writes any more: an
 * incident at a loop's gateway, or worse, a failed migration whose {@code migrationFailed} stays
 * false and whose release goes on. So for such a release the steps also write the old words. The
 * older model's own end events still set {@code lambdaFailed}, {@code rolloutFailed} and the
 * deadline reasons through {@code setVariables}, which is unchanged, and its copies of the
 * four-eyes listener are dropped at parse time.
 *
 * <p>Such a release is recognised by {@value #MARKER}: the release service set it (false) at every
 * submission until the step outcome replaced it, and the release passes all its variables to
 * deploy. Later releases never carry it and get none of these variables. Remove this class once no
 * release submitted before the step outcome can still run.
 */
public final class OlderDeployModels {
  static final String MARKER = "migrationFailed";
  static final String LAMBDA_STATE = "lambdaState";
  static final String LAMBDA_WAIT = "lambdaWait";
  static final String FRONTEND_STATE = "frontendState";
  static final String ROLLOUT_STATE = "rolloutState";
  static final String METRICS_STATE = "metricsState";

  private OlderDeployModels() {}

  /**
   * Writes, for a release that runs an older deploy model, the variables that model reads after
   * {@code step}.
   */
  static void write(DelegateExecution execution, String step, StepOutcome outcome) {
    if (execution.getVariable(MARKER) == null) {
      return;
    }
    Status status = outcome.status();
    switch (step) {
      case "migrateDatabase" -> execution.setVariable(MARKER, status == Status.FAILED);
      case "deployLambda" -> {
        execution.setVariable(
            LAMBDA_STATE,
            switch (status) {
              case DONE -> "deployed";
              case PAUSED -> "shifting";
              default -> "updating";
            });
        execution.setVariable(LAMBDA_WAIT, outcome.waitFor().toString());
      }
      case "publishFrontend", "awaitFrontend" ->
          execution.setVariable(
              FRONTEND_STATE, status == Status.DONE ? "published" : "propagating");
      case "awaitRollout" ->
          execution.setVariable(
              ROLLOUT_STATE,
              switch (status) {
                case DONE -> "complete";
                case FAILED -> "failed";
                default -> "progressing";
              });
      case "watchMetrics" ->
          execution.setVariable(
              METRICS_STATE,
              switch (status) {
                case DONE -> "passed";
                case PAUSED -> "inconclusive";
                case FAILED -> "failed";
                case RUNNING -> "watching";
              });
      default -> {
        // no older model read anything else a step wrote
      }
    }
  }

  /**
   * Whether the bake window paused at the last evaluation, also when an evaluation before the
   * upgrade paused it.
   */
  public static boolean metricsPaused(DelegateExecution execution) {
    return StepOutcome.recorded(execution) == Status.PAUSED
        || StepOutcome.recorded(execution) == null
            && "inconclusive".equals(execution.getVariable(METRICS_STATE));
  }
}
