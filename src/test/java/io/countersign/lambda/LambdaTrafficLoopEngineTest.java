package io.countersign.lambda;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.Mockito.mock;

import io.countersign.FakeExecution;
import io.countersign.aws.AwsClients;
import io.countersign.aws.FakeApiSupport;
import io.countersign.aws.FakeLambdaApi;
import io.countersign.aws.FakeLambdaApi.AliasState;
import io.countersign.evidence.EvidenceLog;
import io.countersign.manifest.ReleaseManifest;
import io.countersign.process.Variables;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.camunda.bpm.engine.ManagementService;
import org.camunda.bpm.engine.ProcessEngine;
import org.camunda.bpm.engine.ProcessEngineConfiguration;
import org.camunda.bpm.engine.impl.cfg.ProcessEngineConfigurationImpl;
import org.camunda.bpm.engine.impl.util.ClockUtil;
import org.camunda.bpm.engine.runtime.Job;
import org.camunda.bpm.engine.runtime.ProcessInstance;
import org.camunda.spin.plugin.impl.SpinProcessEnginePlugin;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The model change this capability is built for, on a real (in-memory) Camunda 7.24 engine with the
 * live adapter against WireMock answering like Lambda: "Deploy Lambda function" as a sequential
 * multi-instance subprocess that calls deployLambda until its {@code stepOutcome} is done, waiting
 * {@code stepWait} on a timer in between (running: the poll interval while the code updates;
 * paused: the step's hold while traffic shifts, then the traffic gate), with revertLambda
 * compensating the enclosing subprocess as in deploy.bpmn.
 */
class LambdaTrafficLoopEngineTest {
  static final String MODEL =
      """
      <definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:camunda="http://camunda.org/schema/1.0/bpmn"
          xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" targetNamespace="https://countersign.io/test">
        <error id="stepFailedError" errorCode="stepFailed"/>
        <process id="lambdaLoop" isExecutable="true" camunda:historyTimeToLive="P1D">
          <startEvent id="start"/>
          <sequenceFlow id="s1" sourceRef="start" targetRef="deployLambdaFunctions"/>
          <subProcess id="deployLambdaFunctions">
            <startEvent id="deployLambdaFunctionsStarted"/>
            <sequenceFlow id="f1" sourceRef="deployLambdaFunctionsStarted" targetRef="deployLambdaFunction"/>
            <subProcess id="deployLambdaFunction">
              <multiInstanceLoopCharacteristics isSequential="true" camunda:collection="${lambdaFunctions}"
                  camunda:elementVariable="lambdaFunction"/>
              <startEvent id="deployLambdaFunctionStarted"/>
              <sequenceFlow id="l1" sourceRef="deployLambdaFunctionStarted" targetRef="deployLambdaAgain"/>
              <exclusiveGateway id="deployLambdaAgain"/>
              <sequenceFlow id="l2" sourceRef="deployLambdaAgain" targetRef="deployLambda"/>
              <serviceTask id="deployLambda" camunda:asyncBefore="true" camunda:delegateExpression="${deployLambda}"/>
              <sequenceFlow id="l3" sourceRef="deployLambda" targetRef="lambdaProgress"/>
              <exclusiveGateway id="lambdaProgress" default="lambdaCodeUpdating"/>
              <sequenceFlow id="lambdaFunctionDeployed" sourceRef="lambdaProgress" targetRef="deployLambdaFunctionDone">
                <conditionExpression xsi:type="tFormalExpression">${stepOutcome == 'done'}</conditionExpression>
              </sequenceFlow>
              <sequenceFlow id="lambdaTrafficShifting" sourceRef="lambdaProgress" targetRef="lambdaTrafficHold">
                <conditionExpression xsi:type="tFormalExpression">${stepOutcome == 'paused'}</conditionExpression>
              </sequenceFlow>
              <sequenceFlow id="lambdaCodeUpdating" sourceRef="lambdaProgress" targetRef="lambdaUpdatePoll"/>
              <intermediateCatchEvent id="lambdaUpdatePoll">
                <timerEventDefinition><timeDuration xsi:type="tFormalExpression">${stepWait}</timeDuration></timerEventDefinition>
              </intermediateCatchEvent>
              <sequenceFlow id="l4" sourceRef="lambdaUpdatePoll" targetRef="deployLambdaAgain"/>
              <intermediateCatchEvent id="lambdaTrafficHold">
                <timerEventDefinition><timeDuration xsi:type="tFormalExpression">${stepWait}</timeDuration></timerEventDefinition>
              </intermediateCatchEvent>
              <sequenceFlow id="l5" sourceRef="lambdaTrafficHold" targetRef="gateLambdaTraffic"/>
              <serviceTask id="gateLambdaTraffic" camunda:asyncBefore="true" camunda:delegateExpression="${gateLambdaTraffic}"/>
              <sequenceFlow id="l6" sourceRef="gateLambdaTraffic" targetRef="deployLambdaAgain"/>
              <endEvent id="deployLambdaFunctionDone"/>
            </subProcess>
            <sequenceFlow id="f2" sourceRef="deployLambdaFunction" targetRef="deployLambdaFunctionsDone"/>
            <endEvent id="deployLambdaFunctionsDone"/>
            <boundaryEvent id="deployLambdaFailed" attachedToRef="deployLambdaFunction">
              <errorEventDefinition errorRef="stepFailedError" camunda:errorMessageVariable="failureReason"/>
            </boundaryEvent>
            <sequenceFlow id="f3" sourceRef="deployLambdaFailed" targetRef="deployLambdaFunctionsFailedEnd"/>
            <endEvent id="deployLambdaFunctionsFailedEnd"/>
          </subProcess>
          <boundaryEvent id="deployLambdaFunctionsCompensation" attachedToRef="deployLambdaFunctions">
            <compensateEventDefinition/>
          </boundaryEvent>
          <serviceTask id="revertLambda" isForCompensation="true" camunda:delegateExpression="${revertLambda}"/>
          <sequenceFlow id="s2" sourceRef="deployLambdaFunctions" targetRef="lambdaDeployed"/>
          <exclusiveGateway id="lambdaDeployed" default="lambdaSucceeded"/>
          <sequenceFlow id="lambdaSucceeded" sourceRef="lambdaDeployed" targetRef="released"/>
          <sequenceFlow id="lambdaFailedFlow" sourceRef="lambdaDeployed" targetRef="rollBack">
            <conditionExpression xsi:type="tFormalExpression">${stepOutcome == 'failed'}</conditionExpression>
          </sequenceFlow>
          <intermediateThrowEvent id="rollBack"><compensateEventDefinition activityRef="deployLambdaFunctions"/></intermediateThrowEvent>
          <sequenceFlow id="s3" sourceRef="rollBack" targetRef="rolledBack"/>
          <userTask id="rolledBack"/>
          <userTask id="released"/>
          <association id="a1" associationDirection="One" sourceRef="deployLambdaFunctionsCompensation" targetRef="revertLambda"/>
        </process>
      </definitions>
      """;
  private static final String MANIFEST =
      FakeExecution.manifest(
          "\"lambda\":{\"target\":\"medication-aws\",\"functions\":["
              + "{\"name\":\"api_handler\",\"traffic\":\"canary10-5\",\"artifact\":{\"bucket\":\"medication-artifacts\",\"key\":\"api.zip\"}},"
              + "{\"name\":\"alert_generator\",\"alias\":\"prod\",\"artifact\":{\"bucket\":\"medication-artifacts\",\"key\":\"alerts.zip\"}}]}");
  private static FakeLambdaApi lambda;

  private final List<TrafficGate> gates = new ArrayList<>();
  private AwsClients clients;
  private ProcessEngine engine;
  private ManagementService management;

  @BeforeAll
  static void startLambda() {
    lambda = FakeLambdaApi.startServer();
  }

  @AfterAll
  static void stopLambda() {
    lambda.stop();
  }

  @BeforeEach
  void startEngine() {
    lambda.reset();
    lambda.function("api_handler", "live", 7, "sha-7");
    lambda.function("alert_generator", "prod", 12, "sha-12");
    lambda.artifact("medication-artifacts", "api.zip", "sha-8");
    lambda.artifact("medication-artifacts", "alerts.zip", "sha-13");
    lambda.updateTakes("api_handler", 1);
    LambdaProperties properties =
        new LambdaProperties(
            "live",
            Map.of(
                "medication-aws",
                new LambdaProperties.Target(
                    "eu-west-1",
                    List.of("medication-artifacts"),
                    null,
                    null,
                    Map.of("lambda", lambda.endpoint()),
                    // A call timeout far above any answer of the local fake: a busy machine must
                    // not turn it into a failure.
                    Duration.ofSeconds(30),
                    1)));
    clients = new AwsClients(FakeApiSupport.TEST_CREDENTIALS);
    LiveLambdaTarget live = new LiveLambdaTarget(properties, clients);
    LambdaRollout rollout = new LambdaRollout(live, properties, FakeExecution.actingAttempts());
    EvidenceLog evidence = mock(EvidenceLog.class);

    ProcessEngineConfigurationImpl config =
        (ProcessEngineConfigurationImpl)
            ProcessEngineConfiguration.createStandaloneInMemProcessEngineConfiguration();
    config.setProcessEngineName("cloud-lambda-loop");
    config.setJdbcUrl("jdbc:h2:mem:cloud-lambda-loop;DB_CLOSE_DELAY=-1");
    config.setJobExecutorActivate(false);
    config.setJavaSerializationFormatEnabled(false);
    config.setDefaultSerializationFormat("application/json");
    config.setProcessEnginePlugins(List.of(new SpinProcessEnginePlugin()));
    Map<Object, Object> beans = new HashMap<>();
    beans.put(
        "deployLambda",
        new DeployLambdaDelegate(rollout, evidence, FakeExecution.variableStart(evidence)));
    beans.put(
        "gateLambdaTraffic",
        new GateLambdaTrafficDelegate(gates, evidence, FakeExecution.variableManifests(), live));
    beans.put(
        "revertLambda",
        new RevertLambdaDelegate(rollout, evidence, FakeExecution.variableStart(evidence)));
    config.setBeans(beans);
    engine = config.buildProcessEngine();
    management = engine.getManagementService();
    engine
        .getRepositoryService()
        .createDeployment()
        .addInputStream(
            "loop.bpmn", new ByteArrayInputStream(MODEL.getBytes(StandardCharsets.UTF_8)))
        .deploy();
  }

  @AfterEach
  void stopEngine() {
    engine.close();
    clients.close();
    ClockUtil.reset();
  }

  @Test
  void theLoopPollsTheUpdateHoldsTheCanaryThenMovesOnToTheNextFunction() {
    ProcessInstance instance = start();

    runJobs();
    assertThat(timer("lambdaUpdatePoll")).isNotNull();
    assertThat(engine.getRuntimeService().getVariable(instance.getId(), Variables.STEP_OUTCOME))
        .isEqualTo("running");
    assertThat(lambda.alias("api_handler", "live"))
        .extracting(AliasState::version, AliasState::weights)
        .containsExactly("7", Map.of());

    fire("lambdaUpdatePoll");
    Job hold = timer("lambdaTrafficHold");
    assertThat(
            Duration.between(ClockUtil.getCurrentTime().toInstant(), hold.getDuedate().toInstant()))
        .isBetween(Duration.ofMinutes(4), Duration.ofMinutes(5));
    assertThat(lambda.alias("api_handler", "live"))
        .extracting(AliasState::version, AliasState::weights)
        .containsExactly("7", Map.of("8", 0.1));

    fire("lambdaTrafficHold");
    assertThat(lambda.alias("api_handler", "live"))
        .extracting(AliasState::version, AliasState::weights)
        .containsExactly("8", Map.of());
    assertThat(lambda.alias("alert_generator", "prod").version()).isEqualTo("13");
    assertThat(
            engine
                .getTaskService()
                .createTaskQuery()
                .processInstanceId(instance.getId())
                .singleResult()
                .getTaskDefinitionKey())
        .isEqualTo("released");
  }

  @Test
  void aGateThatFailsAtTenPercentPutsTheAliasBackWithTheWeightsCleared() {
    gates.add(
        new TrafficGate() {
          @Override
          public String name() {
            return "error-rate";
          }

          @Override
          public Result check(
              String releaseId, ReleaseManifest manifest, String function, int percent) {
            return new Result(false, "error rate 4.2 % over 1 % at " + percent + " %");
          }
        });
    ProcessInstance instance = start();
    runJobs();
    fire("lambdaUpdatePoll");
    assertThat(lambda.alias("api_handler", "live").weights()).isEqualTo(Map.of("8", 0.1));

    fire("lambdaTrafficHold");

    assertThat(lambda.alias("api_handler", "live"))
        .extracting(AliasState::version, AliasState::weights)
        .containsExactly("7", Map.of());
    assertThat(lambda.callLines()).noneMatch(c -> c.contains("alert_generator"));
    assertThat(engine.getRuntimeService().getVariable(instance.getId(), Variables.FAILURE_REASON))
        .isEqualTo(
            "Traffic gate failed for function api_handler at 10 %: error-rate: error rate 4.2 % over 1 % at 10 %");
    assertThat(
            engine
                .getTaskService()
                .createTaskQuery()
                .processInstanceId(instance.getId())
                .singleResult()
                .getTaskDefinitionKey())
        .isEqualTo("rolledBack");
  }

  private ProcessInstance start() {
    Map<String, Object> variables = new HashMap<>();
    variables.put(Variables.MANIFEST, MANIFEST);
    variables.put(
        Variables.LAMBDA_FUNCTIONS, new ArrayList<>(List.of("api_handler", "alert_generator")));
    return engine.getRuntimeService().startProcessInstanceByKey("lambdaLoop", "rel-1", variables);
  }

  /** Runs every job due now (timers in the future wait to be fired). */
  private void runJobs() {
    for (int round = 0; round < 100; round++) {
      List<Job> due = management.createJobQuery().executable().list();
      if (due.isEmpty()) {
        return;
      }
      due.forEach(job -> management.executeJob(job.getId()));
    }
    throw new AssertionError("jobs kept coming");
  }

  private Job timer(String activityId) {
    return management.createJobQuery().timers().activityId(activityId).singleResult();
  }

  private void fire(String activityId) {
    management.executeJob(timer(activityId).getId());
    runJobs();
  }
}
