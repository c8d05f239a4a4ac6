package io.countersign.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.verifyNoInteractions;

import io.countersign.FakeExecution;
import io.countersign.evidence.EvidenceLog;
import java.util.Map;
import org.camunda.bpm.engine.delegate.BpmnError;
import org.junit.jupiter.api.Test;

/** How every deploy and rollback step starts: skip, drill, or the release and its manifest. */
class StepStartTest {
  private static final String DRILL =
      FakeExecution.manifest("\"drill\":{\"failAt\":\"backupDatabase\"}");

  private final EvidenceLog evidence = mock(EvidenceLog.class);
  private final StepStart start = FakeExecution.variableStart(evidence);

  @Test
  void aStepWithNothingToDoIsSkippedInTheEvidence() {
    FakeExecution fake = new FakeExecution(FakeExecution.manifest(""));

    assertThat(start.begin(fake.execution, "backupDatabase", m -> true, "no database")).isNull();
    verify(evidence)
        .record(
            "rel-1",
            "step-skipped",
            StepSupport.ACTOR,
            Map.of("step", "backupDatabase", "reason", "no database"));
  }

  @Test
  void aDrillFailsTheStepItNames() {
    FakeExecution fake = new FakeExecution(DRILL);

    assertThatThrownBy(
            () -> start.begin(fake.execution, "backupDatabase", m -> false, "no database"))
        .isInstanceOfSatisfying(
            BpmnError.class, e -> assertThat(e.getErrorCode()).isEqualTo(StepSupport.STEP_FAILED));
    assertThat(fake.variables)
        .containsEntry(Variables.FAILED_STEP, "backupDatabase")
        .containsEntry(
            Variables.FAILURE_REASON,
            "Rollback drill: step backupDatabase failed as the manifest asked");
    verifyNoInteractions(evidence);
  }

  @Test
  void aStepToDoGetsTheReleaseAndItsManifest() {
    FakeExecution fake = new FakeExecution(DRILL);

    StepStart.Started started =
        start.begin(fake.execution, "migrateDatabase", m -> false, "no database");
    assertThat(started.releaseId()).isEqualTo("rel-1");
    assertThat(started.manifest().version()).isEqualTo("2.4.0");
    verifyNoInteractions(evidence);
  }

  @Test
  void aRollbackStepIsNeverDrilled() {
    FakeExecution fake = new FakeExecution(DRILL);

    StepStart.Started started =
        start.beginUndo(fake.execution, "backupDatabase", m -> false, "no database");
    assertThat(started.releaseId()).isEqualTo("rel-1");
    assertThat(fake.variables).doesNotContainKey(Variables.FAILED_STEP);
  }
}
