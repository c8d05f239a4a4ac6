package io.countersign.lambda;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.countersign.aws.TargetRefusedException;
import io.countersign.evidence.EvidenceLog;
import io.countersign.lambda.LambdaRollout.Advance;
import io.countersign.lambda.LambdaRollout.Event;
import io.countersign.lambda.LambdaRollout.Progress;
import io.countersign.manifest.ReleaseManifest;
import io.countersign.manifest.ReleaseManifest.LambdaFunction;
import io.countersign.process.StepOutcome;
import io.countersign.process.StepStart;
import io.countersign.process.StepSupport;
import io.countersign.process.Variables;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.camunda.bpm.engine.delegate.DelegateExecution;
import org.camunda.bpm.engine.delegate.JavaDelegate;
import org.camunda.bpm.engine.impl.util.ClockUtil;
import org.springframework.stereotype.Component;

/**
 * Moves the function of {@link Variables#LAMBDA_FUNCTION} on by one short call, never waiting: the
 * first call records the alias's version and starts the code update; every call looks at the update
 * once and, when it has succeeded, starts the configuration update if the function has one (and
 * waits for it the same way), then publishes a version and applies the next traffic step. Its
 * {@link StepOutcome} is running while the update runs (wait: the poll interval), paused while a
 * traffic step holds (wait: the hold, then the traffic gate) and done once deployed, so a model
 * loop can call it until done. Progress per function lives in {@link Variables#LAMBDA_DEPLOYMENTS};
 * a job that runs again resumes from it.
 */
@Component("deployLambda")
class DeployLambdaDelegate implements JavaDelegate {
  static final String STEP = "deployLambda";
  private static final ObjectMapper JSON = new ObjectMapper();

  private final LambdaRollout rollout;
  private final EvidenceLog evidence;
  private final StepStart start;

  DeployLambdaDelegate(LambdaRollout rollout, EvidenceLog evidence, StepStart start) {
    this.rollout = rollout;
    this.evidence = evidence;
    this.start = start;
  }

  @Override
  public void execute(DelegateExecution execution) {
    StepStart.Started started =
        start.begin(execution, STEP, m -> !m.hasLambda(), "the manifest has no lambda functions");
    if (started == null) {
      StepOutcome.done().record(execution, STEP);
      return;
    }
    ReleaseManifest manifest = started.manifest();
    String releaseId = started.releaseId();
    LambdaFunction function =
        find(manifest, (String) execution.getVariable(Variables.LAMBDA_FUNCTION));
    String target = manifest.lambda().target();
    Instant now = ClockUtil.getCurrentTime().toInstant();
    Progress progress = progress(execution, function.name());
    boolean withTrafficChecks = hasTrafficChecks(execution);
    try {
      if (progress == null && !withTrafficChecks && TrafficChecks.asked(function)) {
        throw new TargetRefusedException(
            "function "
                + function.name()
                + " asks for traffic checks, but this release runs a deploy model without them");
      }
      if (progress == null) {
        // Recorded before anything can fail further on, so the rollback knows the version to return
        // to.
        progress =
            record(execution, releaseId, function, rollout.start(releaseId, target, function, now));
      }
      if (progress.phase().equals(LambdaRollout.DEPLOYED)) {
        record(execution, releaseId, function, new Advance(progress, Duration.ZERO, List.of()));
      } else {
        Advance advance =
            rollout.advance(releaseId, target, function, progress, now, withTrafficChecks);
        progress = record(execution, releaseId, function, advance);
        if (advance.events().stream().anyMatch(e -> e.type().equals(LambdaRollout.CONFIGURED))) {
          // The configuration update was started and recorded (so a failure from here on is
          // rolled back with it): one look at it now, as start is followed by one look at the code.
          record(
              execution,
              releaseId,
              function,
              rollout.advance(releaseId, target, function, progress, now, withTrafficChecks));
        }
      }
    } catch (TargetRefusedException e) {
      throw StepSupport.fail(execution, STEP, e.getMessage());
    }
  }

  private Progress record(
      DelegateExecution execution, String releaseId, LambdaFunction function, Advance advance) {
    Progress progress = advance.progress();
    Map<String, Object> previousVersions =
        StepSupport.readMap(execution, Variables.LAMBDA_PREVIOUS_VERSIONS);
    if (previousVersions.putIfAbsent(function.name(), progress.previousVersion()) == null) {
      execution.setVariable(Variables.LAMBDA_PREVIOUS_VERSIONS, StepSupport.json(previousVersions));
    }
    // Recorded with the update's start, before its outcome is known: a configuration that ends
    // Failed is restored as well.
    boolean configured =
        advance.events().stream().anyMatch(e -> e.type().equals(LambdaRollout.CONFIGURED));
    List<String> configuredFunctions = StepSupport.readList(execution, Variables.LAMBDA_CONFIGURED);
    if (configured && !configuredFunctions.contains(function.name())) {
      configuredFunctions.add(function.name());
      execution.setVariable(Variables.LAMBDA_CONFIGURED, StepSupport.json(configuredFunctions));
    }
    save(execution, function.name(), progress);
    advance.outcome().record(execution, STEP);
    for (Event event : advance.events()) {
      evidence.record(releaseId, event.type(), StepSupport.ACTOR, event.payload());
    }
    return progress;
  }

  /**
   * Records a function's progress, and its phase for the model's gateways ({@link
   * Variables#LAMBDA_PHASE}).
   */
  static void save(DelegateExecution execution, String function, Progress progress) {
    Map<String, Object> deployments = StepSupport.readMap(execution, Variables.LAMBDA_DEPLOYMENTS);
    deployments.put(function, JSON.convertValue(progress, Map.class));
    execution.setVariable(Variables.LAMBDA_DEPLOYMENTS, StepSupport.json(deployments));
    execution.setVariable(Variables.LAMBDA_PHASE, progress.phase());
  }

  /**
   * Whether the release's deploy model has the traffic checks; one pinned before them shifts right
   * after the publish.
   */
  static boolean hasTrafficChecks(DelegateExecution execution) {
    return execution.getBpmnModelInstance() != null
        && execution.getBpmnModelInstance().getModelElementById(CheckBeforeTrafficDelegate.STEP)
            != null;
  }

  /** The recorded progress of a function, or null before its first call. */
  static Progress progress(DelegateExecution execution, String function) {
    Object recorded = StepSupport.readMap(execution, Variables.LAMBDA_DEPLOYMENTS).get(function);
    return recorded == null ? null : JSON.convertValue(recorded, Progress.class);
  }

  static LambdaFunction find(ReleaseManifest manifest, String name) {
    return manifest.lambda().functions().stream()
        .filter(f -> f.name().equals(name))
        .findFirst()
        .orElseThrow(
            () ->
                new IllegalStateException(
                    "variable '"
                        + Variables.LAMBDA_FUNCTION
                        + "' names no function of the manifest: "
                        + name));
  }
}
