package io.countersign.lambda;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.mockito.ArgumentMatchers.anyMap;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.ArgumentMatchers.argThat;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.Mockito.inOrder;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.verify;

import io.countersign.FakeExecution;
import io.countersign.aws.AwsClients;
import io.countersign.aws.AwsUnavailableException;
import io.countersign.aws.FakeApiSupport;
import io.countersign.aws.FakeLambdaApi;
import io.countersign.aws.FakeLambdaApi.AliasState;
import io.countersign.evidence.EvidenceLog;
import io.countersign.manifest.ReleaseManifest;
import io.countersign.process.StepSupport;
import io.countersign.process.Variables;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.camunda.bpm.engine.delegate.BpmnError;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.mockito.InOrder;

/**
 * The Lambda delegates as a model loop calls them, on the live adapter against WireMock answering
 * like Lambda.
 */
class LambdaDelegatesTest {
  private static final String TARGET = "medication-aws";
  private static FakeLambdaApi lambda;

  private final EvidenceLog evidence = mock(EvidenceLog.class);
  private final List<TrafficGate> gates = new ArrayList<>();
  private AwsClients clients;
  private DeployLambdaDelegate deploy;
  private RevertLambdaDelegate revert;
  private GateLambdaTrafficDelegate gate;

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
    lambda.function("alert_generator", "prod", 12, "sha-12");
    lambda.artifact("medication-artifacts", "api.zip", "sha-8");
    lambda.artifact("medication-artifacts", "alerts.zip", "sha-13");
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
                    1)));
    clients = new AwsClients(FakeApiSupport.TEST_CREDENTIALS);
    LiveLambdaTarget live = new LiveLambdaTarget(properties, clients);
    LambdaRollout rollout = new LambdaRollout(live, properties, FakeExecution.actingAttempts());
    deploy = new DeployLambdaDelegate(rollout, evidence, FakeExecution.variableStart(evidence));
    revert = new RevertLambdaDelegate(rollout, evidence, FakeExecution.variableStart(evidence));
    gate = new GateLambdaTrafficDelegate(gates, evidence, FakeExecution.variableManifests(), live);
  }

  @AfterEach
  void closeClients() {
    clients.close();
  }

  @Test
  void skipsWithEvidenceWhenTheManifestHasNoLambda() throws Exception {
    FakeExecution fake = new FakeExecution(FakeExecution.manifest(""));

    deploy.execute(fake.execution);
    gate.execute(fake.execution);
    revert.execute(fake.execution);

    verify(evidence)
        .record(
            "rel-1",
            "step-skipped",
            "countersign",
            Map.of("step", "deployLambda", "reason", "the manifest has no lambda functions"));
    verify(evidence)
        .record(
            eq("rel-1"),
            eq("step-skipped"),
            eq("countersign"),
            argThat(p -> "revertLambda".equals(p.get("step"))));
    assertThat(fake.variables).containsEntry(Variables.STEP_OUTCOME, "done");
    assertThat(lambda.calls()).isEmpty();
  }

  @Test
  void aDeployModelWithoutTheTrafficChecksRefusesAManifestThatAsksForThem() {
    // A release pinned to a model from before the checks (the fake execution has no model).
    FakeExecution fake =
        new FakeExecution(
            FakeExecution.manifest(
                "\"lambda\":{\"target\":\""
                    + TARGET
                    + "\",\"functions\":[{\"name\":\"api_handler\","
                    + "\"artifact\":{\"bucket\":\"medication-artifacts\",\"key\":\"api.zip\"},"
                    + "\"beforeTraffic\":{\"event\":{\"path\":\"/health\"}}}]}"));
    fake.variables.put(Variables.LAMBDA_FUNCTION, "api_handler");

    assertThatThrownBy(() -> deploy.execute(fake.execution)).isInstanceOf(BpmnError.class);
    assertThat(fake.variables)
        .containsEntry(
            Variables.FAILURE_REASON,
            "function api_handler asks for traffic checks, but this release runs a deploy model without them");
    assertThat(lambda.calls()).isEmpty();
  }

  @Test
  void drillFailsBeforeDeployingAnything() {
    FakeExecution fake = execution("", ",\"drill\":{\"failAt\":\"deployLambda\"}");
    fake.variables.put(Variables.LAMBDA_FUNCTION, "api_handler");

    assertThatThrownBy(() -> deploy.execute(fake.execution))
        .isInstanceOfSatisfying(
            BpmnError.class, e -> assertThat(e.getErrorCode()).isEqualTo(StepSupport.STEP_FAILED));
    assertThat(lambda.calls()).isEmpty();
    assertThat(fake.variables)
        .containsEntry(Variables.FAILED_STEP, "deployLambda")
        .doesNotContainKey(Variables.LAMBDA_PREVIOUS_VERSIONS);
  }

  @Test
  void allAtOnceDeploysEachFunctionInOneCallAndRecordsItsPreviousVersion() throws Exception {
    FakeExecution fake = execution("", "");

    for (String name : List.of("api_handler", "alert_generator")) {
      fake.variables.put(Variables.LAMBDA_FUNCTION, name);
      deploy.execute(fake.execution);
      assertThat(fake.variables)
          .containsEntry(Variables.STEP_OUTCOME, "done")
          .containsEntry(Variables.STEP_WAIT, "PT0S");
    }

    assertThat(fake.variables.get(Variables.LAMBDA_PREVIOUS_VERSIONS))
        .isEqualTo(Map.of("api_handler", "7", "alert_generator", "12"));
    assertThat(lambda.alias("api_handler", "live").version()).isEqualTo("8");
    assertThat(lambda.alias("alert_generator", "prod").version()).isEqualTo("13");
    assertThat(
            ((Map<?, ?>) fake.variables.get(Variables.LAMBDA_DEPLOYMENTS))
                .keySet().stream().map(String::valueOf).toList())
        .containsExactlyInAnyOrder("api_handler", "alert_generator");
    verify(evidence)
        .record(
            eq("rel-1"),
            eq("lambda-deployed"),
            eq("countersign"),
            argThat(
                p ->
                    p.get("function").equals("alert_generator")
                        && p.get("alias").equals("prod")
                        && p.get("previousVersion").equals("12")
                        && p.get("newVersion").equals("13")
                        && p.get("artifact").equals("medication-artifacts/alerts.zip")
                        && p.get("dryRun").equals(false)));
  }

  @Test
  void aLoopCallsItUntilDeployedWithTheGateBetweenSteps() throws Exception {
    lambda.updateTakes("api_handler", 1);
    FakeExecution fake = execution("canary10-5", "");
    fake.variables.put(Variables.LAMBDA_FUNCTION, "api_handler");
    List<String> states = new ArrayList<>();
    List<Object> waits = new ArrayList<>();

    do {
      gate.execute(
          fake.execution); // between steps, as the model does after the hold; a no-op unless
      // shifting
      deploy.execute(fake.execution);
      states.add((String) fake.variables.get(Variables.STEP_OUTCOME));
      waits.add(fake.variables.get(Variables.STEP_WAIT));
    } while (!"done".equals(fake.variables.get(Variables.STEP_OUTCOME)));
    int calls = lambda.calls().size();
    deploy.execute(fake.execution); // a deployed function is left alone

    assertThat(states).containsExactly("running", "paused", "done");
    assertThat(waits).containsExactly("PT5S", "PT5M", "PT0S");
    assertThat(lambda.alias("api_handler", "live"))
        .extracting(AliasState::version, AliasState::weights)
        .containsExactly("8", Map.of());
    assertThat(lambda.calls()).hasSize(calls);
    verify(evidence)
        .record(
            eq("rel-1"),
            eq("lambda-traffic-gate"),
            eq("countersign"),
            argThat(
                p ->
                    p.get("percent").equals(10)
                        && p.get("passed").equals(true)
                        && p.get("gates").equals("none configured")));
    InOrder order = inOrder(evidence);
    for (String type :
        List.of(
            "lambda-code-updated",
            "lambda-version-published",
            "lambda-traffic-shifted",
            "lambda-traffic-gate",
            "lambda-traffic-shifted",
            "lambda-deployed")) {
      order.verify(evidence).record(eq("rel-1"), eq(type), eq("countersign"), anyMap());
    }
  }

  @Test
  void aFailedGateFailsTheStepAndTheRevertClearsTheWeights() throws Exception {
    gates.add(gate("error-rate", false, "error rate 4.2 % over 1 %"));
    FakeExecution fake = execution("canary10-5", "");
    fake.variables.put(Variables.LAMBDA_FUNCTION, "api_handler");
    deploy.execute(fake.execution);
    assertThat(lambda.alias("api_handler", "live").weights()).isEqualTo(Map.of("8", 0.1));

    assertThatThrownBy(() -> gate.execute(fake.execution))
        .isInstanceOf(BpmnError.class)
        .hasMessage(
            "Traffic gate failed for function api_handler at 10 %: error-rate: error rate 4.2 % over 1 %");
    assertThat(fake.variables).containsEntry(Variables.FAILED_STEP, "gateLambdaTraffic");
    revert.execute(fake.execution);

    assertThat(lambda.alias("api_handler", "live"))
        .extracting(AliasState::version, AliasState::weights)
        .containsExactly("7", Map.of());
  }

  @Test
  void aRefusedUpdateIsTheStepsFailureWithThePreviousVersionKeptForTheRollback() throws Exception {
    lambda.updateFails("api_handler", "The function could not be unzipped");
    FakeExecution fake = execution("", "");
    fake.variables.put(Variables.LAMBDA_FUNCTION, "api_handler");

    assertThatThrownBy(() -> deploy.execute(fake.execution)).isInstanceOf(BpmnError.class);

    assertThat(fake.variables)
        .containsEntry(Variables.FAILED_STEP, "deployLambda")
        .containsEntry(
            Variables.FAILURE_REASON,
            "Lambda code update of api_handler failed: The function could not be unzipped (InvalidZipFileException)")
        .containsEntry(Variables.LAMBDA_PREVIOUS_VERSIONS, Map.of("api_handler", "7"));
  }

  @Test
  void aMissingArtifactFailsTheStepAndRecordsNothingToRevert() {
    lambda.reset();
    lambda.function("api_handler", "live", 7, "sha-7");
    FakeExecution fake = execution("", "");
    fake.variables.put(Variables.LAMBDA_FUNCTION, "api_handler");

    assertThatThrownBy(() -> deploy.execute(fake.execution))
        .isInstanceOf(BpmnError.class)
        .hasMessageContaining("S3 Error Code: NoSuchKey");
    assertThat(fake.variables).doesNotContainKey(Variables.LAMBDA_PREVIOUS_VERSIONS);
    assertThat(lambda.code("api_handler")).isEqualTo("sha-7");
  }

  @Test
  void aThrottledCallIsAnOrdinaryExceptionForTheEngineToRetry() {
    lambda.fail("GET", "/aliases/live", 1, 429, "TooManyRequestsException", "Rate exceeded");
    FakeExecution fake = execution("", "");
    fake.variables.put(Variables.LAMBDA_FUNCTION, "api_handler");

    assertThatThrownBy(() -> deploy.execute(fake.execution))
        .isInstanceOf(AwsUnavailableException.class);
    assertThat(fake.variables)
        .doesNotContainKeys(Variables.FAILED_STEP, Variables.LAMBDA_PREVIOUS_VERSIONS);
  }

  @Test
  void revertMovesEveryRecordedAliasBackLastFirstOnce() throws Exception {
    FakeExecution fake = execution("", "");
    for (String name : List.of("api_handler", "alert_generator")) {
      fake.variables.put(Variables.LAMBDA_FUNCTION, name);
      deploy.execute(fake.execution);
    }
    int before = lambda.calls().size();

    revert.execute(fake.execution);
    revert.execute(fake.execution);

    assertThat(lambda.callLines().subList(before, lambda.calls().size()))
        .containsExactly(
            "GET /2015-03-31/functions/alert_generator/aliases/prod",
                "PUT /2015-03-31/functions/alert_generator/aliases/prod",
            "GET /2015-03-31/functions/api_handler/aliases/live",
                "PUT /2015-03-31/functions/api_handler/aliases/live");
    assertThat(lambda.alias("api_handler", "live").version()).isEqualTo("7");
    assertThat(lambda.alias("alert_generator", "prod").version()).isEqualTo("12");
    assertThat(fake.variables.get(Variables.LAMBDA_REVERTED))
        .isEqualTo(List.of("alert_generator", "api_handler"));
    verify(evidence)
        .record(
            eq("rel-1"),
            eq("lambda-reverted"),
            eq("countersign"),
            argThat(
                p ->
                    p.get("function").equals("api_handler")
                        && p.get("restoredVersion").equals("7")
                        && p.get("replacedVersion").equals("8")
                        && p.get("changed").equals(true)));
  }

  @Test
  void aRevertThatRunsAgainFromScratchChangesNothingMore() throws Exception {
    FakeExecution fake = execution("", "");
    fake.variables.put(Variables.LAMBDA_FUNCTION, "api_handler");
    deploy.execute(fake.execution);
    revert.execute(fake.execution);
    fake.variables.remove(Variables.LAMBDA_REVERTED); // the job ran again after a lost commit

    revert.execute(fake.execution);

    assertThat(lambda.callLines())
        .filteredOn(c -> c.startsWith("PUT") && c.endsWith("/aliases/live"))
        .hasSize(2);
    assertThat(lambda.alias("api_handler", "live"))
        .extracting(AliasState::version, AliasState::weights)
        .containsExactly("7", Map.of());
    verify(evidence)
        .record(
            eq("rel-1"),
            eq("lambda-reverted"),
            eq("countersign"),
            argThat(p -> p.get("changed").equals(false)));
  }

  @Test
  void revertLeavesFunctionsNeverDeployedAlone() throws Exception {
    FakeExecution fake = execution("", "");
    fake.variables.put(Variables.LAMBDA_FUNCTION, "api_handler");
    deploy.execute(fake.execution);

    revert.execute(fake.execution);

    assertThat(lambda.callLines()).noneMatch(c -> c.contains("alert_generator"));
    verify(evidence, never())
        .record(
            anyString(),
            eq("lambda-reverted"),
            anyString(),
            argThat(p -> "alert_generator".equals(p.get("function"))));
  }

  private static TrafficGate gate(String name, boolean passed, String detail) {
    return new TrafficGate() {
      @Override
      public String name() {
        return name;
      }

      @Override
      public Result check(
          String releaseId, ReleaseManifest manifest, String function, int percent) {
        return new Result(passed, detail);
      }
    };
  }

  /**
   * api_handler (alias live) and alert_generator (alias prod), with the given traffic on
   * api_handler.
   */
  private static FakeExecution execution(String apiTraffic, String more) {
    String traffic = apiTraffic.isEmpty() ? "" : ",\"traffic\":\"" + apiTraffic + "\"";
    return new FakeExecution(
        FakeExecution.manifest(
            "\"lambda\":{\"target\":\""
                + TARGET
                + "\",\"functions\":["
                + "{\"name\":\"api_handler\",\"artifact\":{\"bucket\":\"medication-artifacts\",\"key\":\"api.zip\"}"
                + traffic
                + "},"
                + "{\"name\":\"alert_generator\",\"alias\":\"prod\",\"artifact\":{\"bucket\":\"medication-artifacts\",\"key\":\"alerts.zip\"}}]}"
                + more));
  }
}
