package io.countersign.lambda;

import io.countersign.aws.TargetRefusedException;
import io.countersign.evidence.EvidenceLog;
import io.countersign.lambda.LambdaRollout.Progress;
import io.countersign.manifest.ReleaseManifest;
import io.countersign.manifest.ReleaseManifest.LambdaFunction;
import io.countersign.process.StepOutcome;
import io.countersign.process.StepStart;
import io.countersign.process.StepSupport;
import io.countersign.process.Variables;
import org.camunda.bpm.engine.delegate.DelegateExecution;
import org.camunda.bpm.engine.delegate.JavaDelegate;

/**
 * What the two traffic checks share: the check runs only while the function is in the phase it is
 * for (a re-run after it passed finds the function moved on and does nothing), its result is
 * evidence, and a failure is the step's failure (BpmnError): the subprocess's error boundary ends
 * the functions' subprocess normally, and its compensation puts back every alias deployLambda
 * moved. A check only reads, so it records no attempt: a re-run invokes again.
 */
abstract class TrafficCheckStep implements JavaDelegate {
  private final String step;
  private final String phase;
  private final String awaitedPhase;
  private final TrafficChecks checks;
  private final EvidenceLog evidence;
  private final StepStart start;

  TrafficCheckStep(
      String step,
      String phase,
      String awaitedPhase,
      TrafficChecks checks,
      EvidenceLog evidence,
      StepStart start) {
    this.step = step;
    this.phase = phase;
    this.awaitedPhase = awaitedPhase;
    this.checks = checks;
    this.evidence = evidence;
    this.start = start;
  }

  @Override
  public void execute(DelegateExecution execution) {
    StepStart.Started started =
        start.begin(execution, step, m -> !m.hasLambda(), "the manifest has no lambda functions");
    if (started == null) {
      StepOutcome.done().record(execution, step);
      return;
    }
    ReleaseManifest manifest = started.manifest();
    String releaseId = started.releaseId();
    LambdaFunction function =
        DeployLambdaDelegate.find(
            manifest, (String) execution.getVariable(Variables.LAMBDA_FUNCTION));
    Progress progress = DeployLambdaDelegate.progress(execution, function.name());
    if (progress == null || !progress.phase().equals(awaitedPhase)) {
      StepOutcome.done().record(execution, step);
      return; // checked by an earlier run whose job did not commit its outcome, or nothing to check
    }
    TrafficChecks.Result result;
    try {
      result =
          checks.run(
              releaseId,
              manifest.lambda().target(),
              function,
              phase,
              progress.previousVersion(),
              progress.newVersion());
    } catch (TargetRefusedException e) {
      throw StepSupport.fail(execution, step, e.getMessage());
    }
    evidence.record(releaseId, TrafficChecks.EVIDENCE, StepSupport.ACTOR, result.evidence());
    if (!result.passed()) {
      throw StepSupport.fail(
          execution,
          step,
          capitalized(phase)
              + "-traffic check of function "
              + function.name()
              + " version "
              + progress.newVersion()
              + " failed: "
              + result.detail());
    }
    passed(execution, releaseId, manifest, function, progress);
    StepOutcome.done().record(execution, step);
  }

  /** What follows a passed check: the function's next phase, and its evidence. */
  abstract void passed(
      DelegateExecution execution,
      String releaseId,
      ReleaseManifest manifest,
      LambdaFunction function,
      Progress progress);

  static Progress moved(Progress progress, String phase) {
    return new Progress(
        phase,
        progress.previousVersion(),
        progress.newVersion(),
        progress.step(),
        progress.updateStartedAt(),
        progress.codeSha256());
  }

  private static String capitalized(String word) {
    return Character.toUpperCase(word.charAt(0)) + word.substring(1);
  }
}
