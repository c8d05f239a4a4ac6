package io.countersign.lambda;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.countersign.manifest.FieldErrors;
import io.countersign.manifest.ManifestCheck;
import io.countersign.manifest.ReleaseManifest;
import io.countersign.manifest.ReleaseManifest.LambdaChange;
import io.countersign.manifest.ReleaseManifest.LambdaFunction;
import io.countersign.manifest.ReleaseManifest.TrafficCheck;
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
  /** A test event is a sample, not a data set: it is signed with the manifest and kept in it. */
  static final int MAX_EVENT = 65_536;

  private static final ObjectMapper JSON = new ObjectMapper();
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
      checkTraffic(
          function, function.beforeTraffic(), path + ".beforeTraffic", lambda, target, errors);
      checkTraffic(
          function, function.afterTraffic(), path + ".afterTraffic", lambda, target, errors);
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

  /**
   * A traffic check names what to invoke (an event for the new version, or a validation function
   * the target allows: otherwise a manifest could make Countersign's role invoke any function), a
   * field with its value or neither, and a short timeout.
   */
  private static void checkTraffic(
      LambdaFunction function,
      TrafficCheck check,
      String path,
      LambdaChange lambda,
      LambdaProperties.Target target,
      FieldErrors errors) {
    if (check == null) {
      return;
    }
    if (check.event() == null && check.function() == null) {
      errors.add(
          path,
          "give an event (the new version is invoked with it) or a validation function, or leave"
              + " the check out");
    }
    if (check.function() != null) {
      if (check.function().equals(function.name())) {
        errors.add(
            path + ".function",
            "a validation function is another function; to invoke the new version, give only an"
                + " event");
      } else if (target != null && !target.validationFunctions().contains(check.function())) {
        errors.add(
            path + ".function",
            "'"
                + check.function()
                + "' is not a validation function of target '"
                + lambda.target()
                + "' (allowed: "
                + (target.validationFunctions().isEmpty()
                    ? "none"
                    : String.join(", ", target.validationFunctions()))
                + ")");
      }
    }
    if (check.jsonField() != null && check.jsonValue() == null) {
      errors.add(path + ".jsonValue", "give the value " + check.jsonField() + " must have");
    }
    if (check.jsonValue() != null && check.jsonField() == null) {
      errors.add(path + ".jsonField", "give the JSON field that must equal jsonValue");
    }
    String timeout = TrafficChecks.timeoutProblem(check.timeout());
    if (timeout != null) {
      errors.add(path + ".timeout", timeout);
    }
    if (check.event() != null && json(check.event()).length() > MAX_EVENT) {
      errors.add(
          path + ".event",
          "the test event is over " + MAX_EVENT + " characters as JSON; keep it to a small sample");
    }
  }

  private static String json(Object value) {
    try {
      return JSON.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      return "";
    }
  }

  private static String names(Map<String, ?> targets) {
    return targets.isEmpty() ? "none" : String.join(", ", new TreeSet<>(targets.keySet()));
  }
}
