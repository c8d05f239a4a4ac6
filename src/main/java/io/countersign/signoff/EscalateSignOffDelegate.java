package io.countersign.signoff;

import io.countersign.evidence.EvidenceLog;
import io.countersign.identity.Groups;
import io.countersign.process.EscalationPriority;
import io.countersign.process.Variables;
import java.util.ArrayList;
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

  EscalateSignOffDelegate(TaskService tasks, TaskFacts facts, EvidenceLog evidence) {
    this.tasks = tasks;
    this.facts = facts;
    this.evidence = evidence;
  }

  @Override
  public void execute(DelegateExecution execution) {
    List<String> openRoles = new ArrayList<>();
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
    }
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
