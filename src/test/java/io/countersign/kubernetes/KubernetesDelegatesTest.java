package io.countersign.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyMap;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.ArgumentMatchers.argThat;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.Mockito.inOrder;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.verifyNoInteractions;
import static org.mockito.Mockito.when;

import io.countersign.FakeExecution;
import io.countersign.aws.TargetRefusedException;
import io.countersign.evidence.EvidenceLog;
import io.countersign.kubernetes.KubernetesTarget.Rollout;
import io.countersign.kubernetes.KubernetesTarget.RolloutStatus;
import io.countersign.kubernetes.KubernetesTarget.State;
import io.countersign.manifest.ReleaseManifest.Container;
import io.countersign.manifest.ReleaseManifest.Workload;
import io.countersign.process.StepSupport;
import io.countersign.process.Variables;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import org.camunda.bpm.engine.delegate.BpmnError;
import org.camunda.bpm.engine.impl.util.ClockUtil;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.mockito.InOrder;

class KubernetesDelegatesTest {
  private static final String KUBERNETES =
      "\"kubernetes\":{\"target\":\"medication-cluster\",\"namespace\":\"medication\","
          + "\"timeout\":\"PT5M\",\"workloads\":["
          + "{\"kind\":\"Deployment\",\"name\":\"backend\",\"containers\":[{\"name\":\"api\",\"image\":\"registry.example/api:2.4.0\"}]},"
          + "{\"kind\":\"Deployment\",\"name\":\"web\",\"containers\":[{\"name\":\"nginx\",\"image\":\"registry.example/web:2.4.0\"}]}]}";
  private static final Instant NOW = Instant.parse("2025-01-10T10:00:00Z");

  private final KubernetesTarget target = mock(KubernetesTarget.class);
  private final EvidenceLog evidence = mock(EvidenceLog.class);
  private final RolloutKubernetesDelegate rollout =
      new RolloutKubernetesDelegate(
          target, evidence, FakeExecution.variableStart(evidence), FakeExecution.actingAttempts());
  private final AwaitRolloutDelegate await =
      new AwaitRolloutDelegate(target, evidence, FakeExecution.variableStart(evidence));
  private final UndoRolloutDelegate undo =
      new UndoRolloutDelegate(
          target, evidence, FakeExecution.variableStart(evidence), FakeExecution.actingAttempts());

  @AfterEach
  void resetClock() {
    ClockUtil.reset();
  }

  @Test
  void dryRunAdapterChangesNothingAndReportsComplete() {
    KubernetesTarget dryRun =
        new KubernetesTargets()
            .kubernetesTarget(new KubernetesProperties("dry-run", null, Map.of()));
    Workload backend =
        new Workload(
            "Deployment", "backend", List.of(new Container("api", "registry.example/api:2.4.0")));

    Rollout rollout = dryRun.rollout("rel-1", "medication-cluster", "medication", backend);

    assertThat(rollout.previousImages()).isEqualTo(Map.of("api", "unknown (dry-run)"));
    assertThat(rollout.dryRun()).isTrue();
    assertThat(rollout.plan())
        .isEqualTo(
            "dry-run: would set images api=registry.example/api:2.4.0 on Deployment/backend "
                + "in namespace medication (target medication-cluster)");
    assertThat(dryRun.status("medication-cluster", "medication", backend, NOW).state())
        .isEqualTo(State.COMPLETE);
    assertThat(
            dryRun
                .undo(
                    "rel-1",
                    "medication-cluster",
                    "medication",
                    backend,
                    Map.of("api", "registry.example/api:2.3.0"))
                .plan())
        .contains("back to {api=registry.example/api:2.3.0}");
  }

  @Test
  void liveModeBuildsTheFabric8AdapterAndAnUnknownModeRefusesToStart() {
    KubernetesProperties live =
        new KubernetesProperties(
            "live",
            null,
            Map.of(
                "medication-cluster",
                new KubernetesProperties.Target(
                    null, null, "http://127.0.0.1:1", List.of("medication"))));
    KubernetesTarget target = new KubernetesTargets().kubernetesTarget(live);
    assertThat(target).isInstanceOf(LiveKubernetesTarget.class);
    ((LiveKubernetesTarget) target).close();

    assertThatThrownBy(
            () ->
                new KubernetesTargets()
                    .kubernetesTarget(new KubernetesProperties("on", null, Map.of())))
        .hasMessage("countersign.targets.kubernetes.mode must be live or dry-run, not 'on'");
  }

