package io.countersign.process;

import static org.assertj.core.api.Assertions.assertThat;

import io.countersign.FakeExecution;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * A release submitted before the one step outcome runs its pinned, older deploy model with today's
 * delegates: the steps still write the words that model's gateways and timers read. Later releases
 * get none of them.
 */
class OlderDeployModelsTest {
  private final FakeExecution fake = new FakeExecution("{}");

  /** What the release service set at every submission before the step outcome. */
  private void submittedBeforeTheStepOutcome() {
    fake.variables.put(OlderDeployModels.MARKER, false);
  }

  @Test
  void aLaterReleaseGetsOnlyTheStepOutcome() {
    StepOutcome.failed("V3 failed").record(fake.execution, "migrateDatabase");
    StepOutcome.paused(Duration.ofMinutes(5)).record(fake.execution, "deployLambda");
    StepOutcome.running(Duration.ofSeconds(15)).record(fake.execution, "awaitFrontend");
    StepOutcome.running(Duration.ofSeconds(10)).record(fake.execution, "awaitRollout");
    StepOutcome.paused(Duration.ofMinutes(1)).record(fake.execution, "watchMetrics");

    assertThat(fake.variables)
        .doesNotContainKeys(
            OlderDeployModels.MARKER,
            OlderDeployModels.LAMBDA_STATE,
            OlderDeployModels.LAMBDA_WAIT,
            OlderDeployModels.FRONTEND_STATE,
            OlderDeployModels.ROLLOUT_STATE,
            OlderDeployModels.METRICS_STATE);
  }

  @Test
  void aFailedMigrationStillSetsMigrationFailed() {
    submittedBeforeTheStepOutcome();
    StepOutcome.done().record(fake.execution, "migrateDatabase");
    assertThat(fake.variables).containsEntry("migrationFailed", false);

    StepOutcome.failed("V3 failed: syntax error").record(fake.execution, "migrateDatabase");
    assertThat(fake.variables)
        .containsEntry("migrationFailed", true)
        .containsEntry(Variables.STEP_OUTCOME, "failed");
  }

  @Test
  void theLambdaLoopReadsItsStateAndWait() {
    submittedBeforeTheStepOutcome();
    StepOutcome.running(Duration.ofSeconds(5)).record(fake.execution, "deployLambda");
    assertThat(fake.variables)
        .containsEntry("lambdaState", "updating")
        .containsEntry("lambdaWait", "PT5S");

    StepOutcome.paused(Duration.ofMinutes(10)).record(fake.execution, "deployLambda");
    assertThat(fake.variables)
        .containsEntry("lambdaState", "shifting")
        .containsEntry("lambdaWait", "PT10M");

    StepOutcome.done().record(fake.execution, "deployLambda");
    assertThat(fake.variables)
        .containsEntry("lambdaState", "deployed")
        .containsEntry("lambdaWait", "PT0S");
  }

  @Test
  void theFrontEndLoopReadsPublishedOrPropagating() {
    submittedBeforeTheStepOutcome();
    StepOutcome.running(Duration.ofSeconds(15)).record(fake.execution, "publishFrontend");
    assertThat(fake.variables).containsEntry("frontendState", "propagating");

    StepOutcome.done().record(fake.execution, "awaitFrontend");
    assertThat(fake.variables).containsEntry("frontendState", "published");
  }

  @Test
  void theRolloutLoopReadsItsState() {
    submittedBeforeTheStepOutcome();
    StepOutcome.running(Duration.ofSeconds(10)).record(fake.execution, "awaitRollout");
    assertThat(fake.variables).containsEntry("rolloutState", "progressing");

    StepOutcome.done().record(fake.execution, "awaitRollout");
    assertThat(fake.variables).containsEntry("rolloutState", "complete");

    StepOutcome.failed("Kubernetes rollout failed: web").raise(fake.execution, "awaitRollout");
    assertThat(fake.variables).containsEntry("rolloutState", "failed");
  }

  @Test
  void theBakeWindowReadsItsStateAndAPauseBeforeTheUpgradeStillCounts() {
    submittedBeforeTheStepOutcome();
    fake.variables.put(
        "metricsState", "inconclusive"); // the last evaluation ran before the upgrade
    assertThat(OlderDeployModels.metricsPaused(fake.execution)).isTrue();

    StepOutcome.running(Duration.ofMinutes(1)).record(fake.execution, "watchMetrics");
    assertThat(fake.variables).containsEntry("metricsState", "watching");
    assertThat(OlderDeployModels.metricsPaused(fake.execution)).isFalse();

    StepOutcome.paused(Duration.ofMinutes(1)).record(fake.execution, "watchMetrics");
    assertThat(fake.variables).containsEntry("metricsState", "inconclusive");
    assertThat(OlderDeployModels.metricsPaused(fake.execution)).isTrue();

    StepOutcome.done().record(fake.execution, "watchMetrics");
    assertThat(fake.variables).containsEntry("metricsState", "passed");

    StepOutcome.failed("metric threshold crossed").raise(fake.execution, "watchMetrics");
    assertThat(fake.variables).containsEntry("metricsState", "failed");
  }
}
