package io.countersign.frontend;

import java.util.List;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;

/** {@code countersign.targets.frontend}: the mode and the named static sites a manifest may use. */
@ConfigurationProperties("countersign.targets.frontend")
record FrontendProperties(String mode, Map<String, Target> targets) {

  FrontendProperties {
    targets = targets == null ? Map.of() : Map.copyOf(targets);
  }

  /** A site bucket behind a CloudFront distribution; builds may only come from these artifact buckets. */
  record Target(String bucket, String distributionId, List<String> artifactBuckets) {

    Target {
      artifactBuckets = artifactBuckets == null ? List.of() : List.copyOf(artifactBuckets);
    }
  }
}
