package io.countersign.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import io.countersign.manifest.ReleaseManifest.Container;
import io.countersign.manifest.ReleaseManifest.Workload;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apps.StatefulSetBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The shipped Role grants exactly the calls the adapters make: no more (least privilege), no less
 * (no 403). The calls are recorded from a run of both adapters over every default kind against the
 * mock API server, as the API server's authorizer would see them.
 */
@EnableKubernetesMockClient(crud = true, https = false)
class RbacManifestTest {
  /** A namespaced request: API group (empty for core), resource, name, subresource. */
  private static final Pattern NAMESPACED_PATH =
      Pattern.compile(
          "/(?:api/v1|apis/([^/]+)/[^/]+)/namespaces/[^/]+/([a-z]+)(?:/([^/?]+)(?:/([a-z]+))?)?"
              + "(?:\\?.*)?");

  private static final String NS = "medication";
  private static final String TARGET = "c";

  KubernetesMockServer server;
  KubernetesClient client;

  @Test
  void theRoleGrantsExactlyWhatTheAdaptersCall() throws Exception {
    List<HasMetadata> manifests;
    try (InputStream yaml =
        Files.newInputStream(Path.of("deploy/kubernetes/countersign-rbac.yaml"))) {
      manifests = client.load(yaml).items();
    }
    assertThat(manifests)
        .as("nothing cluster-wide")
        .noneMatch(m -> m instanceof ClusterRole || m instanceof ClusterRoleBinding);
    Role role = only(manifests, Role.class);
    RoleBinding binding = only(manifests, RoleBinding.class);
    ServiceAccount account = only(manifests, ServiceAccount.class);
    assertThat(binding.getRoleRef().getKind()).isEqualTo("Role");
    assertThat(binding.getRoleRef().getName()).isEqualTo(role.getMetadata().getName());
    assertThat(binding.getMetadata().getNamespace()).isEqualTo(role.getMetadata().getNamespace());
    assertThat(binding.getSubjects())
        .singleElement()
        .satisfies(
            s -> {
              assertThat(s.getKind()).isEqualTo("ServiceAccount");
              assertThat(s.getName()).isEqualTo(account.getMetadata().getName());
              assertThat(s.getNamespace()).isEqualTo(account.getMetadata().getNamespace());
            });
    Set<String> granted = new TreeSet<>();
    for (PolicyRule rule : role.getRules()) {
      assertThat(rule.getResourceNames()).as("no wildcard by name").isEmpty();
      assertThat(rule.getNonResourceURLs()).isEmpty();
      assertThat(rule.getApiGroups()).doesNotContain("*");
      assertThat(rule.getResources()).doesNotContain("*", "secrets");
      assertThat(rule.getVerbs()).doesNotContain("*", "escalate", "bind", "impersonate");
      rule.getApiGroups()
          .forEach(
              g ->
                  rule.getResources()
                      .forEach(
                          r -> rule.getVerbs().forEach(v -> granted.add(g + "/" + r + ":" + v))));
    }

    Set<String> called = exerciseTheAdapters();

    assertThat(called).isEqualTo(granted);
  }

