package io.countersign.kubernetes;

import com.fasterxml.jackson.databind.JsonNode;
import io.countersign.aws.TargetRefusedException;
import io.countersign.evidence.ChainVerification;
import io.countersign.evidence.EvidenceLog;
import io.countersign.kubernetes.ClusterSteps.JobStatus;
import io.countersign.kubernetes.KubernetesSteps.StepSpec;
import io.countersign.process.StepOutcome;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.camunda.bpm.engine.delegate.DelegateExecution;
import org.camunda.bpm.engine.delegate.JavaDelegate;
import org.camunda.bpm.engine.impl.util.ClockUtil;
import org.springframework.stereotype.Component;

/**
 * The first work of a rollback (after the rollback notice): undoes the Kubernetes steps that
 * started, last first, whether they finished or failed half-way, so a traffic switch is undone
 * before anything else. Each look undoes what it can without waiting and starts at most one undo
 * Job (a downgrade, an undo hook), which later looks await. What is undone comes from the signed
 * started entries; each undone step gets an undone entry, so a step is never undone twice. A
 * refused undo is recorded as failed and the rollback goes on with the others: it ends "restoration
 * failed" for people to act on, rather than leaving the rest as the release left it.
 */
@Component("undoKubernetesSteps")
class UndoKubernetesStepsDelegate implements JavaDelegate {
  static final String STEP = "undoKubernetesSteps";

  private final StepRuns runs;
  private final EvidenceLog evidence;

  UndoKubernetesStepsDelegate(StepRuns runs, EvidenceLog evidence) {
    this.runs = runs;
    this.evidence = evidence;
  }

  @Override
  public void execute(DelegateExecution execution) {
    StepRuns.Begun begun = runs.begin(execution, STEP, false);
    if (begun == null) {
      StepOutcome.done().record(execution, STEP);
      return;
    }
    String releaseId = begun.releaseId();
    ChainVerification chain = evidence.verify(releaseId);
    if (!chain.valid()) {
      // What to put back is read from the chain; a step whose entry was changed would be left out
      // silently. An incident instead: people look before anything is restored from it.
      throw new IllegalStateException(
          "the evidence of release "
              + releaseId
              + " was changed outside Countersign, so the Kubernetes steps are not undone from it: "
              + String.join("; ", chain.problems()));
    }
    List<String> steps = new ArrayList<>(runs.journal.started(releaseId));
    Collections.reverse(steps);
    for (String name : steps) {
      if (runs.journal.latest(releaseId, StepJournal.UNDONE, name).isPresent()) {
        continue;
      }
      StepSpec spec = begun.section().step(name);
      JsonNode entry = runs.journal.latest(releaseId, StepJournal.STARTED, name).orElseThrow();
      StepRun run =
          runs.run(
              begun,
              spec,
              ClockUtil.getCurrentTime()
                  .toInstant()
                  .plus(Duration.parse(StartKubernetesStepDelegate.timeout(spec))),
              STEP);
      if (!undo(run, runs.types.of(spec), entry)) {
        StepOutcome.running(CheckKubernetesStepDelegate.POLL).record(execution, STEP);
        return;
      }
    }
    StepOutcome.done().record(execution, STEP);
  }

  /** Undoes one step; false while its undo Job runs. */
  private boolean undo(StepRun run, StepType type, JsonNode entry) {
    String name = run.spec.name();
    List<String> restored;
    StepType.UndoJob undoJob;
    try {
      restored = type.undoObjects(run, entry);
      undoJob = type.undoJob(run, entry);
    } catch (TargetRefusedException refused) {
      runs.journal.record(
          run.releaseId,
          StepJournal.UNDONE,
          name,
          "outcome",
          "failed",
          "reason",
          refused.getMessage());
      return true;
    }
    if (undoJob == null) {
      runs.journal.record(
          run.releaseId, StepJournal.UNDONE, name, "outcome", "done", "restored", restored);
      return true;
    }
    String job = undoJob.run().name();
    JobStatus status = runs.cluster.job(run.target(), run.namespace(), job, JobLook.LOG_LIMIT);
    if (runs.cluster.dryRun() || status.state() == ClusterSteps.JobState.MISSING) {
      // The step's own Job may still run (the release failed on its deadline): stop it first. A
      // finished one is left for people to read for the week Kubernetes keeps it.
      for (String own : undoJob.stop()) {
        if (runs.cluster.job(run.target(), run.namespace(), own, 0).state()
            == ClusterSteps.JobState.RUNNING) {
          runs.cluster.deleteJob(run.target(), run.namespace(), own);
        }
      }
      runs.cluster.startJob(run.target(), run.namespace(), undoJob.run());
      if (!runs.cluster.dryRun()) {
        return false; // a dry-run Job "succeeds" at once: its plan is the log line just written
      }
    }
    if (status.state() == ClusterSteps.JobState.RUNNING) {
      return false;
    }
    JobLook.deleteIfNeverRan(runs.cluster, run.target(), run.namespace(), job, status);
    runs.journal.record(
        run.releaseId,
        StepJournal.UNDONE,
        name,
        "outcome",
        status.state() == ClusterSteps.JobState.SUCCEEDED ? "done" : "failed",
        "restored",
        restored,
        "job",
        job,
        "command",
        undoJob.run().command(),
        "exitCode",
        status.exitCode(),
        "message",
        status.message(),
        "log",
        status.logs(),
        "logTruncated",
        status.logsTruncated());
    return true;
  }
}
