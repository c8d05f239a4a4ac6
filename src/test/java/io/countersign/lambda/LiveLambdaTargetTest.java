package io.countersign.lambda;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.countersign.FakeExecution;
import io.countersign.aws.AwsClients;
import io.countersign.aws.AwsUnavailableException;
import io.countersign.aws.FakeApiSupport;
import io.countersign.aws.FakeLambdaApi;
import io.countersign.aws.FakeLambdaApi.AliasState;
import io.countersign.aws.FakeLambdaApi.Call;
import io.countersign.aws.TargetRefusedException;
import io.countersign.lambda.LambdaRollout.Advance;
import io.countersign.lambda.LambdaRollout.Event;
import io.countersign.lambda.LambdaRollout.Progress;
import io.countersign.manifest.ReleaseManifest.Artifact;
import io.countersign.manifest.ReleaseManifest.LambdaFunction;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The live Lambda adapter and the rollout steps against WireMock answering like the Lambda API: the
 * exact calls, the RevisionId and CodeSha256 passed, the alias weights at each traffic step,
 * revert, re-runs, failures.
 */
class LiveLambdaTargetTest {
  private static final String TARGET = "medication-aws";
  private static final String FN = "/2015-03-31/functions/api_handler";
  private static final Instant NOW = Instant.parse("2026-11-22T10:00:00Z");
  private static FakeLambdaApi lambda;

  private AwsClients clients;
  private LambdaRollout rollout;

  @BeforeAll
  static void startLambda() {
    lambda = FakeLambdaApi.startServer();
  }

  @AfterAll
  static void stopLambda() {
    lambda.stop();
  }

  @BeforeEach
  void functions() {
    lambda.reset();
    lambda.function("api_handler", "live", 7, "sha-7");
    lambda.artifact("medication-artifacts", "lambda/api_handler/2.4.0/function.zip", "sha-8");
    LambdaProperties properties =
        new LambdaProperties(
            "live",
            Map.of(
                TARGET,
                new LambdaProperties.Target(
                    "eu-west-1",
                    List.of("medication-artifacts"),
                    null,
                    null,
                    Map.of("lambda", lambda.endpoint()),
                    Duration.ofSeconds(2),
                    2)));
    clients = new AwsClients(FakeApiSupport.TEST_CREDENTIALS);
    rollout =
        new LambdaRollout(
            new LiveLambdaTarget(properties, clients), properties, FakeExecution.actingAttempts());
  }

  @AfterEach
  void closeClients() {
    clients.close();
  }

  @Test
  void allAtOnceUpdatesWithTheRevisionPublishesWithTheCodeShaAndMovesTheAlias() {
    String revisionBefore = lambda.revision("api_handler");
    LambdaFunction function = function("all-at-once");

    Advance started = rollout.start("rel-1", TARGET, function, NOW);
    String revisionAfter = lambda.revision("api_handler");
    Advance done = rollout.advance("rel-1", TARGET, function, started.progress(), NOW);

    assertThat(lambda.callLines())
        .containsExactly(
            "GET " + FN + "/aliases/live",
            "GET " + FN + "/configuration",
            "PUT " + FN + "/code",
            "GET " + FN + "/configuration",
            "GET " + FN + "/versions",
            "POST " + FN + "/versions",
            "PUT " + FN + "/aliases/live");
    List<Call> calls = lambda.calls();
    assertThat(calls.get(2).body().toString())
        .isEqualTo(
            "{\"S3Bucket\":\"medication-artifacts\","
                + "\"S3Key\":\"lambda/api_handler/2.4.0/function.zip\",\"Publish\":false,\"RevisionId\":\""
                + revisionBefore
                + "\"}");
    assertThat(calls.get(5).body().get("CodeSha256").asText()).isEqualTo("sha-8");
    assertThat(calls.get(5).body().get("RevisionId").asText())
        .isEqualTo(lambda.revision("api_handler"))
        .isNotEqualTo(revisionAfter);
    assertThat(calls.get(6).body().get("FunctionVersion").asText()).isEqualTo("8");
    assertThat(calls.get(6).body().get("RoutingConfig").toString())
        .isEqualTo("{\"AdditionalVersionWeights\":{}}");

    assertThat(started.progress().phase()).isEqualTo("updating");
    assertThat(started.waitFor()).isEqualTo(Duration.ofSeconds(5));
    assertThat(done.progress())
        .isEqualTo(new Progress("deployed", "7", "8", 0, NOW.toString(), "sha-8"));
    assertThat(done.waitFor()).isEqualTo(Duration.ZERO);
    assertThat(lambda.alias("api_handler", "live"))
        .isEqualTo(
            new AliasState(
                "8",
                Map.of(),
                "countersign release rel-1: version 7 -> 8 (all-at-once step 1/1, 100 %)"));
    assertThat(types(started)).containsExactly("lambda-code-updated");
    assertThat(types(done))
        .containsExactly("lambda-version-published", "lambda-traffic-shifted", "lambda-deployed");
    assertThat(started.events().get(0).payload())
        .containsEntry("previousVersion", "7")
        .containsEntry("revisionBefore", revisionBefore)
        .containsEntry("dryRun", false);
  }

