package io.countersign.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import io.countersign.manifest.ReleaseManifest.Container;
import io.countersign.manifest.ReleaseManifest.Workload;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apps.StatefulSetBuilder;
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
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The shipped Role grants exactly the calls the adapter makes: no more (least privilege), no less
 * (no 403).
 */
@EnableKubernetesMockClient(crud = true, https = false)
class RbacManifestTest {
  private static final Pattern WORKLOAD_PATH =
      Pattern.compile("/apis/(apps)/v1/namespaces/[^/]+/([a-z]+)/[^/?]+(/[a-z]+)?(\\?.*)?");

  KubernetesMockServer server;
  KubernetesClient client;

  @Test
  void theRoleGrantsExactlyWhatRolloutStatusAndUndoCall() throws Exception {
    List<HasMetadata> manifests;
    try (InputStream yaml =
        Files.newInputStream(Path.of("deploy/kubernetes/countersign-rbac.yaml"))) {
      manifests = client.load(yaml).items();
    }
    Role role = only(manifests, Role.class);
    RoleBinding binding = only(manifests, RoleBinding.class);
    ServiceAccount account = only(manifests, ServiceAccount.class);
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
      rule.getApiGroups()
          .forEach(
              g ->
                  rule.getResources()
                      .forEach(
                          r -> rule.getVerbs().forEach(v -> granted.add(g + "/" + r + ":" + v))));
    }

    exerciseTheAdapter();

    assertThat(calls()).isEqualTo(granted);
  }

  private void exerciseTheAdapter() throws InterruptedException {
    String ns = "medication";
    new ControllerStandIn(client).deploy(ns, "backend", 2, "api", "registry.example/api:2.3.0");
    client
        .apps()
        .statefulSets()
        .inNamespace(ns)
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
    try (LiveKubernetesTarget target =
        new LiveKubernetesTarget(
            new KubernetesClients(
                new KubernetesProperties(
                    "live",
                    null,
                    Map.of(
                        "c",
                        new KubernetesProperties.Target(
                            null, null, client.getMasterUrl().toString(), List.of(ns))))))) {
      for (Workload workload :
          List.of(
              new Workload(
                  "Deployment",
                  "backend",
                  List.of(new Container("api", "registry.example/api:2.4.0"))),
              new Workload("StatefulSet", "cache", List.of(new Container("redis", "redis:7.4"))))) {
        KubernetesTarget.Rollout rollout = target.rollout("rel-1", "c", ns, workload);
        target.status("c", ns, workload, Instant.now().plusSeconds(600));
        target.undo("rel-1", "c", ns, workload, rollout.previousImages());
      }
    }
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
      Matcher m = WORKLOAD_PATH.matcher(r.getPath());
      assertThat(m.matches()).as("a request outside namespaced workloads: " + r.getPath()).isTrue();
      String resource = m.group(2) + (m.group(3) == null ? "" : m.group(3));
      calls.add(
          m.group(1)
              + "/"
              + resource
              + ":"
              + switch (r.getMethod()) {
                case "GET" -> "get";
                case "PATCH" -> "patch";
                default -> r.getMethod();
              });
    }
    return calls;
  }

  /** Forgets the test's own set-up requests. */
  private void drain() throws InterruptedException {
    while (server.takeRequest(10, TimeUnit.MILLISECONDS) != null) {
      // discard
    }
  }

  private static <T> T only(List<HasMetadata> manifests, Class<T> kind) {
    List<T> found = manifests.stream().filter(kind::isInstance).map(kind::cast).toList();
    assertThat(found).as(kind.getSimpleName()).hasSize(1);
    return found.get(0);
  }
}
