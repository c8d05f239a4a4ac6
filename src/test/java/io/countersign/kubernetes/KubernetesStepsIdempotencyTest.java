package io.countersign.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.Mockito.atLeastOnce;
import static org.mockito.Mockito.clearInvocations;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;

import io.countersign.FakeExecution;
import io.countersign.evidence.EvidenceLog;
import io.countersign.process.Variables;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.camunda.bpm.engine.delegate.JavaDelegate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.mockito.ArgumentCaptor;

/**
 * A job can run twice: its transaction is lost after the cluster changed (crash, lock expiry), so
 * the engine runs it again with the variables and evidence as they were before. The rollout and
 * undo steps, with the fabric8 adapter against the mock API server, must then leave the same
 * cluster and record the same evidence.
 */
@EnableKubernetesMockClient(crud = true, https = false)
class KubernetesStepsIdempotencyTest {
  private static final String NS = "medication";
  private static final String KUBERNETES =
      "\"kubernetes\":{\"target\":\"medication-cluster\",\"namespace\":\"medication\","
          + "\"workloads\":["
          + "{\"kind\":\"Deployment\",\"name\":\"backend\",\"containers\":[{\"name\":\"api\",\"image\":\"registry.example/api:2.4.0\"}]},"
          + "{\"kind\":\"Deployment\",\"name\":\"web\",\"containers\":[{\"name\":\"nginx\",\"image\":\"registry.example/web:2.4.0\"}]}]}";

  KubernetesClient client;
  private final EvidenceLog evidence = mock(EvidenceLog.class);
  private LiveKubernetesTarget target;
  private ControllerStandIn cluster;

  @BeforeEach
  void setUp() {
    target =
        new LiveKubernetesTarget(
            new KubernetesClients(
                new KubernetesProperties(
                    "live",
                    null,
                    Map.of(
                        "medication-cluster",
                        new KubernetesProperties.Target(
                            null, null, client.getMasterUrl().toString(), List.of(NS))))));
    cluster = new ControllerStandIn(client);
    cluster.deploy(NS, "backend", 2, "api", "registry.example/api:2.3.0");
    cluster.deploy(NS, "web", 2, "nginx", "registry.example/web:2.3.0");
  }

  @AfterEach
  void tearDown() {
    target.close();
  }

  @Test
  void rolloutAndUndoRunTwiceGiveTheSameClusterAndTheSameEvidence() throws Exception {
    FakeExecution fake = new FakeExecution(FakeExecution.manifest(KUBERNETES));
    RolloutKubernetesDelegate rollout =
        new RolloutKubernetesDelegate(
            target,
            evidence,
            FakeExecution.variableStart(evidence),
            FakeExecution.actingAttempts());
    UndoRolloutDelegate undo =
        new UndoRolloutDelegate(
            target,
            evidence,
            FakeExecution.variableStart(evidence),
            FakeExecution.actingAttempts());

    for (String workload : List.of("Deployment/backend", "Deployment/web")) {
      fake.variables.put(Variables.K8S_WORKLOAD, workload);
      // Between the runs the controller moves the Deployment to revision 4: the rerun still reports
      // revision 3.
      runTwiceAsIfTheFirstTransactionWasLost(
          fake,
          rollout,
          "kubernetes-rollout",
          () -> cluster.complete(NS, workload.substring("Deployment/".length())));
    }
    assertThat(cluster.images(NS, "backend")).containsEntry("api", "registry.example/api:2.4.0");
    assertThat(fake.variables.get(Variables.K8S_PREVIOUS_IMAGES))
        .isEqualTo(
            Map.of(
                "Deployment/backend", Map.of("api", "registry.example/api:2.3.0"),
                "Deployment/web", Map.of("nginx", "registry.example/web:2.3.0")));

    List<Map<String, Object>> undone =
        runTwiceAsIfTheFirstTransactionWasLost(fake, undo, "kubernetes-undone", () -> {});

    assertThat(cluster.images(NS, "backend")).containsEntry("api", "registry.example/api:2.3.0");
    assertThat(cluster.images(NS, "web")).containsEntry("nginx", "registry.example/web:2.3.0");
    assertThat(undone)
        .extracting(p -> p.get("workload"))
        .containsExactly("Deployment/web", "Deployment/backend");
    assertThat(undone.get(0))
        .containsEntry("replacedImages", Map.of("nginx", "registry.example/web:2.4.0"))
        .containsEntry("restoredImages", Map.of("nginx", "registry.example/web:2.3.0"));
    assertThat((String) undone.get(0).get("plan")).contains("verified in the spec");
  }

  /**
   * Runs the step, forgets its variables and evidence as a rolled-back transaction would, runs it
   * again.
   */
  @SuppressWarnings("unchecked")
  private List<Map<String, Object>> runTwiceAsIfTheFirstTransactionWasLost(
      FakeExecution fake, JavaDelegate step, String evidenceType, Runnable meanwhile)
      throws Exception {
    Map<String, Object> before = new HashMap<>(fake.variables);
    clearInvocations(evidence);
    step.execute(fake.execution);
    Map<String, Object> variablesAfterFirst = new HashMap<>(fake.variables);
    ArgumentCaptor<Map<String, ?>> first = ArgumentCaptor.forClass(Map.class);
    verify(evidence, atLeastOnce())
        .record(eq("rel-1"), eq(evidenceType), eq("countersign"), first.capture());

    meanwhile.run();
    Map<String, ObjectMeta> clusterBeforeSecond = metadata();
    fake.variables.clear();
    fake.variables.putAll(before);
    clearInvocations(evidence);
    step.execute(fake.execution);

    ArgumentCaptor<Map<String, ?>> second = ArgumentCaptor.forClass(Map.class);
    verify(evidence, times(first.getAllValues().size()))
        .record(eq("rel-1"), eq(evidenceType), eq("countersign"), second.capture());
    assertThat(second.getAllValues())
        .as("evidence of the second run")
        .isEqualTo(first.getAllValues());
    assertThat(fake.variables).as("variables after the second run").isEqualTo(variablesAfterFirst);
    assertThat(metadata())
        .as("the second run changes nothing in the cluster")
        .isEqualTo(clusterBeforeSecond);
    return (List<Map<String, Object>>) (List<?>) first.getAllValues();
  }

  private Map<String, ObjectMeta> metadata() {
    Map<String, ObjectMeta> metadata = new HashMap<>();
    for (Deployment d : client.apps().deployments().inNamespace(NS).list().getItems()) {
      metadata.put(
          d.getMetadata().getName(),
          d.getMetadata()); // resourceVersion, generation and annotations
    }
    return metadata;
  }
}
