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
                      new LambdaProperties.Target(
                          "eu-west-1",
                          List.of("medication-artifacts"),
                          null,
                          null,
                          null,
                          null,
                          null,
                          List.of("release_validator")),
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
  void trafficChecksThatAreWellFormedPass() {
    assertThat(
            functionErrors(
                checked(
                    "a",
                    "\"beforeTraffic\":{\"event\":{\"path\":\"/health\"},\"jsonField\":\"$.status\",\"jsonValue\":\"ok\",\"timeout\":\"PT10S\"},"
                        + "\"afterTraffic\":{\"function\":\"release_validator\",\"timeout\":\"PT60S\"}")))
        .isEmpty();
  }

  @Test
  void eachBadFieldOfATrafficCheckByItsPath() {
    assertThat(
            functionErrors(
                checked("a", "\"beforeTraffic\":{\"jsonField\":\"$.status\"}"),
                checked(
                    "b",
                    "\"afterTraffic\":{\"event\":{},\"jsonValue\":\"ok\",\"timeout\":\"PT61S\"}"),
                checked("c", "\"beforeTraffic\":{\"event\":{},\"timeout\":\"PT0S\"}")))
        .containsExactly(
            new FieldError(
                "$.lambda.functions[0].beforeTraffic",
                "give an event (the new version is invoked with it) or a validation function, or leave the check out"),
            new FieldError(
                "$.lambda.functions[0].beforeTraffic.jsonValue",
                "give the value $.status must have"),
            new FieldError(
                "$.lambda.functions[1].afterTraffic.jsonField",
                "give the JSON field that must equal jsonValue"),
            new FieldError(
                "$.lambda.functions[1].afterTraffic.timeout",
                "must be more than zero and at most PT60S: a check is a short synchronous call"),
            new FieldError(
                "$.lambda.functions[2].beforeTraffic.timeout",
                "must be more than zero and at most PT60S: a check is a short synchronous call"));
  }

  @Test
  void aValidationFunctionOffTheTargetsAllowListIsRefused() {
    assertThat(
            functionErrors(
                checked("a", "\"beforeTraffic\":{\"function\":\"payments_refund\"}"),
                checked("b", "\"afterTraffic\":{\"function\":\"b\"}")))
        .containsExactly(
            new FieldError(
                "$.lambda.functions[0].beforeTraffic.function",
                "'payments_refund' is not a validation function of target 'medication-aws' (allowed: release_validator)"),
            new FieldError(
                "$.lambda.functions[1].afterTraffic.function",
                "a validation function is another function; to invoke the new version, give only an event"));
    // A target that allows none refuses every validation function, the other target's included.
    assertThat(
            errors(
                "\"lambda\":{\"target\":\"analytics-aws\",\"functions\":[{\"name\":\"a\","
                    + "\"artifact\":{\"bucket\":\"analytics-artifacts\",\"key\":\"a.zip\"},"
                    + "\"beforeTraffic\":{\"function\":\"release_validator\"}}]}"))
        .containsExactly(
            new FieldError(
                "$.lambda.functions[0].beforeTraffic.function",
                "'release_validator' is not a validation function of target 'analytics-aws' (allowed: none)"));
  }

  @Test
  void aTestEventIsASampleNotADataSet() {
    String big = "x".repeat(LambdaManifestCheck.MAX_EVENT);
    assertThat(
            functionErrors(
                checked("a", "\"beforeTraffic\":{\"event\":{\"blob\":\"" + big + "\"}}")))
        .extracting(FieldError::path)
        .containsExactly("$.lambda.functions[0].beforeTraffic.event");
  }

  private static String checked(String name, String checks) {
    return "{\"name\":\""
        + name
        + "\",\"artifact\":{\"bucket\":\"medication-artifacts\",\"key\":\""
        + name
        + ".zip\"},"
        + checks
        + "}";
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
