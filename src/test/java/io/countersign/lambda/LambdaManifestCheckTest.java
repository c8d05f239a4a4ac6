package io.countersign.lambda;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.countersign.FakeExecution;
import io.countersign.manifest.FieldErrors;
import io.countersign.manifest.FieldErrors.FieldError;
import io.countersign.manifest.ReleaseManifest;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LambdaManifestCheckTest {
  private final LambdaManifestCheck check =
      new LambdaManifestCheck(
          new LambdaProperties(
              "dry-run",
              Map.of(
                  "medication-aws",
                      new LambdaProperties.Target("eu-west-1", List.of("medication-artifacts")),
                  "analytics-aws",
                      new LambdaProperties.Target(
                          "eu-central-1", List.of("analytics-artifacts")))));

  @Test
  void acceptsKnownTargetAndBuckets() {
    assertThat(functionErrors(function("api_handler", "medication-artifacts"))).isEmpty();
  }

  @Test
  void unknownTargetNamesTheConfiguredOnes() {
    assertThat(
            errors("\"lambda\":{\"target\":\"nope\",\"functions\":[" + function("a", "x") + "]}"))
        .containsExactly(
            new FieldError(
                "$.lambda.target",
                "unknown Lambda target 'nope'; configured targets: analytics-aws, medication-aws"));
  }

  @Test
  void bucketOutsideTheTargetsArtifactBuckets() {
    assertThat(
            functionErrors(
                function("api_handler", "medication-artifacts"),
                function("alert_generator", "analytics-artifacts")))
        .containsExactly(
            new FieldError(
                "$.lambda.functions[1].artifact.bucket",
                "bucket 'analytics-artifacts' is not an artifact bucket of target 'medication-aws' (allowed: medication-artifacts)"));
  }

  @Test
  void duplicateFunctionNames() {
    assertThat(
            functionErrors(
                function("a", "medication-artifacts"),
                function("b", "medication-artifacts"),
                function("a", "medication-artifacts")))
        .containsExactly(
            new FieldError(
                "$.lambda.functions[2].name",
                "duplicate function 'a' (also at $.lambda.functions[0])"));
  }

  @Test
  void trafficSpecsThatMatchButMakeNoPlan() {
    assertThat(
            functionErrors(
                trafficked("a", "canary0-5"),
                trafficked("b", "linear10-0"),
                trafficked("c", "linear25-3")))
        .containsExactly(
            new FieldError(
                "$.lambda.functions[0].traffic",
                "traffic 'canary0-5': the percentage must be 1-99"),
            new FieldError(
                "$.lambda.functions[1].traffic",
                "traffic 'linear10-0': the minutes must be 1-999"));
  }

  @Test
  void noLambdaSectionNoErrors() {
    assertThat(errors("")).isEmpty();
  }

  private List<FieldError> functionErrors(String... functions) {
    return errors(
        "\"lambda\":{\"target\":\"medication-aws\",\"functions\":["
            + String.join(",", functions)
            + "]}");
  }

  private List<FieldError> errors(String sections) {
    FieldErrors errors = new FieldErrors();
    try {
      check.check(
          new ObjectMapper().readValue(FakeExecution.manifest(sections), ReleaseManifest.class),
          errors);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
    return errors.list();
  }

  private static String trafficked(String name, String traffic) {
    return "{\"name\":\""
        + name
        + "\",\"traffic\":\""
        + traffic
        + "\",\"artifact\":{\"bucket\":\"medication-artifacts\",\"key\":\""
        + name
        + ".zip\"}}";
  }

  private static String function(String name, String bucket) {
    return "{\"name\":\""
        + name
        + "\",\"artifact\":{\"bucket\":\""
        + bucket
        + "\",\"key\":\""
        + name
        + ".zip\"}}";
  }
}
