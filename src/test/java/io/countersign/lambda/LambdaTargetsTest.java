package io.countersign.lambda;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.countersign.FakeExecution;
import io.countersign.aws.FakeApiSupport;
import io.countersign.lambda.LambdaRollout.Advance;
import io.countersign.lambda.LambdaRollout.Event;
import io.countersign.manifest.ReleaseManifest.Artifact;
import io.countersign.manifest.ReleaseManifest.LambdaFunction;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.support.StaticListableBeanFactory;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;

class LambdaTargetsTest {
  private static final Instant NOW = Instant.parse("2026-11-22T10:00:00Z");
  private final LambdaProperties properties =
      new LambdaProperties(
          "dry-run",
          Map.of(
              "medication-aws",
              new LambdaProperties.Target("eu-west-1", List.of("medication-artifacts"))));
  private final LambdaFunction function =
      new LambdaFunction(
          "api_handler", null, new Artifact("medication-artifacts", "api/2.4.0.zip"), "canary10-5");

  @Test
  void bindsTheYamlShape() {
    Map<String, String> yaml =
        new HashMap<>(
            Map.of(
                "countersign.targets.lambda.mode", "live",
                "countersign.targets.lambda.poll-interval", "10s",
                "countersign.targets.lambda.update-timeout", "PT15M",
                "countersign.targets.lambda.targets.medication-aws.region", "eu-west-1",
                "countersign.targets.lambda.targets.medication-aws.artifact-buckets[0]",
                    "medication-artifacts",
                "countersign.targets.lambda.targets.medication-aws.role-arn",
                    "arn:aws:iam::123456789012:role/countersign-deployer",
                "countersign.targets.lambda.targets.medication-aws.external-id",
                    "medication-tracker",
                "countersign.targets.lambda.targets.medication-aws.endpoints.lambda",
                    "http://localhost:4566",
                "countersign.targets.lambda.targets.medication-aws.call-timeout", "3s"));
    yaml.put("countersign.targets.lambda.targets.medication-aws.max-attempts", "4");

    LambdaProperties bound =
        new Binder(new MapConfigurationPropertySource(yaml))
            .bind("countersign.targets.lambda", LambdaProperties.class)
            .get();

    assertThat(bound)
        .isEqualTo(
            new LambdaProperties(
                "live",
                Map.of(
                    "medication-aws",
                    new LambdaProperties.Target(
                        "eu-west-1",
                        List.of("medication-artifacts"),
                        "arn:aws:iam::123456789012:role/countersign-deployer",
                        "medication-tracker",
                        Map.of("lambda", URI.create("http://localhost:4566")),
                        Duration.ofSeconds(3),
                        4)),
                Duration.ofSeconds(10),
                Duration.ofMinutes(15)));
    assertThat(bound.pollIntervalOrDefault()).isEqualTo(Duration.ofSeconds(10));
    assertThat(properties.pollIntervalOrDefault()).isEqualTo(Duration.ofSeconds(5));
    assertThat(properties.updateTimeoutOrDefault()).isEqualTo(Duration.ofMinutes(10));
  }

  @Test
  void theAllowListsOfSecretsAndParametersBindAndABlankPrefixIsRefused() {
    Map<String, String> yaml =
        Map.of(
            "countersign.targets.lambda.targets.medication-aws.region", "eu-west-1",
            "countersign.targets.lambda.targets.medication-aws.artifact-buckets[0]",
                "medication-artifacts",
            "countersign.targets.lambda.targets.medication-aws.secret-prefixes[0]",
                "medication/staging/",
            "countersign.targets.lambda.targets.medication-aws.secret-prefixes[1]", " ",
            "countersign.targets.lambda.targets.medication-aws.parameter-prefixes[0]",
                "/medication/staging/");

    LambdaProperties bound =
        new Binder(new MapConfigurationPropertySource(yaml))
            .bind("countersign.targets.lambda", LambdaProperties.class)
            .get();

    LambdaProperties.Target target = bound.targets().get("medication-aws");
    assertThat(target.secretPrefixes()).containsExactly("medication/staging/", " ");
    assertThat(target.parameterPrefixes()).containsExactly("/medication/staging/");
    assertThat(LambdaTargets.problems(bound))
        .containsExactly(
            "countersign.targets.lambda.targets.medication-aws.secret-prefixes: a prefix must not be blank");
  }

