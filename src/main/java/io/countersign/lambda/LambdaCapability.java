package io.countersign.lambda;

import io.countersign.aws.TargetRefusedException;
import io.countersign.manifest.ManifestCheck;
import io.countersign.manifest.ManifestSection;
import io.countersign.manifest.ReleaseManifest;
import io.countersign.manifest.ReleaseManifest.LambdaChange;
import io.countersign.manifest.ReleaseManifest.LambdaConfiguration;
import io.countersign.manifest.ReleaseManifest.LambdaFunction;
import io.countersign.process.TargetCapability;
import io.countersign.process.Variables;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
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
                    + f.artifact().key()
                    + configurationPlan(f.configuration()))
        .toList();
  }

  /**
   * What the approvers sign about the configuration: each field set, the variables by name and
   * where each value comes from (a secret by its reference, never a value; a literal is in the
   * manifest they read anyway).
   */
  static String configurationPlan(LambdaConfiguration c) {
    if (c == null) {
      return "";
    }
    List<String> parts = new ArrayList<>();
    if (c.memory() != null) {
      parts.add("memory -> " + c.memory() + " MB");
    }
    if (c.timeout() != null) {
      parts.add("timeout -> " + c.timeout() + " s");
    }
    if (c.layers() != null) {
      parts.add("layers -> " + (c.layers().isEmpty() ? "none" : String.join(", ", c.layers())));
    }
    if (c.environment() != null) {
      List<String> variables = new ArrayList<>();
      new TreeMap<>(c.environment())
          .forEach(
              (name, value) ->
                  variables.add(
                      name
                          + (value.secretsManager() != null
                              ? " from Secrets Manager "
                                  + value.secretsManager()
                                  + (value.jsonKey() == null ? "" : " key " + value.jsonKey())
                                  + (value.versionId() == null
                                      ? ""
                                      : " version " + value.versionId())
                              : value.parameterStore() != null
                                  ? " from Parameter Store " + value.parameterStore()
                                  : " (literal)")));
      parts.add(
          "environment replaced by "
              + (variables.isEmpty() ? "none" : String.join(", ", variables)));
    }
    return parts.isEmpty() ? "" : "; configuration: " + String.join("; ", parts);
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
            + ": point each alias back at the version it served before, with all its traffic"
            + restorePlan(manifest));
  }

  private static String restorePlan(ReleaseManifest manifest) {
    List<String> configured =
        manifest.lambda().functions().stream()
            .filter(f -> f.configuration() != null)
            .map(LambdaFunction::name)
            .toList();
    return configured.isEmpty()
        ? ""
        : "; restore the configuration of "
            + String.join(", ", configured)
            + " from that version (the fields this release sets)";
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
    return List.of(
        Variables.LAMBDA_PREVIOUS_VERSIONS, Variables.LAMBDA_REVERTED, Variables.LAMBDA_CONFIGURED);
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
