package io.countersign.kubernetes;

import io.countersign.ProcessTestSupport;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMixedDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.ServerRequest;
import io.fabric8.mockwebserver.ServerResponse;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import org.junit.jupiter.api.BeforeEach;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The real models on the real engine with the live fabric8 adapter, talking to fabric8's mock API
 * server in CRUD mode (one per test JVM, like the Spring context it configures). Tests play the
 * Deployment controller through {@link #cluster}, and the Job controller and kubelet through {@link
 * #jobs}.
 */
abstract class LiveClusterProcessTestSupport extends ProcessTestSupport {
  static final String NAMESPACE = "medication-staging";

  /** The hospital-integration example's cluster, served by the same mock API server. */
  static final String HOSPITAL_TARGET = "hospital-cluster";

  static final List<String> HOSPITAL_NAMESPACES = List.of("hospital-staging", "hospital");

  /** The example's own namespace (examples/hospital-integration). */
  static final String HOSPITAL_NAMESPACE = HOSPITAL_NAMESPACES.get(0);

  /** Expectations set on it take precedence over its CRUD store (e.g. a pod's log). */
  static final KubernetesMockServer SERVER = start();

  static final KubernetesClient CLIENT = SERVER.createClient();

  protected final ControllerStandIn cluster = new ControllerStandIn(CLIENT);
  protected final JobControllerStandIn jobs = new JobControllerStandIn(CLIENT, SERVER);

  @DynamicPropertySource
  static void liveCluster(DynamicPropertyRegistry registry) {
    // An engine database of its own: the cluster tests' releases and timers stay
    // out of other tests.
    registry.add(
        "spring.datasource.url",
        () -> "jdbc:h2:mem:k8s-process-tests;DB_CLOSE_DELAY=-1;NON_KEYWORDS=VALUE");
    registry.add("countersign.targets.kubernetes.mode", () -> "live");
    registry.add("logging.level.io.fabric8.mockwebserver", () -> "WARN");
    registry.add("countersign.targets.kubernetes.request-timeout", () -> "PT3S");
    registry.add(
        "countersign.targets.kubernetes.targets.medication-cluster.master-url",
        () -> SERVER.url("/"));
    registry.add(
        "countersign.targets.kubernetes.targets.medication-cluster.namespaces[0]", () -> NAMESPACE);
    registry.add(
        "countersign.targets.kubernetes.targets.medication-cluster.namespaces[1]",
        () -> "medication");
    String hospital = "countersign.targets.kubernetes.targets." + HOSPITAL_TARGET;
    registry.add(hospital + ".master-url", () -> SERVER.url("/"));
    for (int i = 0; i < HOSPITAL_NAMESPACES.size(); i++) {
      String namespace = HOSPITAL_NAMESPACES.get(i);
      registry.add(hospital + ".namespaces[" + i + "]", () -> namespace);
    }
  }

  @BeforeEach
  void emptyCluster() {
    CLIENT.apps().deployments().inNamespace(NAMESPACE).delete();
    CLIENT.apps().deployments().inNamespace("medication").delete();
    for (String namespace : HOSPITAL_NAMESPACES) {
      CLIENT.apps().deployments().inNamespace(namespace).delete();
      CLIENT.configMaps().inNamespace(namespace).delete();
      CLIENT.services().inNamespace(namespace).delete();
      CLIENT.network().v1().ingresses().inNamespace(namespace).delete();
    }
  }

  private static KubernetesMockServer start() {
    Map<ServerRequest, Queue<ServerResponse>> responses = new HashMap<>();
    KubernetesMockServer server =
        new KubernetesMockServer(
            new Context(Serialization.jsonMapper()),
            new MockWebServer(),
            responses,
            new KubernetesMixedDispatcher(responses),
            false);
    server.init();
    Runtime.getRuntime().addShutdownHook(new Thread(server::destroy));
    return server;
  }
}
