package io.countersign.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.countersign.CrashAfterStep;
import io.countersign.lambda.TrafficGate;
import io.countersign.manifest.ReleaseManifest;
import io.countersign.process.Attempts;
import io.countersign.process.Variables;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.networking.v1.HTTPIngressPath;
import io.fabric8.kubernetes.api.model.networking.v1.HTTPIngressPathBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.IngressBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.IngressRule;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;

/**
 * The hospital-integration example's object steps (manifest sets, traffic switches, canaries) on
 * the real models with the live fabric8 adapter against the mock API server: what each step does to
 * the cluster, and that a rollback puts every object back exactly as the signed started entry
 * recorded it before the release touched it. The test plays the Deployment controller between timer
 * fires. Jobs are not used here (no migration, no Job steps, no after-rollback check).
 */
@Import(KubernetesObjectStepsProcessTest.Gates.class)
class KubernetesObjectStepsProcessTest extends LiveClusterProcessTestSupport {
  private static final String NS = HOSPITAL_NAMESPACES.get(0);
  private static final String OLD_BACKEND = "registry.hospital.example/integration/backend:3.1.0";
  private static final String NEW_BACKEND = "registry.hospital.example/integration/backend:3.2.0";
  private static final String SHIPPER = "registry.hospital.example/shipper:1.4.0";
  private static final ObjectMapper JSON = new ObjectMapper();

  /** The kinds these tests put in the namespace, with their API versions. */
  private static final Map<String, String> KINDS =
      Map.of(
          "ConfigMap", "v1",
          "Service", "v1",
          "Deployment", "apps/v1",
          "Ingress", TrafficSwitchStep.INGRESS_API);

  @Autowired SwitchableGate gate;

  @BeforeEach
  void gatePasses() {
    gate.failure = null;
    gate.asked.clear();
  }

  // ---- failure paths -------------------------------------------------------------------------

  @Test
  void aRefusedLaterStepRollsBackTheManifestSetToExactlyTheClusterItFound() {
    configMap("backend-config", Map.of("FEED_BATCH_SIZE", "100", "RETIRED_FLAG", "on"));
    cluster.deploy(NS, "backend", 2, "api", OLD_BACKEND);
    ingress("backend-blue");
    Map<String, JsonNode> before = objects();
    // With rollbackTo: a switch refused before switching has nothing to undo, so no Ingress to the
    // backup is created where none existed.
    ObjectNode manifest = hospital("backend", "ingress");
    String id = submit(manifest);
    approveAll(id);

    assertThat(configMapData("backend-config"))
        .isEqualTo(Map.of("FEED_BATCH_SIZE", "200", "LOG_LEVEL", "info"));
    assertThat(object("Service", "backend")).isNotNull();
    assertThat(cluster.images(NS, "backend")).containsEntry("api", NEW_BACKEND);
    assertThat(hasTimer(id, "kubernetesStepPoll")).as("waiting for the Deployment").isTrue();
    // Someone deletes the Ingress after the deployment checkpoint found it.
    CLIENT.network().v1().ingresses().inNamespace(NS).withName("hospital-api").delete();
    before.remove("Ingress hospital-api");
    cluster.complete(NS, "backend");

    fireTimer(id, "kubernetesStepPoll");

    assertThat(status(id)).isEqualTo("rolled-back");
    assertThat(statusReason(id))
        .contains(
            "Kubernetes step ingress refused: Ingress hospital-staging/hospital-api does not exist:"
                + " there is no traffic to switch");
    assertThat(configMapData("backend-config"))
        .as("the key the release changed is back, the one it added is gone, the one it dropped too")
        .isEqualTo(Map.of("FEED_BATCH_SIZE", "100", "RETIRED_FLAG", "on"));
    assertThat(object("Service", "backend")).as("created by the release").isNull();
    assertThat(object("Deployment", "backend").path("spec"))
        .isEqualTo(before.get("Deployment backend").path("spec"));
    assertThat(objects()).isEqualTo(before);
    List<JsonNode> undone = payloads(id, StepJournal.UNDONE);
    assertThat(undone)
        .extracting(p -> p.path("step").asText())
        .containsExactly("ingress", "backend");
    assertThat(texts(undone.get(0).path("restored")))
        .containsExactly(
            "Ingress hospital-staging/hospital-api: never switched (it did not exist)");
    assertThat(object("Ingress", "hospital-api")).isNull();
    assertThat(texts(undone.get(1).path("restored")))
        .containsExactly(
            "Deployment hospital-staging/backend: previous version restored",
            "Service hospital-staging/backend: deleted (the release created it)",
            "ConfigMap hospital-staging/backend-config: previous version restored");
    assertThat(undone).allSatisfy(p -> assertThat(p.path("outcome").asText()).isEqualTo("done"));
    assertThat(evidence.verify(id).valid()).isTrue();
  }

