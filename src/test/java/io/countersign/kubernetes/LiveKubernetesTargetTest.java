package io.countersign.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.countersign.aws.TargetRefusedException;
import io.countersign.kubernetes.KubernetesTarget.Rollout;
import io.countersign.kubernetes.KubernetesTarget.RolloutStatus;
import io.countersign.kubernetes.KubernetesTarget.State;
import io.countersign.manifest.ReleaseManifest.Container;
import io.countersign.manifest.ReleaseManifest.Workload;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSetBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.camunda.bpm.engine.impl.util.ClockUtil;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The fabric8 adapter against fabric8's mock API server in CRUD mode; the test plays the Deployment
 * controller.
 */
@EnableKubernetesMockClient(crud = true, https = false)
class LiveKubernetesTargetTest {
  private static final String NS = "medication";
  private static final String TARGET = "medication-cluster";
  private static final Instant DEADLINE = Instant.parse("2030-01-01T00:00:00Z");

  KubernetesMockServer server;
  KubernetesClient client;
  private ControllerStandIn cluster;
  private LiveKubernetesTarget target;

  @BeforeEach
  void setUp() {
    cluster = new ControllerStandIn(client);
    target = live(client.getMasterUrl().toString(), KubernetesProperties.DEFAULT_REQUEST_TIMEOUT);
    cluster.deploy(
        NS,
        "backend",
        3,
        "api",
        "registry.example/api:2.3.0",
        "proxy",
        "registry.example/proxy:1.0");
    requests(); // only what the adapter sends counts
  }

  @AfterEach
  void tearDown() {
    target.close();
    ClockUtil.reset();
  }

  @Test
  void rolloutSetsOnlyTheNamedImagesWithAJsonPatchAndReturnsWhatRanBefore() throws Exception {
    Rollout rollout = target.rollout("rel-1", TARGET, NS, backend("registry.example/api:2.4.0"));

    assertThat(rollout.previousImages()).isEqualTo(Map.of("api", "registry.example/api:2.3.0"));
    assertThat(rollout.dryRun()).isFalse();
    assertThat(rollout.plan())
        .isEqualTo(
            "set images api=registry.example/api:2.4.0 on Deployment/backend in namespace "
                + "medication on target medication-cluster; replaced api=registry.example/api:2.3.0 at revision 3");
    assertThat(cluster.images(NS, "backend"))
        .containsExactly(
            Map.entry("api", "registry.example/api:2.4.0"),
            Map.entry("proxy", "registry.example/proxy:1.0"));
    assertThat(cluster.get(NS, "backend").getMetadata().getGeneration()).isEqualTo(2L);
    assertThat(
            new ObjectMapper()
                .readTree(
                    cluster
                        .get(NS, "backend")
                        .getMetadata()
                        .getAnnotations()
                        .get(LiveKubernetesTarget.ROLLOUT_ANNOTATION)))
        .isEqualTo(
            new ObjectMapper()
                .readTree(
                    "{\"release\":\"rel-1\",\"previousImages\":{\"api\":\"registry.example/api:2.3.0\"},"
                        + "\"previousRevision\":\"3\"}"));
    RecordedRequest patch =
        requests().stream().filter(r -> r.getMethod().equals("PATCH")).findFirst().orElseThrow();
    assertThat(patch.getPath()).contains("fieldManager=countersign");
    assertThat(patch.getHeader("Content-Type")).startsWith("application/json-patch+json");
  }

  @Test
  void rollingOutTwiceChangesNothingTheSecondTimeAndReportsTheSame() {
    Workload backend = backend("registry.example/api:2.4.0");
    Rollout first = target.rollout("rel-1", TARGET, NS, backend);
    cluster.complete(NS, "backend"); // the controller moves on to revision 4 meanwhile
    String resourceVersion = cluster.get(NS, "backend").getMetadata().getResourceVersion();
    requests(); // drain

    Rollout second = target.rollout("rel-1", TARGET, NS, backend);

    assertThat(second).isEqualTo(first);
    assertThat(cluster.get(NS, "backend").getMetadata().getResourceVersion())
        .isEqualTo(resourceVersion);
    assertThat(requests()).extracting(RecordedRequest::getMethod).containsOnly("GET");
  }

