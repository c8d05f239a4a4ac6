package io.countersign.process;

import io.countersign.evidence.EvidenceLog;
import io.countersign.manifest.ReleaseManifest;
import java.util.function.Predicate;
import org.camunda.bpm.engine.delegate.DelegateExecution;
import org.springframework.stereotype.Component;

/**
 * How a deploy or rollback step starts: the authorized manifest and the release id, then the skip
 * (recorded in the evidence) when the manifest gives the step nothing to do.
 */
@Component
public class StepStart {
  private final ManifestStore manifests;
  private final EvidenceLog evidence;

  public StepStart(ManifestStore manifests, EvidenceLog evidence) {
    this.manifests = manifests;
    this.evidence = evidence;
  }

  /** What a started step acts on. */
  public record Started(String releaseId, ReleaseManifest manifest) {}

  /**
   * Starts a deploy step: null when skipped, else after a rollback drill that names the step has
   * failed it.
   */
  public Started begin(
      DelegateExecution execution,
      String step,
      Predicate<ReleaseManifest> nothingToDo,
      String reason) {
    Started started = beginUndo(execution, step, nothingToDo, reason);
    if (started != null) {
      StepSupport.failIfDrill(execution, started.manifest(), step);
    }
    return started;
  }

  /**
   * Starts a rollback step: null when skipped. Never drilled, as a drill is there to rehearse
   * these.
   */
  public Started beginUndo(
      DelegateExecution execution,
      String step,
      Predicate<ReleaseManifest> nothingToDo,
      String reason) {
    ReleaseManifest manifest = manifests.forStep(execution);
    String releaseId = StepSupport.releaseId(execution);
    if (StepSupport.skipIf(nothingToDo.test(manifest), evidence, releaseId, step, reason)) {
      return null;
    }
    return new Started(releaseId, manifest);
  }
}
