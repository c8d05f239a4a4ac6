package io.countersign.kubernetes;

import io.countersign.aws.AwsSettings;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.ConstructorBinding;

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
   * address (a proxy, or a test server). {@code kinds}: the kinds a manifest set may apply there
   * (never Secrets, never cluster-scoped objects), {@link #DEFAULT_KINDS} unless given; the RBAC
   * under {@code deploy/kubernetes} grants exactly those. {@code artifacts}: where manifest sets
   * named by an S3 artifact are read from.
   */
  record Target(
      String context,
      String kubeconfig,
      String masterUrl,
      List<String> namespaces,
      List<String> kinds,
      AwsSettings artifacts) {
    /** What a team's manifest set usually holds, and the RBAC example grants. */
    static final List<String> DEFAULT_KINDS =
        List.of("ConfigMap", "Service", "Deployment", "StatefulSet", "Ingress");

    @ConstructorBinding
    Target {
      context = blankToNull(context);
      kubeconfig = blankToNull(kubeconfig);
      masterUrl = blankToNull(masterUrl);
      namespaces = namespaces == null ? List.of() : List.copyOf(namespaces);
      kinds = kinds == null || kinds.isEmpty() ? DEFAULT_KINDS : List.copyOf(kinds);
    }

    Target(String context, String kubeconfig, String masterUrl, List<String> namespaces) {
      this(context, kubeconfig, masterUrl, namespaces, null, null);
    }

    private static String blankToNull(String value) {
      return value == null || value.isBlank() ? null : value;
    }
  }
}
