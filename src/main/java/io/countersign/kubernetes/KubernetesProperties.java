package io.countersign.kubernetes;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * {@code countersign.targets.kubernetes}: the mode, how long one API request may take, and the
 * named clusters a manifest may use.
 */
@ConfigurationProperties("countersign.targets.kubernetes")
record KubernetesProperties(String mode, Duration requestTimeout, Map<String, Target> targets) {
  /**
   * A delegate call makes one or two requests per workload; each must stay far below the job lock.
   */
  static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(5);

  KubernetesProperties {
    requestTimeout = requestTimeout == null ? DEFAULT_REQUEST_TIMEOUT : requestTimeout;
    targets = targets == null ? Map.of() : Map.copyOf(targets);
  }

  /**
   * A cluster and the namespaces releases may change there. {@code context}: a kubeconfig context;
   * empty means the pod's service account when Countersign runs in a cluster, else the kubeconfig's
   * current context. {@code kubeconfig}: a kubeconfig file instead of fabric8's usual resolution
   * ({@code KUBECONFIG}, then {@code ~/.kube/config}). {@code masterUrl}: overrides the API server
   * address (a proxy, or a test server).
   */
  record Target(String context, String kubeconfig, String masterUrl, List<String> namespaces) {

    Target {
      context = blankToNull(context);
      kubeconfig = blankToNull(kubeconfig);
      masterUrl = blankToNull(masterUrl);
      namespaces = namespaces == null ? List.of() : List.copyOf(namespaces);
    }

    private static String blankToNull(String value) {
      return value == null || value.isBlank() ? null : value;
    }
  }
}