  @Test
  void anotherReleaseRecordsTheImagesItFindsNotTheEarlierRecord() {
    target.rollout("rel-1", TARGET, NS, backend("registry.example/api:2.4.0"));
    cluster.complete(NS, "backend");

    Rollout next = target.rollout("rel-2", TARGET, NS, backend("registry.example/api:2.5.0"));

    assertThat(next.previousImages()).isEqualTo(Map.of("api", "registry.example/api:2.4.0"));
    assertThat(next.plan()).endsWith("replaced api=registry.example/api:2.4.0 at revision 4");
  }

  @Test
  void undoPutsBackTheRecordedImagesVerifiesTheSpecAndIsIdempotent() {
    Workload backend = backend("registry.example/api:2.4.0");
    Rollout rollout = target.rollout("rel-1", TARGET, NS, backend);

    Rollout undo = target.undo("rel-1", TARGET, NS, backend, rollout.previousImages());
    String resourceVersion = cluster.get(NS, "backend").getMetadata().getResourceVersion();
    Rollout again = target.undo("rel-1", TARGET, NS, backend, rollout.previousImages());

    assertThat(cluster.images(NS, "backend"))
        .containsExactly(
            Map.entry("api", "registry.example/api:2.3.0"),
            Map.entry("proxy", "registry.example/proxy:1.0"));
    assertThat(undo.previousImages()).isEqualTo(Map.of("api", "registry.example/api:2.4.0"));
    assertThat(undo.plan())
        .isEqualTo(
            "set images back to api=registry.example/api:2.3.0 on Deployment/backend in "
                + "namespace medication on target medication-cluster, replacing api=registry.example/api:2.4.0; verified in "
                + "the spec; the rollback does not wait for the pods");
    assertThat(again).isEqualTo(undo);
    assertThat(cluster.get(NS, "backend").getMetadata().getResourceVersion())
        .isEqualTo(resourceVersion);
  }

  @Test
  void undoOfADryRunRolloutChangesNothing() {
    String resourceVersion = cluster.get(NS, "backend").getMetadata().getResourceVersion();

    Rollout undo =
        target.undo(
            "rel-1",
            TARGET,
            NS,
            backend("registry.example/api:2.4.0"),
            Map.of("api", DryRunKubernetesTarget.UNKNOWN));

    assertThat(undo.plan()).contains("nothing to undo");
    assertThat(cluster.get(NS, "backend").getMetadata().getResourceVersion())
        .isEqualTo(resourceVersion);
  }

  @Test
  void anUnknownWorkloadOrContainerIsRefusedBeforeAnythingChanges() {
    String resourceVersion = cluster.get(NS, "backend").getMetadata().getResourceVersion();
    Workload missing =
        new Workload(
            "Deployment", "frontend", List.of(new Container("web", "registry.example/web:2.4.0")));
    Workload wrongContainer =
        new Workload(
            "Deployment",
            "backend",
            List.of(
                new Container("api", "registry.example/api:2.4.0"),
                new Container("worker", "registry.example/worker:2.4.0")));

    assertThatThrownBy(() -> target.rollout("rel-1", TARGET, NS, missing))
        .isInstanceOf(TargetRefusedException.class)
        .hasMessage(
            "Deployment/frontend in namespace medication on target medication-cluster does not exist");
    assertThatThrownBy(() -> target.rollout("rel-1", TARGET, NS, wrongContainer))
        .isInstanceOf(TargetRefusedException.class)
        .hasMessage(
            "Deployment/backend in namespace medication on target medication-cluster has no container 'worker' "
                + "(containers: api, proxy)");
    assertThat(cluster.get(NS, "backend").getMetadata().getResourceVersion())
        .isEqualTo(resourceVersion);
    assertThat(requests()).extracting(RecordedRequest::getMethod).doesNotContain("PATCH");
  }

  @Test
  void statusFollowsTheControllerUntilComplete() {
    Workload backend = backend("registry.example/api:2.4.0");
    target.rollout("rel-1", TARGET, NS, backend);

    assertThat(target.status(TARGET, NS, backend, DEADLINE))
        .isEqualTo(
            new RolloutStatus(
                State.PROGRESSING,
                3,
                3,
                3,
                "waiting for the controller to observe generation 2 (observed 1)"));
    cluster.progressing(NS, "backend", 1, 3);
    assertThat(target.status(TARGET, NS, backend, DEADLINE))
        .isEqualTo(new RolloutStatus(State.PROGRESSING, 1, 3, 3, "1 of 3 replicas updated"));
    cluster.complete(NS, "backend");
    assertThat(target.status(TARGET, NS, backend, DEADLINE))
        .isEqualTo(new RolloutStatus(State.COMPLETE, 3, 3, 3, null));
  }

