package io.countersign.lambda;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.countersign.CrashAfterStep;
import io.countersign.ProcessTestSupport;
import io.countersign.aws.FakeApiSupport;
import io.countersign.aws.FakeLambdaApi;
import io.countersign.aws.FakeLambdaApi.AliasState;
import io.countersign.aws.FakeLambdaApi.Answer;
import io.countersign.aws.FakeLambdaApi.Call;
import io.countersign.aws.FakeLambdaApi.Invocation;
import io.countersign.manifest.FieldErrors.FieldError;
import io.countersign.manifest.InvalidManifestException;
import io.countersign.manifest.ReleaseManifest;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.camunda.bpm.engine.impl.util.ClockUtil;
import org.camunda.bpm.engine.runtime.Job;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;

/**
 * The before- and after-traffic checks and the final gate through the real deploy model, with the
 * live Lambda adapter against WireMock answering like Lambda (Invoke included) and the default
 * final hold of a minute: failures first (each rolls back, and the alias ends where it was), then a
 * canary with both checks passing.
 */
@Import(LambdaTrafficCheckProcessTest.Beans.class)
class LambdaTrafficCheckProcessTest extends ProcessTestSupport {
  private static FakeLambdaApi lambda;

  @DynamicPropertySource
  static synchronized void liveLambda(DynamicPropertyRegistry registry) {
    if (lambda == null) {
      lambda = FakeLambdaApi.startServer();
    }
    registry.add("countersign.targets.lambda.mode", () -> "live");
    registry.add(
        "countersign.targets.lambda.targets.medication-aws.endpoints.lambda",
        () -> lambda.endpoint().toString());
    registry.add("countersign.targets.lambda.targets.medication-aws.max-attempts", () -> "1");
    registry.add(
        "countersign.targets.lambda.targets.medication-aws.validation-functions[0]",
        () -> "release_validator");
  }

  @AfterAll
  static void stopLambda() {
    lambda.stop();
  }

  @Autowired ScriptedGate gate;

  @BeforeEach
  void lambda() {
    gate.failAt = -1;
    gate.asked.clear();
    lambda.reset();
    lambda.function("api_handler", "live", 7, "sha-api-7");
    lambda.artifact("medication-artifacts", "lambda/api_handler/2.4.0/function.zip", "sha-api-8");
    lambda.answers("api_handler", Answer.ok("{\"statusCode\":200,\"body\":\"ok\"}"));
    lambda.validator("release_validator", Answer.ok("{\"status\":\"ok\"}"));
  }

  @Test
  void aFunctionErrorBeforeTrafficMovesNoWeightAndRollsBack() {
    lambda.answers(
        "api_handler", Answer.unhandled("KeyError", "'patient_id' is missing from the event"));
    ObjectNode manifest = apiHandler("canary10-5");
    check(manifest, "beforeTraffic").putObject("event").put("path", "/health");
    String id = submit(manifest);

    approveAll(id);

    assertThat(status(id)).isEqualTo("rolled-back");
    assertThat(statusReason(id))
        .contains(
            "Before-traffic check of function api_handler version 8 failed: function error (Unhandled): KeyError: 'patient_id' is missing from the event");
    assertThat(aliasUpdates()).as("no UpdateAlias, with weights or without").isEmpty();
    assertThat(lambda.alias("api_handler", "live"))
        .extracting(AliasState::version, AliasState::weights)
        .containsExactly("7", Map.of());
    assertThat(lambda.invocations())
        .singleElement()
        .satisfies(
            i -> {
              assertThat(i.qualifier()).isEqualTo("8");
              assertThat(i.invocationType()).isEqualTo("RequestResponse");
              assertThat(i.payload().path("path").asText()).isEqualTo("/health");
            });
    JsonNode check = lastPayload(id, TrafficChecks.EVIDENCE);
    assertThat(check.path("phase").asText()).isEqualTo("before");
    assertThat(check.path("invoked").asText()).isEqualTo("api_handler:8");
    assertThat(check.path("functionError").asText()).isEqualTo("Unhandled");
    assertThat(check.path("executedVersion").asText()).isEqualTo("8");
    assertThat(check.path("passed").asBoolean()).isFalse();
    assertThat(check.path("response").asText()).contains("patient_id");
    assertThat(evidenceTypes(id))
        .containsSubsequence(
            "lambda-version-published",
            TrafficChecks.EVIDENCE,
            "rollback-started",
            "lambda-reverted")
        .doesNotContain("lambda-traffic-shifted", "lambda-deployed");
    assertThat(lastPayload(id, "lambda-reverted").path("changed").asBoolean())
        .as("the alias never moved")
        .isFalse();
    assertThat(gate.asked).isEmpty();
  }

