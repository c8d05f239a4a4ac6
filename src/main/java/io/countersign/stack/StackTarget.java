package io.countersign.stack;

import java.util.List;
import java.util.Map;

/**
 * Port to CloudFormation and the artifact bucket of one configured stack target, in the steps'
 * words. Each call is one request (or one paged listing) without retries of its own: the engine
 * retries the job. An answer a retry would not change is returned or thrown as {@link
 * io.countersign.aws.TargetRefusedException}; one it may change is thrown as {@link
 * io.countersign.aws.AwsUnavailableException}. Messages name the target and stack, never a URL.
 */
interface StackTarget {

  /** The template object, read in full (bounded). {@code dryRun}: nothing was read. */
  TemplateObject readTemplate(String target, String bucket, String key);

  /** The stack as CloudFormation describes it; {@code exists} false when there is none. */
  StackState describeStack(String target, String stack);

  /** The template the stack runs now ({@code GetTemplate}, stage Original). */
  String currentTemplate(String target, String stack);

  /** Keeps the previous template where a rollback can read it (an object of the bucket). */
  void keepTemplate(String target, String bucket, String key, byte[] body);

  /** Starts drift detection on the stack; returns the detection id. */
  String startDriftDetection(String target, String stack);

  /** How the drift detection stands, with the drifted resources once it is complete. */
  Drift drift(String target, String stack, String detectionId);

  /** Creates the change set; returns its id (ARN). */
  String createChangeSet(String target, ChangeSetRequest request);

  /** The change set by name or id, with all its changes; null when there is none. */
  ChangeSet describeChangeSet(String target, String stack, String changeSet);

  /** Executes the change set; {@code token} tells CloudFormation's events of this execution. */
  void executeChangeSet(String target, String stack, String changeSetId, String token);

  /** Deletes the stack; {@code token} as for execution. */
  void deleteStack(String target, String stack, String token);

  /** The reasons of the resources that failed in the stack's latest events (newest first). */
  List<String> failureReasons(String target, String stack);

  /** The template's bytes and the S3 version they were read at. */
  record TemplateObject(byte[] body, String versionId, String url, boolean dryRun) {}

  /**
   * A stack: its status, termination protection and parameters. A parameter whose value
   * CloudFormation masks ({@code NoEcho}) has the value {@link #MASKED}.
   */
  record StackState(
      boolean exists,
      String stackId,
      String status,
      String statusReason,
      boolean terminationProtection,
      Map<String, String> parameters,
      boolean dryRun) {
    static final String MASKED = "****";

    static StackState none() {
      return new StackState(false, null, null, null, false, Map.of(), false);
    }
  }

  /** What a change set is made of. {@code template} is either a body or an S3 URL. */
  record ChangeSetRequest(
      String stack,
      String name,
      String type,
      String templateBody,
      String templateUrl,
      Map<String, String> parameters,
      List<String> keepPreviousValues,
      List<String> capabilities,
      String roleArn,
      String clientToken) {}

  /** A change set as described: status, execution status, reason and every change. */
  record ChangeSet(
      String id,
      String status,
      String executionStatus,
      String statusReason,
      List<Change> changes,
      boolean dryRun) {}

  /** One resource change: Add/Modify/Remove/Import, and whether it replaces the resource. */
  record Change(
      String action, String logicalId, String resourceType, String replacement, String scope) {}

  /** A drift detection: its status, the stack's drift status and the drifted resources. */
  record Drift(String detectionStatus, String stackDriftStatus, List<String> drifted) {}
}
