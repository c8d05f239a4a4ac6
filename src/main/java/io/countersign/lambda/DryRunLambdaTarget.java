package io.countersign.lambda;

import io.countersign.lambda.TrafficPlan.Routing;
import io.countersign.manifest.ReleaseManifest.EnvironmentValue;
import io.countersign.manifest.ReleaseManifest.LambdaConfiguration;
import io.countersign.manifest.ReleaseManifest.LambdaFunction;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Changes nothing in AWS: every update is at once Successful, and the evidence says what would have
 * been done.
 */
class DryRunLambdaTarget implements LambdaTarget {
  static final String UNKNOWN = "unknown (dry-run)";
  static final String NEW_VERSION = "dry-run";
  private static final Logger log = LoggerFactory.getLogger(DryRunLambdaTarget.class);

  @Override
  public Alias alias(String target, LambdaFunction function) {
    return new Alias(UNKNOWN, Map.of(), null);
  }

  @Override
  public CodeUpdate updateCode(
      String releaseId, String target, LambdaFunction function, String revisionId) {
    log.info(
        "{}: dry-run: would update function {} in {} from s3://{}/{}",
        releaseId,
        function.name(),
        target,
        function.artifact().bucket(),
        function.artifact().key());
    return new CodeUpdate(UNKNOWN, UNKNOWN);
  }

  @Override
  public UpdateStatus updateStatus(String target, LambdaFunction function) {
    return new UpdateStatus(Status.SUCCESSFUL, null, UNKNOWN, UNKNOWN);
  }

  @Override
  public PublishedVersion publishVersion(
      String releaseId,
      String target,
      LambdaFunction function,
      String codeSha256,
      String revisionId) {
    log.info("{}: dry-run: would publish a version of function {}", releaseId, function.name());
    return new PublishedVersion(NEW_VERSION, codeSha256, false);
  }

  @Override
  public void route(
      String releaseId,
      String target,
      LambdaFunction function,
      Routing routing,
      String description) {
    log.info(
        "{}: dry-run: would point alias {} of function {} at version {} with weights {}",
        releaseId,
        function.aliasOrDefault(),
        function.name(),
        routing.primaryVersion(),
        routing.weights());
  }

  @Override
  public Invocation invoke(
      String target, String functionName, String qualifier, String payload, Duration timeout) {
    // The payload is the team's test event or the release's facts: logged by size only.
    log.info(
        "dry-run: would invoke {}{} in {} with {} characters of payload",
        functionName,
        qualifier == null ? "" : ":" + qualifier,
        target,
        payload.length());
    return new Invocation(200, null, qualifier, null, false);
  }

  @Override
  public boolean dryRun() {
    return true;
  }

  @Override
  public FunctionSettings settings(String target, LambdaFunction function, String qualifier) {
    return new FunctionSettings(null, null, null, null, UNKNOWN);
  }

  /** Resolves nothing: the references are recorded with no version. */
  @Override
  public ConfigurationUpdate updateConfiguration(
      String releaseId, String target, LambdaFunction function, String revisionId) {
    LambdaConfiguration configuration = function.configuration();
    List<Reference> references = new ArrayList<>();
    if (configuration.environment() != null) {
      configuration
          .environment()
          .forEach(
              (name, value) -> {
                if (value.secretsManager() != null || value.parameterStore() != null) {
                  references.add(unresolved(name, value));
                }
              });
    }
    log.info(
        "{}: dry-run: would update the configuration of function {} in {} (memory {}, timeout {}, layers {}, environment {})",
        releaseId,
        function.name(),
        target,
        configuration.memory(),
        configuration.timeout(),
        configuration.layers(),
        configuration.environment() == null ? null : configuration.environment().keySet());
    return new ConfigurationUpdate(UNKNOWN, UNKNOWN, references);
  }

  @Override
  public ConfigurationRestore restoreConfiguration(
      String releaseId,
      String target,
      LambdaFunction function,
      LambdaConfiguration configuration,
      String version) {
    log.info(
        "{}: dry-run: would restore the configuration of function {} in {} from version {}",
        releaseId,
        function.name(),
        target,
        version);
    FunctionSettings unknown = settings(target, function, version);
    return new ConfigurationRestore(false, unknown, unknown);
  }

  private static Reference unresolved(String name, EnvironmentValue value) {
    return value.secretsManager() != null
        ? new Reference(
            name,
            LambdaConfigurationRules.SECRETS_MANAGER,
            value.secretsManager(),
            value.jsonKey(),
            value.versionId() == null ? UNKNOWN : value.versionId())
        : new Reference(
            name, LambdaConfigurationRules.PARAMETER_STORE, value.parameterStore(), null, UNKNOWN);
  }
}
