package io.countersign.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.countersign.CrashAfterStep;
import io.countersign.process.Attempts;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The rollout job killed between the patch and the commit, on fabric8's mock API server: the job
 * runs again and the workload is changed once (one new generation), with the images it ran before
 * recorded as before; also when the outcome of the attempt was lost with the job.
 */
class KubernetesCrashTest extends LiveClusterProcessTestSupport {
  private static final String STEP = "rolloutKubernetes";
  private static final String OLD_BACKEND = "registry.medication.example/medication/backend:2.3.0";
  private static final String NEW_BACKEND = "registry.medication.example/medication/backend:2.4.0";

  @BeforeEach
  void twoStableDeployments() {
    cluster.deploy(NAMESPACE, "backend", 3, "api", OLD_BACKEND);
    cluster.deploy(NAMESPACE, "web", 2, "web", "registry.medication.example/medication/web:2.3.0");
  }

  @Test
  void aRolloutWhoseJobDiedBeforeItsCommitChangesTheWorkloadOnce() {
    String id = submit(example("staging"));
    CrashAfterStep.arm(STEP);
    approveAll(id);
    assertThat(CrashAfterStep.fired()).isTrue();
    assertThat(generation("backend")).isEqualTo(2);
    assertThat(rollouts(id)).isEmpty();

    rerunAfterTheLock();

    assertThat(generation("backend")).isEqualTo(2);
    assertThat(cluster.images(NAMESPACE, "backend")).containsEntry("api", NEW_BACKEND);
    assertThat(rollouts(id))
        .extracting(p -> p.path("workload").asText())
        .containsExactly("Deployment/backend", "Deployment/web");
    assertThat(rollouts(id).get(0).path("previousImages").path("api").asText())
        .isEqualTo(OLD_BACKEND);
    // Both workloads' rollouts ran in the killed job (the multi-instance's elements are not jobs of
    // their own): both are reused.
    assertThat(repeated(id))
        .extracting(p -> p.path("key").asText() + " " + p.path("handled").asText())
        .containsExactly(
            id + "/" + STEP + "/medication-cluster/Deployment/backend reused",
            id + "/" + STEP + "/medication-cluster/Deployment/web reused");
    assertThat(generation("web")).isEqualTo(2);
    assertThat(CrashAfterStep.attempts(jdbc, id))
        .filteredOn(a -> a.contains("/" + STEP + "/"))
        .containsExactly(
            id + "/" + STEP + "/medication-cluster/Deployment/backend succeeded 1",
            id + "/" + STEP + "/medication-cluster/Deployment/web succeeded 1");
    assertThat(hasTimer(id, "rolloutPoll")).isTrue();
    assertThat(evidence.verify(id).valid()).isTrue();
  }

  @Test
  void aRolloutWhoseOutcomeWasLostTooIsVerifiedOnTheWorkloadAndNotPatchedAgain() {
    String id = submit(example("staging"));
    CrashAfterStep.arm(STEP);
    approveAll(id);
    CrashAfterStep.forgetOutcomes(jdbc, id, STEP);

    rerunAfterTheLock();

    assertThat(generation("backend")).isEqualTo(2);
    assertThat(rollouts(id).get(0).path("previousImages").path("api").asText())
        .as("from the workload's rollout annotation, not the images the first run set")
        .isEqualTo(OLD_BACKEND);
    assertThat(generation("web")).isEqualTo(2);
    assertThat(repeated(id))
        .hasSize(2)
        .allSatisfy(
            p -> {
              assertThat(p.path("handled").asText()).isEqualTo("verified");
              assertThat(p.path("previousOutcome").asText()).isEqualTo("unknown (never finished)");
            });
    assertThat(CrashAfterStep.attempts(jdbc, id))
        .filteredOn(a -> a.contains("Deployment/backend"))
        .containsExactly(id + "/" + STEP + "/medication-cluster/Deployment/backend succeeded 1");
  }

  private void rerunAfterTheLock() {
    advanceClock(Duration.ofSeconds(31));
    runJobs();
  }

  private long generation(String name) {
    return CLIENT
        .apps()
        .deployments()
        .inNamespace(NAMESPACE)
        .withName(name)
        .get()
        .getMetadata()
        .getGeneration();
  }

  private List<JsonNode> rollouts(String id) {
    return payloads(id, "kubernetes-rollout");
  }

  private List<JsonNode> repeated(String id) {
    return payloads(id, Attempts.REPEATED);
  }
}