  @Test
  void aDeploymentOfTheSetThatDoesNotRollOutFailsTheReleaseAndGetsItsPreviousVersionBack() {
    configMap("backend-config", Map.of("FEED_BATCH_SIZE", "100"));
    cluster.deploy(NS, "backend", 2, "api", OLD_BACKEND);
    Map<String, JsonNode> before = objects();
    String id = submit(hospital("backend"));
    approveAll(id);
    assertThat(cluster.images(NS, "backend")).containsEntry("api", NEW_BACKEND);
    cluster.progressing(NS, "backend", 1, 2);
    fireTimer(id, "kubernetesStepPoll");
    assertThat(status(id)).isEqualTo("deploying");

    cluster.progressDeadlineExceeded(NS, "backend");
    fireTimer(id, "kubernetesStepPoll");

    assertThat(status(id)).isEqualTo("rolled-back");
    assertThat(statusReason(id))
        .contains(
            "Kubernetes step backend: Deployment hospital-staging/backend did not roll out:"
                + " ProgressDeadlineExceeded: ReplicaSet \"backend-7d9f\" has timed out"
                + " progressing.");
    assertThat(cluster.images(NS, "backend")).isEqualTo(Map.of("api", OLD_BACKEND));
    assertThat(objects()).isEqualTo(before);
    assertThat(payloads(id, StepJournal.FINISHED))
        .singleElement()
        .satisfies(p -> assertThat(p.path("outcome").asText()).isEqualTo("failed"));
    assertThat(texts(lastPayload(id, StepJournal.UNDONE).path("restored")))
        .contains("Deployment hospital-staging/backend: previous version restored");
  }

  @Test
  void aCanaryWhoseGateFailsIsDeletedAndTheDeploymentIsLeftAsItWas() {
    cluster.deploy(NS, "backend", 7, "api", OLD_BACKEND, "log-shipper", SHIPPER);
    Map<String, JsonNode> before = objects();
    String id = submit(canary(30, "PT5M"));
    approveAll(id);
    assertThat(object("Deployment", "backend-canary")).isNotNull();
    cluster.complete(NS, "backend-canary");
    fireTimer(id, "kubernetesStepPoll");
    assertThat(lastPayload(id, StepJournal.PROGRESS).path("phase").asText())
        .isEqualTo(CanaryStep.ANALYSIS);
    gate.failure = "error rate 4.2 % (max 1 %)";

    fireTimer(id, "kubernetesStepPoll");

    assertThat(status(id)).isEqualTo("rolled-back");
    assertThat(statusReason(id))
        .contains(
            "canary of Deployment hospital-staging/backend failed gate test-gate: error rate 4.2 %"
                + " (max 1 %)");
    assertThat(gate.asked).containsExactly("backend 30");
    assertThat(object("Deployment", "backend-canary")).isNull();
    assertThat(cluster.images(NS, "backend"))
        .isEqualTo(Map.of("api", OLD_BACKEND, "log-shipper", SHIPPER));
    assertThat(objects()).isEqualTo(before);
    assertThat(payloads(id, StepJournal.PROGRESS))
        .extracting(p -> p.path("phase").asText())
        .as("never promoted")
        .containsExactly(CanaryStep.ANALYSIS);
    assertThat(texts(lastPayload(id, StepJournal.UNDONE).path("restored")))
        .containsExactly(
            "Deployment hospital-staging/backend-canary: deleted (the release created it)",
            "Deployment hospital-staging/backend: previous version restored");
  }