  @Test
  void aValidationFunctionsAnswerWithTheWrongValueRollsBackBeforeAnyTraffic() {
    lambda.validator("release_validator", Answer.ok("{\"status\":\"degraded\"}"));
    ObjectNode manifest = apiHandler(null);
    ObjectNode before = check(manifest, "beforeTraffic");
    before.put("function", "release_validator").put("jsonField", "$.status").put("jsonValue", "ok");
    before.putObject("event").put("sample", "dose-reminder");
    String id = submit(manifest);

    approveAll(id);

    assertThat(status(id)).isEqualTo("rolled-back");
    assertThat(statusReason(id)).contains("$.status is 'degraded', expected 'ok'");
    assertThat(aliasUpdates()).isEmpty();
    assertThat(lambda.alias("api_handler", "live").version()).isEqualTo("7");
    Invocation invocation = lambda.invocations().get(0);
    assertThat(invocation.function()).isEqualTo("release_validator");
    assertThat(invocation.qualifier()).isNull();
    assertThat(invocation.payload().path("releaseId").asText()).isEqualTo(id);
    assertThat(invocation.payload().path("function").asText()).isEqualTo("api_handler");
    assertThat(invocation.payload().path("alias").asText()).isEqualTo("live");
    assertThat(invocation.payload().path("newVersion").asText()).isEqualTo("8");
    assertThat(invocation.payload().path("previousVersion").asText()).isEqualTo("7");
    assertThat(invocation.payload().path("event").path("sample").asText())
        .isEqualTo("dose-reminder");
  }

  @Test
  void aValidationFunctionOffTheAllowListIsRefusedBeforeAnythingStarts() {
    ObjectNode manifest = apiHandler(null);
    check(manifest, "afterTraffic").put("function", "payments_refund");

    assertThatThrownBy(() -> submit(manifest))
        .isInstanceOfSatisfying(
            InvalidManifestException.class,
            e ->
                assertThat(e.errors())
                    .containsExactly(
                        new FieldError(
                            "$.lambda.functions[0].afterTraffic.function",
                            "'payments_refund' is not a validation function of target 'medication-aws' (allowed: release_validator)")));
    assertThat(lambda.calls()).isEmpty();
  }

  @Test
  void anAfterTrafficFailurePutsTheAliasBackOnThePreviousVersion() {
    ObjectNode manifest = apiHandler(null);
    check(manifest, "beforeTraffic").putObject("event").put("path", "/health");
    check(manifest, "afterTraffic")
        .put("jsonField", "$.statusCode")
        .put("jsonValue", "200")
        .putObject("event")
        .put("path", "/health");
    String id = submit(manifest);
    approveAll(id);
    // All at once: all traffic on version 8, held for the final minute before the gates.
    assertThat(lambda.alias("api_handler", "live"))
        .extracting(AliasState::version, AliasState::weights)
        .containsExactly("8", Map.of());
    assertThat(holdLeft(id)).isBetween(Duration.ofSeconds(30), Duration.ofMinutes(1));
    lambda.answers("api_handler", Answer.ok("{\"statusCode\":503}"));

    fireTimer(id, "lambdaTrafficHold");

    assertThat(gate.asked).containsExactly("api_handler@100");
    assertThat(status(id)).isEqualTo("rolled-back");
    assertThat(statusReason(id))
        .contains(
            "After-traffic check of function api_handler version 8 failed: $.statusCode is '503', expected '200'");
    assertThat(lambda.alias("api_handler", "live"))
        .extracting(AliasState::version, AliasState::weights)
        .containsExactly("7", Map.of());
    assertThat(payloads(id, TrafficChecks.EVIDENCE))
        .extracting(p -> p.path("phase").asText() + " " + p.path("passed").asBoolean())
        .containsExactly("before true", "after false");
    assertThat(evidenceTypes(id)).doesNotContain("lambda-deployed");
  }

