package io.countersign.stack;

import java.util.List;
import java.util.Map;

/**
 * Changes nothing and reads nothing: no template is fetched (its digest is not checked), the stack
 * is taken to exist and to update cleanly, and the change set's summary is unknown. Every step
 * still runs and records what it would have done, marked {@code dryRun}.
 */
class DryRunStackTarget implements StackTarget {
  static final String UNKNOWN = "unknown in a dry run";

  @Override
  public TemplateObject readTemplate(String target, String bucket, String key) {
    return new TemplateObject(new byte[0], null, null, true);
  }

  @Override
  public StackState describeStack(String target, String stack) {
    return new StackState(
        true, "dry-run:" + stack, "UPDATE_COMPLETE", UNKNOWN, false, Map.of(), true);
  }

  @Override
  public String currentTemplate(String target, String stack) {
    return "";
  }

  @Override
  public void keepTemplate(String target, String bucket, String key, byte[] body) {
    // nothing kept: nothing will be changed
  }

  @Override
  public String startDriftDetection(String target, String stack) {
    return "dry-run";
  }

  @Override
  public Drift drift(String target, String stack, String detectionId) {
    return new Drift("DETECTION_COMPLETE", UNKNOWN, List.of());
  }

  @Override
  public String createChangeSet(String target, ChangeSetRequest request) {
    return "dry-run:" + request.name();
  }

  @Override
  public ChangeSet describeChangeSet(String target, String stack, String changeSet) {
    return new ChangeSet(
        changeSet.startsWith("dry-run:") ? changeSet : "dry-run:" + changeSet,
        "CREATE_COMPLETE",
        "AVAILABLE",
        UNKNOWN,
        List.of(),
        true);
  }

  @Override
  public void executeChangeSet(String target, String stack, String changeSetId, String token) {
    // nothing executed
  }

  @Override
  public void deleteStack(String target, String stack, String token) {
    // nothing deleted
  }

  @Override
  public List<String> failureReasons(String target, String stack) {
    return List.of();
  }
}
