package io.countersign.engine;

import io.countersign.notify.Notifications;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.camunda.bpm.engine.impl.context.Context;
import org.camunda.bpm.engine.impl.incident.DefaultIncidentHandler;
import org.camunda.bpm.engine.impl.incident.IncidentContext;
import org.camunda.bpm.engine.impl.persistence.entity.ExecutionEntity;
import org.camunda.bpm.engine.runtime.Incident;

/**
 * The engine's own handling of failed jobs (an incident when retries run out), and an event about
 * it in the same transaction: {@code incident.opened} when a step stops a release, {@code
 * incident.resolved} when someone gives the job retries again or the incident goes with its release
 * (cancelled, deleted). PagerDuty pages on the first and resolves on the second.
 */
class NotifyingIncidents extends DefaultIncidentHandler {
  /** Exception messages can be long; the event points at the release for the rest. */
  private static final int MESSAGE_LENGTH = 500;

  private final Notifications notifications;

  NotifyingIncidents(Notifications notifications) {
    super(Incident.FAILED_JOB_HANDLER_TYPE);
    this.notifications = notifications;
  }

  @Override
  public Incident handleIncident(IncidentContext context, String message) {
    Incident incident = super.handleIncident(context, message);
    String releaseId = releaseOf(context);
    if (releaseId != null) {
      Map<String, Object> data = new LinkedHashMap<>();
      data.put("incidentId", incident.getId());
      data.put("activity", context.getActivityId());
      data.put("message", truncate(message));
      notifications.publish(releaseId, Notifications.INCIDENT_OPENED, data);
    }
    return incident;
  }

  @Override
  public void resolveIncident(IncidentContext context) {
    publishEnded(context, "resolved");
    super.resolveIncident(context);
  }

  @Override
  public void deleteIncident(IncidentContext context) {
    publishEnded(context, "deleted with its release");
    super.deleteIncident(context);
  }

  private void publishEnded(IncidentContext context, String how) {
    String releaseId = releaseOf(context);
    if (releaseId == null) {
      return;
    }
    List<Incident> open =
        Context.getCommandContext()
            .getIncidentManager()
            .findIncidentByConfigurationAndIncidentType(context.getConfiguration(), type);
    for (Incident incident : open) {
      Map<String, Object> data = new LinkedHashMap<>();
      data.put("incidentId", incident.getId());
      data.put("activity", incident.getActivityId());
      data.put("how", how);
      notifications.publish(releaseId, Notifications.INCIDENT_RESOLVED, data);
    }
  }

  private static String releaseOf(IncidentContext context) {
    if (context.getExecutionId() == null) {
      return null; // a timer start or a job without an execution: no release
    }
    ExecutionEntity execution =
        Context.getCommandContext()
            .getExecutionManager()
            .findExecutionById(context.getExecutionId());
    return execution == null ? null : execution.getProcessBusinessKey();
  }

  private static String truncate(String message) {
    if (message == null || message.length() <= MESSAGE_LENGTH) {
      return message;
    }
    return message.substring(0, MESSAGE_LENGTH) + "…";
  }
}
