package io.countersign.lambda;

import io.countersign.engine.Variables;
import io.countersign.evidence.EvidenceLog;
import io.countersign.lambda.LambdaTarget.LambdaDeployment;
import io.countersign.release.Manifests;
import io.countersign.release.ReleaseManifest;
import io.countersign.release.ReleaseManifest.LambdaFunction;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.camunda.bpm.engine.delegate.DelegateExecution;
import org.camunda.bpm.engine.delegate.JavaDelegate;
import org.springframework.stereotype.Component;

/**
 * Compensation of deployLambda: moves aliases back to the versions deployLambda recorded. Never throws
 * BpmnError (rollback must not branch); a failure to reach AWS is an ordinary, retried exception.
 */
@Component("revertLambda")
class RevertLambdaDelegate implements JavaDelegate {
  static final String STEP = "revertLambda";

  private final LambdaTarget target;
  private final EvidenceLog evidence;

  RevertLambdaDelegate(LambdaTarget target, EvidenceLog evidence) {
    this.target = target;
    this.evidence = evidence;
  }

  @Override
  public void execute(DelegateExecution execution) {
    ReleaseManifest manifest = Manifests.from(execution);
    String releaseId = Steps.releaseId(execution);
    if (!manifest.hasLambda()) {
      Steps.skipped(evidence, releaseId, STEP, "the manifest has no lambda functions");
      return;
    }
    Map<String, Object> previousVersions = Steps.readMap(execution, Variables.LAMBDA_PREVIOUS_VERSIONS);
    List<String> reverted = Steps.readList(execution, Variables.LAMBDA_REVERTED);
    // The handler may run per multi-instance element (element variable visible) or once for all of them.
    List<String> names;
    if (execution.getVariable(Variables.LAMBDA_FUNCTION) instanceof String element) {
      names = List.of(element);
    } else {
      names = new ArrayList<>(previousVersions.keySet());
      Collections.reverse(names);
    }
    for (String name : names) {
      if (!previousVersions.containsKey(name) || reverted.contains(name)) {
        continue; // never deployed, or reverted already
      }
      LambdaFunction function = DeployLambdaDelegate.find(manifest, name);
      String previousVersion = String.valueOf(previousVersions.get(name));
      LambdaDeployment revert = target.revert(releaseId, manifest.lambda().target(), function, previousVersion);
      reverted.add(name);
      execution.setVariable(Variables.LAMBDA_REVERTED, Steps.json(reverted));
      evidence.record(releaseId, "lambda-reverted", Steps.ACTOR, Steps.payload(
          "target", manifest.lambda().target(), "function", name, "alias", revert.alias(),
          "restoredVersion", revert.newVersion(), "replacedVersion", revert.previousVersion(),
          "dryRun", revert.dryRun(), "plan", revert.plan()));
    }
  }
}
