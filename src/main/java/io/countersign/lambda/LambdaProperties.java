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
 * often a code update in progress is looked at again ({@code poll-interval}) and how long it may
 * take ({@code update-timeout}).
 */
@ConfigurationProperties("countersign.targets.lambda")
record LambdaProperties(
    String mode, Map<String, Target> targets, Duration pollInterval, Duration updateTimeout) {
  static final Duration DEFAULT_POLL_INTERVAL = Duration.ofSeconds(5);
  static final Duration DEFAULT_UPDATE_TIMEOUT = Duration.ofMinutes(10);

  @ConstructorBinding
  LambdaProperties {
    targets = targets == null ? Map.of() : Map.copyOf(targets);
  }

  LambdaProperties(String mode, Map<String, Target> targets) {
    this(mode, targets, null, null);
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
   * Countersign's role can read into a function they control. Credentials come from the default
   * chain, or the role {@code role-arn} assumed with it; {@code endpoints.lambda}/{@code
   * endpoints.sts}/{@code endpoints.secretsmanager}/{@code endpoints.ssm} override AWS's endpoints
   * (tests, emulators).
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
      List<String> parameterPrefixes) {

    @ConstructorBinding
    Target {
      artifactBuckets = artifactBuckets == null ? List.of() : List.copyOf(artifactBuckets);
      secretPrefixes = secretPrefixes == null ? List.of() : List.copyOf(secretPrefixes);
      parameterPrefixes = parameterPrefixes == null ? List.of() : List.copyOf(parameterPrefixes);
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
          null);
    }

    Target(String region, List<String> artifactBuckets) {
      this(region, artifactBuckets, null, null, null, null, null, null, null);
    }

    AwsSettings aws() {
      return new AwsSettings(region, roleArn, externalId, endpoints, callTimeout, maxAttempts);
    }
  }
}
