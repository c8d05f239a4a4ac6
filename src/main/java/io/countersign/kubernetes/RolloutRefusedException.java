package io.countersign.kubernetes;

/**
 * A rollout that cannot succeed by retrying: the workload or container does not exist, the cluster forbids the
 * call, or the API server rejects the change. The rollout step turns it into the model's STEP_FAILED error; a
 * rollback step leaves it an ordinary exception (an incident with this message).
 */
class RolloutRefusedException extends RuntimeException {
  RolloutRefusedException(String message) {
    super(message);
  }

  RolloutRefusedException(String message, Throwable cause) {
    super(message, cause);
  }
}
