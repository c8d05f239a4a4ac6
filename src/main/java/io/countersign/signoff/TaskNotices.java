package io.countersign.signoff;

import io.countersign.notify.Notifications;
import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.camunda.bpm.engine.delegate.DelegateTask;
import org.springframework.stereotype.Component;

/**
 * Tells the people a new task waits for (called by {@link FourEyesListener} once it registered the
 * task, in the same transaction): a sign-off to its role, an override request to release managers,
 * the post-override review to compliance officers, a decision during deployment to operations
 * leads. Each event names the group that may act and, by four-eyes, who of them may not (the
 * requester; whoever signed another role, asked for the override or approved it), so e-mail goes
 * only to people who can act.
 */
@Component
class TaskNotices {
  private final TaskFacts facts;
  private final SignOffRepository signOffs;
  private final Overrides overrides;
  private final Notifications notifications;

  TaskNotices(
      TaskFacts facts,
      SignOffRepository signOffs,
      Overrides overrides,
      Notifications notifications) {
    this.facts = facts;
    this.signOffs = signOffs;
    this.overrides = overrides;
    this.notifications = notifications;
  }

  void announce(DelegateTask task, String releaseId, String role, String subjectId) {
    List<String> mayNotAct = new ArrayList<>();
    mayNotAct.add(facts.requester(releaseId));
    Map<String, Object> data = new LinkedHashMap<>();
    data.put("taskId", task.getId());
    data.put("taskName", task.getName());
    data.put("group", role);
    String type;
    switch (task.getTaskDefinitionKey()) {
      case "approveRelease" -> {
        type = Notifications.SIGN_OFF_WAITING;
        data.put("role", role);
        signOffs.forRelease(releaseId).forEach(s -> mayNotAct.add(s.user()));
        data.put("followUp", iso(task.getFollowUpDate()));
      }
      case "decideOverride" -> {
        type = Notifications.OVERRIDE_REQUESTED;
        overrides
            .find(subjectId)
            .ifPresent(
                r -> {
                  mayNotAct.add(r.requestedBy());
                  data.put("overrideRequestedBy", r.requestedBy());
                  data.put("reason", r.reason());
                  data.put("incidentReference", r.incidentReference());
                });
      }
      case "reviewOverride" -> {
        type = Notifications.OVERRIDE_REVIEW_DUE;
        overrides.decision(subjectId).ifPresent(d -> mayNotAct.add(d.decidedBy()));
      }
      default -> type = Notifications.DECISION_WAITING;
    }
    data.put("due", iso(task.getDueDate()));
    data.put("mayNotAct", mayNotAct.stream().filter(u -> u != null).distinct().toList());
    notifications.publish(releaseId, type, data);
  }

  private static String iso(Date date) {
    return date == null ? null : date.toInstant().toString();
  }
}
