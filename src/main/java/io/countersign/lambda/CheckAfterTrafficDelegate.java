package io.countersign.lambda;

import io.countersign.evidence.EvidenceLog;
import io.countersign.lambda.LambdaRollout.Event;
import io.countersign.lambda.LambdaRollout.Progress;
import io.countersign.manifest.ReleaseManifest;
import io.countersign.manifest.ReleaseManifest.LambdaFunction;
import io.countersign.process.StepStart;
import io.countersign.process.StepSupport;
import org.camunda.bpm.engine.delegate.DelegateExecution;
import org.springframework.stereotype.Component;

/**
 * After the last traffic step, its final hold and the gates at 100 %: the function's after-traffic
 * check (CodeDeploy's AfterAllowTraffic). Passed, the function is deployed (evidence {@code
 * lambda-deployed}); failed, the rollback moves the alias back to the previous version.
 */
@Component("checkAfterTraffic")
class CheckAfterTrafficDelegate extends TrafficCheckStep {
  static final String STEP = "checkAfterTraffic";

  private final LambdaRollout rollout;
  private final EvidenceLog evidence;

  CheckAfterTrafficDelegate(
      TrafficChecks checks, LambdaRollout rollout, EvidenceLog evidence, StepStart start) {
    super(STEP, TrafficChecks.AFTER, LambdaRollout.SHIFTED, checks, evidence, start);
    this.rollout = rollout;
    this.evidence = evidence;
  }

  @Override
  void passed(
      DelegateExecution execution,
      String releaseId,
      ReleaseManifest manifest,
      LambdaFunction function,
      Progress progress) {
    Progress deployed = moved(progress, LambdaRollout.DEPLOYED);
    DeployLambdaDelegate.save(execution, function.name(), deployed);
    Event event = rollout.deployed(manifest.lambda().target(), function, deployed);
    evidence.record(releaseId, event.type(), StepSupport.ACTOR, event.payload());
  }
}
