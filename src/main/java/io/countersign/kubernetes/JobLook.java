package io.countersign.kubernetes;

import io.countersign.kubernetes.ClusterSteps.JobState;
import io.countersign.kubernetes.ClusterSteps.JobStatus;
import io.countersign.process.StepOutcome;

/** One look at a step's Job, its exit code and log put in the step's findings. */
final class JobLook {
  /** The tail of a Job's log kept in the evidence. */
  static final int LOG_LIMIT = 16 * 1024;

  private JobLook() {}

  static StepOutcome look(StepRun run, String name) {
    JobStatus status = run.cluster().job(run.target(), run.namespace(), name, LOG_LIMIT);
    run.findings.put("job", name);
    run.findings.put("state", status.state().name());
    run.findings.put("exitCode", status.exitCode());
    run.findings.put("message", status.message());
    run.findings.put("log", status.logs());
    run.findings.put("logTruncated", status.logsTruncated());
    return switch (status.state()) {
      case SUCCEEDED -> StepOutcome.done();
      case RUNNING -> StepOutcome.running(CheckKubernetesStepDelegate.POLL);
      case FAILED -> {
        deleteIfNeverRan(run.cluster(), run.target(), run.namespace(), name, status);
        yield StepOutcome.failed(
            "Job "
                + name
                + " failed"
                + (status.exitCode() == null ? "" : " with exit code " + status.exitCode())
                + (status.message() == null ? "" : ": " + status.message()));
      }
      case MISSING ->
          StepOutcome.failed("Job " + name + " is gone: someone deleted it before it finished");
    };
  }

  /**
   * Deletes a failed Job that never ran (an image that cannot be pulled, a missing Secret):
   * Kubernetes would keep it pending until its deadline. One that ran is kept for people to read.
   */
  static void deleteIfNeverRan(
      ClusterSteps cluster, String target, String namespace, String name, JobStatus status) {
    if (status.state() == JobState.FAILED && status.exitCode() == null) {
      cluster.deleteJob(target, namespace, name);
    }
  }
}
