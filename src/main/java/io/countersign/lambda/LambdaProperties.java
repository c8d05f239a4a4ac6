package io.countersign.lambda;

import java.util.List;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;

/** {@code countersign.targets.lambda}: the mode and the named Lambda targets a manifest may use. */
@ConfigurationProperties("countersign.targets.lambda")
record LambdaProperties(String mode, Map<String, Target> targets) {

  LambdaProperties {
    targets = targets == null ? Map.of() : Map.copyOf(targets);
  }

  /** One AWS account/region; functions there may only be built from these artifact buckets. */
  record Target(String region, List<String> artifactBuckets) {

    Target {
      artifactBuckets = artifactBuckets == null ? List.of() : List.copyOf(artifactBuckets);
    }
  }
}
