package io.countersign.kubernetes;

import com.fasterxml.jackson.databind.JsonNode;
import io.countersign.kubernetes.KubernetesSteps.JobSpec;
import io.countersign.process.StepOutcome;
import java.util.List;
import java.util.Map;
import org.springframework.stereotype.Component;

/**
 * The team's own image as a Job (a queue drain, a feature flag, a data check), with an optional
 * undo command run as a Job on rollback.
 */
@Component
class JobStep implements StepType {

  @Override
  public String type() {
    return "job";
  }

  @Override
  public String plan(StepRun run) {
    JobSpec job = run.spec.job();
    return "Run Job "
        + run.spec.name()
        + ": "
        + job.image()
        + " "
        + String.join(" ", job.command())
        + (job.undo().isEmpty() ? "" : "; on rollback: " + String.join(" ", job.undo()));
  }

  @Override
  public Map<String, Object> start(StepRun run) {
    JobSpec job = run.spec.job();
    ClusterSteps.JobRun own = run.job("", job.image(), job.command(), job.env(), job.envFrom());
    run.cluster().startJob(run.target(), run.namespace(), own);
    return Map.of("job", own.name());
  }

  @Override
  public StepOutcome check(StepRun run, JsonNode started) {
    return JobLook.look(run, started.path("job").asText());
  }

  @Override
  public UndoJob undoJob(StepRun run, JsonNode started) {
    JobSpec job = run.spec.job();
    if (job.undo().isEmpty() || !started.hasNonNull("job")) {
      return null; // no undo command, or the Job was refused: nothing ran to undo
    }
    return new UndoJob(
        run.job("undo", job.image(), job.undo(), job.env(), job.envFrom()),
        List.of(started.path("job").asText()));
  }
}
