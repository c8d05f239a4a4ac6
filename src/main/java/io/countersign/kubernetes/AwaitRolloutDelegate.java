package io.countersign.kubernetes;

import io.countersign.evidence.EvidenceLog;
import io.countersign.kubernetes.KubernetesTarget.RolloutStatus;
import io.countersign.kubernetes.KubernetesTarget.State;
import io.countersign.manifest.ReleaseManifest;
import io.countersign.manifest.ReleaseManifest.KubernetesChange;
import io.countersign.manifest.ReleaseManifest.Workload;
import io.countersign.process.StepOutcome;
import io.countersign.process.StepStart;
import io.countersign.process.StepSupport;
import io.countersign.process.Variables;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.camunda.bpm.engine.delegate.DelegateExecution;
import org.camunda.bpm.engine.delegate.ExecutionListener;
import org.camunda.bpm.engine.delegate.JavaDelegate;
import org.camunda.bpm.engine.impl.util.ClockUtil;
import org.springframework.stereotype.Component;

/**
 * One look at every rollout, never a wait: the model loops check, gateway on the {@link
 * StepOutcome} (done, or running with {@link #POLL}), timer, check, with a boundary timer for the
 * manifest's timeout. It is also the listener of that deadline's end event, so the reason the
 * rollout failed is written here, not in the model.
 */
@Component("awaitRollout")
class AwaitRolloutDelegate implements JavaDelegate, ExecutionListener {
  static final String STEP = "awaitRollout";

  /** How long the model waits between two looks. */
  static final Duration POLL = Duration.ofSeconds(10);

  static final String DEADLINE_PASSED = "Kubernetes rollout did not complete before its deadline";
  // The rollout's own words, as the evidence has always recorded them.
  static final String PROGRESSING = "progressing";
  static final String COMPLETE = "complete";
  static final String FAILED = "failed";

  private final KubernetesTarget target;
  private final EvidenceLog evidence;
  private final StepStart start;

  AwaitRolloutDelegate(KubernetesTarget target, EvidenceLog evidence, StepStart start) {
    this.target = target;
    this.evidence = evidence;
    this.start = start;
  }

  @Override
  public void execute(DelegateExecution execution) {
    StepStart.Started started =
        start.begin(
            execution, STEP, m -> !m.hasKubernetes(), "the manifest has no kubernetes workloads");
    if (started == null) {
      StepOutcome.done().record(execution, STEP); // nothing to wait for
      return;
    }
    ReleaseManifest manifest = started.manifest();
    String releaseId = started.releaseId();
    KubernetesChange kubernetes = manifest.kubernetes();
    Instant deadline = deadline(execution, kubernetes);
    List<String> progress = new ArrayList<>();
    List<String> failures = new ArrayList<>();
    List<Map<String, Object>> workloads = new ArrayList<>();
    boolean complete = true;
    for (Workload workload : kubernetes.workloads()) {
      RolloutStatus status =
          target.status(kubernetes.target(), kubernetes.namespace(), workload, deadline);
      String key = Workloads.key(workload);
      progress.add(
          key
              + " "
              + status.updated()
              + "/"
              + status.desired()
              + " updated, "
              + status.available()
              + "/"
              + status.desired()
              + " available"
              + (status.message() == null ? "" : " (" + status.message() + ")"));
      if (status.state() == State.FAILED) {
        failures.add(key + ": " + status.message());
      }
      complete &= status.state() == State.COMPLETE;
      workloads.add(
          StepSupport.payload(
              "workload",
              key,
              "state",
              status.state().name(),
              "updated",
              status.updated(),
              "available",
              status.available(),
              "desired",
              status.desired(),
              "message",
              status.message()));
    }
    String state = !failures.isEmpty() ? FAILED : complete ? COMPLETE : PROGRESSING;
    StepOutcome outcome =
        !failures.isEmpty()
            ? StepOutcome.failed("Kubernetes rollout failed: " + String.join("; ", failures))
            : complete ? StepOutcome.done() : StepOutcome.running(POLL);
    // The outcome recorded last is this step's previous look (or, at the first look, the step
    // before it): a rollout that was progressing then and still is goes into the evidence once, not
    // at every look.
    boolean changed =
        StepOutcome.recorded(execution) != StepOutcome.Status.RUNNING
            || outcome.status() != StepOutcome.Status.RUNNING;
    execution.setVariable(Variables.K8S_PROGRESS, String.join("; ", progress));
    if (changed) {
      evidence.record(
          releaseId,
          "kubernetes-rollout-status",
          StepSupport.ACTOR,
          StepSupport.payload(
              "state",
              state,
              "progress",
              String.join("; ", progress),
              "deadline",
              deadline.toString(),
              "workloads",
              workloads));
    }
    if (outcome.status() == StepOutcome.Status.FAILED) {
      throw outcome.raise(execution, STEP);
    }
    outcome.record(execution, STEP);
  }

  /** The model's deadline for the whole wait passed before a look found the rollouts complete. */
  @Override
  public void notify(DelegateExecution execution) {
    StepOutcome.failed(DEADLINE_PASSED).record(execution, STEP);
  }

  /**
   * Fixed by the first check, so every later check (and a re-run job) compares against the same
   * instant.
   */
  private static Instant deadline(DelegateExecution execution, KubernetesChange kubernetes) {
    Object recorded = execution.getVariable(Variables.K8S_ROLLOUT_DEADLINE);
    if (recorded != null) {
      return Instant.parse(recorded.toString());
    }
    Instant deadline =
        ClockUtil.getCurrentTime().toInstant().plus(Duration.parse(kubernetes.timeoutOrDefault()));
    execution.setVariable(Variables.K8S_ROLLOUT_DEADLINE, deadline.toString());
    return deadline;
  }
}