  @Test
  void allAtOnceIsGatedAtOneHundredPercentAndAFailingGateRollsBack() {
    gate.failAt = 100;
    String id = submit(apiHandler(null));
    approveAll(id);
    assertThat(lambda.alias("api_handler", "live").version()).isEqualTo("8");
    assertThat(gate.asked).as("not before the final hold").isEmpty();

    fireTimer(id, "lambdaTrafficHold");

    assertThat(gate.asked).containsExactly("api_handler@100");
    assertThat(status(id)).isEqualTo("rolled-back");
    assertThat(statusReason(id)).contains("Traffic gate failed for function api_handler at 100 %");
    assertThat(lambda.alias("api_handler", "live"))
        .extracting(AliasState::version, AliasState::weights)
        .containsExactly("7", Map.of());
    JsonNode gated = lastPayload(id, "lambda-traffic-gate");
    assertThat(gated.path("final").asBoolean()).isTrue();
    assertThat(gated.path("passed").asBoolean()).isFalse();
    // No check in the manifest: recorded as such, before traffic.
    assertThat(lastPayload(id, TrafficChecks.EVIDENCE).path("detail").asText())
        .isEqualTo("no beforeTraffic check in the manifest");
  }

  @Test
  void aCanaryWithBothChecksPassingIsReleasedWithBothInTheEvidence() {
    ObjectNode manifest = apiHandler("canary10-5");
    check(manifest, "beforeTraffic").putObject("event").put("path", "/health");
    check(manifest, "afterTraffic")
        .put("function", "release_validator")
        .put("jsonField", "$.status")
        .put("jsonValue", "ok")
        .put("timeout", "PT10S");
    String id = submit(manifest);
    approveAll(id);
    assertThat(lambda.alias("api_handler", "live").weights()).isEqualTo(Map.of("8", 0.1));
    assertThat(lambda.invocations()).extracting(Invocation::qualifier).containsExactly("8");

    fireTimer(id, "lambdaTrafficHold"); // the canary's five minutes
    assertThat(lambda.alias("api_handler", "live"))
        .extracting(AliasState::version, AliasState::weights)
        .containsExactly("8", Map.of());
    assertThat(holdLeft(id)).isBetween(Duration.ofSeconds(30), Duration.ofMinutes(1));
    assertThat(status(id)).isEqualTo("deploying");

    fireTimer(id, "lambdaTrafficHold"); // the final minute

    assertThat(status(id)).isEqualTo("released");
    assertThat(gate.asked).containsExactly("api_handler@10", "api_handler@100");
    assertThat(lambda.invocations())
        .extracting(Invocation::function)
        .containsExactly("api_handler", "release_validator");
    assertThat(evidenceTypes(id))
        .containsSubsequence(
            "lambda-version-published",
            TrafficChecks.EVIDENCE,
            "lambda-traffic-shifted",
            "lambda-traffic-gate",
            "lambda-traffic-shifted",
            "lambda-traffic-gate",
            TrafficChecks.EVIDENCE,
            "lambda-deployed",
            "release-released");
    assertThat(payloads(id, TrafficChecks.EVIDENCE))
        .extracting(
            p ->
                p.path("phase").asText()
                    + " "
                    + p.path("invoked").asText()
                    + " "
                    + p.path("status").asInt()
                    + " "
                    + p.path("passed").asBoolean())
        .containsExactly("before api_handler:8 200 true", "after release_validator 200 true");
    assertThat(evidence.verify(id).valid()).isTrue();
    fireTimer(id, "rollbackWindowOver");
  }

