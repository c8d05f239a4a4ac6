package io.countersign.signoff;

import io.countersign.evidence.EvidenceLog;
import io.countersign.identity.Groups;
import io.countersign.notify.Notifications;
import io.countersign.process.EscalationPriority;
import io.countersign.process.Variables;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.camunda.bpm.engine.TaskService;
import org.camunda.bpm.engine.delegate.DelegateExecution;
import org.camunda.bpm.engine.delegate.JavaDelegate;
import org.camunda.bpm.engine.task.Task;
import org.springframework.stereotype.Component;

/**
 * Sign-offs still open after the escalation time: release managers may now sign for those roles.
 */
@Component("escalateSignOff")
class EscalateSignOffDelegate implements JavaDelegate {
  private final TaskService tasks;
  private final TaskFacts facts;
  private final EvidenceLog evidence;
  private final Notifications notifications;

  EscalateSignOffDelegate(
      TaskService tasks, TaskFacts facts, EvidenceLog evidence, Notifications notifications) {
    this.tasks = tasks;
    this.facts = facts;
    this.evidence = evidence;
    this.notifications = notifications;
  }

  @Override
  public void execute(DelegateExecution execution) {
    List<String> openRoles = new ArrayList<>();
    List<String> taskIds = new ArrayList<>();
    for (Task task :
        tasks
            .createTaskQuery()
            .processInstanceId(execution.getProcessInstanceId())
            .taskDefinitionKey("approveRelease")
            .list()) {
      tasks.addCandidateGroup(task.getId(), Groups.RELEASE_MANAGERS);
      task.setPriority(EscalationPriority.VALUE);
      tasks.saveTask(task);
      facts.escalate(task.getId(), Groups.RELEASE_MANAGERS);
      facts.find(task.getId()).map(TaskFacts.Fact::role).ifPresent(openRoles::add);
      taskIds.add(task.getId());
    }
    String releaseId = execution.getProcessBusinessKey();
    Map<String, Object> data = new LinkedHashMap<>();
    data.put("openRoles", openRoles);
    data.put("group", Groups.RELEASE_MANAGERS);
    data.put("mayNotAct", List.of(facts.requester(releaseId)));
    // The link opens one task; Tasklist lists the others beside it.
    data.put("taskId", taskIds.isEmpty() ? null : taskIds.get(0));
    notifications.publish(releaseId, Notifications.SIGN_OFF_ESCALATED, data);
    evidence.record(
        execution.getProcessBusinessKey(),
        "sign-off-escalated",
        "countersign",
        Map.of(
            "openRoles",
            openRoles,
            "addedCandidateGroup",
            Groups.RELEASE_MANAGERS,
            "after",
            String.valueOf(execution.getVariable(Variables.ESCALATION_AFTER))));
  }
}
