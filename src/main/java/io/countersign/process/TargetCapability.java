package io.countersign.process;

import io.countersign.manifest.ManifestCheck;
import io.countersign.manifest.ManifestSection;
import io.countersign.manifest.ReleaseManifest;
import java.util.List;
import java.util.Map;

/**
 * Everything the rest of Countersign needs to know about one target type (database, Lambda, front
 * end, ...), declared by one bean in the target's own package. The manifest reader, the API's
 * views, the start of a release, the release policy, the start-deployment gate and the restoration
 * check iterate over these beans (through {@link TargetRegistry}) instead of keeping lists of their
 * own, so a new target type is its package plus its tasks in the models. Every method is abstract
 * on purpose: implementing the interface is the checklist.
 *
 * <p>Beans are ordered with {@link org.springframework.core.annotation.Order} in the order their
 * steps run in deploy.bpmn; undo steps run in the reverse order.
 */
public interface TargetCapability {

  /** Its section of the manifest: read, shape-checked and validated by the manifest reader. */
  ManifestSection<?> section();

  /**
   * Checks its section against the server's configuration (known targets, allow-lists); runs on
   * valid manifests.
   */
  ManifestCheck check();

  /**
   * Whether the manifest asks it to do something. Its main steps are listed as run or skipped by
   * the deployment-started evidence accordingly; a step that has nothing to do still runs and
   * records that.
   */
  boolean isUsedBy(ReleaseManifest manifest);

  /** Its tasks in deploy.bpmn: task id = bean name, in the order they run. */
  List<Step> steps();

  /**
   * Lines of the plan approvers read on the sign-off form, in order; none when it has nothing to
   * do.
   */
  List<String> plannedSteps(ReleaseManifest manifest);

  /**
   * What its undo steps ({@link Phase#UNDO}) put back if the release fails or is rolled back, one
   * line per undo the approvers read on the sign-off form; none when it has nothing to undo. The
   * rollback runs these in the reverse order of the capabilities ({@link
   * TargetRegistry#rollbackPlan}).
   */
  List<String> undoSteps(ReleaseManifest manifest);

  /**
   * What its steps after the undo ({@link Phase#AFTER_UNDO}) do once every capability has undone
   * its part (confirmations, restores from backup, checks of what was restored); none when it has
   * none for this manifest. They run in the order of the capabilities.
   */
  List<String> afterUndoSteps(ReleaseManifest manifest);

  /**
   * Process variables the release starts with (flags its models and forms read, multi-instance
   * lists).
   */
  Map<String, Object> startVariables(ReleaseManifest manifest);

  /**
   * Variables its act and undo steps write about what they changed and undid, for the restoration
   * evidence.
   */
  List<String> recordedVariables();

  /**
   * Facts for release-policy.dmn (e.g. {@code hasDatabase}). A fact no rule reads changes nothing;
   * declare one only when the policy should be able to tell releases with this target apart.
   */
  Map<String, Object> policyFacts(ReleaseManifest manifest);

  /**
   * The deployment checkpoint's look at its targets before anything changes: each target the
   * manifest names exists and answers (read-only calls of its port). A target that refuses (not
   * found, access denied) is a failed finding; one that does not answer throws, so the step's job
   * asks again. Only called when {@link #isUsedBy} says so.
   */
  List<Finding> verifyEnvironment(String releaseId, ReleaseManifest manifest);

  /**
   * What the deployment checkpoint found about one target.
   *
   * @param subject what was looked at, e.g. "Lambda api_handler:live" or "database clinical"
   * @param passed whether deploying to it can go ahead
   * @param detail what it answered, for the evidence and the reason
   */
  record Finding(String subject, boolean passed, String detail) {

    public static Finding passed(String subject, String detail) {
      return new Finding(subject, true, detail);
    }

    public static Finding failed(String subject, String detail) {
      return new Finding(subject, false, detail);
    }
  }

  /** Where a step stands in deploy.bpmn. */
  enum Phase {
    /** Part of the deployment: runs in model order; the API shows it as not run until it does. */
    DEPLOY,
    /**
     * Compensation handler of a deploy step, or a task of the rollback that undoes its capability's
     * steps from their signed evidence (so a step that failed half-way is undone too); either runs
     * in the reverse order of the capabilities.
     */
    UNDO,
    /**
     * Runs once every handler has: confirmations, restores from backup, checks of what was
     * restored.
     */
    AFTER_UNDO
  }

  /**
   * A task of deploy.bpmn, its id also the name of its bean. A main step is one the
   * deployment-started evidence lists as run or skipped and a rollback drill may name; the checks
   * inside a wait loop are not.
   */
  record Step(String id, Phase phase, boolean main) {

    /** A deploy step a drill may name. */
    public static Step main(String id) {
      return new Step(id, Phase.DEPLOY, true);
    }

    /** A deploy step inside a loop of a main step (a status check, a traffic gate). */
    public static Step check(String id) {
      return new Step(id, Phase.DEPLOY, false);
    }

    public static Step undo(String id) {
      return new Step(id, Phase.UNDO, false);
    }

    public static Step afterUndo(String id) {
      return new Step(id, Phase.AFTER_UNDO, false);
    }
  }
}
