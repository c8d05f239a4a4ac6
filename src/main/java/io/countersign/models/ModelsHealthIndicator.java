package io.countersign.models;

import java.util.ArrayList;
import java.util.List;
import org.camunda.bpm.engine.RepositoryService;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.HealthIndicator;
import org.springframework.boot.actuate.health.Status;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

/**
 * {@code /actuator/health} component "models", part of the readiness group: OUT_OF_SERVICE until
 * every one of Countersign's processes and policy decisions is deployed (a release submitted
 * earlier could not pin its models). Forms are deployed in the same deployment as the models (the
 * auto-deployment writes bpmn/ and forms/ together), so the models stand for them. The check runs
 * once when the application is ready (the engine has deployed by then) and the answer is kept: a
 * probe then never touches the database, which during an outage would wait for the connection pool,
 * and the fact no longer changes. Only a node whose models were missing at that moment asks again
 * on each probe.
 */
@Component
class ModelsHealthIndicator implements HealthIndicator {
  private final RepositoryService repository;
  private volatile boolean deployed;

  ModelsHealthIndicator(RepositoryService repository) {
    this.repository = repository;
  }

  @EventListener(ApplicationReadyEvent.class)
  void checkOnceReady() {
    try {
      health();
    } catch (RuntimeException e) {
      // The probe asks again; readiness stays out of service until it finds them.
    }
  }

  @Override
  public Health health() {
    if (deployed) {
      return Health.up().build();
    }
    List<String> missing = new ArrayList<>();
    for (String key : ModelVersions.PROCESSES) {
      if (repository.createProcessDefinitionQuery().processDefinitionKey(key).count() == 0) {
        missing.add(key);
      }
    }
    for (String key : ModelVersions.DECISIONS) {
      if (repository.createDecisionDefinitionQuery().decisionDefinitionKey(key).count() == 0) {
        missing.add(key);
      }
    }
    if (!missing.isEmpty()) {
      return Health.status(Status.OUT_OF_SERVICE).withDetail("notDeployed", missing).build();
    }
    deployed = true;
    return Health.up().build();
  }
}
