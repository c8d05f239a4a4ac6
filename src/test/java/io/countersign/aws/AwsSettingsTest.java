package io.countersign.aws;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AwsSettingsTest {

  @Test
  void aRegionIsAllAWellFormedTargetNeeds() {
    assertThat(new AwsSettings("eu-west-1", null, null, null, null, null).problems("t")).isEmpty();
    assertThat(
            new AwsSettings(
                    "us-gov-west-1",
                    "arn:aws-us-gov:iam::123456789012:role/deploy/countersign",
                    "ext-1",
                    Map.of("lambda", URI.create("http://localhost:9000")),
                    Duration.ofSeconds(3),
                    5)
                .problems("t"))
        .isEmpty();
  }

  @Test
  void defaultsAreAFewSecondsAndTheStandardRetries() {
    AwsSettings settings = new AwsSettings("eu-west-1", null, null, null, null, null);
    assertThat(settings.callTimeoutOrDefault()).isEqualTo(Duration.ofSeconds(5));
    assertThat(settings.maxAttemptsOrDefault()).isEqualTo(3);
  }

  @Test
  void malformedSettingsAreNamedWithTheirProperty() {
    AwsSettings settings =
        new AwsSettings(
            "Ireland",
            "arn:aws:iam::12345:user/bob",
            null,
            Map.of("lambda", URI.create("localhost:9000"), "dynamodb", URI.create("http://x")),
            Duration.ofMinutes(5),
            0);

    assertThat(settings.problems("countersign.targets.lambda.targets.medication-aws"))
        .containsExactlyInAnyOrder(
            "countersign.targets.lambda.targets.medication-aws.region 'Ireland' is not an AWS region (e.g. eu-west-1)",
            "countersign.targets.lambda.targets.medication-aws.role-arn 'arn:aws:iam::12345:user/bob' is not an IAM role ARN (arn:aws:iam::<account>:role/<name>)",
            "countersign.targets.lambda.targets.medication-aws.endpoints.lambda must be an absolute http(s) URL, not 'localhost:9000'",
            "countersign.targets.lambda.targets.medication-aws.endpoints.dynamodb: unknown service; expected one of cloudformation, cloudfront, cloudwatch, lambda, s3, secretsmanager, ssm, sts",
            "countersign.targets.lambda.targets.medication-aws.call-timeout must be between 1 ms and PT1M (a step never waits long on AWS)",
            "countersign.targets.lambda.targets.medication-aws.max-attempts must be between 1 and 10");
  }

  @Test
  void missingRegionAndAnExternalIdWithoutARole() {
    assertThat(new AwsSettings(null, null, "ext-1", null, null, null).problems("t"))
        .containsExactly(
            "t.region is required (e.g. eu-west-1)",
            "t.external-id needs a role-arn and 2-1224 characters of [A-Za-z0-9+=,.@:/_-]");
  }
}
