package io.countersign.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.countersign.CrashAfterStep;
import io.countersign.process.Attempts;
import io.countersign.process.Variables;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The start of a manifest-set step killed after it applied and before its commit, on fabric8's mock
 * API server: the job runs again, and the previous state its signed entry records is the one read
 * before the first apply (kept in the attempt), not the state the first run left; the rollback puts
 * that back.
 */
class KubernetesStepsCrashTest extends LiveClusterProcessTestSupport {
  private static final String STEP = StartKubernetesStepDelegate.STEP;

  @BeforeEach
  void aConfigMapAsTheTeamLeftIt() {
    CLIENT.configMaps().inNamespace(NAMESPACE).withName("backend-config").delete();
    CLIENT
        .configMaps()
        .inNamespace(NAMESPACE)
        .resource(
            new ConfigMapBuilder()
                .withNewMetadata()
                .withName("backend-config")
                .endMetadata()
                .withData(Map.of("LOG_LEVEL", "info"))
                .build())
        .create();
  }

  @Test
  void aStepWhoseJobDiedAfterApplyingRecordsTheStateBeforeTheRelease() {
    String id = submit(withConfigStep());
    CrashAfterStep.arm(STEP);
    approveAll(id);
    assertThat(CrashAfterStep.fired()).isTrue();
    assertThat(data()).containsEntry("LOG_LEVEL", "debug");
    assertThat(payloads(id, StepJournal.STARTED)).isEmpty();

    advanceClock(Duration.ofSeconds(31));
    runJobs();

    JsonNode started = payloads(id, StepJournal.STARTED).get(0);
    assertThat(started.path("objects").get(0).path("previous").path("data").toString())
        .as("the reading kept before the first apply, not what that apply left")
        .isEqualTo("{\"LOG_LEVEL\":\"info\"}");
    assertThat(payloads(id, Attempts.REPEATED))
        .extracting(p -> p.path("handled").asText())
        .containsExactly("reused");
    assertThat(status(id)).isEqualTo("released");

    runtime
        .createMessageCorrelation("rollbackRequested")
        .processInstanceBusinessKey(id)
        .setVariable(Variables.ROLLBACK_REASON, "wrong log level")
        .setVariable(Variables.ROLLBACK_REQUESTED_BY, "ops-lead")
        .correlate();
    runJobs();

    assertThat(status(id)).isEqualTo("rolled-back");
    assertThat(data()).isEqualTo(Map.of("LOG_LEVEL", "info"));
    assertThat(evidence.verify(id).valid()).isTrue();
  }

  /** The staging example with its rollouts replaced by one manifest-set step. */
  private ObjectNode withConfigStep() {
    ObjectNode manifest = example("staging");
    manifest.remove("kubernetes");
    ObjectNode steps = manifest.putObject("kubernetesSteps");
    steps.put("target", "medication-cluster");
    steps.put("namespace", NAMESPACE);
    ObjectNode object =
        steps
            .putArray("steps")
            .addObject()
            .put("name", "config")
            .putObject("apply")
            .putArray("objects")
            .addObject();
    object.put("apiVersion", "v1").put("kind", "ConfigMap");
    object.putObject("metadata").put("name", "backend-config");
    object.putObject("data").put("LOG_LEVEL", "debug");
    return manifest;
  }

  private Map<String, String> data() {
    return CLIENT.configMaps().inNamespace(NAMESPACE).withName("backend-config").get().getData();
  }
}
