package io.countersign.engine;

import io.countersign.evidence.EvidenceLog;
import io.countersign.process.IntegrityViolation;
import io.countersign.process.StepSupport;
import java.util.LinkedHashMap;
import java.util.Map;
import org.camunda.bpm.engine.impl.cmd.JobRetryCmd;
import org.camunda.bpm.engine.impl.interceptor.Command;
import org.camunda.bpm.engine.impl.interceptor.CommandContext;
import org.camunda.bpm.engine.impl.jobexecutor.FailedJobCommandFactory;
import org.camunda.bpm.engine.impl.persistence.entity.JobEntity;

/**
 * A job that met an {@link IntegrityViolation} is not retried: retrying cannot make tampered
 * records right, and each attempt would act on them again. Its retries go to zero at once, which
 * opens an incident with the violation as its message, and the violation is recorded in the
 * release's evidence. This runs in the engine's failed-job transaction, after the job's own
 * transaction was rolled back. Other failures keep the model's retry cycle.
 */
class ImmediateIncidents implements FailedJobCommandFactory {
  private final FailedJobCommandFactory standard;
  private final EvidenceLog evidence;

  ImmediateIncidents(FailedJobCommandFactory standard, EvidenceLog evidence) {
    this.standard = standard;
    this.evidence = evidence;
  }

  @Override
  public Command<Object> getCommand(String jobId, Throwable exception) {
    IntegrityViolation violation = find(exception);
    if (violation == null) {
      return standard.getCommand(jobId, exception);
    }
    return new JobRetryCmd(jobId, violation) {
      @Override
      public Object execute(CommandContext commandContext) {
        JobEntity job = getJob();
        if (job != null) {
          job.unlock();
          logException(job);
          job.setRetries(0);
          Map<String, Object> payload = new LinkedHashMap<>();
          payload.put("activity", job.getActivityId());
          payload.put("jobId", jobId);
          payload.put("message", violation.getMessage());
          evidence.record(violation.releaseId(), "integrity-violation", StepSupport.ACTOR, payload);
        }
        return null;
      }
    };
  }

  static IntegrityViolation find(Throwable exception) {
    for (Throwable t = exception; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof IntegrityViolation violation) {
        return violation;
      }
    }
    return null;
  }
}