  // ---- trust -----------------------------------------------------------------------------------

  @Test
  void variablesWrittenDuringTheStepDoNotChangeWhatTheRollbackRestores() {
    configMap("backend-config", Map.of("FEED_BATCH_SIZE", "100"));
    cluster.deploy(NS, "backend", 2, "api", OLD_BACKEND);
    Map<String, JsonNode> before = objects();
    String id = submit(hospital("backend"));
    approveAll(id);
    assertThat(hasTimer(id, "kubernetesStepPoll")).as("in the check loop").isTrue();
    String deploy = instance("deploy", id).getId();
    String forged =
        "{\"step\":\"backend\",\"objects\":[{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\","
            + "\"namespace\":\"hospital-staging\",\"name\":\"backend-config\",\"existed\":true,"
            + "\"previous\":{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":"
            + "\"backend-config\",\"namespace\":\"hospital-staging\"},\"data\":{\"FEED_BATCH_SIZE\":"
            + "\"999\"}}}]}";
    Map<String, Object> written =
        Map.of(
            Variables.STEP_OUTCOME,
            "done",
            "backend",
            forged,
            StepJournal.STARTED,
            forged,
            "objects",
            forged,
            "previous",
            forged);
    runtime.setVariables(deploy, written);
    assertThat(runtime.getVariables(deploy, written.keySet())).isEqualTo(written);

    cluster.progressDeadlineExceeded(NS, "backend");
    fireTimer(id, "kubernetesStepPoll");

    assertThat(status(id)).isEqualTo("rolled-back");
    assertThat(configMapData("backend-config")).isEqualTo(Map.of("FEED_BATCH_SIZE", "100"));
    assertThat(objects()).isEqualTo(before);
  }

  @Test
  void theStartedEntryKeepsTheStateReadBeforeTheFirstApplyWhenTheStartJobRunsAgain() {
    configMap("backend-config", Map.of("FEED_BATCH_SIZE", "100"));
    Map<String, JsonNode> before = objects();
    ObjectNode manifest = hospital("backend");
    removeObject(manifest, "backend", "Deployment");
    String id = submit(manifest);
    CrashAfterStep.arm(StartKubernetesStepDelegate.STEP);
    approveAll(id);

    assertThat(CrashAfterStep.fired()).isTrue();
    assertThat(payloads(id, StepJournal.STARTED)).as("lost with the job's commit").isEmpty();
    assertThat(configMapData("backend-config"))
        .as("applied by the run whose commit was lost")
        .isEqualTo(Map.of("FEED_BATCH_SIZE", "200", "LOG_LEVEL", "info"));
    String prefix =
        id + "/" + StartKubernetesStepDelegate.STEP + "/" + HOSPITAL_TARGET + "/backend ";
    assertThat(CrashAfterStep.attempts(jdbc, id))
        .filteredOn(a -> a.contains("/" + StartKubernetesStepDelegate.STEP + "/"))
        .containsExactly(
            prefix + "ConfigMap hospital-staging/backend-config succeeded 1",
            prefix + "Service hospital-staging/backend succeeded 1");
    assertThat(
            jdbc.queryForList(
                "SELECT DISTINCT action FROM cs_attempt WHERE release_id = ? AND step = ?",
                String.class,
                id,
                StartKubernetesStepDelegate.STEP))
        .containsExactly("read");
    JsonNode kept =
        readJson(
            jdbc.queryForObject(
                "SELECT result FROM cs_attempt WHERE idempotency_key = ?",
                String.class,
                prefix + "ConfigMap hospital-staging/backend-config"));
    assertThat(kept.path("object").path("data").toString())
        .isEqualTo("{\"FEED_BATCH_SIZE\":\"100\"}");

    advanceClock(Duration.ofSeconds(31));
    runJobs();

    JsonNode started = lastPayload(id, StepJournal.STARTED);
    assertThat(started.path("objects").get(0).path("previous").path("data").toString())
        .as("read before the first apply, not what that apply left")
        .isEqualTo("{\"FEED_BATCH_SIZE\":\"100\"}");
    assertThat(started.path("objects").get(1).path("existed").asBoolean())
        .as("the Service the lost run created did not exist before the release")
        .isFalse();
    assertThat(payloads(id, Attempts.REPEATED))
        .extracting(p -> p.path("handled").asText())
        .containsExactly("reused", "reused");
    assertThat(status(id)).isEqualTo("released");

    requestRollback(id);

    assertThat(status(id)).isEqualTo("rolled-back");
    assertThat(objects()).isEqualTo(before);
  }

