package io.countersign.lambda;

import io.countersign.aws.AwsSettings;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.ConstructorBinding;

/**
 * {@code countersign.targets.lambda}: the mode, the named Lambda targets a manifest may use, how
 * often a code update in progress is looked at again ({@code poll-interval}), how long it may take
 * ({@code update-timeout}) and how long all traffic is held before the last gates ({@code
 * final-hold}).
 */
@ConfigurationProperties("countersign.targets.lambda")
record LambdaProperties(
    String mode,
    Map<String, Target> targets,
    Duration pollInterval,
    Duration updateTimeout,
    Duration finalHold) {
  static final Duration DEFAULT_POLL_INTERVAL = Duration.ofSeconds(5);
  static final Duration DEFAULT_UPDATE_TIMEOUT = Duration.ofMinutes(10);

  /**
   * How long all traffic is held on the new version before the gates are asked once more: a minute
   * gives the metric rules samples of the version at 100 % (an all-at-once shift had none), short
   * enough not to stretch every release.
   */
  static final Duration DEFAULT_FINAL_HOLD = Duration.ofMinutes(1);

  @ConstructorBinding
  LambdaProperties {
    targets = targets == null ? Map.of() : Map.copyOf(targets);
  }

  LambdaProperties(String mode, Map<String, Target> targets) {
    this(mode, targets, null, null, null);
  }

  LambdaProperties(
      String mode, Map<String, Target> targets, Duration pollInterval, Duration updateTimeout) {
    this(mode, targets, pollInterval, updateTimeout, null);
  }

  Duration finalHoldOrDefault() {
    return finalHold == null ? DEFAULT_FINAL_HOLD : finalHold;
  }

  Duration pollIntervalOrDefault() {
    return pollInterval == null ? DEFAULT_POLL_INTERVAL : pollInterval;
  }

  Duration updateTimeoutOrDefault() {
    return updateTimeout == null ? DEFAULT_UPDATE_TIMEOUT : updateTimeout;
  }

  /**
   * One AWS account/region; functions there may only be built from these artifact buckets, and
   * their environment may only take values from the Secrets Manager secrets and Parameter Store
   * parameters under {@code secret-prefixes} (secret ARN or name prefixes) and {@code
   * parameter-prefixes} (parameter path prefixes): without them a requester could copy any secret
   * Countersign's role can read into a function they control. {@code validation-functions} are the
   * functions a manifest's traffic check may name: the only ones Countersign's role invokes besides
   * the versions it publishes. Credentials come from the default chain, or the role {@code
   * role-arn} assumed with it; {@code endpoints.lambda}/{@code endpoints.sts}/{@code
   * endpoints.secretsmanager}/{@code endpoints.ssm} override AWS's endpoints (tests, emulators).
   */
  record Target(
      String region,
      List<String> artifactBuckets,
      String roleArn,
      String externalId,
      Map<String, URI> endpoints,
      Duration callTimeout,
      Integer maxAttempts,
      List<String> secretPrefixes,
      List<String> parameterPrefixes,
      List<String> validationFunctions) {

    @ConstructorBinding
    Target {
      artifactBuckets = artifactBuckets == null ? List.of() : List.copyOf(artifactBuckets);
      secretPrefixes = secretPrefixes == null ? List.of() : List.copyOf(secretPrefixes);
      parameterPrefixes = parameterPrefixes == null ? List.of() : List.copyOf(parameterPrefixes);
      validationFunctions =
          validationFunctions == null ? List.of() : List.copyOf(validationFunctions);
    }

    Target(
        String region,
        List<String> artifactBuckets,
        String roleArn,
        String externalId,
        Map<String, URI> endpoints,
        Duration callTimeout,
        Integer maxAttempts,
        List<String> secretPrefixes,
        List<String> parameterPrefixes) {
      this(
          region,
          artifactBuckets,
          roleArn,
          externalId,
          endpoints,
          callTimeout,
          maxAttempts,
          secretPrefixes,
          parameterPrefixes,
          null);
    }

    Target(
        String region,
        List<String> artifactBuckets,
        String roleArn,
        String externalId,
        Map<String, URI> endpoints,
        Duration callTimeout,
        Integer maxAttempts,
        List<String> validationFunctions) {
      this(
          region,
          artifactBuckets,
          roleArn,
          externalId,
          endpoints,
          callTimeout,
          maxAttempts,
          null,
          null,
          validationFunctions);
    }

    Target(
        String region,
        List<String> artifactBuckets,
        String roleArn,
        String externalId,
        Map<String, URI> endpoints,
        Duration callTimeout,
        Integer maxAttempts) {
      this(
          region,
          artifactBuckets,
          roleArn,
          externalId,
          endpoints,
          callTimeout,
          maxAttempts,
          null,
          null,
          null);
    }

    Target(String region, List<String> artifactBuckets) {
      this(region, artifactBuckets, null, null, null, null, null, null, null, null);
    }

    AwsSettings aws() {
      return new AwsSettings(region, roleArn, externalId, endpoints, callTimeout, maxAttempts);
    }
  }
}
