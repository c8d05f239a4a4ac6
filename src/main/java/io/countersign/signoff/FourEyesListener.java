package io.countersign.signoff;

import io.countersign.identity.Groups;
import io.countersign.process.Variables;
import java.util.List;
import org.camunda.bpm.engine.AuthorizationException;
import org.camunda.bpm.engine.IdentityService;
import org.camunda.bpm.engine.delegate.DelegateExecution;
import org.camunda.bpm.engine.delegate.DelegateTask;
import org.camunda.bpm.engine.delegate.TaskListener;
import org.camunda.bpm.engine.identity.Group;
import org.camunda.bpm.engine.impl.identity.Authentication;
import org.camunda.bpm.engine.task.IdentityLink;
import org.camunda.bpm.engine.task.IdentityLinkType;
import org.springframework.stereotype.Component;

/**
 * Four-eyes and role rules, enforced in the engine so they hold however a task is claimed,
 * delegated, resolved or completed (Tasklist, engine REST, Java API). When the process creates a
 * task, the listener registers what the task is about in Countersign's tables (release, role,
 * override request); every later check reads those tables and the release's requester, never a
 * variable the acting user could write: the requester never acts on a task of their own release,
 * only members of the task's role (or of the group escalation added) act on it, one person signs
 * for at most one role of a release, whoever asked for an override does not decide it, and whoever
 * approved it does not review it. A refusal rolls the call back and leaves the task as it was;
 * engine REST and the webapps answer 403 with the sentence.
 */
@Component("fourEyes")
class FourEyesListener implements TaskListener {
  private final TaskFacts facts;
  private final SignOffRepository signOffs;
  private final Overrides overrides;
  private final TaskNotices notices;
  private final SignOffStatus status;
  private final OverrideSkips skips;

  FourEyesListener(
      TaskFacts facts,
      SignOffRepository signOffs,
      Overrides overrides,
      TaskNotices notices,
      SignOffStatus status,
      OverrideSkips skips) {
    this.facts = facts;
    this.signOffs = signOffs;
    this.overrides = overrides;
    this.notices = notices;
    this.status = status;
    this.skips = skips;
  }

  @Override
  public void notify(DelegateTask task) {
    if (EVENTNAME_CREATE.equals(task.getEventName())) {
      register(task);
      return;
    }
    String actor =
        switch (task.getEventName()) {
          case EVENTNAME_ASSIGNMENT -> task.getAssignee();
          case EVENTNAME_COMPLETE -> completingUser(task);
          default -> currentUser(task);
        };
    if (actor == null) {
      if (EVENTNAME_COMPLETE.equals(task.getEventName())) {
        throw new FourEyesViolation(
            "Task '" + task.getName() + "' must be completed by an identified user");
      }
      return;
    }
    TaskFacts.Fact fact =
        facts
            .find(task.getId())
            .orElseThrow(
                () ->
                    new FourEyesViolation(
                        "Task '"
                            + task.getName()
                            + "' was not registered by Countersign when it was created; nobody may act on it"));
    if (EVENTNAME_UPDATE.equals(task.getEventName())) {
      // Changing a task's details (priority, due date) is not acting on it, except for the
      // requester.
      refuseRequester(fact, task.getName(), actor);
      return;
    }
    check(fact, task.getName(), actor, groupsOf(task, actor));
  }

  private void refuseRequester(TaskFacts.Fact fact, String taskName, String actor) {
    String requester = facts.requester(fact.releaseId());
    if (actor.equals(requester)) {
      throw new FourEyesViolation(
          "Four-eyes: "
              + actor
              + " requested release "
              + fact.releaseId()
              + " and cannot act on its task '"
              + taskName
              + "'");
    }
  }

