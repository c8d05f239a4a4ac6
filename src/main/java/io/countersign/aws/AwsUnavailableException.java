package io.countersign.aws;

/**
 * AWS did not answer usefully right now (throttling, 5xx, conflict with a change in progress, I/O,
 * timeout): an ordinary exception, so the engine retries the job and then opens an incident with
 * this message.
 */
public class AwsUnavailableException extends RuntimeException {

  public AwsUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }
}
