package io.countersign.lambda;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyMap;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.ArgumentMatchers.argThat;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.Mockito.inOrder;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.verifyNoInteractions;
import static org.mockito.Mockito.when;

import io.countersign.FakeExecution;
import io.countersign.engine.Variables;
import io.countersign.evidence.EvidenceLog;
import io.countersign.lambda.LambdaTarget.LambdaDeployment;
import io.countersign.release.Manifests;
import io.countersign.release.ReleaseManifest.LambdaFunction;
import java.util.List;
import java.util.Map;
import org.camunda.bpm.engine.delegate.BpmnError;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.mockito.InOrder;

class LambdaDelegatesTest {
  private static final String LAMBDA = "\"lambda\":{\"target\":\"medication-aws\",\"functions\":["
      + "{\"name\":\"api_handler\",\"artifact\":{\"bucket\":\"medication-artifacts\",\"key\":\"api.zip\"}},"
      + "{\"name\":\"alert_generator\",\"alias\":\"prod\",\"artifact\":{\"bucket\":\"medication-artifacts\",\"key\":\"alerts.zip\"}}]}";

  private final LambdaTarget target = mock(LambdaTarget.class);
  private final EvidenceLog evidence = mock(EvidenceLog.class);
  private final DeployLambdaDelegate deploy = new DeployLambdaDelegate(target, evidence);
  private final RevertLambdaDelegate revert = new RevertLambdaDelegate(target, evidence);

  @BeforeEach
  void versions() {
    when(target.deploy(anyString(), anyString(), any())).thenAnswer(call -> {
      LambdaFunction function = call.getArgument(2);
      String previous = function.name().equals("api_handler") ? "7" : "12";
      return new LambdaDeployment(function.name(), function.aliasOrDefault(), previous, "new", "all-at-once", false, "plan");
    });
    when(target.revert(anyString(), anyString(), any(), anyString())).thenAnswer(call ->
        new LambdaDeployment(call.<LambdaFunction>getArgument(2).name(), "live", "new", call.getArgument(3),
            "all-at-once", false, "revert plan"));
  }

  @Test
  void skipsWithEvidenceWhenTheManifestHasNoLambda() throws Exception {
    FakeExecution fake = new FakeExecution(FakeExecution.manifest(""));

    deploy.execute(fake.execution);
    revert.execute(fake.execution);

    verify(evidence).record("rel-1", "step-skipped", "countersign",
        Map.of("step", "deployLambda", "reason", "the manifest has no lambda functions"));
    verify(evidence).record(eq("rel-1"), eq("step-skipped"), eq("countersign"), argThat(p -> "revertLambda".equals(p.get("step"))));
    verifyNoInteractions(target);
  }

  @Test
  void drillFailsBeforeDeployingAnything() {
    FakeExecution fake = new FakeExecution(FakeExecution.manifest(LAMBDA + ",\"drill\":{\"failAt\":\"deployLambda\"}"));
    fake.variables.put(Variables.LAMBDA_FUNCTION, "api_handler");

    assertThatThrownBy(() -> deploy.execute(fake.execution))
        .isInstanceOfSatisfying(BpmnError.class, e -> assertThat(e.getErrorCode()).isEqualTo(Manifests.STEP_FAILED));
    verifyNoInteractions(target);
    assertThat(fake.variables).containsEntry(Variables.FAILED_STEP, "deployLambda");
    assertThat(fake.variables).doesNotContainKey(Variables.LAMBDA_PREVIOUS_VERSIONS);
  }

  @Test
  void deployMergesEachPreviousVersionAndRecordsEvidence() throws Exception {
    FakeExecution fake = deployBoth();

    assertThat(fake.variables.get(Variables.LAMBDA_PREVIOUS_VERSIONS))
        .isEqualTo(Map.of("api_handler", "7", "alert_generator", "12"));
    verify(evidence).record(eq("rel-1"), eq("lambda-deployed"), eq("countersign"), argThat(p ->
        p.get("function").equals("alert_generator") && p.get("alias").equals("prod") && p.get("previousVersion").equals("12")
            && p.get("artifact").equals("medication-artifacts/alerts.zip") && p.get("dryRun").equals(false)));
  }

  @Test
  void deployRunTwiceKeepsTheFirstPreviousVersion() throws Exception {
    FakeExecution fake = deployBoth();
    fake.variables.put(Variables.LAMBDA_FUNCTION, "api_handler");

    deploy.execute(fake.execution);

    verify(target, times(1)).deploy(anyString(), anyString(), argThat(f -> f.name().equals("api_handler")));
    verify(evidence, times(2)).record(anyString(), eq("lambda-deployed"), anyString(), anyMap());
  }

  @Test
  void revertWithoutElementVariableRevertsAllInReverseOrderOnce() throws Exception {
    FakeExecution fake = deployBoth();
    fake.variables.remove(Variables.LAMBDA_FUNCTION);

    revert.execute(fake.execution);
    revert.execute(fake.execution);

    InOrder order = inOrder(target);
    order.verify(target).revert(anyString(), eq("medication-aws"), argThat(f -> f.name().equals("alert_generator")), eq("12"));
    order.verify(target).revert(anyString(), eq("medication-aws"), argThat(f -> f.name().equals("api_handler")), eq("7"));
    verify(target, times(2)).revert(anyString(), anyString(), any(), anyString());
    verify(evidence, times(2)).record(anyString(), eq("lambda-reverted"), anyString(), anyMap());
    assertThat(fake.variables.get(Variables.LAMBDA_REVERTED)).isEqualTo(List.of("alert_generator", "api_handler"));
  }

  @Test
  void revertIgnoresTheElementVariableWhichTheEngineLeavesAtTheLastElement() throws Exception {
    FakeExecution fake = deployBoth(); // the element variable now names alert_generator, as on every handler call

    revert.execute(fake.execution);
    revert.execute(fake.execution);

    InOrder order = inOrder(target);
    order.verify(target).revert(anyString(), anyString(), argThat(f -> f.name().equals("alert_generator")), eq("12"));
    order.verify(target).revert(anyString(), anyString(), argThat(f -> f.name().equals("api_handler")), eq("7"));
    verify(target, times(2)).revert(anyString(), anyString(), any(), anyString());
    verify(evidence).record(eq("rel-1"), eq("lambda-reverted"), eq("countersign"), argThat(p ->
        p.get("function").equals("api_handler") && p.get("restoredVersion").equals("7")));
  }

  @Test
  void revertLeavesFunctionsNeverDeployedAlone() throws Exception {
    FakeExecution fake = new FakeExecution(FakeExecution.manifest(LAMBDA));
    fake.variables.put(Variables.LAMBDA_FUNCTION, "api_handler");
    deploy.execute(fake.execution);

    revert.execute(fake.execution);

    verify(target).revert(anyString(), anyString(), argThat(f -> f.name().equals("api_handler")), eq("7"));
    verify(target, never()).revert(anyString(), anyString(), argThat(f -> f.name().equals("alert_generator")), anyString());
  }

  private FakeExecution deployBoth() throws Exception {
    FakeExecution fake = new FakeExecution(FakeExecution.manifest(LAMBDA));
    for (String name : List.of("api_handler", "alert_generator")) {
      fake.variables.put(Variables.LAMBDA_FUNCTION, name);
      deploy.execute(fake.execution);
    }
    return fake;
  }
}
