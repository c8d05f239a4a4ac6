package io.countersign.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.countersign.aws.TargetRefusedException;
import io.countersign.kubernetes.ClusterSteps.ObjectRef;
import io.countersign.kubernetes.KubernetesTarget.RolloutStatus;
import io.countersign.kubernetes.KubernetesTarget.State;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Status;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.camunda.bpm.engine.impl.util.ClockUtil;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The fabric8 adapter for objects against fabric8's mock API server in CRUD mode, and against a
 * mock that answers only what a test expects where a real API server's answer matters (server-side
 * apply accepted, refusals).
 */
@EnableKubernetesMockClient(crud = true, https = false)
class LiveClusterStepsTest {
  private static final String NS = "medication";
  private static final String TARGET = "medication-cluster";
  private static final Instant DEADLINE = Instant.parse("2030-01-01T00:00:00Z");
  private static final String SETTINGS_PATH = "/api/v1/namespaces/medication/configmaps/settings";
  private static final String APPLY_QUERY = "?fieldManager=countersign&force=true";
  private static final ObjectRef SETTINGS = new ObjectRef("v1", "ConfigMap", NS, "settings");

  KubernetesMockServer server;
  KubernetesClient client;
  private LiveClusterSteps steps;

  @BeforeEach
  void setUp() {
    steps = live(client.getMasterUrl().toString());
  }

  @AfterEach
  void tearDown() {
    steps.close();
    ClockUtil.reset();
  }

  @Test
  void readOfAnAbsentObjectIsEmpty() {
    assertThat(steps.dryRun()).isFalse();
    assertThat(steps.read(TARGET, SETTINGS)).isEmpty();
    assertThat(steps.read(TARGET, new ObjectRef("networking.k8s.io/v1", "Ingress", NS, "web")))
        .isEmpty();
  }

  @Test
  void readLeavesOutWhatTheServerSetsAndKeepsTheLastAppliedConfiguration() {
    client
        .resource(
            object(
                """
                apiVersion: apps/v1
                kind: Deployment
                metadata:
                  name: backend
                  namespace: medication
                  selfLink: /apis/apps/v1/namespaces/medication/deployments/backend
                  labels: {app: backend}
                  annotations:
                    kubectl.kubernetes.io/last-applied-configuration: '{"kind":"Deployment"}'
                  managedFields:
                    - {manager: kubectl, operation: Apply, apiVersion: apps/v1}
                spec:
                  replicas: 2
                  selector: {matchLabels: {app: backend}}
                  template:
                    metadata: {labels: {app: backend}}
                    spec:
                      containers: [{name: api, image: registry.example/api:2.3.0}]
                status: {observedGeneration: 1, replicas: 2}
                """))
        .create();
    GenericKubernetesResource stored =
        client
            .genericKubernetesResources("apps/v1", "Deployment")
            .inNamespace(NS)
            .list()
            .getItems()
            .get(0);
    assertThat(stored.getMetadata().getResourceVersion()).isNotNull();
    assertThat(stored.getMetadata().getUid()).isNotNull();
    assertThat(stored.getMetadata().getGeneration()).isNotNull();
    assertThat(stored.getMetadata().getCreationTimestamp()).isNotNull();
    assertThat(stored.getMetadata().getManagedFields()).isNotEmpty();
    assertThat(stored.getMetadata().getSelfLink()).isNotNull();
    assertThat(stored.getAdditionalProperties()).containsKey("status");

    GenericKubernetesResource read =
        steps.read(TARGET, new ObjectRef("apps/v1", "Deployment", NS, "backend")).orElseThrow();

    assertThat(tree(read))
        .isEqualTo(
            tree(
                object(
                    """
                    apiVersion: apps/v1
                    kind: Deployment
                    metadata:
                      name: backend
                      namespace: medication
                      labels: {app: backend}
                      annotations:
                        kubectl.kubernetes.io/last-applied-configuration: '{"kind":"Deployment"}'
                    spec:
                      replicas: 2
                      selector: {matchLabels: {app: backend}}
                      template:
                        metadata: {labels: {app: backend}}
                        spec:
                          containers: [{name: api, image: registry.example/api:2.3.0}]
                    """)));
  }