  @Test
  void theFinalHoldAndTheValidationFunctionsBindAndAreChecked() {
    Map<String, Object> yaml =
        Map.of(
            "countersign.targets.lambda.mode", "live",
            "countersign.targets.lambda.final-hold", "PT0S",
            "countersign.targets.lambda.targets.medication-aws.region", "eu-west-1",
            "countersign.targets.lambda.targets.medication-aws.artifact-buckets[0]",
                "medication-artifacts",
            "countersign.targets.lambda.targets.medication-aws.validation-functions[0]",
                "release_validator");
    LambdaProperties bound =
        new Binder(new MapConfigurationPropertySource(yaml))
            .bind("countersign.targets.lambda", LambdaProperties.class)
            .get();
    assertThat(bound.finalHoldOrDefault()).isEqualTo(Duration.ZERO);
    assertThat(bound.targets().get("medication-aws").validationFunctions())
        .containsExactly("release_validator");
    assertThat(LambdaTargets.problems(bound)).isEmpty();
    assertThat(properties.finalHoldOrDefault()).isEqualTo(Duration.ofMinutes(1));

    LambdaProperties wrong =
        new LambdaProperties(
            "live",
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
                    List.of("arn:aws:lambda:eu-west-1:123456789012:function:any"))),
            null,
            null,
            Duration.ofSeconds(-1));
    assertThat(LambdaTargets.problems(wrong))
        .containsExactly(
            "countersign.targets.lambda.targets.medication-aws.validation-functions:"
                + " 'arn:aws:lambda:eu-west-1:123456789012:function:any' is not a function name"
                + " (letters, digits, '-', '_'; no ARNs or qualifiers)",
            "countersign.targets.lambda.final-hold must be PT0S (no hold, the gates still run) or"
                + " more");
  }

  @Test
  void liveModeStartsWithAWellFormedTarget() throws Exception {
    LambdaTarget live =
        new LambdaTargets()
            .lambdaTarget(new LambdaProperties("live", properties.targets()), credentials());

    assertThat(live).isInstanceOf(LiveLambdaTarget.class);
    assertThat(live.dryRun()).isFalse();
    ((AutoCloseable) live).close();
  }

  @Test
  void liveModeRefusesToStartMisconfigured() {
    assertThatThrownBy(
            () ->
                new LambdaTargets()
                    .lambdaTarget(new LambdaProperties("live", Map.of()), credentials()))
        .hasMessage(
            "live Lambda target misconfigured: countersign.targets.lambda.targets: live mode needs at least one target");
    assertThatThrownBy(
            () ->
                new LambdaTargets()
                    .lambdaTarget(
                        new LambdaProperties(
                            "live",
                            Map.of(
                                "medication-aws",
                                new LambdaProperties.Target(
                                    null,
                                    List.of(),
                                    "arn:aws:iam::medication:role/x",
                                    null,
                                    null,
                                    null,
                                    null))),
                        credentials()))
        .hasMessage(
            "live Lambda target misconfigured: "
                + "countersign.targets.lambda.targets.medication-aws.region is required (e.g. eu-west-1); "
                + "countersign.targets.lambda.targets.medication-aws.role-arn 'arn:aws:iam::medication:role/x' is not an IAM "
                + "role ARN (arn:aws:iam::<account>:role/<name>); "
                + "countersign.targets.lambda.targets.medication-aws.artifact-buckets: name the buckets functions may be built from");
  }

  @Test
  void missingOrUnknownModeRefusesToStart() {
    assertThatThrownBy(
            () ->
                new LambdaTargets()
                    .lambdaTarget(new LambdaProperties(null, Map.of()), credentials()))
        .hasMessage("countersign.targets.lambda.mode must be live or dry-run, not 'null'");
    assertThatThrownBy(
            () ->
                new LambdaTargets()
                    .lambdaTarget(new LambdaProperties("dryrun", Map.of()), credentials()))
        .hasMessageContaining("not 'dryrun'");
  }

  @Test
  void dryRunChangesNothingGoesThroughEveryTrafficStepAtOnceAndSaysWhatItWouldDo() {
    LambdaRollout rollout =
        new LambdaRollout(
            new LambdaTargets().lambdaTarget(properties, credentials()),
            properties,
            FakeExecution.actingAttempts());

    Advance done =
        rollout.advance(
            "rel-1",
            "medication-aws",
            function,
            rollout.start("rel-1", "medication-aws", function, NOW).progress(),
            NOW);

    assertThat(done.progress().phase()).isEqualTo("deployed");
    assertThat(done.waitFor()).isEqualTo(Duration.ZERO);
    assertThat(done.events())
        .extracting(Event::type)
        .containsExactly(
            "lambda-version-published",
            "lambda-traffic-shifted",
            "lambda-traffic-shifted",
            "lambda-deployed");
    assertThat(done.events().get(1).payload())
        .containsEntry("percent", 10)
        .containsEntry("weights", Map.of("dry-run", 0.1))
        .containsEntry("dryRun", true);
    assertThat(done.events().get(3).payload())
        .containsEntry(
            "plan",
            "dry-run: would update function api_handler in medication-aws (eu-west-1) from "
                + "s3://medication-artifacts/api/2.4.0.zip, publish a version and move alias live from version "
                + "unknown (dry-run) to dry-run (canary10-5)");
  }

  @Test
  void dryRunRevertNamesTheVersionItWouldRestore() {
    LambdaRollout rollout =
        new LambdaRollout(new DryRunLambdaTarget(), properties, FakeExecution.actingAttempts());

    Event revert = rollout.revert("rel-1", "medication-aws", function, "41");

    assertThat(revert.payload())
        .containsEntry("restoredVersion", "41")
        .containsEntry("dryRun", true)
        .containsEntry(
            "plan",
            "dry-run: would move alias live of function api_handler in medication-aws back to "
                + "version 41, weights cleared");
  }

  private static org.springframework.beans.factory.ObjectProvider<AwsCredentialsProvider>
      credentials() {
    StaticListableBeanFactory beans = new StaticListableBeanFactory();
    beans.addBean("credentials", FakeApiSupport.TEST_CREDENTIALS);
    return beans.getBeanProvider(AwsCredentialsProvider.class);
  }
}
