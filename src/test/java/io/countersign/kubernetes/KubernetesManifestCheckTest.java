package io.countersign.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.countersign.FakeExecution;
import io.countersign.manifest.FieldErrors;
import io.countersign.manifest.FieldErrors.FieldError;
import io.countersign.manifest.ReleaseManifest;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

class KubernetesManifestCheckTest {
  private final KubernetesProperties properties =
      new KubernetesProperties(
          "dry-run",
          null,
          Map.of(
              "medication-cluster",
              new KubernetesProperties.Target(
                  null, null, null, List.of("medication-staging", "medication"))));

  @Test
  void bindsTheYamlShape() {
    KubernetesProperties bound =
        new Binder(
                new MapConfigurationPropertySource(
                    Map.of(
                        "countersign.targets.kubernetes.mode", "dry-run",
                        "countersign.targets.kubernetes.targets.medication-cluster.namespaces[0]",
                            "medication-staging",
                        "countersign.targets.kubernetes.targets.medication-cluster.namespaces[1]",
                            "medication")))
            .bind("countersign.targets.kubernetes", KubernetesProperties.class)
            .get();

    assertThat(bound).isEqualTo(properties);
  }

  @Test
  void acceptsAConfiguredTargetAndNamespace() throws Exception {
    assertThat(errors("medication-cluster", "medication", workload("Deployment", "backend")))
        .isEmpty();
  }

  @Test
  void unknownTarget() throws Exception {
    assertThat(errors("other-cluster", "medication", workload("Deployment", "backend")))
        .containsExactly(
            new FieldError(
                "$.kubernetes.target",
                "unknown Kubernetes target 'other-cluster'; configured targets: medication-cluster"));
  }

  @Test
  void namespaceNotAllowed() throws Exception {
    assertThat(errors("medication-cluster", "kube-system", workload("Deployment", "backend")))
        .containsExactly(
            new FieldError(
                "$.kubernetes.namespace",
                "namespace 'kube-system' is not allowed on target 'medication-cluster' (allowed: medication-staging, medication)"));
  }

  @Test
  void duplicateKindAndNameButNotSameNameOfAnotherKind() throws Exception {
    assertThat(
            errors(
                "medication-cluster",
                "medication",
                workload("Deployment", "backend"),
                workload("StatefulSet", "backend"),
                workload("Deployment", "backend")))
        .containsExactly(
            new FieldError(
                "$.kubernetes.workloads[2].name",
                "duplicate workload Deployment/backend (also at $.kubernetes.workloads[0])"));
  }

  private List<FieldError> errors(String target, String namespace, String... workloads)
      throws Exception {
    String section =
        "\"kubernetes\":{\"target\":\""
            + target
            + "\",\"namespace\":\""
            + namespace
            + "\",\"workloads\":["
            + String.join(",", workloads)
            + "]}";
    FieldErrors errors = new FieldErrors();
    new KubernetesManifestCheck(properties)
        .check(
            new ObjectMapper().readValue(FakeExecution.manifest(section), ReleaseManifest.class),
            errors);
    return errors.list();
  }

  private static String workload(String kind, String name) {
    return "{\"kind\":\""
        + kind
        + "\",\"name\":\""
        + name
        + "\",\"containers\":[{\"name\":\"app\",\"image\":\"registry.example/"
        + name
        + ":2.4.0\"}]}";
  }
}
