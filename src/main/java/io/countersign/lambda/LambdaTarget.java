package io.countersign.lambda;

import io.countersign.lambda.TrafficPlan.Routing;
import io.countersign.manifest.ReleaseManifest.LambdaConfiguration;
import io.countersign.manifest.ReleaseManifest.LambdaFunction;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Port to AWS Lambda, one small non-blocking call per operation, so the model (not the adapter)
 * does the waiting. The adapter comes from {@code countersign.targets.lambda.mode}. Operations
 * throw {@link io.countersign.aws.TargetRefusedException} for what a retry will not fix and {@link
 * io.countersign.aws.AwsUnavailableException} for what it may.
 */
interface LambdaTarget {

  /** What the alias serves now. */
  Alias alias(String target, LambdaFunction function);

  /**
   * Starts the code update from the function's artifact at {@code revisionId}, which Lambda checks
   * (it refuses the update if the function changed since); returns at once.
   */
  CodeUpdate updateCode(
      String releaseId, String target, LambdaFunction function, String revisionId);

  /** One look at the function's LastUpdateStatus. */
  UpdateStatus updateStatus(String target, LambdaFunction function);

  /**
   * Publishes a version of the updated code, or reuses the version that already has this CodeSha256
   * (a re-run, or an artifact that did not change). {@code revisionId} is the function's revision
   * the code was checked at.
   */
  PublishedVersion publishVersion(
      String releaseId,
      String target,
      LambdaFunction function,
      String codeSha256,
      String revisionId);

  /** Points the alias as {@code routing} says; {@code description} is kept on the alias. */
  void route(
      String releaseId,
      String target,
      LambdaFunction function,
      Routing routing,
      String description);

  /**
   * Invokes {@code functionName} (at {@code qualifier}, a published version, or unqualified for a
   * validation function) synchronously (RequestResponse) with {@code payload}, waiting at most
   * {@code timeout} for its answer: a short call like an HTTP smoke test, not a wait. A function
   * that ran and failed is a result ({@link Invocation#functionError}), not an exception.
   */
  Invocation invoke(
      String target, String functionName, String qualifier, String payload, Duration timeout);

  /** Whether this adapter changes nothing. */
  boolean dryRun();

  /**
   * The configuration of {@code $LATEST} ({@code qualifier} null) or of a published version, as far
   * as the evidence may show it: the environment's variable names, never their values (they may be
   * resolved secrets).
   */
  FunctionSettings settings(String target, LambdaFunction function, String qualifier);

  /**
   * Starts the update of the function's configuration to the manifest's (only the fields it gives)
   * at {@code revisionId}, which Lambda checks; references are resolved here and now, and their
   * values go to Lambda only. Returns at once, with the references and versions used.
   */
  ConfigurationUpdate updateConfiguration(
      String releaseId, String target, LambdaFunction function, String revisionId);

  /**
   * Sets the fields {@code configuration} gives back on {@code $LATEST} from the published {@code
   * version} (immutable, so the values go from Lambda to Lambda); no call when they are equal
   * already. Does not wait for the update.
   */
  ConfigurationRestore restoreConfiguration(
      String releaseId,
      String target,
      LambdaFunction function,
      LambdaConfiguration configuration,
      String version);

  /** Memory (MB), timeout (s), layer ARNs, environment variable names (sorted), RevisionId. */
  record FunctionSettings(
      Integer memory,
      Integer timeout,
      List<String> layers,
      List<String> environment,
      String revisionId) {}

  /**
   * One environment variable taken from a secret store: the variable, the store ({@code
   * secretsManager}, {@code parameterStore}), the reference as the manifest gives it, the JSON key
   * taken, and the version that was read (Secrets Manager's VersionId, Parameter Store's Version).
   */
  record Reference(
      String variable, String store, String reference, String jsonKey, String version) {}

  /** The update as made: the revision before and after, and the references it used. */
  record ConfigurationUpdate(
      String revisionBefore, String revisionAfter, List<Reference> references) {}

  /** A restore: whether it called Lambda, and the configuration it replaced and set (names). */
  record ConfigurationRestore(
      boolean changed, FunctionSettings replaced, FunctionSettings restored) {}

  /**
   * An alias: the version it serves, the additional versions with their weights, and its
   * description.
   */
  record Alias(String version, Map<String, Double> weights, String description) {
    public Alias {
      weights = weights == null ? Map.of() : Map.copyOf(weights);
    }
  }

  /**
   * The function's revision once the update was accepted, and the revision the update was made
   * against.
   */
  record CodeUpdate(String revisionBefore, String revisionAfter) {}

  /** LastUpdateStatus with its reason, and the code (CodeSha256) and revision it applies to. */
  record UpdateStatus(Status status, String reason, String codeSha256, String revisionId) {}

  enum Status {
    IN_PROGRESS,
    SUCCESSFUL,
    FAILED
  }

  /**
   * What an invocation answered: the HTTP status, {@code X-Amz-Function-Error} (null when the
   * function did not fail), {@code X-Amz-Executed-Version}, the response payload as text, and
   * whether it timed out before an answer came.
   */
  record Invocation(
      int status, String functionError, String executedVersion, String payload, boolean timedOut) {}

  /** The version the alias will move to; {@code reused} when no new version was published. */
  record PublishedVersion(String version, String codeSha256, boolean reused) {}
}
