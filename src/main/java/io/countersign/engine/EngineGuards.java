package io.countersign.engine;

import io.countersign.evidence.EvidenceLog;
import io.countersign.notify.Notifications;
import java.util.ArrayList;
import org.camunda.bpm.engine.impl.cfg.AbstractProcessEnginePlugin;
import org.camunda.bpm.engine.impl.cfg.ProcessEngineConfigurationImpl;
import org.camunda.bpm.engine.impl.jobexecutor.DefaultFailedJobCommandFactory;
import org.springframework.stereotype.Component;

/**
 * Installs Countersign's guards in the engine: the check of every user-issued command ({@link
 * UserCommandGuard}), the immediate incident for integrity violations ({@link ImmediateIncidents}),
 * an event for every incident opened and resolved ({@link NotifyingIncidents}) and, on PostgreSQL,
 * task queries planned for their values ({@link TaskQueryPlans}) with their grants joined on
 * equality ({@link TaskAuthorizationJoin}).
 */
@Component
class EngineGuards extends AbstractProcessEnginePlugin {
  private final EvidenceLog evidence;
  private final Notifications notifications;

  EngineGuards(EvidenceLog evidence, Notifications notifications) {
    this.evidence = evidence;
    this.notifications = notifications;
  }

  @Override
  public void preInit(ProcessEngineConfigurationImpl configuration) {
    UserCommandGuard guard = new UserCommandGuard(configuration);
    if (configuration.getCustomPreCommandInterceptorsTxRequired() == null) {
      configuration.setCustomPreCommandInterceptorsTxRequired(new ArrayList<>());
    }
    configuration.getCustomPreCommandInterceptorsTxRequired().add(guard);
    if (configuration.getCustomPreCommandInterceptorsTxRequiresNew() == null) {
      configuration.setCustomPreCommandInterceptorsTxRequiresNew(new ArrayList<>());
    }
    configuration
        .getCustomPreCommandInterceptorsTxRequiresNew()
        .add(new UserCommandGuard(configuration));
    if (configuration.getCustomPostCommandInterceptorsTxRequired() == null) {
      configuration.setCustomPostCommandInterceptorsTxRequired(new ArrayList<>());
    }
    configuration
        .getCustomPostCommandInterceptorsTxRequired()
        .add(new TaskQueryPlans(configuration));
    configuration.setFailedJobCommandFactory(
        new ImmediateIncidents(
            configuration.getFailedJobCommandFactory() != null
                ? configuration.getFailedJobCommandFactory()
                : new DefaultFailedJobCommandFactory(),
            evidence));
    if (configuration.getCustomIncidentHandlers() == null) {
      configuration.setCustomIncidentHandlers(new ArrayList<>());
    }
    // Replaces the engine's default handler for failed jobs, whose behaviour it keeps.
    configuration.getCustomIncidentHandlers().add(new NotifyingIncidents(notifications));
  }

  @Override
  public void postInit(ProcessEngineConfigurationImpl configuration) {
    // The database type is known once the engine has read its data source, and the SQL session
    // factory exists by then.
    if ("postgres".equals(configuration.getDatabaseType())) {
      configuration
          .getSqlSessionFactory()
          .getConfiguration()
          .addInterceptor(new TaskAuthorizationJoin());
    }
  }
}