  // ---- prune ---------------------------------------------------------------------------------

  @Test
  void pruneDeletesWhatTheApplicationsStepNoLongerHasAndItsRollbackRecreatesIt() {
    configMap("pharmacy-config", Map.of("A", "1"));
    label("pharmacy-config", "pharmacy-feed", "backend");
    configMap("frontend-config", Map.of("B", "2"));
    label("frontend-config", "hospital-integration", "frontend");
    // In the target's other namespace: production's object of the same step, and one an earlier
    // staging release applied there under this step (a namespace the new set no longer names).
    String other = HOSPITAL_NAMESPACES.get(1);
    configMap(other, "production-config", Map.of("C", "3"));
    label(other, "production-config", "hospital-integration", "production", "backend");
    configMap(other, "old-config", Map.of("D", "4"));
    label(other, "old-config", "hospital-integration", "staging", "backend");
    ObjectNode first = hospital("backend");
    removeObject(first, "backend", "Deployment");
    String a = submit(first);
    approveAll(a);
    assertThat(status(a)).isEqualTo("released");
    fireTimer(a, "rollbackWindowOver");
    JsonNode service = object("Service", "backend");
    assertThat(service.path("metadata").path("labels").path(ClusterSteps.STEP_LABEL).asText())
        .isEqualTo("backend");
    Map<String, JsonNode> afterA = objects();

    ObjectNode second = hospital("backend");
    removeObject(second, "backend", "Deployment");
    removeObject(second, "backend", "Service");
    ObjectNode set = (ObjectNode) step(second, "backend").get("apply");
    set.put("prune", true);
    ((ObjectNode) set.get("objects").get(0).get("data")).put("FEED_BATCH_SIZE", "300");
    String b = submit(second);
    approveAll(b);

    assertThat(status(b)).isEqualTo("released");
    assertThat(object("Service", "backend")).isNull();
    assertThat(object("ConfigMap", "pharmacy-config")).as("another application's").isNotNull();
    assertThat(object("ConfigMap", "frontend-config")).as("another step's").isNotNull();
    assertThat(CLIENT.configMaps().inNamespace(other).withName("production-config").get())
        .as("another environment's")
        .isNotNull();
    assertThat(CLIENT.configMaps().inNamespace(other).withName("old-config").get()).isNull();
    JsonNode started = lastPayload(b, StepJournal.STARTED);
    assertThat(texts(started.path("pruned")))
        .containsExactlyInAnyOrder(
            "Service hospital-staging/backend", "ConfigMap " + other + "/old-config");
    JsonNode pruned = started.path("objects").get(2);
    assertThat(pruned.path("name").asText()).isEqualTo("backend");
    assertThat(pruned.path("existed").asBoolean()).isTrue();
    assertThat(pruned.path("previous")).isEqualTo(service);

    requestRollback(b);

    assertThat(status(b)).isEqualTo("rolled-back");
    assertThat(object("Service", "backend")).isEqualTo(service);
    assertThat(objects()).isEqualTo(afterA);
    assertThat(texts(lastPayload(b, StepJournal.UNDONE).path("restored")))
        .containsExactly(
            "Service hospital-staging/backend: previous version restored",
            "ConfigMap " + other + "/old-config: previous version restored",
            "ConfigMap hospital-staging/backend-config: previous version restored");
    assertThat(CLIENT.configMaps().inNamespace(other).withName("old-config").get().getData())
        .isEqualTo(Map.of("D", "4"));
  }

