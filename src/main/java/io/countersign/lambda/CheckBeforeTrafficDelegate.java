package io.countersign.lambda;

import io.countersign.evidence.EvidenceLog;
import io.countersign.lambda.LambdaRollout.Progress;
import io.countersign.manifest.ReleaseManifest;
import io.countersign.manifest.ReleaseManifest.LambdaFunction;
import io.countersign.process.StepStart;
import org.camunda.bpm.engine.delegate.DelegateExecution;
import org.springframework.stereotype.Component;

/**
 * Before any weight moves to the version deployLambda published: its before-traffic check
 * (CodeDeploy's BeforeAllowTraffic). Passed, the function is checked and deployLambda applies the
 * first traffic step; failed, nothing was routed to the version, and the rollback finds the alias
 * where it was.
 */
@Component("checkBeforeTraffic")
class CheckBeforeTrafficDelegate extends TrafficCheckStep {
  static final String STEP = "checkBeforeTraffic";

  CheckBeforeTrafficDelegate(TrafficChecks checks, EvidenceLog evidence, StepStart start) {
    super(STEP, TrafficChecks.BEFORE, LambdaRollout.PUBLISHED, checks, evidence, start);
  }

  @Override
  void passed(
      DelegateExecution execution,
      String releaseId,
      ReleaseManifest manifest,
      LambdaFunction function,
      Progress progress) {
    DeployLambdaDelegate.save(execution, function.name(), moved(progress, LambdaRollout.CHECKED));
  }
}
