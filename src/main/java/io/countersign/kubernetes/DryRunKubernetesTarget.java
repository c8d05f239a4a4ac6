package io.countersign.kubernetes;

import io.countersign.manifest.ReleaseManifest.Container;
import io.countersign.manifest.ReleaseManifest.Workload;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Changes nothing in any cluster; says what a live rollout would do and reports it complete. */
class DryRunKubernetesTarget implements KubernetesTarget {
  static final String UNKNOWN = "unknown (dry-run)";
  private static final Logger log = LoggerFactory.getLogger(DryRunKubernetesTarget.class);

  private final KubernetesProperties properties;

  DryRunKubernetesTarget(KubernetesProperties properties) {
    this.properties = properties;
  }

  @Override
  public Rollout rollout(String releaseId, String target, String namespace, Workload workload) {
    String images =
        workload.containers().stream()
            .map(c -> c.name() + "=" + c.image())
            .collect(Collectors.joining(", "));
    String plan =
        "dry-run: would set images " + images + " on " + where(target, namespace, workload);
    log.info("{}: {}", releaseId, plan);
    Map<String, String> previous = new LinkedHashMap<>();
    for (Container container : workload.containers()) {
      previous.put(container.name(), UNKNOWN);
    }
    return new Rollout(previous, true, plan);
  }

  @Override
  public RolloutStatus status(
      String target, String namespace, Workload workload, Instant deadline) {
    return new RolloutStatus(State.COMPLETE, 0, 0, 0, "dry-run: not checked");
  }

  @Override
  public Rollout undo(
      String releaseId,
      String target,
      String namespace,
      Workload workload,
      Map<String, String> previousImages) {
    String plan =
        "dry-run: would set images back to "
            + previousImages
            + " on "
            + where(target, namespace, workload);
    log.info("{}: {}", releaseId, plan);
    Map<String, String> replaced = new LinkedHashMap<>();
    previousImages.keySet().forEach(container -> replaced.put(container, UNKNOWN));
    return new Rollout(replaced, true, plan);
  }

  private String where(String target, String namespace, Workload workload) {
    KubernetesProperties.Target config = properties.targets().get(target);
    String context =
        config == null || config.context() == null ? "" : ", context " + config.context();
    return workload.kind()
        + "/"
        + workload.name()
        + " in namespace "
        + namespace
        + " (target "
        + target
        + context
        + ")";
  }
}
