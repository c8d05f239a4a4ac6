package io.countersign.cluster;

import java.util.Optional;
import org.camunda.bpm.engine.impl.jobexecutor.JobExecutor;
import org.camunda.bpm.engine.impl.jobexecutor.NotifyAcquisitionRejectedJobsHandler;
import org.camunda.bpm.spring.boot.starter.configuration.impl.DefaultJobConfiguration;
import org.camunda.bpm.spring.boot.starter.property.CamundaBpmProperties;
import org.camunda.bpm.spring.boot.starter.property.JobExecutionProperty;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.task.TaskExecutor;

/**
 * The job executor: the starter's, configured from the same {@code camunda.bpm.job-execution}
 * properties, with this node's id as lock owner and leases this node renews ({@link
 * LeasedJobExecutor}). The starter backs off when a JobExecutor bean exists.
 */
@Configuration(proxyBeanMethods = false)
class ClusterConfiguration {

  @Bean
  @ConditionalOnProperty(
      prefix = "camunda.bpm.job-execution",
      name = "enabled",
      havingValue = "true",
      matchIfMissing = true)
  static JobExecutor jobExecutor(
      @Qualifier(DefaultJobConfiguration.JobConfiguration.CAMUNDA_TASK_EXECUTOR_QUALIFIER)
          TaskExecutor taskExecutor,
      CamundaBpmProperties camunda,
      NodeIdentity node,
      NodeHeartbeat heartbeat) {
    LeasedJobExecutor executor = new LeasedJobExecutor(heartbeat::reclaimPreviousLocks);
    executor.setTaskExecutor(taskExecutor);
    executor.setRejectedJobsHandler(new NotifyAcquisitionRejectedJobsHandler());
    executor.setLockOwner(node.nodeId());
    JobExecutionProperty jobs = camunda.getJobExecution();
    Optional.ofNullable(jobs.getLockTimeInMillis()).ifPresent(executor::setLockTimeInMillis);
    Optional.ofNullable(jobs.getMaxJobsPerAcquisition())
        .ifPresent(executor::setMaxJobsPerAcquisition);
    Optional.ofNullable(jobs.getWaitTimeInMillis()).ifPresent(executor::setWaitTimeInMillis);
    Optional.ofNullable(jobs.getMaxWait()).ifPresent(executor::setMaxWait);
    Optional.ofNullable(jobs.getBackoffTimeInMillis()).ifPresent(executor::setBackoffTimeInMillis);
    Optional.ofNullable(jobs.getMaxBackoff()).ifPresent(executor::setMaxBackoff);
    Optional.ofNullable(jobs.getBackoffDecreaseThreshold())
        .ifPresent(executor::setBackoffDecreaseThreshold);
    Optional.ofNullable(jobs.getWaitIncreaseFactor()).ifPresent(executor::setWaitIncreaseFactor);
    heartbeat.watch(executor);
    return executor;
  }
}
