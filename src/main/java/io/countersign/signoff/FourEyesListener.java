package io.countersign.signoff;

import io.countersign.engine.Variables;
import java.util.List;
import org.camunda.bpm.engine.AuthorizationException;
import org.camunda.bpm.engine.delegate.DelegateTask;
import org.camunda.bpm.engine.delegate.TaskListener;
import org.camunda.bpm.engine.impl.identity.Authentication;
import org.springframework.stereotype.Component;

/**
 * Four-eyes, enforced in the engine so it holds however a task is claimed, delegated, resolved or
 * completed (Tasklist, engine REST complete / submit-form / resolve, Java API): the requester never
 * acts on a human task of their own release, one person signs for at most one role of a release,
 * and whoever approved an override does not review it. A refusal rolls the call back and leaves the
 * task open; the engine REST API answers 403 with the message.
 */
@Component("fourEyes")
class FourEyesListener implements TaskListener {
  private final SignOffRepository signOffs;

  FourEyesListener(SignOffRepository signOffs) {
    this.signOffs = signOffs;
  }

  @Override
  public void notify(DelegateTask task) {
    String actor = switch (task.getEventName()) {
      case EVENTNAME_ASSIGNMENT -> task.getAssignee();
      case EVENTNAME_COMPLETE -> completingUser(task);
      default -> currentUser(task);
    };
    if (actor == null) {
      if (EVENTNAME_COMPLETE.equals(task.getEventName())) {
        throw new FourEyesViolation("Task '" + task.getName() + "' must be completed by an identified user");
      }
      return;
    }
    String releaseId = String.valueOf(task.getVariable(Variables.RELEASE_ID));
    if (actor.equals(task.getVariable(Variables.REQUESTER))) {
      throw new FourEyesViolation("Four-eyes: " + actor + " requested release " + releaseId
          + " and cannot act on its task '" + task.getName() + "'");
    }
    switch (task.getTaskDefinitionKey()) {
      case "approveRelease" -> {
        String role = String.valueOf(task.getVariable(Variables.ROLE));
        List<String> others = signOffs.otherRolesSignedBy(releaseId, actor, role);
        if (!others.isEmpty()) {
          throw new FourEyesViolation("Four-eyes: " + actor + " already signed release " + releaseId + " as "
              + String.join(", ", others) + " and cannot also sign as " + role);
        }
      }
      case "decideOverride" -> {
        if (actor.equals(task.getVariable(Variables.OVERRIDE_REQUESTED_BY))) {
          throw new FourEyesViolation("Four-eyes: " + actor + " requested this override and cannot decide it");
        }
      }
      case "reviewOverride" -> {
        if (actor.equals(task.getVariable(Variables.OVERRIDE_DECIDED_BY))) {
          throw new FourEyesViolation("Four-eyes: " + actor + " approved this override and cannot review it");
        }
      }
      default -> { }
    }
  }

  /** Who completes: the authenticated caller; without one (Java API in a job), the assignee. */
  static String completingUser(DelegateTask task) {
    String current = currentUser(task);
    return current != null ? current : task.getAssignee();
  }

  private static String currentUser(DelegateTask task) {
    Authentication auth = task.getProcessEngineServices().getIdentityService().getCurrentAuthentication();
    return auth == null ? null : auth.getUserId();
  }

  static final class FourEyesViolation extends AuthorizationException {
    FourEyesViolation(String message) {
      super(message);
    }
  }
}