  @ParameterizedTest
  @ValueSource(strings = {"ConfigMap", "Service", "Deployment", "StatefulSet", "Ingress"})
  void applyCreatesThenUpdatesEachDefaultKind(String kind) {
    GenericKubernetesResource first = object(fixture(kind, "1"));
    GenericKubernetesResource second = object(fixture(kind, "2"));
    ObjectRef ref = ObjectRef.of(first);

    steps.apply(TARGET, first);
    assertThat(tree(steps.read(TARGET, ref).orElseThrow())).isEqualTo(tree(first));
    steps.apply(TARGET, second);
    assertThat(tree(steps.read(TARGET, ref).orElseThrow())).isEqualTo(tree(second));
    steps.apply(TARGET, second);
    assertThat(tree(steps.read(TARGET, ref).orElseThrow())).isEqualTo(tree(second));
  }

  @Test
  void applyAsksForServerSideApplyFirstAndFallsBackOnlyOnTheMockServersRefusal() {
    requests(); // only what the adapter sends counts

    steps.apply(TARGET, settings(Map.of("a", "1"), Map.of()));

    List<RecordedRequest> create = requests();
    assertThat(create)
        .extracting(r -> r.getMethod() + " " + r.getPath())
        .containsExactly(
            "PATCH " + SETTINGS_PATH + APPLY_QUERY,
            "POST /api/v1/namespaces/medication/configmaps");
    assertThat(create.get(0).getHeader("Content-Type")).startsWith("application/apply-patch+yaml");

    steps.apply(TARGET, settings(Map.of("a", "2"), Map.of()));

    // The mock answers the apply patch 415 now the object exists; create (409), read, replace.
    assertThat(requests())
        .extracting(r -> r.getMethod() + " " + r.getPath())
        .containsExactly(
            "PATCH " + SETTINGS_PATH + APPLY_QUERY,
            "POST /api/v1/namespaces/medication/configmaps",
            "GET " + SETTINGS_PATH,
            "PUT " + SETTINGS_PATH);
    assertThat(client.configMaps().inNamespace(NS).withName("settings").get().getData())
        .isEqualTo(Map.of("a", "2"));
  }

  @Test
  void anApiServerThatTakesServerSideApplyGetsTheApplyPatchAlone() {
    GenericKubernetesResource settings = settings(Map.of("a", "1"), Map.of());
    withExpectations(
        api -> {
          api.expect()
              .patch()
              .withPath(SETTINGS_PATH + APPLY_QUERY)
              .andReturn(200, settings)
              .once();
          LiveClusterSteps real = live(api.url("/"));
          try {
            real.apply(TARGET, settings);
          } finally {
            real.close();
          }
          RecordedRequest apply = take(api);
          assertThat(apply.getMethod() + " " + apply.getPath())
              .isEqualTo("PATCH " + SETTINGS_PATH + APPLY_QUERY);
          assertThat(apply.getHeader("Content-Type")).startsWith("application/apply-patch+yaml");
          // JSON, which is YAML too: the whole object, as the signed manifest has it.
          assertThat(json(apply.getUtf8Body())).isEqualTo(tree(settings));
          assertThat(take(api)).as("no fallback request").isNull();
        });
  }

  @Test
  void refusalsNameTheObjectAndAreNotRetriedThroughTheFallbackButServerTroubleIsRetried() {
    GenericKubernetesResource settings = settings(Map.of("a", "1"), Map.of());
    withExpectations(
        api -> {
          String apply = SETTINGS_PATH + APPLY_QUERY;
          api.expect().get().withPath(SETTINGS_PATH).andReturn(403, forbidden()).once();
          api.expect().patch().withPath(apply).andReturn(403, forbidden()).once();
          api.expect()
              .patch()
              .withPath(apply)
              .andReturn(
                  404,
                  new StatusBuilder()
                      .withCode(404)
                      .withReason("NotFound")
                      .withMessage("namespaces \"medication\" not found")
                      .build())
              .once();
          api.expect()
              .patch()
              .withPath(apply)
              .andReturn(
                  422,
                  new StatusBuilder()
                      .withCode(422)
                      .withReason("Invalid")
                      .withMessage("ConfigMap \"settings\" is invalid: data[a b]: Invalid value")
                      .build())
              .once();
          api.expect().patch().withPath(apply).andReturn(503, "unavailable").once();
          LiveClusterSteps real = live(api.url("/"));
          try {
            assertThatThrownBy(() -> real.read(TARGET, SETTINGS))
                .isInstanceOf(TargetRefusedException.class)
                .hasMessageStartingWith(
                    "the cluster forbids Countersign to read ConfigMap/settings in namespace "
                        + "medication on target medication-cluster (403 Forbidden)");
            assertThatThrownBy(() -> real.apply(TARGET, settings))
                .isInstanceOf(TargetRefusedException.class)
                .hasMessageStartingWith(
                    "the cluster forbids Countersign to apply ConfigMap/settings in namespace "
                        + "medication on target medication-cluster (403 Forbidden)");
            assertThatThrownBy(() -> real.apply(TARGET, settings))
                .isInstanceOf(TargetRefusedException.class)
                .hasMessage(
                    "ConfigMap/settings in namespace medication on target medication-cluster does "
                        + "not exist (namespaces \"medication\" not found)");
            assertThatThrownBy(() -> real.apply(TARGET, settings))
                .isInstanceOf(TargetRefusedException.class)
                .hasMessage(
                    "the API server rejected the apply of ConfigMap/settings in namespace "
                        + "medication on target medication-cluster (422): ConfigMap \"settings\" is "
                        + "invalid: data[a b]: Invalid value");
            assertThatThrownBy(() -> real.apply(TARGET, settings))
                .isInstanceOf(IllegalStateException.class)
                .isNotInstanceOf(TargetRefusedException.class)
                .hasMessageStartingWith(
                    "the API server answered 503 to apply ConfigMap/settings in namespace");
          } finally {
            real.close();
          }
          List<String> methods = new ArrayList<>();
          for (RecordedRequest r = take(api); r != null; r = take(api)) {
            methods.add(r.getMethod());
          }
          assertThat(methods)
              .as("no fallback request")
              .containsExactly("GET", "PATCH", "PATCH", "PATCH", "PATCH");
        });
  }

