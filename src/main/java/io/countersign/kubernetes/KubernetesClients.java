package io.countersign.kubernetes;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.vertx.VertxHttpClientFactory;
import io.vertx.ext.web.client.WebClientOptions;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeSet;

/**
 * One fabric8 client per configured cluster, built at start-up so a wrong context or kubeconfig
 * stops the application instead of failing the first release.
 */
final class KubernetesClients implements AutoCloseable {
  private static final String SERVICE_ACCOUNT_TOKEN =
      "/var/run/secrets/kubernetes.io/serviceaccount/token";

  private final Map<String, KubernetesClient> clients = new LinkedHashMap<>();

  KubernetesClients(KubernetesProperties properties) {
    properties
        .targets()
        .forEach(
            (name, target) ->
                clients.put(
                    name,
                    new KubernetesClientBuilder()
                        .withConfig(config(name, target, properties))
                        .withHttpClientFactory(new FreshConnections())
                        .build()));
  }

  /**
   * A new connection per request. The Vert.x client takes pooled connections the server (or a load
   * balancer) already closed and fails the request with "Connection was closed", which fabric8 does
   * not retry (fabric8io/kubernetes-client#7450); a step's job would fail and wait for the engine's
   * retry. Countersign's calls are a few per poll, so a handshake each costs little.
   */
  private static final class FreshConnections extends VertxHttpClientFactory {
    @Override
    protected void additionalConfig(WebClientOptions options) {
      options.setKeepAlive(false);
    }
  }

  KubernetesClient get(String target) {
    KubernetesClient client = clients.get(target);
    if (client == null) {
      // Validation refuses unknown targets; one here means the configuration changed while the
      // release ran.
      throw new IllegalStateException(
          "Kubernetes target '"
              + target
              + "' is not configured (configured: "
              + String.join(", ", new TreeSet<>(clients.keySet()))
              + ")");
    }
    return client;
  }

  @Override
  public void close() {
    clients.values().forEach(KubernetesClient::close);
  }

  static Config config(
      String name, KubernetesProperties.Target target, KubernetesProperties properties) {
    Config base;
    if (target.kubeconfig() != null) {
      File file = new File(target.kubeconfig());
      if (!file.isFile()) {
        throw new IllegalStateException(
            "Kubernetes target '" + name + "': kubeconfig " + file + " does not exist");
      }
      base = Config.fromKubeconfig(target.context(), file);
    } else if (target.context() == null && target.masterUrl() != null && !inCluster()) {
      // An explicit API server and nothing else: no ambient credentials from a developer's
      // kubeconfig.
      base = Config.empty();
    } else {
      // No context and running in a pod: fabric8 uses the pod's service account token.
      base = Config.autoConfigure(target.context());
    }
    if (target.context() != null
        && (base.getCurrentContext() == null
            || !target.context().equals(base.getCurrentContext().getName()))) {
      // fabric8 silently falls back to the current context; that would be another cluster.
      throw new IllegalStateException(
          "Kubernetes target '"
              + name
              + "': context '"
              + target.context()
              + "' is not in the kubeconfig"
              + (target.kubeconfig() == null ? "" : " " + target.kubeconfig()));
    }
    int timeout = Math.toIntExact(properties.requestTimeout().toMillis());
    ConfigBuilder config =
        new ConfigBuilder(base)
            .withRequestTimeout(timeout)
            .withConnectionTimeout(timeout)
            // The engine retries failed jobs with its own backoff; retrying here too would hold the
            // job thread.
            .withRequestRetryBackoffLimit(0);
    if (target.masterUrl() != null) {
      config.withMasterUrl(target.masterUrl());
    }
    return config.build();
  }

  private static boolean inCluster() {
    return System.getenv("KUBERNETES_SERVICE_HOST") != null
        && Files.isReadable(Path.of(SERVICE_ACCOUNT_TOKEN));
  }
}
