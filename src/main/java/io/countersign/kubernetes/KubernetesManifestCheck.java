package io.countersign.kubernetes;

import io.countersign.manifest.FieldErrors;
import io.countersign.manifest.ManifestCheck;
import io.countersign.manifest.ReleaseManifest;
import io.countersign.manifest.ReleaseManifest.KubernetesChange;
import io.countersign.manifest.ReleaseManifest.Workload;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeSet;
import org.springframework.stereotype.Component;

/** The manifest's Kubernetes section against the configured clusters and namespaces. */
@Component
class KubernetesManifestCheck implements ManifestCheck {
  private final KubernetesProperties properties;

  KubernetesManifestCheck(KubernetesProperties properties) {
    this.properties = properties;
  }

  @Override
  public void check(ReleaseManifest manifest, FieldErrors errors) {
    KubernetesChange kubernetes = manifest.kubernetes();
    if (kubernetes == null) {
      return;
    }
    KubernetesProperties.Target target =
        kubernetes.target() == null ? null : properties.targets().get(kubernetes.target());
    if (kubernetes.target() != null && target == null) {
      errors.add(
          "$.kubernetes.target",
          "unknown Kubernetes target '"
              + kubernetes.target()
              + "'; configured targets: "
              + (properties.targets().isEmpty()
                  ? "none"
                  : String.join(", ", new TreeSet<>(properties.targets().keySet()))));
    }
    if (target != null
        && kubernetes.namespace() != null
        && !target.namespaces().contains(kubernetes.namespace())) {
      errors.add(
          "$.kubernetes.namespace",
          "namespace '"
              + kubernetes.namespace()
              + "' is not allowed on target '"
              + kubernetes.target()
              + "' (allowed: "
              + String.join(", ", target.namespaces())
              + ")");
    }
    Map<String, Integer> seen = new HashMap<>();
    for (int i = 0; i < kubernetes.workloads().size(); i++) {
      Workload workload = kubernetes.workloads().get(i);
      if (workload == null || workload.kind() == null || workload.name() == null) {
        continue;
      }
      Integer first = seen.putIfAbsent(Workloads.key(workload), i);
      if (first != null) {
        errors.add(
            "$.kubernetes.workloads[" + i + "].name",
            "duplicate workload "
                + Workloads.key(workload)
                + " (also at $.kubernetes.workloads["
                + first
                + "])");
      }
    }
  }
}