  @Test
  void statusFailsOnProgressDeadlineExceededOnItsOwnDeadlineAndWhenTheWorkloadIsGone() {
    Workload backend = backend("registry.example/api:2.4.0");
    target.rollout("rel-1", TARGET, NS, backend);
    cluster.progressing(NS, "backend", 1, 3);
    ClockUtil.setCurrentTime(Date.from(DEADLINE.plusSeconds(1)));
    assertThat(target.status(TARGET, NS, backend, DEADLINE).message())
        .isEqualTo("not complete by its deadline 2030-01-01T00:00:00Z: 1 of 3 replicas updated");
    ClockUtil.reset();

    cluster.progressDeadlineExceeded(NS, "backend");
    assertThat(target.status(TARGET, NS, backend, DEADLINE))
        .isEqualTo(
            new RolloutStatus(
                State.FAILED,
                1,
                2,
                3,
                "ProgressDeadlineExceeded: ReplicaSet \"backend-7d9f\" has timed out progressing."));

    client.apps().deployments().inNamespace(NS).withName("backend").delete();
    assertThat(target.status(TARGET, NS, backend, DEADLINE))
        .isEqualTo(
            new RolloutStatus(
                State.FAILED,
                0,
                0,
                0,
                "Deployment/backend in namespace medication on target medication-cluster does not exist"));
  }

