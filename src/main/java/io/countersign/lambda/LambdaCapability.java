package io.countersign.lambda;

import io.countersign.aws.TargetRefusedException;
import io.countersign.manifest.ManifestCheck;
import io.countersign.manifest.ManifestSection;
import io.countersign.manifest.ReleaseManifest;
import io.countersign.manifest.ReleaseManifest.LambdaChange;
import io.countersign.manifest.ReleaseManifest.LambdaFunction;
import io.countersign.process.TargetCapability;
import io.countersign.process.Variables;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;

/**
 * AWS Lambda functions: code update, version, alias traffic shifted step by step, reverted on
 * rollback.
 */
@Component
@Order(300)
class LambdaCapability implements TargetCapability {
  static final ManifestSection<LambdaChange> SECTION =
      ManifestSection.typed("lambda", LambdaChange.class, ReleaseManifest::lambda);

  private final LambdaManifestCheck check;
  private final LambdaTarget target;

  LambdaCapability(LambdaManifestCheck check, LambdaTarget target) {
    this.check = check;
    this.target = target;
  }

  @Override
  public ManifestSection<?> section() {
    return SECTION;
  }

  @Override
  public ManifestCheck check() {
    return check;
  }

  @Override
  public boolean isUsedBy(ReleaseManifest manifest) {
    return manifest.hasLambda();
  }

  @Override
  public List<Step> steps() {
    return List.of(
        Step.main("deployLambda"),
        Step.check(CheckBeforeTrafficDelegate.STEP),
        Step.check("gateLambdaTraffic"),
        Step.check(CheckAfterTrafficDelegate.STEP),
        Step.undo("revertLambda"));
  }

  @Override
  public List<String> plannedSteps(ReleaseManifest manifest) {
    if (!manifest.hasLambda()) {
      return List.of();
    }
    return manifest.lambda().functions().stream()
        .map(
            f ->
                "Deploy Lambda "
                    + f.name()
                    + " ("
                    + f.trafficOrDefault()
                    + (f.beforeTraffic() == null ? "" : ", checked before traffic")
                    + (f.afterTraffic() == null ? "" : ", checked after traffic")
                    + ") from s3://"
                    + f.artifact().bucket()
                    + "/"
                    + f.artifact().key())
        .toList();
  }

  @Override
  public List<String> undoSteps(ReleaseManifest manifest) {
    if (!manifest.hasLambda()) {
      return List.of();
    }
    // One handler per function deployed (a multi-instance); the plan does not promise their order.
    return List.of(
        "Revert Lambda "
            + String.join(
                ", ",
                manifest.lambda().functions().stream()
                    .map(f -> f.name() + " (alias " + f.aliasOrDefault() + ")")
                    .toList())
            + ": point each alias back at the version it served before, with all its traffic");
  }

  @Override
  public List<String> afterUndoSteps(ReleaseManifest manifest) {
    return List.of();
  }

  @Override
  public Map<String, Object> startVariables(ReleaseManifest manifest) {
    Map<String, Object> variables = new LinkedHashMap<>();
    variables.put(Variables.HAS_LAMBDA, manifest.hasLambda());
    // The deploy model's multi-instance collection: one Lambda sub-process per function.
    variables.put(
        Variables.LAMBDA_FUNCTIONS,
        manifest.hasLambda()
            ? new ArrayList<>(
                manifest.lambda().functions().stream().map(LambdaFunction::name).toList())
            : new ArrayList<String>());
    return variables;
  }

  @Override
  public List<String> recordedVariables() {
    return List.of(Variables.LAMBDA_PREVIOUS_VERSIONS, Variables.LAMBDA_REVERTED);
  }

  /** Reads each function's alias: the function and alias exist and Lambda answers. */
  @Override
  public List<Finding> verifyEnvironment(String releaseId, ReleaseManifest manifest) {
    LambdaChange lambda = manifest.lambda();
    List<Finding> findings = new ArrayList<>();
    for (LambdaFunction function : lambda.functions()) {
      String subject = "Lambda " + function.name() + ":" + function.aliasOrDefault();
      try {
        LambdaTarget.Alias alias = target.alias(lambda.target(), function);
        findings.add(
            Finding.passed(
                subject,
                "alias serves version "
                    + alias.version()
                    + (alias.weights().isEmpty() ? "" : ", weights " + alias.weights())));
      } catch (TargetRefusedException refused) {
        findings.add(Finding.failed(subject, refused.getMessage()));
      }
    }
    return findings;
  }

  @Override
  public Map<String, Object> policyFacts(ReleaseManifest manifest) {
    return Map.of(Variables.HAS_LAMBDA, manifest.hasLambda());
  }
}
