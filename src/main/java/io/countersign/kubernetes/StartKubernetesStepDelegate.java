package io.countersign.kubernetes;

import io.countersign.aws.TargetRefusedException;
import io.countersign.kubernetes.KubernetesSteps.StepSpec;
import io.countersign.process.StepSupport;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.camunda.bpm.engine.delegate.DelegateExecution;
import org.camunda.bpm.engine.delegate.JavaDelegate;
import org.camunda.bpm.engine.impl.util.ClockUtil;
import org.springframework.stereotype.Component;

/**
 * One instance of the sequential multi-instance over the manifest's Kubernetes steps: acts
 * (applies, starts a Job, switches, starts a canary) and records in the started entry what each
 * touched object was before. A refusal records what was touched until then, so the rollback puts it
 * back.
 */
@Component("startKubernetesStep")
class StartKubernetesStepDelegate implements JavaDelegate {
  static final String STEP = "startKubernetesStep";

  /** The multi-instance element variable: the step's name. */
  static final String ELEMENT = "kubernetesStep";

  private final StepRuns runs;

  StartKubernetesStepDelegate(StepRuns runs) {
    this.runs = runs;
  }

  @Override
  public void execute(DelegateExecution execution) {
    StepRuns.Begun begun = runs.begin(execution, STEP, true);
    if (begun == null) {
      return;
    }
    String releaseId = begun.releaseId();
    String name = (String) execution.getVariable(ELEMENT);
    StepSpec spec = begun.section().step(name);
    if (runs.journal.latest(releaseId, StepJournal.STARTED, name).isPresent()) {
      return; // started by an earlier run whose transaction committed; the check loop goes on
    }
    List<String> skipped = StepOrder.notDoneBefore(begun.section(), name, runs.journal, releaseId);
    if (!skipped.isEmpty()) {
      throw StepSupport.fail(
          execution,
          STEP,
          "Kubernetes step "
              + name
              + " may not start: the signed steps before it did not finish ("
              + String.join(", ", skipped)
              + "); the model's list of steps was changed outside Countersign");
    }
    Instant deadline = ClockUtil.getCurrentTime().toInstant().plus(Duration.parse(timeout(spec)));
    StepRun run = runs.run(begun, spec, deadline, STEP);
    StepType type = runs.types.of(spec);
    List<Object> said = new ArrayList<>();
    String refusal = null;
    try {
      type.start(run).forEach((key, value) -> said.addAll(List.of(key, value)));
    } catch (TargetRefusedException refused) {
      refusal = refused.getMessage();
    }
    List<Object> payload =
        new ArrayList<>(
            List.of(
                "type",
                type.type(),
                "plan",
                type.plan(run),
                "target",
                begun.section().target(),
                "namespace",
                begun.section().namespace(),
                "deadline",
                deadline.toString(),
                "dryRun",
                runs.cluster.dryRun(),
                "objects",
                run.touched()));
    payload.addAll(said);
    runs.journal.record(releaseId, StepJournal.STARTED, name, payload.toArray());
    if (refusal != null) {
      String reason = "Kubernetes step " + name + " refused: " + refusal;
      runs.journal.record(
          releaseId, StepJournal.FINISHED, name, "outcome", "failed", "reason", reason);
      throw StepSupport.fail(execution, STEP, reason);
    }
  }

  /** A canary's wait includes its analysis, so its default deadline does too. */
  static String timeout(StepSpec spec) {
    if (spec.timeout() == null && spec.canary() != null) {
      return Duration.parse(spec.canary().analysis())
          .plus(Duration.parse(KubernetesSteps.DEFAULT_TIMEOUT))
          .toString();
    }
    return spec.timeoutOrDefault();
  }
}
