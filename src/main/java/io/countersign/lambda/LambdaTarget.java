package io.countersign.lambda;

import io.countersign.release.ReleaseManifest.LambdaFunction;

/** Port to AWS Lambda. The adapter comes from {@code countersign.targets.lambda.mode}. */
interface LambdaTarget {

  /** Updates the function's code from its artifact, publishes a version and moves the alias to it. */
  LambdaDeployment deploy(String releaseId, String target, LambdaFunction function);

  /** Moves the alias back to {@code previousVersion}, all at once. */
  LambdaDeployment revert(String releaseId, String target, LambdaFunction function, String previousVersion);

  /** The alias moved from previousVersion to newVersion; plan says what was (or would be) done. */
  record LambdaDeployment(
      String function, String alias, String previousVersion, String newVersion, String traffic, boolean dryRun,
      String plan) {}
}