  @Test
  void restoreAfterApplyPutsBackTheExactPreviousObject() {
    steps.apply(TARGET, settings(Map.of("a", "1", "b", "2"), Map.of("app", "tracker")));
    GenericKubernetesResource previous = steps.read(TARGET, SETTINGS).orElseThrow();
    steps.apply(
        TARGET,
        settings(
            Map.of("a", "9", "c", "3"),
            Map.of("app", "tracker", ClusterSteps.RELEASE_LABEL, "rel-1")));
    requests();

    steps.restore(TARGET, previous);

    assertThat(requests())
        .extracting(r -> r.getMethod() + " " + r.getPath())
        .containsExactly("GET " + SETTINGS_PATH, "PUT " + SETTINGS_PATH);
    assertThat(tree(steps.read(TARGET, SETTINGS).orElseThrow())).isEqualTo(tree(previous));
    assertThat(client.configMaps().inNamespace(NS).withName("settings").get())
        .satisfies(
            c -> {
              assertThat(c.getData()).isEqualTo(Map.of("a", "1", "b", "2"));
              assertThat(c.getMetadata().getLabels()).isEqualTo(Map.of("app", "tracker"));
            });
    assertThat(previous.getMetadata().getResourceVersion())
        .as("the argument is not changed")
        .isNull();
  }

  @Test
  void restoreReplacesAtTheVersionItReadSoAChangeMeanwhileIsRetriedNotOverwritten() {
    GenericKubernetesResource previous = settings(Map.of("a", "1"), Map.of());
    GenericKubernetesResource changed = settings(Map.of("a", "2"), Map.of());
    changed.getMetadata().setResourceVersion("41");
    withExpectations(
        api -> {
          api.expect().get().withPath(SETTINGS_PATH).andReturn(200, changed).once();
          api.expect()
              .put()
              .withPath(SETTINGS_PATH)
              .andReturn(
                  409,
                  new StatusBuilder()
                      .withCode(409)
                      .withReason("Conflict")
                      .withMessage(
                          "Operation cannot be fulfilled on configmaps \"settings\": the object "
                              + "has been modified")
                      .build())
              .once();
          LiveClusterSteps real = live(api.url("/"));
          try {
            assertThatThrownBy(() -> real.restore(TARGET, previous))
                .isInstanceOf(IllegalStateException.class)
                .isNotInstanceOf(TargetRefusedException.class)
                .hasMessageStartingWith(
                    "the API server answered 409 to replace ConfigMap/settings in namespace");
          } finally {
            real.close();
          }
          assertThat(take(api).getMethod()).isEqualTo("GET");
          RecordedRequest put = take(api);
          assertThat(put.getMethod()).isEqualTo("PUT");
          JsonNode body = json(put.getUtf8Body());
          assertThat(body.path("metadata").path("resourceVersion").asText()).isEqualTo("41");
          assertThat(body.path("data")).isEqualTo(json("{\"a\":\"1\"}"));
        });
  }

