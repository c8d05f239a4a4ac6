package io.countersign.aws;

/**
 * The target refused a change for a reason a retry will not fix (access denied, artifact missing, update
 * failed, bad input). Delegates turn it into the step's BpmnError, so the release rolls back.
 */
public class TargetRefusedException extends RuntimeException {

  public TargetRefusedException(String message) {
    super(message);
  }

  public TargetRefusedException(String message, Throwable cause) {
    super(message, cause);
  }
}
