package io.countersign.cluster;

import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.camunda.bpm.engine.impl.ProcessEngineImpl;
import org.camunda.bpm.engine.impl.context.Context;
import org.camunda.bpm.engine.impl.interceptor.CommandExecutor;
import org.camunda.bpm.engine.impl.jobexecutor.ExecuteJobsRunnable;
import org.camunda.bpm.engine.impl.jobexecutor.JobExecutorContext;
import org.camunda.bpm.engine.impl.jobexecutor.JobFailureCollector;
import org.camunda.bpm.engine.spring.components.jobexecutor.SpringJobExecutor;

/**
 * The engine's job executor, knowing which of the jobs it locked it still holds: from the moment
 * they are handed to its threads until each has run (or been unlocked at shutdown), with the
 * follow-up jobs the engine locks for the same thread. {@link NodeHeartbeat} renews the lease of
 * exactly these, so a lock outlives its lease only while this node is alive and working on it.
 */
class LeasedJobExecutor extends SpringJobExecutor {
  private final Set<String> held = ConcurrentHashMap.newKeySet();
  private final Runnable beforeStart;

  LeasedJobExecutor(Runnable beforeStart) {
    this.beforeStart = beforeStart;
  }

  /** The ids of the jobs this node locked and has not finished. */
  Set<String> held() {
    return Set.copyOf(held);
  }

  @Override
  public void start() {
    // Locks left by this node's previous run are released before it acquires anything.
    beforeStart.run();
    super.start();
  }

  @Override
  public Runnable getExecuteJobsRunnable(List<String> jobIds, ProcessEngineImpl processEngine) {
    held.addAll(jobIds);
    return new ExecuteJobsRunnable(jobIds, processEngine) {
      @Override
      protected void executeJob(
          String jobId, CommandExecutor commandExecutor, JobFailureCollector failures) {
        try {
          super.executeJob(jobId, commandExecutor, failures);
        } finally {
          held.remove(jobId);
          JobExecutorContext context = Context.getJobExecutorContext();
          if (context != null) {
            held.addAll(context.getCurrentProcessorJobQueue());
          }
        }
      }

      @Override
      protected void unlockJob(String jobId, CommandExecutor commandExecutor) {
        try {
          super.unlockJob(jobId, commandExecutor);
        } finally {
          held.remove(jobId);
        }
      }
    };
  }
}
