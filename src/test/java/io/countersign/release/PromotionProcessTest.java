package io.countersign.release;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.countersign.ProcessTestSupport;
import io.countersign.process.Variables;
import java.util.Map;
import org.camunda.bpm.engine.runtime.Incident;
import org.camunda.bpm.engine.task.Task;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.MediaType;

/**
 * Promotion through the real models and the shipped policy: a production release must have been
 * released in staging, same version and artifacts, not rolled back. Otherwise it is held at the
 * pre-deployment checkpoint with the reason, as for missing evidence, and only an emergency
 * override lets it go; a staging release rolled back after the production sign-offs stops it at the
 * deployment checkpoint. Failure paths first.
 */
class PromotionProcessTest extends ProcessTestSupport {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Autowired ReleaseActions actions;

  @Test
  void aVersionNeverReleasedInStagingIsHeld() {
    ObjectNode production = example("production");
    String id = submitAsIs(production, "requester");

    assertHeld(
        id,
        "not promoted from staging: no release of medication-tracker "
            + production.get("version").asText()
            + " in staging");
    assertThat(promotion(id).path("passed").asBoolean()).isFalse();
    cancel(id);
  }

  @Test
  void otherArtifactsThanStagingReleasedAreHeldWithTheDifference() {
    ObjectNode production = example("production");
    String staging = releaseInStaging(production);
    ((ObjectNode) production.at("/kubernetes/workloads/1/containers/0"))
        .put("image", "registry.medication.example/medication/web:2.4.0-hotfix");

    String id = submitAsIs(production, "requester");

    assertHeld(
        id,
        staging
            + " other artifacts (image Deployment/web web:"
            + " registry.medication.example/medication/web:2.4.0-hotfix, expected"
            + " registry.medication.example/medication/web:2.4.0)");
    cancel(id);
  }

  @Test
  void aStagingReleaseThatWasRolledBackPromotesNothing() {
    ObjectNode production = example("production");
    String staging = submitAsIs(stagingOf(production), "requester");
    approveAll(staging);
    rollBack(staging);
    assertThat(status(staging)).isEqualTo("rolled-back");

    String id = submitAsIs(production, "requester");

    assertHeld(id, staging + " rolled back");
    cancel(id);
  }

  @Test
  void aStagingReleaseStillAwaitingSignOffPromotesNothing() {
    ObjectNode production = example("production");
    String staging = submitAsIs(stagingOf(production), "requester");

    String id = submitAsIs(production, "requester");

    assertHeld(id, staging + " not released");
    cancel(id);
    cancel(staging);
  }

  @Test
  void aStagingRollbackAfterTheProductionSignOffsStopsItBeforeAnythingChanges() {
    ObjectNode production = example("production");
    String staging = submitAsIs(stagingOf(production), "requester");
    approveAll(staging);
    String id = submitAsIs(production, "requester");
    assertThat(status(id)).isEqualTo("awaiting-sign-off");

    rollBack(staging);
    approveAll(id);

    assertThat(status(id)).isEqualTo("failed");
    assertThat(statusReason(id))
        .startsWith("Failed at the deployment checkpoint, nothing was changed")
        .contains("promotion: " + staging + ", promoted from, has been rolled back since");
    assertThat(evidenceTypes(id)).doesNotContain("database-backup", "rollback-started");
  }

