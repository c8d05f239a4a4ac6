package io.countersign.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.countersign.ProcessTestSupport;
import io.countersign.process.Variables;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The hospital-integration example (examples/hospital-integration) end to end in dry-run, as the
 * demo runs it: every Kubernetes step starts and finishes with its plan in the evidence, and a
 * rollback undoes them last first, the ingress to the backup backend before anything else, then
 * runs the after-rollback check.
 */
class HospitalIntegrationDryRunProcessTest extends ProcessTestSupport {
  private static final List<String> STEPS =
      List.of("drain-workers", "migrate", "backend", "frontend", "verify-db", "ingress");

  static ObjectNode hospitalExample() {
    return exampleFile("examples/hospital-integration/release-staging.yaml");
  }

  @Test
  void aRollbackUndoesTheStepsLastFirstAndRunsTheCheckAfterIt() {
    String id = submit(hospitalExample());
    approveAll(id);
    waitOut(id, "kubernetesStepPoll");
    assertThat(status(id)).isEqualTo("released");

    runtime
        .createMessageCorrelation("rollbackRequested")
        .processInstanceBusinessKey(id)
        .setVariable(Variables.ROLLBACK_REASON, "HL7 feed stalls")
        .setVariable(Variables.ROLLBACK_REQUESTED_BY, "ops-lead")
        .correlate();
    runJobs();
    waitOut(id, "undoJobPoll");

    assertThat(status(id)).isEqualTo("rolled-back");
    List<JsonNode> undone = payloads(id, StepJournal.UNDONE);
    assertThat(undone)
        .extracting(p -> p.path("step").asText())
        .containsExactlyElementsOf(reversed(STEPS));
    assertThat(undone).allSatisfy(p -> assertThat(p.path("outcome").asText()).isEqualTo("done"));
    assertThat(undone.get(0).path("restored").get(0).asText())
        .isEqualTo(
            "Ingress hospital-staging/hospital-api: switched to the backup Service backend-backup:80");
    JsonNode downgrade =
        undone.stream().filter(p -> p.path("step").asText().equals("migrate")).findFirst().get();
    assertThat(downgrade.path("command").toString())
        .isEqualTo("[\"alembic\",\"downgrade\",\"" + MigrationStep.UNKNOWN + "\"]");
    JsonNode drain =
        undone.stream()
            .filter(p -> p.path("step").asText().equals("drain-workers"))
            .findFirst()
            .get();
    assertThat(drain.path("command").toString())
        .isEqualTo("[\"python\",\"-m\",\"scripts.queues\",\"resume\"]");
    assertThat(payloads(id, StepJournal.CHECKED))
        .singleElement()
        .satisfies(
            p -> {
              assertThat(p.path("step").asText()).isEqualTo("verify-db-after-rollback");
              assertThat(p.path("outcome").asText()).isEqualTo("passed");
            });
    // The undo ran before every compensation handler: nothing else of this release to undo, but
    // the order in the chain shows it right after the rollback notice.
    assertThat(evidenceTypes(id)).containsSubsequence(StepJournal.UNDONE, StepJournal.CHECKED);
    assertThat(evidence.verify(id).valid()).isTrue();
  }

  @Test
  void everyStepStartsAndFinishesInTheSignedOrderWithItsPlanInTheEvidence() {
    String id = submit(hospitalExample());
    approveAll(id);
    waitOut(id, "kubernetesStepPoll");

    assertThat(status(id)).isEqualTo("released");
    List<JsonNode> started = payloads(id, StepJournal.STARTED);
    assertThat(started).extracting(p -> p.path("step").asText()).containsExactlyElementsOf(STEPS);
    assertThat(started).allSatisfy(p -> assertThat(p.path("dryRun").asBoolean()).isTrue());
    assertThat(started.get(1).path("plan").asText())
        .isEqualTo(
            "Migrate with registry.hospital.example/integration/backend:3.2.0: keep the revision"
                + " of 'python -m scripts.alembic_revision', run 'alembic upgrade head'; on"
                + " rollback: 'alembic downgrade {previous}'");
    assertThat(started.get(2).path("applied").toString())
        .isEqualTo(
            "[\"ConfigMap hospital-staging/backend-config\",\"Service"
                + " hospital-staging/backend\",\"Deployment hospital-staging/backend\"]");
    assertThat(started.get(2).path("objects").get(0).path("existed").isNull()).isTrue();
    assertThat(payloads(id, StepJournal.FINISHED))
        .extracting(p -> p.path("step").asText() + " " + p.path("outcome").asText())
        .containsExactlyElementsOf(STEPS.stream().map(s -> s + " done").toList());
    assertThat(payloads(id, StepJournal.PROGRESS))
        .singleElement()
        .satisfies(
            p -> assertThat(p.path("previousRevision").asText()).isEqualTo(MigrationStep.UNKNOWN));
    fireTimer(id, "rollbackWindowOver");
  }

  /** Fires the loop's timer until the loop has moved on, as time passing would. */
  private void waitOut(String id, String timer) {
    for (int i = 0; i < 20 && hasTimer(id, timer); i++) {
      fireTimer(id, timer);
    }
    assertThat(hasTimer(id, timer)).as(timer + " still waiting").isFalse();
  }

  private static List<String> reversed(List<String> steps) {
    List<String> reversed = new java.util.ArrayList<>(steps);
    java.util.Collections.reverse(reversed);
    return reversed;
  }
}