  // ---- traffic switches ----------------------------------------------------------------------

  @Test
  void anIngressSwitchIsUndoneFirstToTheBackupBackend() {
    ingress("backend-blue");
    String id = submit(hospital("backend-config", "ingress"));
    approveAll(id);

    assertThat(status(id)).isEqualTo("released");
    assertThat(backends()).hasSize(3).allSatisfy(b -> assertThat(b).endsWith("-> backend:80"));
    assertThat(ingressSpec().has("defaultBackend")).isFalse();

    requestRollback(id);

    assertThat(status(id)).isEqualTo("rolled-back");
    assertThat(backends())
        .containsExactly(
            "api.hospital.example / -> backend-backup:80",
            "api.hospital.example /hl7 -> backend-backup:80",
            "hl7.hospital.example / -> backend-backup:80");
    List<JsonNode> undone = payloads(id, StepJournal.UNDONE);
    assertThat(undone)
        .extracting(p -> p.path("step").asText())
        .containsExactly("ingress", "backend-config");
    assertThat(texts(undone.get(0).path("restored")))
        .containsExactly(
            "Ingress hospital-staging/hospital-api: switched to the backup Service backend-backup:80");
  }

  @Test
  void anIngressWithoutBackupAndAServiceSelectorGetTheirPreviousSpecsBack() {
    ingress("backend-blue");
    CLIENT
        .services()
        .inNamespace(NS)
        .resource(
            new ServiceBuilder()
                .withNewMetadata()
                .withName("backend")
                .withNamespace(NS)
                .endMetadata()
                .withNewSpec()
                .addToSelector("app", "backend")
                .addToSelector("track", "blue")
                .addNewPort()
                .withPort(80)
                .withNewTargetPort(8000)
                .endPort()
                .endSpec()
                .build())
        .create();
    Map<String, JsonNode> before = objects();
    ObjectNode manifest = hospital("backend-config", "ingress");
    ((ObjectNode) step(manifest, "ingress").get("switchTraffic")).remove("rollbackTo");
    ((ArrayNode) manifest.at("/kubernetesSteps/steps"))
        .addObject()
        .put("name", "green")
        .putObject("switchTraffic")
        .put("service", "backend")
        .putObject("selector")
        .put("app", "backend")
        .put("track", "green");
    String id = submit(manifest);
    approveAll(id);

    assertThat(status(id)).isEqualTo("released");
    assertThat(backends()).hasSize(3).allSatisfy(b -> assertThat(b).endsWith("-> backend:80"));
    assertThat(object("Service", "backend").path("spec").path("selector").toString())
        .isEqualTo("{\"app\":\"backend\",\"track\":\"green\"}");

    requestRollback(id);

    assertThat(status(id)).isEqualTo("rolled-back");
    assertThat(object("Ingress", "hospital-api")).isEqualTo(before.get("Ingress hospital-api"));
    assertThat(object("Service", "backend")).isEqualTo(before.get("Service backend"));
    List<JsonNode> undone = payloads(id, StepJournal.UNDONE);
    assertThat(undone)
        .extracting(p -> p.path("step").asText())
        .containsExactly("green", "ingress", "backend-config");
    assertThat(texts(undone.get(0).path("restored")))
        .containsExactly("Service hospital-staging/backend: previous version restored");
    assertThat(texts(undone.get(1).path("restored")))
        .containsExactly("Ingress hospital-staging/hospital-api: previous version restored");
  }

  // ---- canary ----------------------------------------------------------------------------------