  @Test
  void canaryWaitsForTheUpdateThenHoldsTenPercentThenMovesEverything() {
    lambda.updateTakes("api_handler", 2);
    LambdaFunction function = function("canary10-5");

    Advance step = rollout.start("rel-1", TARGET, function, NOW);
    List<Duration> waits = new ArrayList<>(List.of(step.waitFor()));
    List<AliasState> aliases = new ArrayList<>();
    while (!step.progress().phase().equals("deployed")) {
      step = rollout.advance("rel-1", TARGET, function, step.progress(), NOW);
      waits.add(step.waitFor());
      aliases.add(lambda.alias("api_handler", "live"));
    }

    assertThat(waits)
        .containsExactly(
            Duration.ofSeconds(5),
            Duration.ofSeconds(5),
            Duration.ofSeconds(5),
            Duration.ofMinutes(5),
            Duration.ZERO);
    assertThat(aliases).extracting(AliasState::version).containsExactly("7", "7", "7", "8");
    assertThat(aliases)
        .extracting(AliasState::weights)
        .containsExactly(Map.of(), Map.of(), Map.of("8", 0.1), Map.of());
    assertThat(aliasUpdates()).containsExactly("7 {\"8\":0.1}", "8 {}");
    assertThat(lambda.callLines()).filteredOn(c -> c.endsWith("/configuration")).hasSize(4);
  }

  @Test
  void linearAddsItsShareAtEachStep() {
    LambdaFunction function = function("linear40-2");

    Advance step =
        rollout.advance(
            "rel-1",
            TARGET,
            function,
            rollout.start("rel-1", TARGET, function, NOW).progress(),
            NOW);
    List<Duration> holds = new ArrayList<>(List.of(step.waitFor()));
    while (!step.progress().phase().equals("deployed")) {
      step = rollout.advance("rel-1", TARGET, function, step.progress(), NOW);
      holds.add(step.waitFor());
    }

    assertThat(aliasUpdates()).containsExactly("7 {\"8\":0.4}", "7 {\"8\":0.8}", "8 {}");
    assertThat(holds).containsExactly(Duration.ofMinutes(2), Duration.ofMinutes(2), Duration.ZERO);
  }

  @Test
  void revertMovesTheAliasBackAndClearsTheWeightsOnceOnly() {
    LambdaFunction function = function("canary10-5");
    Advance step =
        rollout.advance(
            "rel-1",
            TARGET,
            function,
            rollout.start("rel-1", TARGET, function, NOW).progress(),
            NOW);
    assertThat(lambda.alias("api_handler", "live").weights()).isEqualTo(Map.of("8", 0.1));

    Event first = rollout.revert("rel-1", TARGET, function, step.progress().previousVersion());
    int callsAfterFirst = lambda.calls().size();
    Event second = rollout.revert("rel-1", TARGET, function, step.progress().previousVersion());

    assertThat(lambda.alias("api_handler", "live"))
        .isEqualTo(
            new AliasState("7", Map.of(), "countersign release rel-1: reverted to version 7"));
    assertThat(aliasUpdates()).containsExactly("7 {\"8\":0.1}", "7 {}");
    assertThat(lambda.callLines().subList(callsAfterFirst, lambda.calls().size()))
        .containsExactly("GET " + FN + "/aliases/live");
    assertThat(first.payload())
        .containsEntry("changed", true)
        .containsEntry("replacedVersion", "7")
        .containsEntry("replacedWeights", Map.of("8", 0.1));
    assertThat(second.payload()).containsEntry("changed", false);
  }

  @Test
  void aRerunOfTheFirstStepAfterTheAliasMovedStillKnowsThePreviousVersionAndReusesTheVersion() {
    LambdaFunction function = function("all-at-once");
    rollout.advance(
        "rel-1", TARGET, function, rollout.start("rel-1", TARGET, function, NOW).progress(), NOW);

    // The job's transaction was lost after AWS changed: the engine runs the first step again from
    // nothing.
    Advance again =
        rollout.advance(
            "rel-1",
            TARGET,
            function,
            rollout.start("rel-1", TARGET, function, NOW).progress(),
            NOW);

    assertThat(again.progress().previousVersion()).isEqualTo("7");
    assertThat(again.progress().newVersion()).isEqualTo("8");
    assertThat(lambda.versions("api_handler")).containsExactly("7", "8");
    // Published again (these attempts always act): nothing changed, so Lambda answers with 8.
    assertThat(lambda.callLines()).filteredOn(c -> c.equals("POST " + FN + "/versions")).hasSize(2);
    assertThat(lambda.alias("api_handler", "live").version()).isEqualTo("8");
    // ... while another release reads the alias as it finds it.
    assertThat(rollout.start("rel-2", TARGET, function, NOW).progress().previousVersion())
        .isEqualTo("8");
  }

