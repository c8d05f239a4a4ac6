package io.countersign.aws;

import java.util.Set;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkException;

/** Sorts what AWS answered into a refusal (roll back) or unavailability (retry, then incident). */
public final class AwsFailures {
  /** 4xx codes that mean "later", not "no". */
  private static final Set<String> TRANSIENT_CODES =
      Set.of(
          "Throttling",
          "ThrottlingException",
          "TooManyRequestsException",
          "RequestLimitExceeded",
          "SlowDown",
          "TooManyInvalidationsInProgress",
          "RequestTimeout",
          "RequestTimeoutException",
          "PriorRequestNotComplete",
          "ResourceConflictException",
          "PreconditionFailed",
          "PreconditionFailedException",
          "OperationAborted",
          "ResourceNotReadyException",
          "EC2ThrottledException");

  private AwsFailures() {}

  /**
   * The exception a port should throw for {@code failure} while doing {@code action} (e.g. "Lambda
   * UpdateFunctionCode api_handler").
   */
  public static RuntimeException translate(String action, SdkException failure) {
    if (failure instanceof AwsServiceException service) {
      String code =
          service.awsErrorDetails() == null ? null : service.awsErrorDetails().errorCode();
      String message =
          service.awsErrorDetails() == null
              ? service.getMessage()
              : service.awsErrorDetails().errorMessage();
      String what =
          action
              + " failed: "
              + (code == null ? "" : code + ": ")
              + (message == null ? "" : message)
              + " (HTTP "
              + service.statusCode()
              + ")";
      if (isRefusal(service, code)) {
        return new TargetRefusedException(what, failure);
      }
      return new AwsUnavailableException(
          what + "; the step is retried, then an incident is opened", failure);
    }
    return new AwsUnavailableException(
        action
            + " failed: "
            + failure.getMessage()
            + "; the step is retried, then an incident is opened",
        failure);
  }

  static boolean isRefusal(AwsServiceException service, String code) {
    int status = service.statusCode();
    return status >= 400
        && status < 500
        && status != 408
        && status != 409
        && status != 412
        && status != 429
        && !service.isThrottlingException()
        && !TRANSIENT_CODES.contains(code);
  }
}
