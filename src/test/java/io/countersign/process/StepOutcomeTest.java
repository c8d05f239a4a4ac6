package io.countersign.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.countersign.FakeExecution;
import io.countersign.process.StepOutcome.Status;
import java.time.Duration;
import org.camunda.bpm.engine.delegate.BpmnError;
import org.junit.jupiter.api.Test;

/** The one way a step says how it went, and what the models read of it. */
class StepOutcomeTest {
  private final FakeExecution fake = new FakeExecution("{}");

  @Test
  void theModelsReadTheLowerCaseWords() {
    assertThat(Status.values())
        .extracting(Status::word)
        .containsExactly("done", "running", "paused", "failed");
  }

  @Test
  void runningAndPausedTellTheTimerHowLongToWait() {
    StepOutcome.running(Duration.ofSeconds(10)).record(fake.execution, "awaitRollout");
    assertThat(fake.variables)
        .containsEntry(Variables.STEP_OUTCOME, "running")
        .containsEntry(Variables.STEP_WAIT, "PT10S")
        .doesNotContainKeys(Variables.FAILED_STEP, Variables.FAILURE_REASON);

    StepOutcome.paused(Duration.ofMinutes(5)).record(fake.execution, "deployLambda");
    assertThat(fake.variables)
        .containsEntry(Variables.STEP_OUTCOME, "paused")
        .containsEntry(Variables.STEP_WAIT, "PT5M");
  }

  @Test
  void doneWaitsForNothing() {
    StepOutcome.running(Duration.ofSeconds(10)).record(fake.execution, "awaitRollout");
    StepOutcome.done().record(fake.execution, "awaitRollout");

    assertThat(fake.variables)
        .containsEntry(Variables.STEP_OUTCOME, "done")
        .containsEntry(Variables.STEP_WAIT, "PT0S");
    assertThat(StepOutcome.recorded(fake.execution)).isEqualTo(Status.DONE);
  }

  @Test
  void aRecordedFailureNamesTheStepAndItsReasonWithoutThrowing() {
    StepOutcome.failed("V3 failed: syntax error").record(fake.execution, "migrateDatabase");

    assertThat(fake.variables)
        .containsEntry(Variables.STEP_OUTCOME, "failed")
        .containsEntry(Variables.FAILED_STEP, "migrateDatabase")
        .containsEntry(Variables.FAILURE_REASON, "V3 failed: syntax error");
  }

  @Test
  void aRaisedFailureIsRecordedAndIsTheErrorTheDeployModelRollsBackOn() {
    BpmnError error =
        StepOutcome.failed("Kubernetes rollout failed: web: paused")
            .raise(fake.execution, "awaitRollout");

    assertThat(error.getErrorCode()).isEqualTo(StepSupport.STEP_FAILED);
    assertThat(error.getMessage()).isEqualTo("Kubernetes rollout failed: web: paused");
    assertThat(fake.variables)
        .containsEntry(Variables.STEP_OUTCOME, "failed")
        .containsEntry(Variables.FAILED_STEP, "awaitRollout")
        .containsEntry(Variables.FAILURE_REASON, "Kubernetes rollout failed: web: paused");
  }

  @Test
  void stepSupportFailIsARaisedFailedOutcome() {
    BpmnError error =
        StepSupport.fail(fake.execution, "verifyRelease", "verification failed: health 503");

    assertThat(error.getErrorCode()).isEqualTo(StepSupport.STEP_FAILED);
    assertThat(StepOutcome.recorded(fake.execution)).isEqualTo(Status.FAILED);
    assertThat(fake.variables).containsEntry(Variables.FAILED_STEP, "verifyRelease");
  }

  @Test
  void onlyAFailureIsRaised() {
    assertThatThrownBy(() -> StepOutcome.done().raise(fake.execution, "awaitRollout"))
        .isInstanceOf(IllegalStateException.class);
    assertThat(fake.variables).doesNotContainKey(Variables.STEP_OUTCOME);
  }

  @Test
  void nothingRecordedYetReadsAsNull() {
    assertThat(StepOutcome.recorded(fake.execution)).isNull();
  }

  @Test
  void refusesOutcomesTheModelCouldNotUse() {
    assertThatThrownBy(() -> StepOutcome.running(Duration.ofSeconds(-1)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> StepOutcome.running(null)).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(
            () -> new StepOutcome(Status.DONE, Duration.ZERO, "a reason only failures have"))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