  @Test
  void statusFailsWhenSomeoneElseChangedTheImagesMeanwhileButAcceptsTheTagPinnedToItsDigest() {
    Workload backend = backend("registry.example/api:2.4.0");
    target.rollout("rel-1", TARGET, NS, backend);
    String pinned =
        "registry.example/api:2.4.0@sha256:"
            + "a".repeat(64); // what a digest-pinning webhook writes
    client
        .apps()
        .deployments()
        .inNamespace(NS)
        .withName("backend")
        .edit(
            d -> {
              d.getSpec().getTemplate().getSpec().getContainers().get(0).setImage(pinned);
              return d;
            });
    cluster.complete(NS, "backend");
    assertThat(target.status(TARGET, NS, backend, DEADLINE).state()).isEqualTo(State.COMPLETE);

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
                  .setImage("registry.example/api:9.9.9");
              return d;
            });
    cluster.complete(NS, "backend");

    RolloutStatus status = target.status(TARGET, NS, backend, DEADLINE);
    assertThat(status.state()).isEqualTo(State.FAILED);
    assertThat(status.message())
        .contains("were changed during the rollout: api=registry.example/api:9.9.9");
  }

  @Test
  void forbiddenIsRefusedWithTheRbacToBlameAndServerTroubleIsRetried() {
    String path = "/apis/apps/v1/namespaces/medication/deployments/backend";
    server
        .expect()
        .get()
        .withPath(path)
        .andReturn(
            403,
            new StatusBuilder()
                .withCode(403)
                .withReason("Forbidden")
                .withMessage(
                    "deployments.apps \"backend\" is forbidden: User \"system:serviceaccount:medication:countersign\" "
                        + "cannot get resource \"deployments\"")
                .build())
        .once();
    server.expect().get().withPath(path).andReturn(503, "unavailable").once();
    server
        .expect()
        .get()
        .withPath(path)
        .andReturn(429, new StatusBuilder().withCode(429).withMessage("slow down").build())
        .once();
    Workload backend = backend("registry.example/api:2.4.0");

    assertThatThrownBy(() -> target.rollout("rel-1", TARGET, NS, backend))
        .isInstanceOf(TargetRefusedException.class)
        .hasMessageStartingWith(
            "the cluster forbids Countersign to read Deployment/backend in namespace medication on "
                + "target medication-cluster (403 Forbidden): its service account lacks RBAC permission; apply "
                + "deploy/kubernetes/countersign-rbac.yaml in namespace medication");
    assertThatThrownBy(() -> target.rollout("rel-1", TARGET, NS, backend))
        .isInstanceOf(IllegalStateException.class)
        .isNotInstanceOf(TargetRefusedException.class)
        .hasMessageStartingWith("the API server answered 503 to read Deployment/backend");
    assertThatThrownBy(() -> target.rollout("rel-1", TARGET, NS, backend))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageStartingWith("the API server answered 429 to read Deployment/backend");
    assertThat(cluster.images(NS, "backend")).containsEntry("api", "registry.example/api:2.3.0");
  }

  @Test
  void aServerThatNeverAnswersCostsOneRequestTimeoutThenAnOrdinaryException() throws IOException {
    try (ServerSocket silent = new ServerSocket(0)) {
      LiveKubernetesTarget hung =
          live("http://127.0.0.1:" + silent.getLocalPort(), Duration.ofMillis(500));
      long started = System.nanoTime();
      try {
        assertThatThrownBy(
                () -> hung.rollout("rel-1", TARGET, NS, backend("registry.example/api:2.4.0")))
            .isInstanceOf(IllegalStateException.class)
            .isNotInstanceOf(TargetRefusedException.class)
            .hasMessageStartingWith("no answer from the API server to read Deployment/backend");
      } finally {
        hung.close();
      }
      // One 500 ms request timeout, not retries without end; a wide bound, so a busy machine cannot
      // break it.
      assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(30));
    }
  }

  @Test
  void statefulSetsRollOutAndOnDeleteIsRefused() {
    client
        .apps()
        .statefulSets()
        .inNamespace(NS)
        .resource(
            new StatefulSetBuilder()
                .withNewMetadata()
                .withName("cache")
                .withNamespace(NS)
                .endMetadata()
                .withNewSpec()
                .withReplicas(2)
                .withNewUpdateStrategy()
                .withType("RollingUpdate")
                .endUpdateStrategy()
                .withNewTemplate()
                .withNewSpec()
                .addNewContainer()
                .withName("redis")
                .withImage("redis:7.2")
                .endContainer()
                .endSpec()
                .endTemplate()
                .endSpec()
                .withNewStatus()
                .withCurrentRevision("cache-1")
                .withUpdateRevision("cache-1")
                .endStatus()
                .build())
        .create();
    Workload cache =
        new Workload("StatefulSet", "cache", List.of(new Container("redis", "redis:7.4")));

    Rollout rollout = target.rollout("rel-1", TARGET, NS, cache);

    assertThat(rollout.previousImages()).isEqualTo(Map.of("redis", "redis:7.2"));
    assertThat(rollout.plan()).endsWith("replaced redis=redis:7.2 at revision cache-1");
    assertThat(
            client
                .apps()
                .statefulSets()
                .inNamespace(NS)
                .withName("cache")
                .get()
                .getSpec()
                .getTemplate()
                .getSpec()
                .getContainers()
                .get(0)
                .getImage())
        .isEqualTo("redis:7.4");

    client
        .apps()
        .statefulSets()
        .inNamespace(NS)
        .withName("cache")
        .edit(
            s -> {
              s.getSpec().getUpdateStrategy().setType("OnDelete");
              return s;
            });
    assertThatThrownBy(() -> target.rollout("rel-2", TARGET, NS, cache))
        .isInstanceOf(TargetRefusedException.class)
        .hasMessageContaining("uses updateStrategy OnDelete");
  }

  private LiveKubernetesTarget live(String masterUrl, Duration requestTimeout) {
    return new LiveKubernetesTarget(
        new KubernetesClients(
            new KubernetesProperties(
                "live",
                requestTimeout,
                Map.of(
                    TARGET, new KubernetesProperties.Target(null, null, masterUrl, List.of(NS))))));
  }

  private static Workload backend(String apiImage) {
    return new Workload("Deployment", "backend", List.of(new Container("api", apiImage)));
  }

  /** The requests the server received since the last call. */
  private List<RecordedRequest> requests() {
    List<RecordedRequest> requests = new ArrayList<>();
    try {
      for (RecordedRequest r = server.takeRequest(10, TimeUnit.MILLISECONDS);
          r != null;
          r = server.takeRequest(10, TimeUnit.MILLISECONDS)) {
        requests.add(r);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return requests;
  }
}
