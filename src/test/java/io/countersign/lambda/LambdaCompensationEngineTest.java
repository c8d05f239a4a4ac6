package io.countersign.lambda;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.anyMap;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.ArgumentMatchers.argThat;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.Mockito.inOrder;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.spy;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;

import io.countersign.engine.Variables;
import io.countersign.evidence.EvidenceLog;
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
 * deployLambda as a sequential multi-instance with revertLambda as its compensation handler, on a real
 * (in-memory) engine: the JSON variables survive the engine, and compensation reverts each function once,
 * last deployed first, whichever way the engine exposes the element variable to the handler.
 */
class LambdaCompensationEngineTest {
  private static final String MODEL = """
      <definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:camunda="http://camunda.org/schema/1.0/bpmn"
          targetNamespace="https://countersign.io/test">
        <process id="lambdaCompensation" isExecutable="true" camunda:historyTimeToLive="P1D">
          <startEvent id="start"/>
          <sequenceFlow id="f1" sourceRef="start" targetRef="deployLambda"/>
          <serviceTask id="deployLambda" camunda:delegateExpression="${deployLambda}">
            <multiInstanceLoopCharacteristics isSequential="true" camunda:collection="${lambdaFunctions}"
                camunda:elementVariable="lambdaFunction"/>
          </serviceTask>
          <boundaryEvent id="deployed" attachedToRef="deployLambda"><compensateEventDefinition/></boundaryEvent>
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
  private static final String MANIFEST = FakeExecution.manifest("\"lambda\":{\"target\":\"medication-aws\",\"functions\":["
      + "{\"name\":\"api_handler\",\"artifact\":{\"bucket\":\"medication-artifacts\",\"key\":\"api.zip\"}},"
      + "{\"name\":\"alert_generator\",\"artifact\":{\"bucket\":\"medication-artifacts\",\"key\":\"alerts.zip\"}}]}");

  private final LambdaTarget target = spy(new DryRunLambdaTarget(new LambdaProperties("dry-run", Map.of())));
  private final EvidenceLog evidence = mock(EvidenceLog.class);
  private ProcessEngine engine;

  @BeforeEach
  void startEngine() {
    ProcessEngineConfigurationImpl config =
        (ProcessEngineConfigurationImpl) ProcessEngineConfiguration.createStandaloneInMemProcessEngineConfiguration();
    config.setProcessEngineName("cloud-lambda-compensation");
    config.setJdbcUrl("jdbc:h2:mem:cloud-lambda-compensation;DB_CLOSE_DELAY=-1");
    config.setJobExecutorActivate(false);
    config.setJavaSerializationFormatEnabled(false);
    config.setDefaultSerializationFormat("application/json");
    config.setProcessEnginePlugins(List.of(new SpinProcessEnginePlugin()));
    Map<Object, Object> beans = new HashMap<>();
    beans.put("deployLambda", new DeployLambdaDelegate(target, evidence));
    RevertLambdaDelegate revert = new RevertLambdaDelegate(target, evidence);
    beans.put("revertLambda", (org.camunda.bpm.engine.delegate.JavaDelegate) execution -> {
      System.out.println("PROBE element=" + execution.getVariable(Variables.LAMBDA_FUNCTION) + " activity=" + execution.getCurrentActivityId());
      revert.execute(execution);
    });
    config.setBeans(beans);
    engine = config.buildProcessEngine();
    engine.getRepositoryService().createDeployment()
        .addInputStream("lambda.bpmn", new ByteArrayInputStream(MODEL.getBytes(StandardCharsets.UTF_8)))
        .deploy();
  }

  @AfterEach
  void stopEngine() {
    engine.close();
  }

  @Test
  void compensationRevertsEachDeployedFunctionOnceInReverseOrder() {
    Map<String, Object> variables = new HashMap<>();
    variables.put(Variables.MANIFEST, MANIFEST);
    variables.put(Variables.LAMBDA_FUNCTIONS, new ArrayList<>(List.of("api_handler", "alert_generator")));
    ProcessInstance instance =
        engine.getRuntimeService().startProcessInstanceByKey("lambdaCompensation", "rel-1", variables);

    InOrder order = inOrder(target);
    order.verify(target).revert(eq("rel-1"), eq("medication-aws"), argThat(f -> f.name().equals("alert_generator")),
        eq("unknown (dry-run)"));
    order.verify(target).revert(eq("rel-1"), eq("medication-aws"), argThat(f -> f.name().equals("api_handler")),
        eq("unknown (dry-run)"));
    verify(evidence, times(2)).record(eq("rel-1"), eq("lambda-deployed"), eq("countersign"), anyMap());
    verify(evidence, times(2)).record(eq("rel-1"), eq("lambda-reverted"), anyString(), anyMap());

    ObjectValue previous =
        engine.getRuntimeService().getVariableTyped(instance.getId(), Variables.LAMBDA_PREVIOUS_VERSIONS, false);
    assertThat(previous.getSerializationDataFormat()).isEqualTo("application/json");
    assertThat(previous.getValueSerialized())
        .isEqualTo("{\"api_handler\":\"unknown (dry-run)\",\"alert_generator\":\"unknown (dry-run)\"}");
    assertThat(engine.getRuntimeService().getVariable(instance.getId(), Variables.LAMBDA_REVERTED))
        .isEqualTo(List.of("alert_generator", "api_handler"));
  }
}
