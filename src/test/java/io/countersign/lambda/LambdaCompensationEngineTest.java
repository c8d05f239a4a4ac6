package io.countersign.lambda;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyMap;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.ArgumentMatchers.argThat;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.ArgumentMatchers.startsWith;
import static org.mockito.Mockito.doThrow;
import static org.mockito.Mockito.inOrder;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.spy;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;

import io.countersign.FakeExecution;
import io.countersign.aws.TargetRefusedException;
import io.countersign.evidence.EvidenceLog;
import io.countersign.lambda.TrafficPlan.Routing;
import io.countersign.process.Variables;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.camunda.bpm.engine.ProcessEngine;
import org.camunda.bpm.engine.ProcessEngineConfiguration;
import org.camunda.bpm.engine.impl.cfg.ProcessEngineConfigurationImpl;
import org.camunda.bpm.engine.runtime.ProcessInstance;
import org.camunda.bpm.engine.variable.value.ObjectValue;
import org.camunda.spin.plugin.impl.SpinProcessEnginePlugin;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.mockito.InOrder;

/**
 * deployLambda as a sequential multi-instance with revertLambda as its compensation handler, on a
 * real (in-memory) Camunda 7.24 engine. What it shows about the engine, and what the delegates do
 * about it:
 *
 * <ul>
 *   <li>the engine calls the handler once per element, but every call sees the last element in the
 *       element variable, so the handler reverts everything recorded (last first) and later calls
 *       do nothing;
 *   <li>compensation does not reach the completed elements of a multi-instance that an error
 *       interrupted, so the model's error path out of deployLambda calls revertLambda as an
 *       ordinary task as well.
 * </ul>
 */
class LambdaCompensationEngineTest {
  private static final String MODEL =
      """
      <definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:camunda="http://camunda.org/schema/1.0/bpmn"
          targetNamespace="https://countersign.io/test">
        <error id="stepFailed" errorCode="stepFailed"/>
        <process id="lambdaCompensation" isExecutable="true" camunda:historyTimeToLive="P1D">
          <startEvent id="start"/>
          <sequenceFlow id="f1" sourceRef="start" targetRef="deployLambda"/>
          <serviceTask id="deployLambda" camunda:delegateExpression="${deployLambda}">
            <multiInstanceLoopCharacteristics isSequential="true" camunda:collection="${lambdaFunctions}"
                camunda:elementVariable="lambdaFunction"/>
          </serviceTask>
          <boundaryEvent id="deployed" attachedToRef="deployLambda"><compensateEventDefinition/></boundaryEvent>
          <boundaryEvent id="failed" attachedToRef="deployLambda"><errorEventDefinition errorRef="stepFailed"/></boundaryEvent>
          <sequenceFlow id="f5" sourceRef="failed" targetRef="revertAfterFailure"/>
          <serviceTask id="revertAfterFailure" camunda:delegateExpression="${revertLambda}"/>
          <sequenceFlow id="f6" sourceRef="revertAfterFailure" targetRef="rollBack"/>
          <serviceTask id="revertLambda" isForCompensation="true" camunda:delegateExpression="${revertLambda}"/>
          <sequenceFlow id="f2" sourceRef="deployLambda" targetRef="rollBack"/>
          <intermediateThrowEvent id="rollBack"><compensateEventDefinition/></intermediateThrowEvent>
          <sequenceFlow id="f3" sourceRef="rollBack" targetRef="inspect"/>
          <userTask id="inspect"/>
          <sequenceFlow id="f4" sourceRef="inspect" targetRef="end"/>
          <endEvent id="end"/>
          <association id="a1" associationDirection="One" sourceRef="deployed" targetRef="revertLambda"/>
        </process>
      </definitions>
      """;
  private static final String MANIFEST =
      FakeExecution.manifest(
          "\"lambda\":{\"target\":\"medication-aws\",\"functions\":["
              + "{\"name\":\"api_handler\",\"artifact\":{\"bucket\":\"medication-artifacts\",\"key\":\"api.zip\"}},"
              + "{\"name\":\"alert_generator\",\"artifact\":{\"bucket\":\"medication-artifacts\",\"key\":\"alerts.zip\"}}]}");

  private final LambdaTarget target = spy(new DryRunLambdaTarget());
  private final LambdaRollout rollout =
      new LambdaRollout(
          target,
          new LambdaProperties(
              "dry-run",
              Map.of(
                  "medication-aws",
                  new LambdaProperties.Target("eu-west-1", List.of("medication-artifacts")))),
          FakeExecution.actingAttempts());
  private final EvidenceLog evidence = mock(EvidenceLog.class);
  private ProcessEngine engine;

