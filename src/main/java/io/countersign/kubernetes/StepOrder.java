package io.countersign.kubernetes;

import io.countersign.kubernetes.KubernetesSteps.StepSpec;
import java.util.ArrayList;
import java.util.List;

/**
 * The signed order of the Kubernetes steps against the model's multi-instance, whose collection is
 * a variable: a step may start only when every signed step before it finished done, and the last
 * instance may end only when no signed step is left, as the journal's signed entries say.
 */
final class StepOrder {
  /** The multi-instance's collection variable. */
  static final String STEPS = "kubernetesSteps";

  private StepOrder() {}

  /** The signed steps before {@code name} that have not finished done; empty when it may start. */
  static List<String> notDoneBefore(
      KubernetesSteps section, String name, StepJournal journal, String releaseId) {
    List<String> missing = new ArrayList<>();
    for (StepSpec spec : section.steps()) {
      if (spec.name().equals(name)) {
        return missing;
      }
      if (!done(journal, releaseId, spec.name())) {
        missing.add(spec.name());
      }
    }
    throw new IllegalStateException("step '" + name + "' is not among the manifest's steps");
  }

  /** The signed steps that have not finished done. */
  static List<String> notDone(KubernetesSteps section, StepJournal journal, String releaseId) {
    List<String> missing = new ArrayList<>();
    for (StepSpec spec : section.steps()) {
      if (!done(journal, releaseId, spec.name())) {
        missing.add(spec.name());
      }
    }
    return missing;
  }

  private static boolean done(StepJournal journal, String releaseId, String step) {
    return journal
        .latest(releaseId, StepJournal.FINISHED, step)
        .map(entry -> "done".equals(entry.path("outcome").asText()))
        .orElse(false);
  }
}
