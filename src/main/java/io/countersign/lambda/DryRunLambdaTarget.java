package io.countersign.lambda;

import io.countersign.lambda.TrafficPlan.Routing;
import io.countersign.manifest.ReleaseManifest.LambdaFunction;
import java.time.Duration;
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
}