  @Test
  void aHealthyCanaryIsAnalysedThenPromotedAndDeleted() {
    cluster.deploy(NS, "backend", 7, "api", OLD_BACKEND, "log-shipper", SHIPPER);
    String id = submit(canary(30, "PT5M"));
    approveAll(id);

    Deployment canary =
        CLIENT.apps().deployments().inNamespace(NS).withName("backend-canary").get();
    assertThat(canary.getSpec().getReplicas()).as("ceil(30 % of 7)").isEqualTo(3);
    assertThat(cluster.images(NS, "backend-canary"))
        .isEqualTo(Map.of("api", NEW_BACKEND, "log-shipper", SHIPPER));
    assertThat(canary.getSpec().getSelector().getMatchLabels())
        .isEqualTo(Map.of("app", "backend", CanaryStep.TRACK_LABEL, "canary"));
    assertThat(canary.getSpec().getTemplate().getMetadata().getLabels())
        .isEqualTo(Map.of("app", "backend", CanaryStep.TRACK_LABEL, "canary"));
    assertThat(cluster.images(NS, "backend")).containsEntry("api", OLD_BACKEND);
    cluster.progressing(NS, "backend-canary", 1, 0);
    fireTimer(id, "kubernetesStepPoll");
    assertThat(payloads(id, StepJournal.PROGRESS)).as("analysis waits for the canary").isEmpty();
    cluster.complete(NS, "backend-canary");
    fireTimer(id, "kubernetesStepPoll");
    assertThat(lastPayload(id, StepJournal.PROGRESS).path("phase").asText())
        .isEqualTo(CanaryStep.ANALYSIS);
    fireTimer(id, "kubernetesStepPoll");
    assertThat(gate.asked).containsExactly("backend 30");
    assertThat(cluster.images(NS, "backend"))
        .as("not promoted before the analysis time is over")
        .containsEntry("api", OLD_BACKEND);

    advanceClock(Duration.ofMinutes(5));
    fireTimer(id, "kubernetesStepPoll");

    assertThat(gate.asked).hasSize(2);
    assertThat(lastPayload(id, StepJournal.PROGRESS).path("phase").asText())
        .isEqualTo(CanaryStep.PROMOTING);
    assertThat(texts(lastPayload(id, StepJournal.PROGRESS).path("gates")))
        .contains("test-gate: healthy");
    assertThat(cluster.images(NS, "backend"))
        .isEqualTo(Map.of("api", NEW_BACKEND, "log-shipper", SHIPPER));
    assertThat(cluster.get(NS, "backend").getSpec().getReplicas()).isEqualTo(7);
    assertThat(object("Deployment", "backend-canary"))
        .as("until the promotion rolled out")
        .isNotNull();
    assertThat(status(id)).isEqualTo("deploying");

    cluster.complete(NS, "backend");
    fireTimer(id, "kubernetesStepPoll");

    assertThat(object("Deployment", "backend-canary")).isNull();
    assertThat(status(id)).isEqualTo("released");
    assertThat(lastPayload(id, StepJournal.FINISHED).path("promoted").asText())
        .isEqualTo("Deployment hospital-staging/backend");
    fireTimer(id, "rollbackWindowOver");
    assertThat(cluster.images(NS, "backend")).containsEntry("api", NEW_BACKEND);
  }

  // ---- helpers ---------------------------------------------------------------------------------

  /** The example with only the named steps, in that order, and no after-rollback check (a Job). */
  private static ObjectNode hospital(String... names) {
    ObjectNode manifest = HospitalIntegrationDryRunProcessTest.hospitalExample();
    ObjectNode section = (ObjectNode) manifest.get("kubernetesSteps");
    section.remove("afterRollback");
    ArrayNode all = (ArrayNode) section.get("steps");
    ArrayNode kept = section.putArray("steps");
    for (String name : names) {
      if (name.equals("backend-config")) {
        // The backend set's ConfigMap alone: a step that needs no rollout.
        ObjectNode step = find(all, "backend").deepCopy();
        step.put("name", "backend-config");
        ArrayNode objects = (ArrayNode) step.at("/apply/objects");
        objects.remove(2);
        objects.remove(1);
        kept.add(step);
      } else {
        kept.add(find(all, name).deepCopy());
      }
    }
    return manifest;
  }