  @Test
  void restoreOfADeletedObjectCreatesItAgain() {
    steps.apply(TARGET, settings(Map.of("a", "1"), Map.of("app", "tracker")));
    GenericKubernetesResource previous = steps.read(TARGET, SETTINGS).orElseThrow();
    client.configMaps().inNamespace(NS).withName("settings").delete();
    requests();

    steps.restore(TARGET, previous);

    assertThat(requests())
        .extracting(r -> r.getMethod() + " " + r.getPath())
        .containsExactly("GET " + SETTINGS_PATH, "POST /api/v1/namespaces/medication/configmaps");
    assertThat(tree(steps.read(TARGET, SETTINGS).orElseThrow())).isEqualTo(tree(previous));
  }

  @Test
  void deleteSaysWhetherThereWasSomethingToDelete() {
    steps.apply(TARGET, settings(Map.of("a", "1"), Map.of()));

    assertThat(steps.delete(TARGET, SETTINGS)).isTrue();
    assertThat(steps.read(TARGET, SETTINGS)).isEmpty();
    assertThat(steps.delete(TARGET, SETTINGS)).isFalse();
  }

  @Test
  void findReturnsOnlyTheObjectsOfTheKindAndNamespaceWithEveryLabel() {
    Map<String, String> mine =
        Map.of(ClusterSteps.RELEASE_LABEL, "rel-1", ClusterSteps.STEP_LABEL, "config");
    steps.apply(TARGET, named(settings(Map.of(), mine), "one", NS));
    steps.apply(TARGET, named(settings(Map.of(), mine), "two", NS));
    steps.apply(
        TARGET,
        named(
            settings(
                Map.of(),
                Map.of(ClusterSteps.RELEASE_LABEL, "rel-1", ClusterSteps.STEP_LABEL, "other")),
            "other-step",
            NS));
    steps.apply(
        TARGET, named(settings(Map.of(), Map.of(ClusterSteps.STEP_LABEL, "config")), "half", NS));
    steps.apply(TARGET, named(settings(Map.of(), mine), "elsewhere", "medication-staging"));
    GenericKubernetesResource service = object(fixture("Service", "1"));
    service.getMetadata().setLabels(mine);
    steps.apply(TARGET, service);

    assertThat(steps.find(TARGET, NS, "v1", "ConfigMap", mine))
        .containsExactlyInAnyOrder(
            new ObjectRef("v1", "ConfigMap", NS, "one"),
            new ObjectRef("v1", "ConfigMap", NS, "two"));
    assertThat(
            steps.find(TARGET, NS, "v1", "ConfigMap", Map.of(ClusterSteps.RELEASE_LABEL, "rel-9")))
        .isEmpty();
  }

  @Test
  void rolloutStatusOfADeploymentFollowsTheControllerUntilCompleteOrItsDeadline() {
    ControllerStandIn cluster = new ControllerStandIn(client);
    cluster.deploy(NS, "backend", 3, "api", "registry.example/api:2.3.0");
    ObjectRef backend = new ObjectRef("apps/v1", "Deployment", NS, "backend");
    assertThat(steps.rolloutStatus(TARGET, backend, DEADLINE))
        .isEqualTo(new RolloutStatus(State.COMPLETE, 3, 3, 3, null));

    client
        .apps()
        .deployments()
        .inNamespace(NS)
        .withName("backend")
        .edit(
            d -> {
              d.getSpec()
                  .getTemplate()
                  .getSpec()
                  .getContainers()
                  .get(0)
                  .setImage("registry.example/api:2.4.0");
              return d;
            });
    assertThat(steps.rolloutStatus(TARGET, backend, DEADLINE))
        .isEqualTo(
            new RolloutStatus(
                State.PROGRESSING,
                3,
                3,
                3,
                "waiting for the controller to observe generation 2 (observed 1)"));
    cluster.progressing(NS, "backend", 1, 3);
    assertThat(steps.rolloutStatus(TARGET, backend, DEADLINE))
        .isEqualTo(new RolloutStatus(State.PROGRESSING, 1, 3, 3, "1 of 3 replicas updated"));
    ClockUtil.setCurrentTime(Date.from(DEADLINE.plusSeconds(1)));
    assertThat(steps.rolloutStatus(TARGET, backend, DEADLINE).message())
        .isEqualTo("not complete by its deadline 2030-01-01T00:00:00Z: 1 of 3 replicas updated");
    ClockUtil.reset();
    cluster.complete(NS, "backend");
    assertThat(steps.rolloutStatus(TARGET, backend, DEADLINE))
        .isEqualTo(new RolloutStatus(State.COMPLETE, 3, 3, 3, null));

    assertThat(
            steps.rolloutStatus(
                TARGET, new ObjectRef("apps/v1", "StatefulSet", NS, "cache"), DEADLINE))
        .isEqualTo(
            new RolloutStatus(
                State.FAILED,
                0,
                0,
                0,
                "StatefulSet/cache in namespace medication on target medication-cluster does not exist"));
  }

