package io.countersign.kubernetes;

import java.util.List;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;

/** {@code countersign.targets.kubernetes}: the mode and the named clusters a manifest may use. */
@ConfigurationProperties("countersign.targets.kubernetes")
record KubernetesProperties(String mode, Map<String, Target> targets) {

  KubernetesProperties {
    targets = targets == null ? Map.of() : Map.copyOf(targets);
  }

  /** A cluster (kubeconfig context; null = the current one) and the namespaces releases may change. */
  record Target(String context, List<String> namespaces) {

    Target {
      namespaces = namespaces == null ? List.of() : List.copyOf(namespaces);
    }
  }
}