  @Test
  void unchangedCodeReusesTheVersionTheAliasServesAndNeedsNoShifting() {
    lambda.artifact("medication-artifacts", "lambda/api_handler/2.4.0/function.zip", "sha-7");
    LambdaFunction function = function("canary10-5");

    Advance done =
        rollout.advance(
            "rel-1",
            TARGET,
            function,
            rollout.start("rel-1", TARGET, function, NOW).progress(),
            NOW);

    assertThat(done.progress().phase()).isEqualTo("deployed");
    assertThat(done.progress().newVersion()).isEqualTo("7");
    // PublishVersion is Lambda's to settle: nothing changed since version 7, so it answers with 7.
    assertThat(lambda.versions("api_handler")).containsExactly("7");
    assertThat(aliasUpdates()).containsExactly("7 {}");
    assertThat(done.events().get(0).payload()).containsEntry("reused", true);
  }

  @Test
  void anUpdateThatEndsFailedIsRefusedWithLambdasReason() {
    lambda.updateFails("api_handler", "Unzipped size must be smaller than 262144000 bytes");
    LambdaFunction function = function("all-at-once");
    Progress updating = rollout.start("rel-1", TARGET, function, NOW).progress();

    assertThatThrownBy(() -> rollout.advance("rel-1", TARGET, function, updating, NOW))
        .isInstanceOf(TargetRefusedException.class)
        .hasMessage(
            "Lambda code update of api_handler failed: Unzipped size must be smaller than 262144000 bytes "
                + "(InvalidZipFileException)");
    assertThat(lambda.alias("api_handler", "live").version()).isEqualTo("7");
  }

  @Test
  void anUpdateStillInProgressAfterTheTimeoutIsRefused() {
    lambda.updateTakes("api_handler", 100);
    LambdaFunction function = function("all-at-once");
    Progress updating = rollout.start("rel-1", TARGET, function, NOW).progress();

    assertThat(
            rollout
                .advance("rel-1", TARGET, function, updating, NOW.plus(Duration.ofMinutes(9)))
                .progress())
        .isEqualTo(updating);
    assertThatThrownBy(
            () ->
                rollout.advance(
                    "rel-1", TARGET, function, updating, NOW.plus(Duration.ofMinutes(11))))
        .isInstanceOf(TargetRefusedException.class)
        .hasMessage(
            "Lambda code update of api_handler still InProgress after PT10M (no reason given)");
  }

  @Test
  void aMissingArtifactIsRefusedAndChangesNothing() {
    LambdaFunction function =
        new LambdaFunction(
            "api_handler",
            null,
            new Artifact("medication-artifacts", "lambda/api_handler/9.9.9/function.zip"),
            null);

    assertThatThrownBy(() -> rollout.start("rel-1", TARGET, function, NOW))
        .isInstanceOf(TargetRefusedException.class)
        .hasMessage(
            "Lambda UpdateFunctionCode api_handler failed: InvalidParameterValueException: Error occurred while "
                + "GetObject. S3 Error Code: NoSuchKey. S3 Error Message: The specified key does not exist. (HTTP 400)");
    assertThat(lambda.code("api_handler")).isEqualTo("sha-7");
    assertThat(lambda.alias("api_handler", "live").version()).isEqualTo("7");
  }

  @Test
  void accessDeniedAndAMissingAliasAreRefusals() {
    lambda.fail(
        "GET",
        "/aliases/live",
        1,
        403,
        "AccessDeniedException",
        "User: arn:aws:sts::123456789012:assumed-role/countersign/countersign is not authorized to perform: lambda:GetAlias");
    assertThatThrownBy(() -> rollout.start("rel-1", TARGET, function("all-at-once"), NOW))
        .isInstanceOf(TargetRefusedException.class)
        .hasMessageStartingWith(
            "Lambda GetAlias api_handler:live failed: AccessDeniedException: User: ");

    LambdaFunction prod =
        new LambdaFunction(
            "api_handler",
            "prod",
            new Artifact("medication-artifacts", "lambda/api_handler/2.4.0/function.zip"),
            null);
    assertThatThrownBy(() -> rollout.start("rel-1", TARGET, prod, NOW))
        .isInstanceOf(TargetRefusedException.class)
        .hasMessageContaining("ResourceNotFoundException: Alias not found");
    assertThat(lambda.callLines()).noneMatch(c -> c.startsWith("PUT"));
  }

