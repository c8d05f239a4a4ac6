package io.countersign.lambda;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.countersign.aws.AwsClients;
import io.countersign.aws.AwsUnavailableException;
import io.countersign.aws.FakeApiSupport;
import io.countersign.aws.FakeLambdaApi;
import io.countersign.aws.FakeLambdaApi.Answer;
import io.countersign.aws.FakeLambdaApi.Invocation;
import io.countersign.aws.TargetRefusedException;
import io.countersign.manifest.ReleaseManifest.Artifact;
import io.countersign.manifest.ReleaseManifest.LambdaFunction;
import io.countersign.manifest.ReleaseManifest.TrafficCheck;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Invoke through the live adapter and the traffic checks against WireMock answering like Lambda's
 * Invoke: the request as sent (qualified with the version, RequestResponse, the event or the
 * validation payload), the answers judged (function error, JSON field, executed version, timeout),
 * the allow-list enforced again by the adapter, and Lambda's errors sorted into refusal and retry.
 */
class LiveLambdaInvokeTest {
  private static final String TARGET = "medication-aws";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static FakeLambdaApi lambda;

  private AwsClients clients;
  private LiveLambdaTarget live;
  private TrafficChecks checks;

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
    lambda.function("api_handler", "live", 8, "sha-8");
    lambda.validator("release_validator", Answer.ok("{\"status\":\"ok\"}"));
    lambda.validator("other_function", Answer.ok("{\"status\":\"ok\"}"));
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
                    Duration.ofSeconds(5),
                    1,
                    List.of("release_validator"))));
    clients = new AwsClients(FakeApiSupport.TEST_CREDENTIALS);
    live = new LiveLambdaTarget(properties, clients);
    checks = new TrafficChecks(live);
  }

  @AfterEach
  void closeClients() {
    clients.close();
  }

  private static LambdaFunction function(TrafficCheck before, TrafficCheck after) {
    return new LambdaFunction(
        "api_handler",
        "live",
        new Artifact("medication-artifacts", "api.zip"),
        "canary10-5",
        null,
        before,
        after);
  }

  @Test
  void anEventInvokesTheNewVersionItselfSynchronouslyAndPassesOnTheExpectedField() {
    lambda.answers("api_handler", Answer.ok("{\"statusCode\":200,\"body\":{\"doses\":3}}"));
    TrafficCheck check =
        new TrafficCheck(
            Map.of("path", "/health", "httpMethod", "GET"), null, "$.body.doses", "3", "PT5S");

    TrafficChecks.Result result =
        checks.run("rel-1", TARGET, function(check, null), TrafficChecks.BEFORE, "7", "8");

    assertThat(result.passed()).isTrue();
    assertThat(lambda.invocations())
        .singleElement()
        .satisfies(
            i -> {
              assertThat(i.function()).isEqualTo("api_handler");
              assertThat(i.qualifier()).as("the version, never the alias").isEqualTo("8");
              assertThat(i.invocationType()).isEqualTo("RequestResponse");
              assertThat(i.payload().path("path").asText()).isEqualTo("/health");
            });
    assertThat(result.evidence())
        .containsEntry("phase", "before")
        .containsEntry("invoked", "api_handler:8")
        .containsEntry("status", 200)
        .containsEntry("executedVersion", "8")
        .containsEntry("passed", true)
        .containsKey("latencyMs")
        .doesNotContainKey("functionError");
  }

  @Test
  void aFunctionErrorFailsTheCheckWithLambdasErrorInTheDetail() {
    lambda.answers(
        "api_handler", Answer.unhandled("KeyError", "'patient_id' is missing from the event"));

    TrafficChecks.Result result =
        checks.run(
            "rel-1",
            TARGET,
            function(new TrafficCheck(Map.of("k", "v"), null, null, null, null), null),
            TrafficChecks.BEFORE,
            "7",
            "8");

    assertThat(result.passed()).isFalse();
    assertThat(result.detail())
        .isEqualTo("function error (Unhandled): KeyError: 'patient_id' is missing from the event");
    assertThat(result.evidence()).containsEntry("functionError", "Unhandled");
  }

  @Test
  void aFieldWithAnotherValueOrMissingOrAnAnswerThatIsNotJsonFails() {
    LambdaFunction function =
        function(null, new TrafficCheck(Map.of(), null, "$.checks[1].state", "ok", null));
    lambda.answers(
        "api_handler", Answer.ok("{\"checks\":[{\"state\":\"ok\"},{\"state\":\"degraded\"}]}"));
    assertThat(checks.run("rel-1", TARGET, function, TrafficChecks.AFTER, "7", "8").detail())
        .isEqualTo("$.checks[1].state is 'degraded', expected 'ok'");

    lambda.answers("api_handler", Answer.ok("{\"checks\":[]}"));
    assertThat(checks.run("rel-1", TARGET, function, TrafficChecks.AFTER, "7", "8").detail())
        .isEqualTo("the answer has no $.checks[1].state");

    lambda.answers("api_handler", Answer.ok("OK"));
    assertThat(checks.run("rel-1", TARGET, function, TrafficChecks.AFTER, "7", "8").detail())
        .isEqualTo("the answer is not JSON, so $.checks[1].state cannot be read");
  }

  @Test
  void aValidationFunctionIsToldTheReleaseAndBothVersionsAndKeepsOnlyAnExcerpt() {
    String big = "x".repeat(2000);
    lambda.validator("release_validator", Answer.ok("{\"status\":\"ok\",\"log\":\"" + big + "\"}"));
    TrafficCheck check =
        new TrafficCheck(Map.of("sample", true), "release_validator", "$.status", "ok", null);

    TrafficChecks.Result result =
        checks.run("rel-1", TARGET, function(null, check), TrafficChecks.AFTER, "7", "8");

    assertThat(result.passed()).isTrue();
    Invocation invocation = lambda.invocations().get(0);
    assertThat(invocation.function()).isEqualTo("release_validator");
    assertThat(invocation.qualifier()).isNull();
    assertThat(JSON.convertValue(invocation.payload(), Map.class))
        .containsEntry("releaseId", "rel-1")
        .containsEntry("function", "api_handler")
        .containsEntry("alias", "live")
        .containsEntry("newVersion", "8")
        .containsEntry("previousVersion", "7")
        .containsEntry("phase", "after-traffic")
        .containsEntry("event", Map.of("sample", true));
    assertThat((String) result.evidence().get("response")).hasSize(TrafficChecks.EXCERPT + 1);
    assertThat(result.evidence()).containsEntry("invoked", "release_validator");
  }

  @Test
  void theAdapterRefusesAFunctionOffTheAllowListAndAnythingButAVersion() {
    assertThatThrownBy(
            () -> live.invoke(TARGET, "other_function", null, "{}", Duration.ofSeconds(5)))
        .isInstanceOf(TargetRefusedException.class)
        .hasMessage(
            "function 'other_function' is not a validation function of target 'medication-aws' (allowed: release_validator)");
    assertThatThrownBy(
            () -> live.invoke(TARGET, "api_handler", "live", "{}", Duration.ofSeconds(5)))
        .isInstanceOf(TargetRefusedException.class)
        .hasMessage("a traffic check invokes a published version, not 'live'");
    assertThatThrownBy(
            () -> live.invoke(TARGET, "api_handler", "$LATEST", "{}", Duration.ofSeconds(5)))
        .isInstanceOf(TargetRefusedException.class);
    // Even a check that names an unlisted function (the manifest check let it through somehow).
    assertThatThrownBy(
            () ->
                checks.run(
                    "rel-1",
                    TARGET,
                    function(new TrafficCheck(null, "other_function", null, null, null), null),
                    TrafficChecks.BEFORE,
                    "7",
                    "8"))
        .isInstanceOf(TargetRefusedException.class);
    assertThat(lambda.invocations()).isEmpty();
  }

  @Test
  void aMissingVersionIsRefusedThrottlingAndServerErrorsAreRetried() {
    assertThatThrownBy(() -> live.invoke(TARGET, "api_handler", "99", "{}", Duration.ofSeconds(5)))
        .isInstanceOf(TargetRefusedException.class)
        .hasMessageContaining("ResourceNotFoundException")
        .hasMessageContaining("(HTTP 404)");

    lambda.fail("POST", "/invocations", 1, 429, "TooManyRequestsException", "Rate exceeded");
    assertThatThrownBy(() -> live.invoke(TARGET, "api_handler", "8", "{}", Duration.ofSeconds(5)))
        .isInstanceOf(AwsUnavailableException.class)
        .hasMessageContaining("TooManyRequestsException");

    lambda.fail("POST", "/invocations", 1, 500, "ServiceException", "internal");
    assertThatThrownBy(() -> live.invoke(TARGET, "api_handler", "8", "{}", Duration.ofSeconds(5)))
        .isInstanceOf(AwsUnavailableException.class);

    lambda.fail("POST", "/invocations", 1, 403, "AccessDeniedException", "not authorized");
    assertThatThrownBy(() -> live.invoke(TARGET, "api_handler", "8", "{}", Duration.ofSeconds(5)))
        .isInstanceOf(TargetRefusedException.class)
        .hasMessageContaining("AccessDeniedException");
  }

  @Test
  void aFunctionThatDoesNotAnswerWithinTheTimeoutFailsTheCheck() {
    lambda.answers("api_handler", new Answer("{}", null, Duration.ofSeconds(3)));

    TrafficChecks.Result result =
        checks.run(
            "rel-1",
            TARGET,
            function(new TrafficCheck(Map.of(), null, null, null, "PT0.5S"), null),
            TrafficChecks.BEFORE,
            "7",
            "8");

    assertThat(result.passed()).isFalse();
    assertThat(result.detail()).isEqualTo("no answer within PT0.5S");
    assertThat(result.evidence()).doesNotContainKey("status");
  }

  @Test
  void theDryRunAdapterInvokesNothingAndPasses() {
    TrafficChecks dry = new TrafficChecks(new DryRunLambdaTarget());
    TrafficChecks.Result result =
        dry.run(
            "rel-1",
            TARGET,
            function(new TrafficCheck(Map.of(), null, "$.status", "ok", null), null),
            TrafficChecks.BEFORE,
            DryRunLambdaTarget.UNKNOWN,
            DryRunLambdaTarget.NEW_VERSION);
    assertThat(result.passed()).isTrue();
    assertThat(result.detail())
        .isEqualTo(
            "dry-run: would invoke api_handler:dry-run (RequestResponse, timeout PT30S) and require HTTP 200 without a function error and $.status = 'ok'");
    assertThat(lambda.invocations()).isEmpty();
  }
}
