package io.countersign.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.countersign.manifest.FieldErrors.FieldError;
import io.countersign.manifest.InvalidManifestException;
import io.countersign.process.Variables;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * deploy.bpmn with the live fabric8 adapter against the mock API server: the test plays the
 * Deployment controller between timer fires, the way a cluster reports a rollout that completes,
 * stalls or runs out of time.
 */
class LiveRolloutProcessTest extends LiveClusterProcessTestSupport {
  private static final String OLD_BACKEND = "registry.medication.example/medication/backend:2.3.0";
  private static final String OLD_WEB = "registry.medication.example/medication/web:2.3.0";
  private static final String NEW_BACKEND = "registry.medication.example/medication/backend:2.4.0";
  private static final String NEW_WEB = "registry.medication.example/medication/web:2.4.0";

  @BeforeEach
  void twoStableDeployments() {
    cluster.deploy(
        NAMESPACE,
        "backend",
        3,
        "api",
        OLD_BACKEND,
        "log-shipper",
        "registry.medication.example/shipper:1.0");
    cluster.deploy(NAMESPACE, "web", 2, "web", OLD_WEB);
  }

  @Test
  void aRolloutIsCheckedOnTheTimerUntilTheControllerReportsItComplete() {
    String id = submit(example("staging"));
    approveAll(id);

    assertThat(cluster.images(NAMESPACE, "backend"))
        .containsEntry("api", NEW_BACKEND)
        .containsEntry("log-shipper", "registry.medication.example/shipper:1.0");
    assertThat(cluster.images(NAMESPACE, "web")).containsEntry("web", NEW_WEB);
    assertThat(hasTimer(id, "rolloutPoll")).isTrue();
    assertThat(progress(id))
        .isEqualTo(
            "Deployment/backend 3/3 updated, 3/3 available (waiting for the controller to "
                + "observe generation 2 (observed 1)); Deployment/web 2/2 updated, 2/2 available (waiting for the controller "
                + "to observe generation 2 (observed 1))");

    cluster.progressing(NAMESPACE, "backend", 2, 3);
    cluster.progressing(NAMESPACE, "web", 1, 2);
    fireTimer(id, "rolloutPoll");
    assertThat(status(id)).isEqualTo("deploying");
    assertThat(progress(id))
        .isEqualTo(
            "Deployment/backend 2/3 updated, 3/3 available (2 of 3 replicas updated); "
                + "Deployment/web 1/2 updated, 2/2 available (1 of 2 replicas updated)");

    cluster.complete(NAMESPACE, "backend");
    fireTimer(id, "rolloutPoll");
    assertThat(status(id)).isEqualTo("deploying");
    cluster.complete(NAMESPACE, "web");
    fireTimer(id, "rolloutPoll");

    assertThat(status(id)).isEqualTo("released");
    JsonNode rollout = payloads(id, "kubernetes-rollout").get(0);
    assertThat(rollout.path("workload").asText()).isEqualTo("Deployment/backend");
    assertThat(rollout.path("previousImages").path("api").asText()).isEqualTo(OLD_BACKEND);
    assertThat(rollout.path("dryRun").asBoolean()).isFalse();
    assertThat(rollout.path("plan").asText())
        .endsWith("replaced api=" + OLD_BACKEND + " at revision 3");
    assertThat(payloads(id, "kubernetes-rollout-status"))
        .extracting(p -> p.path("state").asText())
        .containsExactly("progressing", "complete");
    assertThat(evidence.verify(id).valid()).isTrue();
  }

  @Test
  void theSecondWorkloadExceedingItsProgressDeadlineRollsBackBothInReverseOrder() {
    String id = submit(example("staging"));
    approveAll(id);
    cluster.complete(NAMESPACE, "backend");
    cluster.progressDeadlineExceeded(NAMESPACE, "web");

    fireTimer(id, "rolloutPoll");

    assertThat(status(id)).isEqualTo("rolled-back");
    assertThat(statusReason(id))
        .isEqualTo(
            "Kubernetes rollout failed: Deployment/web: ProgressDeadlineExceeded: "
                + "ReplicaSet \"web-7d9f\" has timed out progressing.");
    assertThat(cluster.images(NAMESPACE, "backend")).containsEntry("api", OLD_BACKEND);
    assertThat(cluster.images(NAMESPACE, "web")).containsEntry("web", OLD_WEB);
    List<JsonNode> undone = payloads(id, "kubernetes-undone");
    assertThat(undone)
        .extracting(p -> p.path("workload").asText())
        .containsExactly("Deployment/web", "Deployment/backend");
    assertThat(undone.get(1).path("replacedImages").path("api").asText()).isEqualTo(NEW_BACKEND);
    assertThat(undone.get(1).path("plan").asText()).contains("verified in the spec");
  }