  @Test
  void aCheckWhoseJobDiedBeforeItsCommitInvokesAgainAndTheReleaseGoesOn() {
    ObjectNode manifest = apiHandler(null);
    check(manifest, "beforeTraffic").putObject("event").put("path", "/health");
    String id = submit(manifest);
    CrashAfterStep.arm(CheckBeforeTrafficDelegate.STEP);
    approveAll(id);
    assertThat(CrashAfterStep.fired()).isTrue();
    assertThat(lambda.invocations()).hasSize(1);
    assertThat(aliasUpdates()).as("nothing moved before the check's commit").isEmpty();

    advanceClock(Duration.ofSeconds(31)); // the job's retry
    runJobs();

    // A check records no attempt: its re-run invokes again (as a smoke test would be called
    // again), then the traffic moves once.
    assertThat(lambda.invocations()).extracting(Invocation::qualifier).containsExactly("8", "8");
    assertThat(aliasUpdates()).hasSize(1);
    assertThat(lambda.alias("api_handler", "live").version()).isEqualTo("8");
    fireTimer(id, "lambdaTrafficHold");
    assertThat(status(id)).isEqualTo("released");
    // The killed job's evidence went with its transaction: one entry per committed check.
    assertThat(payloads(id, TrafficChecks.EVIDENCE))
        .extracting(p -> p.path("phase").asText())
        .containsExactly("before", "after");
    fireTimer(id, "rollbackWindowOver");
  }

  /** The staging example with only api_handler, its traffic as given (null: all at once). */
  private ObjectNode apiHandler(String traffic) {
    ObjectNode m = example("staging");
    m.remove("database");
    m.remove("frontend");
    m.remove("kubernetes");
    ArrayNode functions = (ArrayNode) m.get("lambda").get("functions");
    functions.remove(0);
    functions.remove(0);
    if (traffic != null) {
      ((ObjectNode) functions.get(0)).put("traffic", traffic);
    }
    return m;
  }

  private static ObjectNode check(ObjectNode manifest, String which) {
    return ((ObjectNode) manifest.at("/lambda/functions/0")).putObject(which);
  }

  private List<Call> aliasUpdates() {
    return lambda.calls().stream()
        .filter(c -> c.method().equals("PUT") && c.path().contains("/aliases/"))
        .toList();
  }

  /**
   * How long the hold timer of the release's deploy has left, to the second (less than the hold by
   * the time the jobs after it took).
   */
  private Duration holdLeft(String releaseId) {
    Job hold =
        management
            .createJobQuery()
            .timers()
            .activityId("lambdaTrafficHold")
            .processInstanceId(instance("deploy", releaseId).getId())
            .singleResult();
    long millis =
        hold.getDuedate().getTime() - ClockUtil.getCurrentTime().toInstant().toEpochMilli();
    return Duration.ofSeconds(Math.round(millis / 1000.0));
  }

  @TestConfiguration
  static class Beans {
    @Bean
    AwsCredentialsProvider testCredentials() {
      return FakeApiSupport.TEST_CREDENTIALS;
    }

    @Bean
    ScriptedGate scriptedGate() {
      return new ScriptedGate();
    }
  }

  /** A traffic gate that fails at the percentage the test sets, standing in for the metric gate. */
  static class ScriptedGate implements TrafficGate {
    volatile int failAt = -1;
    final List<String> asked = new CopyOnWriteArrayList<>();

    @Override
    public String name() {
      return "scripted";
    }

    @Override
    public Result check(String releaseId, ReleaseManifest manifest, String function, int percent) {
      asked.add(function + "@" + percent);
      return percent == failAt
          ? new Result(false, "error rate 4.2 % over max 1 % at " + percent + " %")
          : new Result(true, "ok");
    }
  }
}
