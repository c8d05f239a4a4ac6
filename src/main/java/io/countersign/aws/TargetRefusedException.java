package io.countersign.aws;

/**
 * A target refused a change for a reason a retry will not fix (access denied, a workload or
 * artifact missing, an update failed, input the API rejects). The one "refused" of every
 * capability's adapters, the cloud's and the cluster's alike: an act step turns it into its failed
 * {@link io.countersign.process.StepOutcome}, so the release rolls back; an undo step leaves it an
 * ordinary exception, an incident with this message. Transient failures (throttling, 5xx, I/O) are
 * other exceptions, which jobs retry. It lives with the cloud adapters' support because the step
 * support (process) depends on the evidence, which depends on this package.
 */
public class TargetRefusedException extends RuntimeException {

  public TargetRefusedException(String message) {
    super(message);
  }

  public TargetRefusedException(String message, Throwable cause) {
    super(message, cause);
  }
}
