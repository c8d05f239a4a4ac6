package io.countersign.lambda;

import io.countersign.release.ReleaseManifest.LambdaFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Changes nothing in AWS; says what a live deployment would do. */
class DryRunLambdaTarget implements LambdaTarget {
  static final String UNKNOWN = "unknown (dry-run)";
  private static final Logger log = LoggerFactory.getLogger(DryRunLambdaTarget.class);

  private final LambdaProperties properties;

  DryRunLambdaTarget(LambdaProperties properties) {
    this.properties = properties;
  }

  @Override
  public LambdaDeployment deploy(String releaseId, String target, LambdaFunction function) {
    String plan = "dry-run: would update function " + function.name() + where(target) + " from s3://"
        + function.artifact().bucket() + "/" + function.artifact().key() + ", publish a version and move alias "
        + function.aliasOrDefault() + " to it (" + function.trafficOrDefault() + ")";
    log.info("{}: {}", releaseId, plan);
    return new LambdaDeployment(
        function.name(), function.aliasOrDefault(), UNKNOWN, "dry-run", function.trafficOrDefault(), true, plan);
  }

  @Override
  public LambdaDeployment revert(String releaseId, String target, LambdaFunction function, String previousVersion) {
    String plan = "dry-run: would move alias " + function.aliasOrDefault() + " of function " + function.name()
        + where(target) + " back to version " + previousVersion;
    log.info("{}: {}", releaseId, plan);
    return new LambdaDeployment(
        function.name(), function.aliasOrDefault(), UNKNOWN, previousVersion, "all-at-once", true, plan);
  }

  private String where(String target) {
    LambdaProperties.Target config = properties.targets().get(target);
    return " in " + target + (config == null || config.region() == null ? "" : " (" + config.region() + ")");
  }
}
