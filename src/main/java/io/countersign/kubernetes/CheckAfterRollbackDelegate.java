package io.countersign.kubernetes;

import io.countersign.evidence.EvidenceLog;
import io.countersign.kubernetes.ClusterSteps.JobState;
import io.countersign.kubernetes.ClusterSteps.JobStatus;
import io.countersign.kubernetes.KubernetesSteps.JobSpec;
import io.countersign.kubernetes.KubernetesSteps.StepSpec;
import io.countersign.process.Attempts;
import io.countersign.process.StepOutcome;
import io.countersign.process.StepStart;
import java.time.Duration;
import org.camunda.bpm.engine.delegate.DelegateExecution;
import org.camunda.bpm.engine.delegate.JavaDelegate;
import org.camunda.bpm.engine.impl.util.ClockUtil;
import org.springframework.stereotype.Component;

/**
 * After every other undo, before the restoration is verified: runs the manifest's after-rollback
 * checks (a data-consistency Job such as verify_db.py) one by one, then sets {@link #RESTORED} from
 * the signed entries: false when a check or a Kubernetes step's undo failed, which the rollback's
 * "Restored?" gateway reads with the restoration checks.
 */
@Component("checkAfterRollback")
class CheckAfterRollbackDelegate implements JavaDelegate {
  static final String STEP = "checkAfterRollback";

  /** Whether the Kubernetes steps were undone and the after-rollback checks passed. */
  static final String RESTORED = "kubernetesRestored";

  static final String SUFFIX = "after-rollback";

  private final StepStart start;
  private final StepJournal journal;
  private final ClusterSteps cluster;
  private final Attempts attempts;
  private final EvidenceLog evidence;

  CheckAfterRollbackDelegate(
      StepStart start,
      StepJournal journal,
      ClusterSteps cluster,
      Attempts attempts,
      EvidenceLog evidence) {
    this.start = start;
    this.journal = journal;
    this.cluster = cluster;
    this.attempts = attempts;
    this.evidence = evidence;
  }

  @Override
  public void execute(DelegateExecution execution) {
    StepStart.Started started =
        start.beginUndo(
            execution,
            STEP,
            m -> KubernetesStepsCapability.SECTION.in(m) == null,
            KubernetesStepsCapability.NONE);
    if (started == null) {
      execution.setVariable(RESTORED, true);
      StepOutcome.done().record(execution, STEP);
      return;
    }
    String releaseId = started.releaseId();
    KubernetesSteps section = KubernetesStepsCapability.SECTION.in(started.manifest());
    for (StepSpec spec : section.afterRollback()) {
      if (journal.latest(releaseId, StepJournal.CHECKED, spec.name()).isPresent()) {
        continue;
      }
      StepRun run =
          new StepRun(
              releaseId,
              started.manifest(),
              section,
              spec,
              ClockUtil.getCurrentTime().toInstant().plus(Duration.parse(spec.timeoutOrDefault())),
              cluster,
              attempts,
              STEP);
      JobSpec job = spec.job();
      ClusterSteps.JobRun check =
          run.job(SUFFIX, job.image(), job.command(), job.env(), job.envFrom());
      JobStatus status =
          cluster.job(section.target(), section.namespace(), check.name(), JobLook.LOG_LIMIT);
      if (cluster.dryRun() || status.state() == JobState.MISSING) {
        cluster.startJob(section.target(), section.namespace(), check);
      }
      if (!cluster.dryRun()
          && (status.state() == JobState.MISSING || status.state() == JobState.RUNNING)) {
        StepOutcome.running(CheckKubernetesStepDelegate.POLL).record(execution, STEP);
        return;
      }
      journal.record(
          releaseId,
          StepJournal.CHECKED,
          spec.name(),
          "outcome",
          status.state() == JobState.SUCCEEDED ? "passed" : "failed",
          "job",
          check.name(),
          "command",
          job.command(),
          "exitCode",
          status.exitCode(),
          "message",
          status.message(),
          "log",
          status.logs(),
          "logTruncated",
          status.logsTruncated());
    }
    execution.setVariable(RESTORED, restored(releaseId));
    StepOutcome.done().record(execution, STEP);
  }

  /** No undo failed and no check failed, as the signed entries say. */
  private boolean restored(String releaseId) {
    return evidence.authentic(releaseId, StepJournal.UNDONE).stream()
            .noneMatch(e -> "failed".equals(e.payload().path("outcome").asText()))
        && evidence.authentic(releaseId, StepJournal.CHECKED).stream()
            .noneMatch(e -> "failed".equals(e.payload().path("outcome").asText()));
  }
}