  private static ObjectNode canary(int percent, String analysis) {
    ObjectNode manifest = hospital();
    ObjectNode canary =
        ((ArrayNode) manifest.at("/kubernetesSteps/steps"))
            .addObject()
            .put("name", "canary")
            .putObject("canary")
            .put("deployment", "backend")
            .put("percent", percent)
            .put("analysis", analysis);
    canary.putArray("containers").addObject().put("name", "api").put("image", NEW_BACKEND);
    return manifest;
  }

  private static ObjectNode find(ArrayNode steps, String name) {
    for (JsonNode step : steps) {
      if (step.path("name").asText().equals(name)) {
        return (ObjectNode) step;
      }
    }
    throw new AssertionError("the example has no step " + name);
  }

  private static ObjectNode step(ObjectNode manifest, String name) {
    return find((ArrayNode) manifest.at("/kubernetesSteps/steps"), name);
  }

  private static void removeObject(ObjectNode manifest, String step, String kind) {
    ArrayNode objects = (ArrayNode) step(manifest, step).at("/apply/objects");
    for (int i = 0; i < objects.size(); i++) {
      if (objects.get(i).path("kind").asText().equals(kind)) {
        objects.remove(i);
        return;
      }
    }
    throw new AssertionError("step " + step + " has no " + kind);
  }

  private void requestRollback(String id) {
    runtime
        .createMessageCorrelation("rollbackRequested")
        .processInstanceBusinessKey(id)
        .setVariable(Variables.ROLLBACK_REASON, "HL7 feed stalls")
        .setVariable(Variables.ROLLBACK_REQUESTED_BY, "ops-lead")
        .correlate();
    runJobs();
  }

  private static void configMap(String name, Map<String, String> data) {
    configMap(NS, name, data);
  }

  private static void configMap(String namespace, String name, Map<String, String> data) {
    CLIENT
        .configMaps()
        .inNamespace(namespace)
        .resource(
            new ConfigMapBuilder()
                .withNewMetadata()
                .withName(name)
                .withNamespace(namespace)
                .addToLabels("team", "integration")
                .endMetadata()
                .withData(data)
                .build())
        .create();
  }

  /**
   * Labels an object as another staging release of {@code application} applied it under {@code
   * step}.
   */
  private static void label(String configMap, String application, String step) {
    label(NS, configMap, application, "staging", step);
  }

  private static void label(
      String namespace, String configMap, String application, String environment, String step) {
    CLIENT
        .configMaps()
        .inNamespace(namespace)
        .withName(configMap)
        .edit(
            c ->
                new ConfigMapBuilder(c)
                    .editMetadata()
                    .addToLabels(StepRun.APPLICATION_LABEL, application)
                    .addToLabels(StepRun.ENVIRONMENT_LABEL, environment)
                    .addToLabels(ClusterSteps.STEP_LABEL, step)
                    .addToLabels(ClusterSteps.RELEASE_LABEL, "rel-20240101-other")
                    .endMetadata()
                    .build());
  }

  private static Map<String, String> configMapData(String name) {
    return CLIENT.configMaps().inNamespace(NS).withName(name).get().getData();
  }

  /** The primary Ingress: two hosts, three paths, all to {@code service}:80. */
  private static void ingress(String service) {
    CLIENT
        .network()
        .v1()
        .ingresses()
        .inNamespace(NS)
        .resource(
            new IngressBuilder()
                .withNewMetadata()
                .withName("hospital-api")
                .withNamespace(NS)
                .addToAnnotations("nginx.ingress.kubernetes.io/proxy-body-size", "10m")
                .endMetadata()
                .withNewSpec()
                .withIngressClassName("nginx")
                .addNewRule()
                .withHost("api.hospital.example")
                .withNewHttp()
                .withPaths(path("/", service), path("/hl7", service))
                .endHttp()
                .endRule()
                .addNewRule()
                .withHost("hl7.hospital.example")
                .withNewHttp()
                .withPaths(path("/", service))
                .endHttp()
                .endRule()
                .endSpec()
                .build())
        .create();
  }

