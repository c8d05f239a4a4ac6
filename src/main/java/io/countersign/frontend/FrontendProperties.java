package io.countersign.frontend;

import io.countersign.aws.AwsSettings;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.ConstructorBinding;

/** {@code countersign.targets.frontend}: the mode and the named static sites a manifest may use. */
@ConfigurationProperties("countersign.targets.frontend")
record FrontendProperties(String mode, Map<String, Target> targets) {

  FrontendProperties {
    targets = targets == null ? Map.of() : Map.copyOf(targets);
  }

  /**
   * A site bucket behind a CloudFront distribution; builds may only come from these artifact
   * buckets. The distribution's origin {@code origin-id} (default: the origin of its default cache
   * behavior) is switched between release prefixes. AWS access as for Lambda targets ({@code
   * region}, {@code role-arn}, {@code endpoints.s3}, {@code endpoints.cloudfront}, {@code
   * call-timeout}); {@code transfer-timeout} bounds one object's transfer and {@code
   * max-archive-size} the site archive.
   */
  record Target(
      String bucket,
      String distributionId,
      List<String> artifactBuckets,
      String originId,
      String region,
      String roleArn,
      String externalId,
      Map<String, URI> endpoints,
      Duration callTimeout,
      Integer maxAttempts,
      Duration transferTimeout,
      Long maxArchiveSize) {
    static final Duration DEFAULT_TRANSFER_TIMEOUT = Duration.ofMinutes(2);
    static final long DEFAULT_MAX_ARCHIVE_SIZE = 512L * 1024 * 1024;

    @ConstructorBinding
    Target {
      artifactBuckets = artifactBuckets == null ? List.of() : List.copyOf(artifactBuckets);
    }

    Target(String bucket, String distributionId, List<String> artifactBuckets) {
      this(
          bucket,
          distributionId,
          artifactBuckets,
          null,
          null,
          null,
          null,
          null,
          null,
          null,
          null,
          null);
    }

    AwsSettings aws() {
      return new AwsSettings(region, roleArn, externalId, endpoints, callTimeout, maxAttempts);
    }

    Duration transferTimeoutOrDefault() {
      return transferTimeout == null ? DEFAULT_TRANSFER_TIMEOUT : transferTimeout;
    }

    long maxArchiveSizeOrDefault() {
      return maxArchiveSize == null ? DEFAULT_MAX_ARCHIVE_SIZE : maxArchiveSize;
    }
  }
}
