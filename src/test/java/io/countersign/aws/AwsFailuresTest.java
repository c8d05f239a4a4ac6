package io.countersign.aws;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkClientException;

class AwsFailuresTest {

  @ParameterizedTest(name = "{0} {1} -> refused: {2}")
  @CsvSource({
    "400,InvalidParameterValueException,true",
    "403,AccessDeniedException,true",
    "403,AccessDenied,true",
    "404,ResourceNotFoundException,true",
    "404,NoSuchKey,true",
    "404,NoSuchDistribution,true",
    "400,IllegalUpdate,true",
    "429,TooManyRequestsException,false",
    "400,Throttling,false",
    "400,TooManyInvalidationsInProgress,false",
    "409,ResourceConflictException,false",
    "412,PreconditionFailed,false",
    "412,PreconditionFailedException,false",
    "500,ServiceException,false",
    "502,ResourceNotReadyException,false",
    "503,SlowDown,false"
  })
  void refusedOrUnavailable(int status, String code, boolean refused) {
    AwsServiceException failure =
        (AwsServiceException)
            AwsServiceException.builder()
                .statusCode(status)
                .awsErrorDetails(
                    AwsErrorDetails.builder().errorCode(code).errorMessage("it said so").build())
                .build();

    RuntimeException translated =
        AwsFailures.translate("Lambda UpdateFunctionCode api_handler", failure);

    assertThat(translated)
        .isInstanceOf(refused ? TargetRefusedException.class : AwsUnavailableException.class)
        .hasCause(failure)
        .hasMessageStartingWith(
            "Lambda UpdateFunctionCode api_handler failed: "
                + code
                + ": it said so (HTTP "
                + status
                + ")");
    if (!refused) {
      assertThat(translated)
          .hasMessageEndingWith("; the step is retried, then an incident is opened");
    }
  }

  @org.junit.jupiter.api.Test
  void clientSideFailuresAreUnavailability() {
    RuntimeException translated =
        AwsFailures.translate(
            "S3 GetObject s3://b/k",
            SdkClientException.create("Unable to execute HTTP request: Read timed out"));

    assertThat(translated)
        .isInstanceOf(AwsUnavailableException.class)
        .hasMessage(
            "S3 GetObject s3://b/k failed: Unable to execute HTTP request: Read timed out; the step is retried, "
                + "then an incident is opened");
  }
}
