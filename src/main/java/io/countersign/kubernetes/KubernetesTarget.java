package io.countersign.kubernetes;

import io.countersign.manifest.ReleaseManifest.Workload;
import java.time.Instant;
import java.util.Map;

/**
 * Port to a Kubernetes cluster. The adapter comes from {@code countersign.targets.kubernetes.mode}.
 */
interface KubernetesTarget {

  /**
   * Sets the workload's container images to the manifest's; returns what ran before. Does not wait.
   */
  Rollout rollout(String releaseId, String target, String namespace, Workload workload);

  /** One look at the rollout; FAILED once it cannot complete (or {@code deadline} has passed). */
  RolloutStatus status(String target, String namespace, Workload workload, Instant deadline);

  /** Sets the container images back to {@code previousImages}. */
  Rollout undo(
      String releaseId,
      String target,
      String namespace,
      Workload workload,
      Map<String, String> previousImages);

  /**
   * previousImages: container name to the image it ran before this change; plan says what was (or
   * would be) done.
   */
  record Rollout(Map<String, String> previousImages, boolean dryRun, String plan) {}

  record RolloutStatus(State state, int updated, int available, int desired, String message) {}

  enum State {
    PROGRESSING,
    COMPLETE,
    FAILED
  }
}
