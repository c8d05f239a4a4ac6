package io.countersign.lambda;

import io.countersign.engine.StepSupport;
import io.countersign.engine.Variables;
import io.countersign.evidence.EvidenceLog;
import io.countersign.lambda.LambdaTarget.LambdaDeployment;
import io.countersign.release.Manifests;
import io.countersign.release.ReleaseManifest;
import io.countersign.release.ReleaseManifest.LambdaFunction;
import java.util.Map;
import org.camunda.bpm.engine.delegate.DelegateExecution;
import org.camunda.bpm.engine.delegate.JavaDelegate;
import org.springframework.stereotype.Component;

/** One instance of the sequential multi-instance over {@link Variables#LAMBDA_FUNCTIONS}: deploys one function. */
@Component("deployLambda")
class DeployLambdaDelegate implements JavaDelegate {
  static final String STEP = "deployLambda";

  private final LambdaTarget target;
  private final EvidenceLog evidence;

  DeployLambdaDelegate(LambdaTarget target, EvidenceLog evidence) {
    this.target = target;
    this.evidence = evidence;
  }

  @Override
  public void execute(DelegateExecution execution) {
    ReleaseManifest manifest = Manifests.from(execution);
    String releaseId = StepSupport.releaseId(execution);
    if (StepSupport.skipIf(!manifest.hasLambda(), evidence, releaseId, STEP, "the manifest has no lambda functions")) {
      return;
    }
    StepSupport.failIfDrill(execution, manifest, STEP);
    LambdaFunction function = find(manifest, (String) execution.getVariable(Variables.LAMBDA_FUNCTION));
    Map<String, Object> previousVersions = StepSupport.readMap(execution, Variables.LAMBDA_PREVIOUS_VERSIONS);
    if (previousVersions.containsKey(function.name())) {
      return; // deployed by an earlier run of this job; the first previous version is the one to keep
    }
    LambdaDeployment deployment = target.deploy(releaseId, manifest.lambda().target(), function);
    previousVersions.put(function.name(), deployment.previousVersion());
    execution.setVariable(Variables.LAMBDA_PREVIOUS_VERSIONS, StepSupport.json(previousVersions));
    evidence.record(releaseId, "lambda-deployed", StepSupport.ACTOR, StepSupport.payload(
        "target", manifest.lambda().target(), "function", function.name(), "alias", deployment.alias(),
        "previousVersion", deployment.previousVersion(), "newVersion", deployment.newVersion(),
        "traffic", deployment.traffic(), "artifact", function.artifact().bucket() + "/" + function.artifact().key(),
        "dryRun", deployment.dryRun(), "plan", deployment.plan()));
  }

  static LambdaFunction find(ReleaseManifest manifest, String name) {
    return manifest.lambda().functions().stream()
        .filter(f -> f.name().equals(name))
        .findFirst()
        .orElseThrow(() -> new IllegalStateException(
            "variable '" + Variables.LAMBDA_FUNCTION + "' names no function of the manifest: " + name));
  }
}