  private void register(DelegateTask task) {
    String releaseId = releaseOf(task.getExecution());
    String role =
        task.getCandidates().stream()
            .filter(
                link ->
                    IdentityLinkType.CANDIDATE.equals(link.getType()) && link.getGroupId() != null)
            .map(IdentityLink::getGroupId)
            .findFirst()
            .orElse(null);
    String subject =
        switch (task.getTaskDefinitionKey()) {
          case "decideOverride" ->
              overrides.latest(releaseId).map(Overrides.Request::id).orElse(null);
          case "reviewOverride" ->
              overrides
                  .latest(releaseId)
                  .filter(
                      r ->
                          overrides
                              .decision(r.id())
                              .map(Overrides.Decision::approved)
                              .orElse(false))
                  .map(Overrides.Request::id)
                  .orElse(null);
          default -> null;
        };
    facts.register(task.getId(), releaseId, task.getTaskDefinitionKey(), role, subject);
    // What the task's form shows besides the process's variables: the role's label, where the
    // other sign-offs stand, what an override skips.
    switch (task.getTaskDefinitionKey()) {
      case "approveRelease" -> {
        task.setVariableLocal(Variables.ROLE_LABEL, Groups.label(role));
        status.refresh(task.getExecution(), releaseId);
      }
      case "decideOverride" ->
          task.setVariableLocal(Variables.OVERRIDE_SKIPS, skips.of(task.getExecution(), releaseId));
      default -> {}
    }
    SignOffDeadlines.apply(task);
    notices.announce(task, releaseId, role, subject);
  }

  private void check(TaskFacts.Fact fact, String taskName, String actor, List<String> actorGroups) {
    String releaseId = fact.releaseId();
    refuseRequester(fact, taskName, actor);
    switch (fact.taskKey()) {
      case "approveRelease" -> {
        List<String> others = signOffs.otherRolesSignedBy(releaseId, actor, fact.role());
        if (!others.isEmpty()) {
          throw new FourEyesViolation(
              "Four-eyes: "
                  + actor
                  + " already signed release "
                  + releaseId
                  + " as "
                  + String.join(", ", others)
                  + " and cannot also sign as "
                  + fact.role());
        }
      }
      case "decideOverride" -> {
        if (overrides
            .find(fact.subjectId())
            .map(r -> actor.equals(r.requestedBy()))
            .orElse(false)) {
          throw new FourEyesViolation(
              "Four-eyes: " + actor + " requested this override and cannot decide it");
        }
      }
      case "reviewOverride" -> {
        if (overrides
            .decision(fact.subjectId())
            .map(d -> actor.equals(d.decidedBy()))
            .orElse(false)) {
          throw new FourEyesViolation(
              "Four-eyes: " + actor + " approved this override and cannot review it");
        }
      }
      default -> {}
    }
    boolean member =
        fact.role() == null
            || actorGroups.contains(fact.role())
            || fact.escalatedTo() != null && actorGroups.contains(fact.escalatedTo());
    if (!member) {
      throw new FourEyesViolation(
          actor
              + " is not in group "
              + fact.role()
              + (fact.escalatedTo() == null ? "" : " or " + fact.escalatedTo())
              + " and cannot act on task '"
              + taskName
              + "' of release "
              + releaseId);
    }
  }

  /**
   * The release a task belongs to: the business key of the release instance at the top of the call
   * chain, which only Countersign's API sets (engine REST cannot start or re-key its instances).
   */
  static String releaseOf(DelegateExecution execution) {
    DelegateExecution top = execution.getProcessInstance();
    while (top.getSuperExecution() != null) {
      top = top.getSuperExecution().getProcessInstance();
    }
    return top.getProcessBusinessKey();
  }

  /** Who completes: the authenticated caller; without one (Java API in a job), the assignee. */
  static String completingUser(DelegateTask task) {
    String current = currentUser(task);
    return current != null ? current : task.getAssignee();
  }

  private static String currentUser(DelegateTask task) {
    Authentication auth =
        task.getProcessEngineServices().getIdentityService().getCurrentAuthentication();
    return auth == null ? null : auth.getUserId();
  }

  /**
   * The groups of the acting user: from the authentication when it is theirs (tokens carry groups),
   * else stored.
   */
  private static List<String> groupsOf(DelegateTask task, String actor) {
    IdentityService identity = task.getProcessEngineServices().getIdentityService();
    Authentication auth = identity.getCurrentAuthentication();
    if (auth != null && actor.equals(auth.getUserId()) && auth.getGroupIds() != null) {
      return auth.getGroupIds();
    }
    return identity.createGroupQuery().groupMember(actor).list().stream()
        .map(Group::getId)
        .toList();
  }

  static final class FourEyesViolation extends AuthorizationException {
    FourEyesViolation(String message) {
      super(message);
    }
  }
}