  private static HTTPIngressPath path(String path, String service) {
    return new HTTPIngressPathBuilder()
        .withPath(path)
        .withPathType("Prefix")
        .withNewBackend()
        .withNewService()
        .withName(service)
        .withNewPort()
        .withNumber(80)
        .endPort()
        .endService()
        .endBackend()
        .build();
  }

  /** Every path of the Ingress as "host path -> service:port". */
  private static List<String> backends() {
    Ingress ingress =
        CLIENT.network().v1().ingresses().inNamespace(NS).withName("hospital-api").get();
    List<String> lines = new ArrayList<>();
    for (IngressRule rule : ingress.getSpec().getRules()) {
      for (HTTPIngressPath path : rule.getHttp().getPaths()) {
        lines.add(
            rule.getHost()
                + " "
                + path.getPath()
                + " -> "
                + path.getBackend().getService().getName()
                + ":"
                + path.getBackend().getService().getPort().getNumber());
      }
    }
    return lines;
  }

  private static JsonNode ingressSpec() {
    return object("Ingress", "hospital-api").path("spec");
  }

  /** Every object of the namespace by "kind name", without what the server sets. */
  private static Map<String, JsonNode> objects() {
    Map<String, JsonNode> all = new TreeMap<>();
    KINDS.forEach(
        (kind, apiVersion) -> {
          for (GenericKubernetesResource listed :
              CLIENT
                  .genericKubernetesResources(apiVersion, kind)
                  .inNamespace(NS)
                  .list()
                  .getItems()) {
            String name = listed.getMetadata().getName();
            all.put(kind + " " + name, object(kind, name));
          }
        });
    return all;
  }

  /** The object without what the server sets (status, versions, uid, timestamps); null if none. */
  private static JsonNode object(String kind, String name) {
    GenericKubernetesResource found =
        CLIENT
            .genericKubernetesResources(KINDS.get(kind), kind)
            .inNamespace(NS)
            .withName(name)
            .get();
    if (found == null) {
      return null;
    }
    ObjectNode json = JSON.valueToTree(found);
    json.remove("status");
    ((ObjectNode) json.get("metadata"))
        .remove(
            List.of(
                "resourceVersion",
                "uid",
                "creationTimestamp",
                "generation",
                "managedFields",
                "selfLink"));
    return json;
  }

  private static List<String> texts(JsonNode array) {
    List<String> texts = new ArrayList<>();
    array.forEach(value -> texts.add(value.asText()));
    return texts;
  }

  private static JsonNode readJson(String json) {
    try {
      return JSON.readTree(json);
    } catch (IOException invalid) {
      throw new IllegalStateException(invalid);
    }
  }

  /** A gate that passes, or fails with {@link #failure} when a test sets it. */
  static final class SwitchableGate implements TrafficGate {
    volatile String failure;
    final List<String> asked = new CopyOnWriteArrayList<>();

    @Override
    public String name() {
      return "test-gate";
    }

    @Override
    public Result check(String releaseId, ReleaseManifest manifest, String function, int percent) {
      asked.add(function + " " + percent);
      String failed = failure;
      return failed == null ? new Result(true, "healthy") : new Result(false, failed);
    }
  }

  /**
   * The switchable gate beside the real ones. Not a component: only this class's context has it
   * (CloudWiringTest's scan leaves @TestConfiguration classes out).
   */
  @TestConfiguration
  static class Gates {
    @Bean
    SwitchableGate testTrafficGate() {
      return new SwitchableGate();
    }
  }
}
