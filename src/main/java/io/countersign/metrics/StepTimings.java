package io.countersign.metrics;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.camunda.bpm.engine.RepositoryService;
import org.camunda.bpm.engine.impl.cfg.AbstractProcessEnginePlugin;
import org.camunda.bpm.engine.impl.cfg.ProcessEngineConfigurationImpl;
import org.camunda.bpm.engine.impl.cfg.TransactionState;
import org.camunda.bpm.engine.impl.context.Context;
import org.camunda.bpm.engine.impl.history.event.HistoricActivityInstanceEventEntity;
import org.camunda.bpm.engine.impl.history.event.HistoryEvent;
import org.camunda.bpm.engine.impl.history.event.HistoryEventTypes;
import org.camunda.bpm.engine.impl.history.handler.HistoryEventHandler;
import org.camunda.bpm.engine.impl.interceptor.CommandContext;
import org.camunda.bpm.engine.impl.pvm.runtime.ActivityInstanceState;
import org.camunda.bpm.engine.repository.ProcessDefinition;
import org.camunda.bpm.model.bpmn.instance.ServiceTask;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

/**
 * {@code countersign.step.duration}: how long each service task (a step) took, by step (the model's
 * activity id: bounded by the models) and outcome (completed, or cancelled by an error, a boundary
 * event or a rollback). Read from the engine's history events, beside the database history handler,
 * and recorded only once the step's transaction committed: a job that fails and is retried counts
 * once, when it finally ends.
 */
@Component
class StepTimings extends AbstractProcessEnginePlugin implements HistoryEventHandler {
  private static final Logger LOG = LoggerFactory.getLogger(StepTimings.class);

  private final MeterRegistry meters;
  // Lazily: this plugin is needed to build the engine that provides the service.
  private final ObjectProvider<RepositoryService> repository;

  StepTimings(MeterRegistry meters, ObjectProvider<RepositoryService> repository) {
    this.meters = meters;
    this.repository = repository;
  }

  /** Every step of the deployed models' latest versions, registered with zero before it runs. */
  @EventListener(ApplicationReadyEvent.class)
  void registerSteps() {
    try {
      RepositoryService models = repository.getObject();
      for (ProcessDefinition definition :
          models.createProcessDefinitionQuery().latestVersion().list()) {
        for (ServiceTask task :
            models
                .getBpmnModelInstance(definition.getId())
                .getModelElementsByType(ServiceTask.class)) {
          timer(task.getId(), "completed");
        }
      }
    } catch (RuntimeException e) {
      LOG.warn("steps not registered for metrics: {}", e.toString());
    }
  }

  @Override
  public void preInit(ProcessEngineConfigurationImpl configuration) {
    List<HistoryEventHandler> handlers =
        configuration.getCustomHistoryEventHandlers() == null
            ? new ArrayList<>()
            : new ArrayList<>(configuration.getCustomHistoryEventHandlers());
    handlers.add(this);
    configuration.setCustomHistoryEventHandlers(handlers);
  }

  @Override
  public void handleEvent(HistoryEvent event) {
    try {
      if (event instanceof HistoricActivityInstanceEventEntity activity
          && HistoryEventTypes.ACTIVITY_INSTANCE_END.getEventName().equals(activity.getEventType())
          && "serviceTask".equals(activity.getActivityType())
          && activity.getDurationInMillis() != null) {
        String step = activity.getActivityId();
        String outcome =
            activity.getActivityInstanceState() == ActivityInstanceState.CANCELED.getStateCode()
                ? "cancelled"
                : "completed";
        Duration took = Duration.ofMillis(Math.max(0, activity.getDurationInMillis()));
        CommandContext command = Context.getCommandContext();
        if (command == null) {
          record(step, outcome, took);
        } else {
          command
              .getTransactionContext()
              .addTransactionListener(
                  TransactionState.COMMITTED, committed -> record(step, outcome, took));
        }
      }
    } catch (RuntimeException e) {
      // A meter never breaks a step.
      LOG.warn("step timing not recorded: {}", e.toString());
    }
  }

  @Override
  public void handleEvents(List<HistoryEvent> events) {
    events.forEach(this::handleEvent);
  }

  private void record(String step, String outcome, Duration took) {
    try {
      timer(step, outcome).record(took);
    } catch (RuntimeException e) {
      LOG.warn("step timing not recorded: {}", e.toString());
    }
  }

  private Timer timer(String step, String outcome) {
    return Timer.builder("countersign.step.duration")
        .description("How long a step (service task) took, by step and outcome")
        .tags("step", step, "outcome", outcome)
        .publishPercentileHistogram()
        .minimumExpectedValue(Duration.ofMillis(10))
        .maximumExpectedValue(Duration.ofHours(2))
        .register(meters);
  }
}