  /** Runs both adapters through every call they have; the group/resource:verb they sent. */
  private Set<String> exerciseTheAdapters() throws InterruptedException {
    new ControllerStandIn(client).deploy(NS, "backend", 2, "api", "registry.example/api:2.3.0");
    client
        .apps()
        .statefulSets()
        .inNamespace(NS)
        .resource(
            new StatefulSetBuilder()
                .withNewMetadata()
                .withName("cache")
                .endMetadata()
                .withNewSpec()
                .withReplicas(1)
                .withNewTemplate()
                .withNewSpec()
                .addNewContainer()
                .withName("redis")
                .withImage("redis:7.2")
                .endContainer()
                .endSpec()
                .endTemplate()
                .endSpec()
                .build())
        .create();
    drain();
    try (LiveKubernetesTarget target = new LiveKubernetesTarget(clients())) {
      for (Workload workload :
          List.of(
              new Workload(
                  "Deployment",
                  "backend",
                  List.of(new Container("api", "registry.example/api:2.4.0"))),
              new Workload("StatefulSet", "cache", List.of(new Container("redis", "redis:7.4"))))) {
        KubernetesTarget.Rollout rollout =
            retried(() -> target.rollout("rel-1", TARGET, NS, workload));
        retried(() -> target.status(TARGET, NS, workload, Instant.now().plusSeconds(600)));
        retried(() -> target.undo("rel-1", TARGET, NS, workload, rollout.previousImages()));
      }
    }
    Set<String> called = calls();
    try (LiveClusterSteps steps = new LiveClusterSteps(clients())) {
      for (String kind : KubernetesProperties.Target.DEFAULT_KINDS) {
        exerciseTheObjectCalls(steps, object(kind, "1"), object(kind, "2"));
      }
      called.addAll(calls());
      called.addAll(exerciseTheJobCalls(steps));
    }
    return called;
  }

  /**
   * Every object call. On the mock server apply falls back to create and replace; a real cluster
   * needs those verbs for restore, which runs both ways here.
   */
  private static void exerciseTheObjectCalls(
      ClusterSteps steps, GenericKubernetesResource first, GenericKubernetesResource second) {
    ClusterSteps.ObjectRef ref = ClusterSteps.ObjectRef.of(first);
    retriedRun(() -> steps.apply(TARGET, first));
    GenericKubernetesResource previous = retried(() -> steps.read(TARGET, ref)).orElseThrow();
    retriedRun(() -> steps.apply(TARGET, second));
    retried(() -> steps.rolloutStatus(TARGET, ref, Instant.now().plusSeconds(600)));
    retried(
        () ->
            steps.find(
                TARGET,
                NS,
                ref.apiVersion(),
                ref.kind(),
                Map.of(ClusterSteps.STEP_LABEL, "config")));
    retriedRun(() -> steps.restore(TARGET, previous));
    retried(() -> steps.delete(TARGET, ref));
    retriedRun(() -> steps.restore(TARGET, previous));
    retried(() -> steps.delete(TARGET, ref));
    retried(() -> steps.delete(TARGET, ref));
  }

  /**
   * Start, look at (with a pod, as the Job controller would leave it) and delete a Job; what was
   * called.
   */
  private Set<String> exerciseTheJobCalls(ClusterSteps steps) throws InterruptedException {
    ClusterSteps.JobRun run =
        new ClusterSteps.JobRun(
            "rel-1-migrate",
            "rel-1",
            "migrate",
            "registry.example/migrate:1.0",
            List.of("migrate", "up"),
            List.of(),
            List.of(),
            Duration.ofMinutes(10));
    retriedRun(() -> steps.startJob(TARGET, NS, run));
    Set<String> called = calls();
    client
        .pods()
        .inNamespace(NS)
        .resource(
            new PodBuilder()
                .withNewMetadata()
                .withName(run.name() + "-x7k2p")
                .addNewOwnerReference()
                .withApiVersion("batch/v1")
                .withKind("Job")
                .withName(run.name())
                .withUid(
                    client
                        .batch()
                        .v1()
                        .jobs()
                        .inNamespace(NS)
                        .withName(run.name())
                        .get()
                        .getMetadata()
                        .getUid())
                .withController(true)
                .endOwnerReference()
                .addToLabels("job-name", run.name())
                .addToLabels("batch.kubernetes.io/job-name", run.name())
                .endMetadata()
                .withNewSpec()
                .addNewContainer()
                .withName("step")
                .withImage(run.image())
                .endContainer()
                .endSpec()
                .withNewStatus()
                .withPhase("Succeeded")
                .addNewContainerStatus()
                .withName("step")
                .withNewState()
                .withNewTerminated()
                .withExitCode(0)
                .endTerminated()
                .endState()
                .endContainerStatus()
                .endStatus()
                .build())
        .create();
    drain();
    retried(() -> steps.job(TARGET, NS, run.name(), 4096));
    retried(() -> steps.deleteJob(TARGET, NS, run.name()));
    retried(() -> steps.deleteJob(TARGET, NS, run.name()));
    called.addAll(calls());
    return called;
  }

