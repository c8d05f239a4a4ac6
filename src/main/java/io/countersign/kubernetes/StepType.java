package io.countersign.kubernetes;

import com.fasterxml.jackson.databind.JsonNode;
import io.countersign.process.StepOutcome;
import java.util.Map;

/**
 * One kind of Kubernetes step (apply a manifest set, run a Job, migrate, switch traffic, canary):
 * how it acts, how one look at it goes, and what its undo runs besides restoring the objects it
 * touched. Refusals are {@link io.countersign.aws.TargetRefusedException}s.
 */
interface StepType {

  /** The field of the step in the manifest that selects this type ("apply", "job", …). */
  String type();

  /** The plan line approvers read. */
  String plan(StepRun run);

  /**
   * Acts: touches (through {@code run}) every object before changing it, starts its Jobs. Returns
   * what else the started entry should say (a Job's name).
   */
  Map<String, Object> start(StepRun run);

  /**
   * One look, never a wait. {@code started} is the step's signed started entry; progress entries
   * are the type's own (read through the journal).
   */
  StepOutcome check(StepRun run, JsonNode started);

  /**
   * Puts back the objects the started entry recorded (by default each as it was, last touched
   * first); returns one line per object for the evidence.
   */
  default java.util.List<String> undoObjects(StepRun run, JsonNode started) {
    return StepObjects.restore(run.cluster(), run.target(), started);
  }

  /**
   * The command its undo runs as a Job after the touched objects are restored (a downgrade, an undo
   * hook), or null when restoring the objects is all.
   */
  default UndoJob undoJob(StepRun run, JsonNode started) {
    return null;
  }

  /** A Job the undo runs and the Jobs it stops first (the step's own, if still running). */
  record UndoJob(ClusterSteps.JobRun run, java.util.List<String> stop) {}
}
