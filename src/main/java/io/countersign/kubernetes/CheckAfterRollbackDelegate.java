package io.countersign.kubernetes;

import io.countersign.evidence.EvidenceLog;
import io.countersign.kubernetes.ClusterSteps.JobState;
import io.countersign.kubernetes.ClusterSteps.JobStatus;
import io.countersign.kubernetes.KubernetesSteps.JobSpec;
import io.countersign.kubernetes.KubernetesSteps.StepSpec;
import io.countersign.process.StepOutcome;
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

  private final StepRuns runs;
  private final EvidenceLog evidence;

  CheckAfterRollbackDelegate(StepRuns runs, EvidenceLog evidence) {
    this.runs = runs;
    this.evidence = evidence;
  }

  @Override
  public void execute(DelegateExecution execution) {
    StepRuns.Begun begun = runs.begin(execution, STEP, false);
    if (begun == null) {
      execution.setVariable(RESTORED, true);
      StepOutcome.done().record(execution, STEP);
      return;
    }
    String releaseId = begun.releaseId();
    KubernetesSteps section = begun.section();
    for (StepSpec spec : section.afterRollback()) {
      if (runs.journal.latest(releaseId, StepJournal.CHECKED, spec.name()).isPresent()) {
        continue;
      }
      StepRun run =
          runs.run(
              begun,
              spec,
              ClockUtil.getCurrentTime().toInstant().plus(Duration.parse(spec.timeoutOrDefault())),
              STEP);
      JobSpec job = spec.job();
      ClusterSteps.JobRun check =
          run.job(SUFFIX, job.image(), job.command(), job.env(), job.envFrom());
      JobStatus status =
          runs.cluster.job(section.target(), section.namespace(), check.name(), JobLook.LOG_LIMIT);
      if (runs.cluster.dryRun() || status.state() == JobState.MISSING) {
        runs.cluster.startJob(section.target(), section.namespace(), check);
      }
      if (!runs.cluster.dryRun()
          && (status.state() == JobState.MISSING || status.state() == JobState.RUNNING)) {
        StepOutcome.running(CheckKubernetesStepDelegate.POLL).record(execution, STEP);
        return;
      }
      JobLook.deleteIfNeverRan(
          runs.cluster, section.target(), section.namespace(), check.name(), status);
      runs.journal.record(
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