  @Test
  void throttlingAndServerErrorsAreRetriedBySdkThenLeftToTheEngine() {
    lambda.fail(
        "PUT", "/code", 1, 500, "ServiceException", "Lambda was unable to process the request");
    rollout.start("rel-1", TARGET, function("all-at-once"), NOW);
    assertThat(lambda.callLines()).filteredOn(c -> c.equals("PUT " + FN + "/code")).hasSize(2);

    lambda.reset();
    lambda.function("api_handler", "live", 7, "sha-7");
    lambda.artifact("medication-artifacts", "lambda/api_handler/2.4.0/function.zip", "sha-8");
    lambda.fail("PUT", "/code", 5, 429, "TooManyRequestsException", "Rate exceeded");
    assertThatThrownBy(() -> rollout.start("rel-1", TARGET, function("all-at-once"), NOW))
        .isInstanceOf(AwsUnavailableException.class)
        .hasMessage(
            "Lambda UpdateFunctionCode api_handler failed: TooManyRequestsException: Rate exceeded (HTTP 429); "
                + "the step is retried, then an incident is opened");
    assertThat(lambda.callLines())
        .filteredOn(c -> c.equals("PUT " + FN + "/code"))
        .hasSize(2); // max-attempts 2
  }

  @Test
  void badInputIsRefusedBeforeAnyCall() {
    assertThatThrownBy(
            () ->
                rollout.start(
                    "rel-1",
                    TARGET,
                    new LambdaFunction(
                        "arn:aws:lambda:eu-west-1:123456789012:function:api_handler",
                        null,
                        new Artifact("medication-artifacts", "a.zip"),
                        null),
                    NOW))
        .isInstanceOf(TargetRefusedException.class)
        .hasMessage(
            "'arn:aws:lambda:eu-west-1:123456789012:function:api_handler' is not a Lambda function name "
                + "(letters, digits, '-', '_'; 1-64; no ARNs or qualifiers)");
    assertThatThrownBy(
            () ->
                rollout.start(
                    "rel-1",
                    TARGET,
                    new LambdaFunction(
                        "api_handler", null, new Artifact("someone-elses-bucket", "a.zip"), null),
                    NOW))
        .hasMessage(
            "artifact bucket 'someone-elses-bucket' of function api_handler is not an artifact bucket of "
                + "target 'medication-aws' (allowed: medication-artifacts)");
    assertThatThrownBy(
            () ->
                rollout.start(
                    "rel-1",
                    TARGET,
                    new LambdaFunction(
                        "api_handler",
                        null,
                        new Artifact("medication-artifacts", "../other/a.zip"),
                        null),
                    NOW))
        .hasMessage(
            "artifact key '../other/a.zip' of function api_handler is not a plain S3 object key");
    assertThatThrownBy(() -> rollout.start("rel-1", TARGET, function("canary0-5"), NOW))
        .hasMessage("traffic 'canary0-5': the percentage must be 1-99");
    assertThatThrownBy(() -> rollout.start("rel-1", "other-aws", function("all-at-once"), NOW))
        .hasMessage("unknown Lambda target 'other-aws'");
    assertThat(lambda.calls()).isEmpty();
  }

  @Test
  void anAliasOnLatestIsRefusedBeforeTheCodeChanges() {
    lambda.pointAlias("api_handler", "live", "$LATEST"); // as a console user might

    assertThatThrownBy(() -> rollout.start("rel-1", TARGET, function("all-at-once"), NOW))
        .isInstanceOf(TargetRefusedException.class)
        .hasMessage(
            "alias live of function api_handler points at $LATEST; point it at a published version first, "
                + "so there is a version to roll back to");
    assertThat(lambda.callLines()).containsExactly("GET " + FN + "/aliases/live");
  }

  /** The alias updates as "FunctionVersion weights". */
  private List<String> aliasUpdates() {
    return lambda.calls().stream()
        .filter(c -> c.method().equals("PUT") && c.path().endsWith("/aliases/live"))
        .map(Call::body)
        .map(
            (JsonNode b) ->
                b.get("FunctionVersion").asText()
                    + " "
                    + b.path("RoutingConfig").path("AdditionalVersionWeights"))
        .toList();
  }

  private static List<String> types(Advance advance) {
    return advance.events().stream().map(Event::type).toList();
  }

  private static LambdaFunction function(String traffic) {
    return new LambdaFunction(
        "api_handler",
        null,
        new Artifact("medication-artifacts", "lambda/api_handler/2.4.0/function.zip"),
        traffic);
  }
}
