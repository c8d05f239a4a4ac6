package io.countersign.kubernetes;

import com.fasterxml.jackson.databind.JsonNode;
import io.countersign.aws.TargetRefusedException;
import io.countersign.kubernetes.KubernetesSteps.StepSpec;
import io.countersign.process.StepOutcome;
import io.countersign.process.StepSupport;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.camunda.bpm.engine.delegate.DelegateExecution;
import org.camunda.bpm.engine.delegate.JavaDelegate;
import org.camunda.bpm.engine.impl.util.ClockUtil;
import org.springframework.stereotype.Component;

/**
 * One look at the current Kubernetes step, never a wait: the model loops check, gateway on the
 * {@link StepOutcome}, timer, check. The deadline is the one the started entry recorded, so no
 * variable can extend it. A done or failed step gets its finished entry (with a Job's exit code and
 * log); a failed one fails the release.
 */
@Component("checkKubernetesStep")
class CheckKubernetesStepDelegate implements JavaDelegate {
  static final String STEP = "checkKubernetesStep";

  /** How long the model waits between two looks at a rollout or a Job. */
  static final Duration POLL = Duration.ofSeconds(10);

  private final StepRuns runs;

  CheckKubernetesStepDelegate(StepRuns runs) {
    this.runs = runs;
  }

  @Override
  public void execute(DelegateExecution execution) {
    StepRuns.Begun begun = runs.begin(execution, STEP, false);
    if (begun == null) {
      StepOutcome.done().record(execution, STEP);
      return;
    }
    String releaseId = begun.releaseId();
    KubernetesSteps section = begun.section();
    String name = (String) execution.getVariable(StartKubernetesStepDelegate.ELEMENT);
    StepSpec spec = section.step(name);
    JsonNode entry =
        runs.journal
            .latest(releaseId, StepJournal.STARTED, name)
            .orElseThrow(
                () ->
                    new IllegalStateException(
                        "Kubernetes step " + name + " has no signed started entry"));
    Instant deadline = Instant.parse(entry.path("deadline").asText());
    StepRun run = runs.run(begun, spec, deadline, STEP);
    StepOutcome outcome;
    try {
      outcome = runs.types.of(spec).check(run, entry);
    } catch (TargetRefusedException refused) {
      outcome = StepOutcome.failed(refused.getMessage());
    }
    if (outcome.status() == StepOutcome.Status.RUNNING
        && !ClockUtil.getCurrentTime().toInstant().isBefore(deadline)) {
      outcome =
          StepOutcome.failed(
              "did not finish before its deadline "
                  + deadline
                  + " ("
                  + StartKubernetesStepDelegate.timeout(spec)
                  + ")");
    }
    if (outcome.status() != StepOutcome.Status.RUNNING) {
      List<Object> payload =
          new ArrayList<>(List.of("outcome", outcome.status().word(), "reason", reason(outcome)));
      // Arrays.asList: a finding may be null (no exit code yet, no message, no log), which List.of
      // refuses; the journal leaves null values out.
      run.findings.forEach((key, value) -> payload.addAll(Arrays.asList(key, value)));
      runs.journal.record(releaseId, StepJournal.FINISHED, name, payload.toArray());
    }
    if (outcome.status() == StepOutcome.Status.DONE && lastInstance(execution)) {
      List<String> left = StepOrder.notDone(section, runs.journal, releaseId);
      if (!left.isEmpty()) {
        outcome =
            StepOutcome.failed(
                "signed Kubernetes steps did not run: "
                    + String.join(", ", left)
                    + "; the model's list of steps was changed outside Countersign");
      }
    }
    if (outcome.status() == StepOutcome.Status.FAILED) {
      throw StepSupport.fail(execution, STEP, "Kubernetes step " + name + ": " + outcome.reason());
    }
    outcome.record(execution, STEP);
  }

  /** Whether this is the multi-instance's last instance, as the engine counts them. */
  private static boolean lastInstance(DelegateExecution execution) {
    Object counter = execution.getVariable("loopCounter");
    Object instances = execution.getVariable("nrOfInstances");
    return counter instanceof Integer loop
        && instances instanceof Integer count
        && loop + 1 >= count;
  }

  private static String reason(StepOutcome outcome) {
    return outcome.reason() == null ? "" : outcome.reason();
  }
}