  private KubernetesClients clients() {
    return new KubernetesClients(
        new KubernetesProperties(
            "live",
            null,
            Map.of(
                TARGET,
                new KubernetesProperties.Target(
                    null, null, client.getMasterUrl().toString(), List.of(NS)))));
  }

  /** A default kind's object in one of two versions; both carry the step label. */
  private GenericKubernetesResource object(String kind, String version) {
    String apiVersion =
        switch (kind) {
          case "ConfigMap", "Service" -> "v1";
          case "Deployment", "StatefulSet" -> "apps/v1";
          case "Ingress" -> "networking.k8s.io/v1";
          default -> throw new IllegalArgumentException(kind);
        };
    GenericKubernetesResource object =
        client
            .getKubernetesSerialization()
            .unmarshal(
                "apiVersion: "
                    + apiVersion
                    + "\nkind: "
                    + kind
                    + "\nmetadata: {name: object, namespace: "
                    + NS
                    + "}\n",
                GenericKubernetesResource.class);
    object.getMetadata().setLabels(Map.of(ClusterSteps.STEP_LABEL, "config"));
    object.setAdditionalProperty(
        kind.equals("ConfigMap") ? "data" : "spec", Map.of("version", version));
    return object;
  }

  /**
   * group/resource:verb of every request since the last drain, as the API server's authorizer sees
   * them.
   */
  private Set<String> calls() throws InterruptedException {
    Set<String> calls = new TreeSet<>();
    for (RecordedRequest r = server.takeRequest(10, TimeUnit.MILLISECONDS);
        r != null;
        r = server.takeRequest(10, TimeUnit.MILLISECONDS)) {
      Matcher m = NAMESPACED_PATH.matcher(r.getPath());
      assertThat(m.matches()).as("a request outside namespaced resources: " + r.getPath()).isTrue();
      String group = m.group(1) == null ? "" : m.group(1);
      String resource = m.group(2) + (m.group(4) == null ? "" : "/" + m.group(4));
      boolean named = m.group(3) != null;
      String verb =
          switch (r.getMethod()) {
            case "GET" -> named ? "get" : r.getPath().contains("watch=true") ? "watch" : "list";
            case "POST" -> "create";
            case "PUT" -> "update";
            case "PATCH" -> "patch";
            case "DELETE" -> named ? "delete" : "deletecollection";
            default -> r.getMethod();
          };
      calls.add(group + "/" + resource + ":" + verb);
    }
    return calls;
  }

  /** Forgets the test's own set-up requests. */
  private void drain() throws InterruptedException {
    while (server.takeRequest(10, TimeUnit.MILLISECONDS) != null) {
      // discard
    }
  }

  /**
   * A call once more when it met a connection the server had closed ("Connection was closed",
   * fabric8io/kubernetes-client#7450, which fabric8's mock server shows now and then), as the
   * engine's retry of a step's job does in a release. The verbs are collected as a set, so a
   * request sent twice counts once; any other failure fails the test.
   */
  private static <T> T retried(Supplier<T> call) {
    try {
      return call.get();
    } catch (RuntimeException failure) {
      if (!String.valueOf(failure.getMessage()).contains("Connection was closed")) {
        throw failure;
      }
      return call.get();
    }
  }

  private static void retriedRun(Runnable call) {
    retried(
        () -> {
          call.run();
          return null;
        });
  }

  private static <T> T only(List<HasMetadata> manifests, Class<T> kind) {
    List<T> found = manifests.stream().filter(kind::isInstance).map(kind::cast).toList();
    assertThat(found).as(kind.getSimpleName()).hasSize(1);
    return found.get(0);
  }
}
