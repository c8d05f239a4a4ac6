package io.countersign.kubernetes;

import io.countersign.manifest.ReleaseManifest;
import io.countersign.manifest.ReleaseManifest.Workload;
import io.countersign.process.Variables;

/** Workloads are named "Kind/name" in variables and evidence, as kubectl names them. */
final class Workloads {
  private Workloads() {}

  static String key(Workload workload) {
    return workload.kind() + "/" + workload.name();
  }

  static Workload find(ReleaseManifest manifest, String key) {
    return manifest.kubernetes().workloads().stream()
        .filter(w -> key(w).equals(key))
        .findFirst()
        .orElseThrow(
            () ->
                new IllegalStateException(
                    "variable '"
                        + Variables.K8S_WORKLOAD
                        + "' names no workload of the manifest: "
                        + key));
  }
}