  @Test
  void rolloutStatusOfAnyOtherKindIsCompleteOnceItExists() {
    assertThat(steps.rolloutStatus(TARGET, SETTINGS, DEADLINE))
        .isEqualTo(
            new RolloutStatus(
                State.FAILED,
                0,
                0,
                0,
                "ConfigMap/settings in namespace medication on target medication-cluster does not exist"));

    steps.apply(TARGET, settings(Map.of("a", "1"), Map.of()));

    assertThat(steps.rolloutStatus(TARGET, SETTINGS, DEADLINE).state()).isEqualTo(State.COMPLETE);
  }

  private LiveClusterSteps live(String masterUrl) {
    return new LiveClusterSteps(
        new KubernetesClients(
            new KubernetesProperties(
                "live",
                null,
                Map.of(
                    TARGET, new KubernetesProperties.Target(null, null, masterUrl, List.of(NS))))));
  }

  /** A mock API server that answers only what the test expects, as a real cluster would. */
  private static void withExpectations(Consumer<KubernetesMockServer> test) {
    KubernetesMockServer api = new KubernetesMockServer(false);
    api.init();
    try {
      test.accept(api);
    } finally {
      api.destroy();
    }
  }

  private static Status forbidden() {
    return new StatusBuilder()
        .withCode(403)
        .withReason("Forbidden")
        .withMessage(
            "configmaps \"settings\" is forbidden: User \"system:serviceaccount:countersign:countersign\" "
                + "cannot patch resource \"configmaps\"")
        .build();
  }

  private GenericKubernetesResource object(String yaml) {
    return client.getKubernetesSerialization().unmarshal(yaml, GenericKubernetesResource.class);
  }

  private GenericKubernetesResource settings(Map<String, String> data, Map<String, String> labels) {
    GenericKubernetesResource settings =
        object(
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings, namespace: medication}\n");
    if (!labels.isEmpty()) {
      settings.getMetadata().setLabels(labels);
    }
    settings.setAdditionalProperty("data", data);
    return settings;
  }

  private static GenericKubernetesResource named(
      GenericKubernetesResource object, String name, String namespace) {
    object.getMetadata().setName(name);
    object.getMetadata().setNamespace(namespace);
    return object;
  }

  /** An object of {@code kind} in its {@code version}: something in its spec or data differs. */
  private static String fixture(String kind, String version) {
    return switch (kind) {
      case "ConfigMap" ->
          """
          apiVersion: v1
          kind: ConfigMap
          metadata: {name: settings, namespace: medication}
          data: {version: "%s"}
          """
              .formatted(version);
      case "Service" ->
          """
          apiVersion: v1
          kind: Service
          metadata: {name: backend, namespace: medication}
          spec:
            selector: {app: backend, track: "v%s"}
            ports: [{port: 80, targetPort: 8080}]
          """
              .formatted(version);
      case "Deployment", "StatefulSet" ->
          """
          apiVersion: apps/v1
          kind: %s
          metadata: {name: backend, namespace: medication}
          spec:
            replicas: 2
            selector: {matchLabels: {app: backend}}
            template:
              metadata: {labels: {app: backend}}
              spec:
                containers: [{name: api, image: "registry.example/api:%s"}]
          """
              .formatted(kind, version);
      case "Ingress" ->
          """
          apiVersion: networking.k8s.io/v1
          kind: Ingress
          metadata: {name: web, namespace: medication}
          spec:
            rules:
              - host: tracker.example
                http:
                  paths:
                    - path: /
                      pathType: Prefix
                      backend: {service: {name: "backend-v%s", port: {number: 80}}}
          """
              .formatted(version);
      default -> throw new IllegalArgumentException(kind);
    };
  }

  private JsonNode tree(GenericKubernetesResource object) {
    return json(client.getKubernetesSerialization().asJson(object));
  }

  private static JsonNode json(String text) {
    try {
      return new ObjectMapper().readTree(text);
    } catch (IOException failure) {
      throw new IllegalStateException(failure);
    }
  }

  private static RecordedRequest take(KubernetesMockServer api) {
    try {
      return api.takeRequest(10, TimeUnit.MILLISECONDS);
    } catch (InterruptedException failure) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  /** The requests the CRUD server received since the last call. */
  private List<RecordedRequest> requests() {
    List<RecordedRequest> requests = new ArrayList<>();
    for (RecordedRequest r = take(server); r != null; r = take(server)) {
      requests.add(r);
    }
    return requests;
  }
}