  /**
   * Past the API (the engine's own services here, as the database user could): the policy's
   * variables rewritten before the checkpoint runs change nothing, since it reads the signed
   * policy-applied entry; and a token moved on to the sign-offs, signed by everyone, still stops at
   * the start-deployment gate, which reads the checkpoint's signed verdict.
   */
  @Test
  void nothingWrittenPastTheApiPromotesARelease() throws Exception {
    ObjectNode production = example("production");
    String id =
        releases
            .submit(
                reader.read(JSON.writeValueAsBytes(production), MediaType.APPLICATION_JSON),
                "requester",
                null)
            .release()
            .id();
    String release = instance("release", id).getId();
    runtime.setVariable(release, Variables.PROMOTE_FROM, null);
    runtime.setVariable(release, Variables.MINIMUM_SOAK, null);
    checkEvidence(id);
    assertHeld(id, "not promoted from staging: no release of medication-tracker");

    runtime.createProcessInstanceModification(release).startBeforeActivity("signOff").execute();
    approveAll(id);

    assertThat(instance("deploy", id)).isNull();
    assertThat(runtime.createIncidentQuery().processInstanceId(release).list())
        .extracting(Incident::getIncidentMessage)
        .anySatisfy(
            message ->
                assertThat(message)
                    .contains("deployment was reached but its evidence does not support it")
                    .contains("the pre-deployment checkpoint did not pass")
                    .doesNotContain("no approval for"));
    runtime.deleteProcessInstance(release, "test over");
  }

  @Test
  void anOverrideLetsAnUnpromotedReleaseGoAndTheEvidenceSaysSo() {
    String id = submitAsIs(example("production"), "requester");
    assertThat(status(id)).isEqualTo("requested");
    assertThat(
            actions
                .override(id, "quick", "Sepsis alert fix, staging is down", "INC-9", "requester")
                .kind())
        .isEqualTo(ReleaseActions.Kind.ACCEPTED);
    completeAs(
        "release-manager",
        openTask(id, "decideOverride").getId(),
        Map.of("overrideDecision", "approve", "comment", "Patients first; review tomorrow"));
    runJobs();
    postDeploymentEvidence(id);

    assertThat(status(id)).isEqualTo("released");
    assertThat(promotion(id).path("passed").asBoolean()).isFalse();
    assertThat(evidenceTypes(id)).contains("override-granted", "deployment-started");
    assertThat(runtime.getVariable(instance("release", id).getId(), Variables.PROMOTED_FROM))
        .isNull();
    completeAs(
        "compliance-officer",
        openTask(id, "reviewOverride").getId(),
        Map.of("validationPlan", "Release 2.4.0 through staging tomorrow"));
    fireTimer(id, "rollbackWindowOver");
  }

  @Test
  void aPromotedReleaseShowsWhereItCameFromOnTheSignOffForm() {
    ObjectNode production = example("production");
    String staging = releaseInStaging(production);

    String id = submitAsIs(production, "requester");

    assertThat(status(id)).isEqualTo("awaiting-sign-off");
    JsonNode promotion = promotion(id);
    assertThat(promotion.path("passed").asBoolean()).isTrue();
    assertThat(promotion.path("releaseId").asText()).isEqualTo(staging);
    Task task = signOffTask(id, "security-officers");
    assertThat((String) tasks.getVariable(task.getId(), Variables.PROMOTION))
        .startsWith("Promoted from " + staging + " (staging, released ")
        .endsWith(", same artifacts, not rolled back)");
    completeAs(
        "security-officer",
        task.getId(),
        Map.of("decision", "reject", "rejectComment", "Not this week"));
    runJobs();
    assertThat(status(id)).isEqualTo("rejected");
  }

  private void assertHeld(String id, String reason) {
    assertThat(status(id)).isEqualTo("requested");
    assertThat(statusReason(id))
        .startsWith("Held at the pre-deployment checkpoint: ")
        .contains(reason);
    assertThat(openTasks(id, "approveRelease")).isEmpty();
  }

  private JsonNode promotion(String id) {
    return lastPayload(id, "checkpoint-pre-deployment").path("promotion");
  }

  private void rollBack(String id) {
    assertThat(actions.rollback(id, "canary errors", "requester", java.util.Set.of()).kind())
        .isEqualTo(ReleaseActions.Kind.ACCEPTED);
    runJobs();
  }

  private void cancel(String id) {
    assertThat(actions.cancel(id, "test over", "requester", java.util.Set.of()).kind())
        .isEqualTo(ReleaseActions.Kind.ACCEPTED);
    runJobs();
  }
}
