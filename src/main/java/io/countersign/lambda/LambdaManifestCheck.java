package io.countersign.lambda;

import io.countersign.manifest.FieldErrors;
import io.countersign.manifest.ManifestCheck;
import io.countersign.manifest.ReleaseManifest;
import io.countersign.manifest.ReleaseManifest.LambdaChange;
import io.countersign.manifest.ReleaseManifest.LambdaFunction;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeSet;
import org.springframework.stereotype.Component;

/**
 * The manifest's Lambda section against the configured targets, traffic specs that match but make
 * no plan, and each function's configuration ({@link LambdaConfigurationRules}: secret references
 * on the target's allow-lists, no literal secrets).
 */
@Component
class LambdaManifestCheck implements ManifestCheck {
  private final LambdaProperties properties;

  LambdaManifestCheck(LambdaProperties properties) {
    this.properties = properties;
  }

  @Override
  public void check(ReleaseManifest manifest, FieldErrors errors) {
    LambdaChange lambda = manifest.lambda();
    if (lambda == null) {
      return;
    }
    LambdaProperties.Target target =
        lambda.target() == null ? null : properties.targets().get(lambda.target());
    if (lambda.target() != null && target == null) {
      errors.add(
          "$.lambda.target",
          "unknown Lambda target '"
              + lambda.target()
              + "'; configured targets: "
              + names(properties.targets()));
    }
    Map<String, Integer> seen = new HashMap<>();
    for (int i = 0; i < lambda.functions().size(); i++) {
      LambdaFunction function = lambda.functions().get(i);
      String path = "$.lambda.functions[" + i + "]";
      if (function == null) {
        continue;
      }
      Integer first = function.name() == null ? null : seen.putIfAbsent(function.name(), i);
      if (first != null) {
        errors.add(
            path + ".name",
            "duplicate function '"
                + function.name()
                + "' (also at $.lambda.functions["
                + first
                + "])");
      }
      if (function.traffic() != null) {
        try {
          TrafficPlan.parse(function.traffic());
        } catch (IllegalArgumentException e) {
          errors.add(path + ".traffic", e.getMessage());
        }
      }
      for (LambdaConfigurationRules.Problem problem :
          LambdaConfigurationRules.problems(function.configuration(), target)) {
        errors.add(path + ".configuration" + problem.path(), problem.message());
      }
      String bucket = function.artifact() == null ? null : function.artifact().bucket();
      if (target != null && bucket != null && !target.artifactBuckets().contains(bucket)) {
        errors.add(
            path + ".artifact.bucket",
            "bucket '"
                + bucket
                + "' is not an artifact bucket of target '"
                + lambda.target()
                + "' (allowed: "
                + String.join(", ", target.artifactBuckets())
                + ")");
      }
    }
  }

  private static String names(Map<String, ?> targets) {
    return targets.isEmpty() ? "none" : String.join(", ", new TreeSet<>(targets.keySet()));
  }
}