  @BeforeEach
  void startEngine() {
    ProcessEngineConfigurationImpl config =
        (ProcessEngineConfigurationImpl)
            ProcessEngineConfiguration.createStandaloneInMemProcessEngineConfiguration();
    config.setProcessEngineName("cloud-lambda-compensation");
    config.setJdbcUrl("jdbc:h2:mem:cloud-lambda-compensation;DB_CLOSE_DELAY=-1");
    config.setJobExecutorActivate(false);
    config.setJavaSerializationFormatEnabled(false);
    config.setDefaultSerializationFormat("application/json");
    config.setProcessEnginePlugins(List.of(new SpinProcessEnginePlugin()));
    Map<Object, Object> beans = new HashMap<>();
    beans.put(
        "deployLambda",
        new DeployLambdaDelegate(rollout, evidence, FakeExecution.variableStart(evidence)));
    beans.put(
        "revertLambda",
        new RevertLambdaDelegate(rollout, evidence, FakeExecution.variableStart(evidence)));
    config.setBeans(beans);
    engine = config.buildProcessEngine();
    engine
        .getRepositoryService()
        .createDeployment()
        .addInputStream(
            "lambda.bpmn", new ByteArrayInputStream(MODEL.getBytes(StandardCharsets.UTF_8)))
        .deploy();
  }

  @AfterEach
  void stopEngine() {
    engine.close();
  }

  @Test
  void compensationRevertsEachDeployedFunctionOnceInReverseOrder() {
    ProcessInstance instance = start();

    InOrder order = inOrder(target);
    order
        .verify(target)
        .route(
            eq("rel-1"),
            eq("medication-aws"),
            argThat(f -> f.name().equals("alert_generator")),
            eq(new Routing("unknown (dry-run)", Map.of())),
            startsWith("countersign release rel-1: reverted"));
    order
        .verify(target)
        .route(
            eq("rel-1"),
            eq("medication-aws"),
            argThat(f -> f.name().equals("api_handler")),
            eq(new Routing("unknown (dry-run)", Map.of())),
            startsWith("countersign release rel-1: reverted"));
    verify(evidence, times(2))
        .record(eq("rel-1"), eq("lambda-deployed"), eq("countersign"), anyMap());
    verify(evidence, times(2)).record(eq("rel-1"), eq("lambda-reverted"), anyString(), anyMap());

    ObjectValue previous =
        engine
            .getRuntimeService()
            .getVariableTyped(instance.getId(), Variables.LAMBDA_PREVIOUS_VERSIONS, false);
    assertThat(previous.getSerializationDataFormat()).isEqualTo("application/json");
    assertThat(previous.getValueSerialized())
        .isEqualTo(
            "{\"api_handler\":\"unknown (dry-run)\",\"alert_generator\":\"unknown (dry-run)\"}");
    assertThat(engine.getRuntimeService().getVariable(instance.getId(), Variables.LAMBDA_REVERTED))
        .isEqualTo(List.of("alert_generator", "api_handler"));
  }

  @Test
  void aFailureOnTheSecondFunctionRevertsTheFirstOnTheErrorPath() {
    doThrow(new TargetRefusedException("artifact missing"))
        .when(target)
        .updateCode(
            anyString(),
            anyString(),
            argThat(f -> f != null && f.name().equals("alert_generator")),
            any());

    ProcessInstance instance = start();

    verify(target)
        .route(
            eq("rel-1"),
            eq("medication-aws"),
            argThat(f -> f.name().equals("api_handler")),
            eq(new Routing("unknown (dry-run)", Map.of())),
            startsWith("countersign release rel-1: reverted"));
    verify(target, times(1))
        .route(
            anyString(),
            anyString(),
            any(),
            any(),
            startsWith("countersign release rel-1: reverted"));
    assertThat(engine.getRuntimeService().getVariable(instance.getId(), Variables.LAMBDA_REVERTED))
        .isEqualTo(List.of("api_handler"));
  }

  private ProcessInstance start() {
    Map<String, Object> variables = new HashMap<>();
    variables.put(Variables.MANIFEST, MANIFEST);
    variables.put(
        Variables.LAMBDA_FUNCTIONS, new ArrayList<>(List.of("api_handler", "alert_generator")));
    return engine
        .getRuntimeService()
        .startProcessInstanceByKey("lambdaCompensation", "rel-1", variables);
  }
}
