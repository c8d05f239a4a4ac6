package io.countersign.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.client.Config;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

/** How a configured target becomes a fabric8 client configuration. */
class KubernetesClientsTest {
  private static final String KUBECONFIG =
      """
      apiVersion: v1
      kind: Config
      clusters:
      - name: staging
        cluster: {server: "https://staging.k8s.example:6443"}
      - name: production
        cluster: {server: "https://production.k8s.example:6443"}
      users:
      - name: countersign
        user: {token: not-a-real-token}
      contexts:
      - name: staging
        context: {cluster: staging, user: countersign}
      - name: production
        context: {cluster: production, user: countersign}
      current-context: staging
      """;

  @TempDir Path dir;

  @Test
  void bindsTheYamlShape() {
    KubernetesProperties bound =
        new Binder(
                new MapConfigurationPropertySource(
                    Map.of(
                        "countersign.targets.kubernetes.mode", "live",
                        "countersign.targets.kubernetes.request-timeout", "3s",
                        "countersign.targets.kubernetes.targets.medication-cluster.context",
                            "production",
                        "countersign.targets.kubernetes.targets.medication-cluster.kubeconfig",
                            "/etc/countersign/kubeconfig",
                        "countersign.targets.kubernetes.targets.medication-cluster.namespaces[0]",
                            "medication")))
            .bind("countersign.targets.kubernetes", KubernetesProperties.class)
            .get();

    assertThat(bound)
        .isEqualTo(
            new KubernetesProperties(
                "live",
                Duration.ofSeconds(3),
                Map.of(
                    "medication-cluster",
                    new KubernetesProperties.Target(
                        "production",
                        "/etc/countersign/kubeconfig",
                        null,
                        List.of("medication")))));
  }

  @Test
  void aKubeconfigContextSelectsItsClusterWithShortTimeoutsAndNoClientSideRetries()
      throws IOException {
    Config config =
        config(
            new KubernetesProperties.Target(
                "production", kubeconfig(), null, List.of("medication")));

    assertThat(config.getMasterUrl()).isEqualTo("https://production.k8s.example:6443/");
    assertThat(config.getCurrentContext().getName()).isEqualTo("production");
    assertThat(config.getRequestTimeout()).isEqualTo(5000);
    assertThat(config.getConnectionTimeout()).isEqualTo(5000);
    assertThat(config.getRequestRetryBackoffLimit()).isZero();
  }

  @Test
  void aContextMissingFromTheKubeconfigStopsStartUpInsteadOfFallingBackToTheCurrentOne()
      throws IOException {
    String kubeconfig = kubeconfig();

    assertThatThrownBy(
            () -> config(new KubernetesProperties.Target("prod", kubeconfig, null, List.of())))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage(
            "Kubernetes target 'medication-cluster': context 'prod' is not in the kubeconfig "
                + kubeconfig);
    assertThatThrownBy(
            () ->
                config(
                    new KubernetesProperties.Target(
                        null, dir.resolve("none").toString(), null, List.of())))
        .hasMessageContaining("does not exist");
  }

  @Test
  void aMasterUrlAloneUsesNoAmbientCredentials() {
    Config config =
        config(new KubernetesProperties.Target(null, null, "http://127.0.0.1:8443", List.of()));

    assertThat(config.getMasterUrl()).isEqualTo("http://127.0.0.1:8443/");
    assertThat(config.getOauthToken()).isNull();
    assertThat(config.getRequestTimeout()).isEqualTo(5000);
  }

  private static Config config(KubernetesProperties.Target target) {
    return KubernetesClients.config(
        "medication-cluster",
        target,
        new KubernetesProperties("live", null, Map.of("medication-cluster", target)));
  }

  private String kubeconfig() throws IOException {
    Path file = dir.resolve("kubeconfig");
    Files.writeString(file, KUBECONFIG);
    return file.toString();
  }
}
