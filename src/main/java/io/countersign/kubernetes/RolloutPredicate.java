package io.countersign.kubernetes;

import io.countersign.kubernetes.KubernetesTarget.RolloutStatus;
import io.countersign.kubernetes.KubernetesTarget.State;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentCondition;
import io.fabric8.kubernetes.api.model.apps.DeploymentSpec;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatus;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSetStatus;
import java.time.Instant;
import java.util.Objects;

/**
 * When is a rollout done? Ours, not fabric8's {@code waitUntilReady}, which passes mid-rollout
 * because it ignores observedGeneration and updatedReplicas. Complete means the controller has seen
 * the current spec and every replica runs it and is available, with no old replica left. Pure, so
 * it is tested on status fixtures.
 *
 * <p>Choices: a paused Deployment that is not complete FAILS at once (it will not progress until
 * someone resumes it, and waiting out the deadline would only delay the rollback); one scaled to
 * zero is complete once no pod is left (the new template is used when it is scaled up again).
 */
final class RolloutPredicate {
  static final String PROGRESS_DEADLINE_EXCEEDED = "ProgressDeadlineExceeded";

  private RolloutPredicate() {}

  /**
   * What a rollout status says, for either kind. {@code revisionPending}: a StatefulSet whose
   * currentRevision is not yet its updateRevision. {@code progressingReason}/{@code Message}: the
   * Deployment's Progressing condition.
   */
  record Observation(
      long generation,
      long observedGeneration,
      int desired,
      int replicas,
      int updated,
      int available,
      boolean paused,
      boolean revisionPending,
      String progressingReason,
      String progressingMessage) {

    static Observation of(Deployment deployment) {
      DeploymentSpec spec = deployment.getSpec();
      DeploymentStatus status =
          deployment.getStatus() == null ? new DeploymentStatus() : deployment.getStatus();
      DeploymentCondition progressing =
          status.getConditions() == null
              ? null
              : status.getConditions().stream()
                  .filter(c -> "Progressing".equals(c.getType()))
                  .findFirst()
                  .orElse(null);
      return new Observation(
          orZero(deployment.getMetadata().getGeneration()),
          orZero(status.getObservedGeneration()),
          spec.getReplicas() == null ? 1 : spec.getReplicas(),
          orZero(status.getReplicas()),
          orZero(status.getUpdatedReplicas()),
          orZero(status.getAvailableReplicas()),
          Boolean.TRUE.equals(spec.getPaused()),
          false,
          progressing == null ? null : progressing.getReason(),
          progressing == null ? null : progressing.getMessage());
    }

    static Observation of(StatefulSet statefulSet) {
      StatefulSetStatus status =
          statefulSet.getStatus() == null ? new StatefulSetStatus() : statefulSet.getStatus();
      Integer replicas = statefulSet.getSpec().getReplicas();
      // availableReplicas exists since Kubernetes 1.22; readyReplicas is the closest older field.
      Integer available =
          status.getAvailableReplicas() != null
              ? status.getAvailableReplicas()
              : status.getReadyReplicas();
      boolean revisionPending =
          status.getUpdateRevision() != null
              && !Objects.equals(status.getCurrentRevision(), status.getUpdateRevision());
      return new Observation(
          orZero(statefulSet.getMetadata().getGeneration()),
          orZero(status.getObservedGeneration()),
          replicas == null ? 1 : replicas,
          orZero(status.getReplicas()),
          orZero(status.getUpdatedReplicas()),
          orZero(available),
          false,
          revisionPending,
          null,
          null);
    }
  }

  static RolloutStatus evaluate(Observation o, Instant now, Instant deadline) {
    int desired = o.desired();
    if (o.observedGeneration() < o.generation()) {
      return waitingOrLate(
          o,
          "waiting for the controller to observe generation "
              + o.generation()
              + " (observed "
              + o.observedGeneration()
              + ")",
          now,
          deadline);
    }
    if (PROGRESS_DEADLINE_EXCEEDED.equals(o.progressingReason())) {
      return status(
          o,
          State.FAILED,
          PROGRESS_DEADLINE_EXCEEDED
              + (o.progressingMessage() == null ? "" : ": " + o.progressingMessage()));
    }
    if (o.updated() == desired
        && o.available() == desired
        && o.replicas() == desired
        && !o.revisionPending()) {
      return status(o, State.COMPLETE, desired == 0 ? "scaled to zero: no pod to wait for" : null);
    }
    if (o.paused()) {
      return status(
          o,
          State.FAILED,
          "the Deployment is paused (spec.paused) and will not progress; "
              + "resume it (kubectl rollout resume) before releasing");
    }
    String waiting;
    if (o.updated() < desired) {
      waiting = o.updated() + " of " + desired + " replicas updated";
    } else if (o.replicas() > o.updated()) {
      int old = o.replicas() - o.updated();
      waiting = old + " old replica" + (old == 1 ? "" : "s") + " still terminating";
    } else if (o.available() < desired) {
      waiting = o.available() + " of " + desired + " updated replicas available";
    } else {
      waiting = "waiting for the controller to finish (revision not yet current)";
    }
    return waitingOrLate(o, waiting, now, deadline);
  }

  private static RolloutStatus waitingOrLate(
      Observation o, String waiting, Instant now, Instant deadline) {
    if (deadline != null && now.isAfter(deadline)) {
      return status(o, State.FAILED, "not complete by its deadline " + deadline + ": " + waiting);
    }
    return status(o, State.PROGRESSING, waiting);
  }

  private static RolloutStatus status(Observation o, State state, String message) {
    return new RolloutStatus(state, o.updated(), o.available(), o.desired(), message);
  }

  private static int orZero(Integer value) {
    return value == null ? 0 : value;
  }

  private static long orZero(Long value) {
    return value == null ? 0 : value;
  }
}
