package io.countersign.stack;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.countersign.FakeExecution;
import io.countersign.manifest.FieldErrors;
import io.countersign.manifest.FieldErrors.FieldError;
import io.countersign.manifest.ReleaseManifest;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The stack section against the configured target's allow-lists, each problem at its JSON path, and
 * the attempts to get around them.
 */
class StackManifestCheckTest {
  static final String SHA = "a".repeat(64);
  private final StackCapability capability =
      new StackCapability(
          new StackProperties(
              "dry-run",
              Map.of(
                  "hospital-aws",
                  target(
                      List.of("hospital-integration", "hospital-feature-*"),
                      List.of("CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND"))),
              null,
              null),
          new DryRunStackTarget(),
          null);

  static StackProperties.Target target(List<String> stacks, List<String> capabilities) {
    return new StackProperties.Target(
        "eu-west-1",
        null,
        null,
        null,
        null,
        null,
        List.of("hospital-artifacts"),
        stacks,
        capabilities,
        null);
  }

  @Test
  void aStackWithinTheAllowListsPasses() {
    assertThat(
            errors(
                stack(
                    "hospital-integration",
                    "hospital-artifacts",
                    "{\"Stage\":\"prod\"}",
                    "[\"CAPABILITY_IAM\"]")))
        .isEmpty();
    assertThat(errors(stack("hospital-feature-x", "hospital-artifacts", "{}", "[]"))).isEmpty();
    assertThat(errors("")).isEmpty();
  }

  @Test
  void anUnknownTargetNamesTheConfiguredOnes() {
    assertThat(
            errors(
                "\"stack\":{\"target\":\"other-aws\",\"name\":\"hospital-integration\","
                    + "\"template\":{\"bucket\":\"hospital-artifacts\",\"key\":\"t.yaml\",\"sha256\":\""
                    + SHA
                    + "\"}}"))
        .containsExactly(
            new FieldError(
                "$.stack.target", "unknown stack target 'other-aws'; configured: hospital-aws"));
  }

  @Test
  void aStackOutsideTheAllowedNamesOrPrefixesIsRefused() {
    // A prefix allows what starts with it, not a name that merely contains it or its stem.
    for (String name :
        List.of(
            "hospital-integration-2", "hospital-feature", "other-hospital-feature-x", "billing")) {
      assertThat(errors(stack(name, "hospital-artifacts", "{}", "[]")))
          .as(name)
          .extracting(FieldError::path)
          .containsExactly("$.stack.name");
    }
  }

  @Test
  void aTemplateOutsideTheArtifactBucketsIsRefused() {
    assertThat(errors(stack("hospital-integration", "attacker-bucket", "{}", "[]")))
        .containsExactly(
            new FieldError(
                "$.stack.template.bucket",
                "bucket 'attacker-bucket' is not an artifact bucket of target hospital-aws"));
  }

  @Test
  void parametersThatLookSecretAreRefusedWithTheWayToDoIt() {
    List<FieldError> errors =
        errors(
            stack(
                "hospital-integration",
                "hospital-artifacts",
                "{\"DbPassword\":\"x\",\"ApiToken\":\"y\",\"clientSecret\":\"z\",\"Stage\":\"prod\"}",
                "[]"));
    assertThat(errors)
        .extracting(FieldError::path)
        .containsExactlyInAnyOrder(
            "$.stack.parameters.DbPassword",
            "$.stack.parameters.ApiToken",
            "$.stack.parameters.clientSecret");
    assertThat(errors.get(0).message())
        .contains("SSM parameter type")
        .contains("dynamic reference");
  }

  @Test
  void parameterNamesFollowCloudFormationsRules() {
    assertThat(
            errors(
                stack("hospital-integration", "hospital-artifacts", "{\"Bad-Name\":\"x\"}", "[]")))
        .containsExactly(
            new FieldError(
                "$.stack.parameters.Bad-Name",
                "must be a CloudFormation parameter name (letters and digits, 1-255)"));
  }

  @Test
  void capabilitiesBeyondWhatTheTargetAllowsAreRefused() {
    assertThat(
            errors(
                stack(
                    "hospital-integration",
                    "hospital-artifacts",
                    "{}",
                    "[\"CAPABILITY_IAM\",\"CAPABILITY_NAMED_IAM\",\"CAPABILITY_IAM\"]")))
        .containsExactly(
            new FieldError(
                "$.stack.capabilities[1]",
                "'CAPABILITY_NAMED_IAM' is not allowed for target hospital-aws; allowed:"
                    + " CAPABILITY_IAM, CAPABILITY_AUTO_EXPAND"),
            new FieldError("$.stack.capabilities[2]", "'CAPABILITY_IAM' is named twice"));
  }

  @Test
  void theTargetsConfigurationIsCheckedAtStart() {
    StackProperties bad =
        new StackProperties(
            "live",
            Map.of(
                "hospital-aws",
                new StackProperties.Target(
                    null,
                    null,
                    null,
                    null,
                    null,
                    null,
                    List.of(),
                    List.of("*", "ok-*"),
                    List.of("CAPABILITY_EVERYTHING"),
                    "not-an-arn")),
            null,
            null);
    assertThat(bad.problems(true))
        .anySatisfy(p -> assertThat(p).contains(".region is required"))
        .anySatisfy(p -> assertThat(p).contains(".artifact-buckets"))
        .anySatisfy(p -> assertThat(p).contains("'*' is not a stack name"))
        .anySatisfy(p -> assertThat(p).contains("CAPABILITY_EVERYTHING"))
        .anySatisfy(p -> assertThat(p).contains("cloudformation-role-arn"));
    assertThat(new StackProperties(null, Map.of(), null, null).problems(false)).isEmpty();
  }

  static String stack(String name, String bucket, String parameters, String capabilities) {
    return "\"stack\":{\"target\":\"hospital-aws\",\"name\":\""
        + name
        + "\",\"template\":{\"bucket\":\""
        + bucket
        + "\",\"key\":\"sam/hospital-integration/1.4.2/packaged.yaml\",\"sha256\":\""
        + SHA
        + "\"},\"parameters\":"
        + parameters
        + ",\"capabilities\":"
        + capabilities
        + "}";
  }

  private List<FieldError> errors(String sections) {
    try {
      ReleaseManifest manifest =
          new ObjectMapper().readValue(FakeExecution.manifest(sections), ReleaseManifest.class);
      FieldErrors errors = new FieldErrors();
      capability.check().check(manifest, errors);
      return errors.list();
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
