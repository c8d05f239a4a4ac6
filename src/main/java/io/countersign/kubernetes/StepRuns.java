package io.countersign.kubernetes;

import io.countersign.kubernetes.KubernetesSteps.StepSpec;
import io.countersign.manifest.ReleaseManifest;
import io.countersign.process.Attempts;
import io.countersign.process.StepStart;
import java.time.Instant;
import org.camunda.bpm.engine.delegate.DelegateExecution;
import org.springframework.stereotype.Component;

/** What the Kubernetes steps' delegates share: how they begin and how a step's run is made. */
@Component
class StepRuns {
  final StepJournal journal;
  final ClusterSteps cluster;
  final StepTypes types;
  private final StepStart start;
  private final Attempts attempts;

  StepRuns(
      StepStart start,
      StepJournal journal,
      ClusterSteps cluster,
      Attempts attempts,
      StepTypes types) {
    this.start = start;
    this.journal = journal;
    this.cluster = cluster;
    this.attempts = attempts;
    this.types = types;
  }

  /** The release and its signed section. */
  record Begun(String releaseId, ReleaseManifest manifest, KubernetesSteps section) {}

  /**
   * Begins {@code step}; null when the manifest has no kubernetesSteps section (recorded as
   * skipped). A deploy step may be failed by a rollback drill; an undo step never is.
   */
  Begun begin(DelegateExecution execution, String step, boolean deploy) {
    StepStart.Started started =
        deploy
            ? start.begin(
                execution,
                step,
                m -> KubernetesStepsCapability.SECTION.in(m) == null,
                KubernetesStepsCapability.NONE)
            : start.beginUndo(
                execution,
                step,
                m -> KubernetesStepsCapability.SECTION.in(m) == null,
                KubernetesStepsCapability.NONE);
    return started == null
        ? null
        : new Begun(
            started.releaseId(),
            started.manifest(),
            KubernetesStepsCapability.SECTION.in(started.manifest()));
  }

  StepRun run(Begun begun, StepSpec spec, Instant deadline, String delegate) {
    return new StepRun(
        begun.releaseId(),
        begun.manifest(),
        begun.section(),
        spec,
        deadline,
        cluster,
        attempts,
        delegate);
  }
}