  @Test
  void aRefusedRolloutFailsTheStepWithTheReason() {
    FakeExecution fake = new FakeExecution(FakeExecution.manifest(KUBERNETES));
    fake.variables.put(Variables.K8S_WORKLOAD, "Deployment/backend");
    when(target.rollout(anyString(), anyString(), anyString(), any()))
        .thenThrow(
            new TargetRefusedException(
                "Deployment/backend in namespace medication on target medication-cluster does not exist"));

    assertThatThrownBy(() -> rollout.execute(fake.execution))
        .isInstanceOfSatisfying(
            BpmnError.class, e -> assertThat(e.getErrorCode()).isEqualTo(StepSupport.STEP_FAILED))
        .hasMessage(
            "Kubernetes rollout refused: Deployment/backend in namespace medication on target "
                + "medication-cluster does not exist");
    assertThat(fake.variables)
        .containsEntry(Variables.FAILED_STEP, "rolloutKubernetes")
        .doesNotContainKey(Variables.K8S_PREVIOUS_IMAGES);
    verifyNoInteractions(evidence);
  }

  @Test
  void skipsWithEvidenceWhenTheManifestHasNoKubernetes() throws Exception {
    FakeExecution fake = new FakeExecution(FakeExecution.manifest(""));

    rollout.execute(fake.execution);
    await.execute(fake.execution);

    verify(evidence)
        .record(
            "rel-1",
            "step-skipped",
            "countersign",
            Map.of(
                "step", "rolloutKubernetes", "reason", "the manifest has no kubernetes workloads"));
    assertThat(fake.variables).containsEntry(Variables.STEP_OUTCOME, "done");
    verifyNoInteractions(target);
  }

  @Test
  void drillFailsBeforeRollingOut() {
    FakeExecution fake =
        new FakeExecution(
            FakeExecution.manifest(KUBERNETES + ",\"drill\":{\"failAt\":\"rolloutKubernetes\"}"));
    fake.variables.put(Variables.K8S_WORKLOAD, "Deployment/backend");

    assertThatThrownBy(() -> rollout.execute(fake.execution))
        .isInstanceOfSatisfying(
            BpmnError.class, e -> assertThat(e.getErrorCode()).isEqualTo(StepSupport.STEP_FAILED));
    verifyNoInteractions(target);
    assertThat(fake.variables).containsEntry(Variables.FAILED_STEP, "rolloutKubernetes");
  }

  @Test
  void rolloutMergesPreviousImagesOncePerWorkload() throws Exception {
    FakeExecution fake = rollOutBoth();
    fake.variables.put(Variables.K8S_WORKLOAD, "Deployment/backend");
    rollout.execute(fake.execution);

    assertThat(fake.variables.get(Variables.K8S_PREVIOUS_IMAGES))
        .isEqualTo(
            Map.of(
                "Deployment/backend", Map.of("api", "registry.example/api:2.3.0"),
                "Deployment/web", Map.of("nginx", "registry.example/web:2.3.0")));
    verify(target, times(2)).rollout(anyString(), anyString(), anyString(), any());
    verify(evidence)
        .record(
            eq("rel-1"),
            eq("kubernetes-rollout"),
            eq("countersign"),
            argThat(
                p ->
                    p.get("workload").equals("Deployment/web")
                        && p.get("images").equals(Map.of("nginx", "registry.example/web:2.4.0"))
                        && p.get("namespace").equals("medication")));
  }

  @Test
  void awaitReportsProgressAndRecordsEvidenceOnlyWhenTheStateChanges() throws Exception {
    ClockUtil.setCurrentTime(Date.from(NOW));
    FakeExecution fake = new FakeExecution(FakeExecution.manifest(KUBERNETES));
    when(target.status(anyString(), anyString(), named("backend"), any()))
        .thenReturn(
            new RolloutStatus(State.PROGRESSING, 2, 1, 3, null),
            new RolloutStatus(State.PROGRESSING, 3, 2, 3, null),
            new RolloutStatus(State.COMPLETE, 3, 3, 3, null));
    when(target.status(anyString(), anyString(), named("web"), any()))
        .thenReturn(new RolloutStatus(State.COMPLETE, 1, 1, 1, null));

    await.execute(fake.execution);
    assertThat(fake.variables)
        .containsEntry(Variables.STEP_OUTCOME, "running")
        .containsEntry(
            Variables.K8S_PROGRESS,
            "Deployment/backend 2/3 updated, 1/3 available; Deployment/web 1/1 updated, 1/1 available")
        .containsEntry(Variables.K8S_ROLLOUT_DEADLINE, "2025-01-10T10:05:00Z");
    ClockUtil.setCurrentTime(Date.from(NOW.plusSeconds(10)));
    await.execute(fake.execution);
    await.execute(fake.execution);

    assertThat(fake.variables)
        .containsEntry(Variables.STEP_OUTCOME, "done")
        .containsEntry(Variables.K8S_ROLLOUT_DEADLINE, "2025-01-10T10:05:00Z");
    verify(target, times(3))
        .status(
            eq("medication-cluster"),
            eq("medication"),
            named("backend"),
            eq(Instant.parse("2025-01-10T10:05:00Z")));
    InOrder order = inOrder(evidence);
    order
        .verify(evidence)
        .record(
            eq("rel-1"),
            eq("kubernetes-rollout-status"),
            eq("countersign"),
            argThat(p -> p.get("state").equals("progressing")));
    order
        .verify(evidence)
        .record(
            eq("rel-1"),
            eq("kubernetes-rollout-status"),
            eq("countersign"),
            argThat(p -> p.get("state").equals("complete")));
    verify(evidence, times(2)).record(anyString(), anyString(), anyString(), anyMap());
  }