  @Test
  void aRolloutStillProgressingAtTheModelsDeadlineRollsBack() {
    String id = submit(example("staging"));
    approveAll(id);
    cluster.progressing(NAMESPACE, "backend", 1, 3);
    cluster.progressing(NAMESPACE, "web", 1, 2);
    fireTimer(id, "rolloutPoll");

    fireTimer(id, "rolloutDeadline");

    assertThat(status(id)).isEqualTo("rolled-back");
    assertThat(statusReason(id)).contains("deadline");
    assertThat(cluster.images(NAMESPACE, "backend")).containsEntry("api", OLD_BACKEND);
    assertThat(cluster.images(NAMESPACE, "web")).containsEntry("web", OLD_WEB);
  }

  @Test
  void anUnknownWorkloadFailsTheStepBeforeAnythingChanges() {
    Map<String, String> before = resourceVersions();
    ObjectNode manifest = example("staging");
    ((ObjectNode) manifest.at("/kubernetes/workloads/0")).put("name", "billing");
    String id = submit(manifest);
    approveAll(id);

    assertThat(status(id)).isEqualTo("rolled-back");
    assertThat(statusReason(id))
        .isEqualTo(
            "Kubernetes rollout refused: Deployment/billing in namespace "
                + "medication-staging on target medication-cluster does not exist");
    assertThat(resourceVersions()).isEqualTo(before);
    assertThat(evidenceTypes(id)).doesNotContain("kubernetes-rollout", "kubernetes-undone");
  }

  @Test
  void anUnknownContainerInTheSecondWorkloadFailsItUntouchedAndUndoesTheFirst() {
    String webVersion = resourceVersions().get("web");
    ObjectNode manifest = example("staging");
    ((ObjectNode) manifest.at("/kubernetes/workloads/1/containers/0")).put("name", "nginx");
    String id = submit(manifest);
    approveAll(id);

    assertThat(status(id)).isEqualTo("rolled-back");
    assertThat(statusReason(id))
        .isEqualTo(
            "Kubernetes rollout refused: Deployment/web in namespace medication-staging "
                + "on target medication-cluster has no container 'nginx' (containers: web)");
    assertThat(resourceVersions().get("web")).isEqualTo(webVersion);
    assertThat(cluster.images(NAMESPACE, "backend")).containsEntry("api", OLD_BACKEND);
    assertThat(payloads(id, "kubernetes-undone"))
        .extracting(p -> p.path("workload").asText())
        .containsExactly("Deployment/backend");
  }

  @Test
  void aNamespaceOutsideTheAllowListOrAMalformedImageIsRefusedAtSubmission() {
    Map<String, String> before = resourceVersions();
    ObjectNode otherNamespace = example("staging");
    ((ObjectNode) otherNamespace.get("kubernetes")).put("namespace", "kube-system");
    ObjectNode badImage = example("staging");
    ((ObjectNode) badImage.at("/kubernetes/workloads/0/containers/0"))
        .put("image", "registry.medication.example/Backend 2.4");

    assertThatThrownBy(() -> submit(otherNamespace))
        .isInstanceOfSatisfying(
            InvalidManifestException.class,
            e ->
                assertThat(e.errors())
                    .containsExactly(
                        new FieldError(
                            "$.kubernetes.namespace",
                            "namespace 'kube-system' is not "
                                + "allowed on target 'medication-cluster' (allowed: medication-staging, medication)")));
    assertThatThrownBy(() -> submit(badImage))
        .isInstanceOfSatisfying(
            InvalidManifestException.class,
            e ->
                assertThat(e.errors())
                    .extracting(FieldError::path)
                    .containsExactly("$.kubernetes.workloads[0].containers[0].image"));
    assertThat(resourceVersions()).isEqualTo(before);
  }

  private String progress(String releaseId) {
    return (String)
        runtime.getVariable(instance("deploy", releaseId).getId(), Variables.K8S_PROGRESS);
  }

  private Map<String, String> resourceVersions() {
    return Map.of(
        "backend",
        cluster.get(NAMESPACE, "backend").getMetadata().getResourceVersion(),
        "web",
        cluster.get(NAMESPACE, "web").getMetadata().getResourceVersion());
  }
}