  @Test
  void awaitFailedRolloutThrowsBpmnErrorWithTheReason() {
    FakeExecution fake = new FakeExecution(FakeExecution.manifest(KUBERNETES));
    when(target.status(anyString(), anyString(), any(), any()))
        .thenReturn(new RolloutStatus(State.COMPLETE, 1, 1, 1, null));
    when(target.status(anyString(), anyString(), named("web"), any()))
        .thenReturn(new RolloutStatus(State.FAILED, 1, 0, 1, "ProgressDeadlineExceeded"));

    assertThatThrownBy(() -> await.execute(fake.execution))
        .isInstanceOfSatisfying(
            BpmnError.class,
            e -> {
              assertThat(e.getErrorCode()).isEqualTo(StepSupport.STEP_FAILED);
              assertThat(e.getMessage())
                  .isEqualTo("Kubernetes rollout failed: Deployment/web: ProgressDeadlineExceeded");
            });
    assertThat(fake.variables)
        .containsEntry(Variables.STEP_OUTCOME, "failed")
        .containsEntry(Variables.FAILED_STEP, "awaitRollout")
        .containsEntry(
            Variables.FAILURE_REASON,
            "Kubernetes rollout failed: Deployment/web: ProgressDeadlineExceeded");
    verify(evidence)
        .record(
            eq("rel-1"),
            eq("kubernetes-rollout-status"),
            eq("countersign"),
            argThat(p -> p.get("state").equals("failed")));
  }

  @Test
  void undoWithoutElementVariableUndoesAllInReverseOrderOnce() throws Exception {
    FakeExecution fake = rollOutBoth();
    fake.variables.remove(Variables.K8S_WORKLOAD);

    undo.execute(fake.execution);
    undo.execute(fake.execution);

    InOrder order = inOrder(target);
    order
        .verify(target)
        .undo(
            anyString(),
            eq("medication-cluster"),
            eq("medication"),
            named("web"),
            eq(Map.of("nginx", "registry.example/web:2.3.0")));
    order
        .verify(target)
        .undo(
            anyString(),
            eq("medication-cluster"),
            eq("medication"),
            named("backend"),
            eq(Map.of("api", "registry.example/api:2.3.0")));
    verify(target, times(2)).undo(anyString(), anyString(), anyString(), any(), anyMap());
    verify(evidence, times(2)).record(anyString(), eq("kubernetes-undone"), anyString(), anyMap());
    assertThat(fake.variables.get(Variables.K8S_UNDONE))
        .isEqualTo(List.of("Deployment/web", "Deployment/backend"));
  }

  @Test
  void undoIgnoresTheElementVariableWhichTheEngineLeavesAtTheLastElement() throws Exception {
    FakeExecution fake = rollOutBoth(); // the element variable now names Deployment/web

    undo.execute(fake.execution);

    InOrder order = inOrder(target);
    order.verify(target).undo(anyString(), anyString(), anyString(), named("web"), anyMap());
    order.verify(target).undo(anyString(), anyString(), anyString(), named("backend"), anyMap());
  }

  private static Workload named(String name) {
    return argThat(w -> w != null && w.name().equals(name));
  }

  private FakeExecution rollOutBoth() throws Exception {
    when(target.rollout(anyString(), anyString(), anyString(), any()))
        .thenAnswer(
            call -> {
              Workload workload = call.getArgument(3);
              Container container = workload.containers().get(0);
              return new Rollout(
                  Map.of(container.name(), container.image().replace("2.4.0", "2.3.0")),
                  false,
                  "plan");
            });
    when(target.undo(anyString(), anyString(), anyString(), any(), anyMap()))
        .thenReturn(new Rollout(Map.of(), false, "undo"));
    FakeExecution fake = new FakeExecution(FakeExecution.manifest(KUBERNETES));
    for (String key : List.of("Deployment/backend", "Deployment/web")) {
      fake.variables.put(Variables.K8S_WORKLOAD, key);
      rollout.execute(fake.execution);
    }
    return fake;
  }
}
