package io.countersign.models;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.countersign.ProcessTestSupport;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.camunda.bpm.engine.AuthorizationService;
import org.camunda.bpm.engine.RepositoryService;
import org.camunda.bpm.engine.authorization.Authorization;
import org.camunda.bpm.engine.authorization.Permissions;
import org.camunda.bpm.engine.authorization.Resources;
import org.camunda.bpm.engine.delegate.TaskListener;
import org.camunda.bpm.engine.impl.RepositoryServiceImpl;
import org.camunda.bpm.engine.impl.bpmn.behavior.UserTaskActivityBehavior;
import org.camunda.bpm.engine.impl.persistence.entity.ProcessDefinitionEntity;
import org.camunda.bpm.engine.impl.pvm.process.ActivityImpl;
import org.camunda.bpm.engine.impl.pvm.process.ScopeImpl;
import org.camunda.bpm.engine.impl.task.TaskDefinition;
import org.camunda.bpm.engine.impl.task.listener.DelegateExpressionTaskListener;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * Four-eyes is attached by the parse listener, not copied into the models: every user task of every
 * model has it, first and once for create, assignment, update and complete, also a task in a model
 * deployed without it.
 */
class FourEyesOnUserTasksTest extends ProcessTestSupport {
  /**
   * An operations lead who also requests releases: the engine would let them work an
   * operations-leads task.
   */
  private static final String REQUESTER = "ops-requester";

  @Autowired RepositoryService repository;
  @Autowired AuthorizationService authorizations;
  private String readGrant;

  @AfterEach
  void removeRequesterAndGrant() {
    identity.deleteUser(REQUESTER);
    if (readGrant != null) {
      authorizations.deleteAuthorization(readGrant);
    }
  }

  @Test
  void everyUserTaskOfEveryModelHasFourEyesBeforeItsOwnListeners() throws IOException {
    try (Stream<Path> models = Files.list(Path.of("bpmn"))) {
      for (Path model : models.filter(p -> p.toString().endsWith(".bpmn")).toList()) {
        assertThat(Files.readString(model))
            .as(model + " declares no copy")
            .doesNotContain("${fourEyes}");
      }
    }
    Map<String, String> completeListeners = new LinkedHashMap<>();
    for (String key : List.of("release", "sign-off", "deploy")) {
      for (ActivityImpl task : userTasks(key)) {
        TaskDefinition definition = taskDefinition(task);
        assertFourEyesFirstAndOnce(key + "/" + task.getId(), definition);
        List<TaskListener> complete =
            definition.getTaskListenersForEvent(TaskListener.EVENTNAME_COMPLETE);
        completeListeners.put(
            task.getId(), complete.size() > 1 ? expression(complete.get(1)) : null);
      }
    }
    // The decision listeners still run, after four-eyes let the completion through.
    assertThat(completeListeners)
        .containsAllEntriesOf(
            Map.of(
                "approveRelease",
                "${recordSignOff}",
                "decideOverride",
                "${recordOverrideDecision}",
                "reviewOverride",
                "${recordOverrideReview}",
                "decideInconclusiveMetrics",
                "${recordMetricsDecision}",
                "confirmDatabaseRestore",
                "${recordRestoreDecision}"));
  }

  @Test
  void aUserTaskDeployedWithoutTheListenerGetsItAndFourEyesRefusesTheRequester() {
    ensureUser(REQUESTER, "operations-leads", "release-requesters");
    asUser(
        "process-admin",
        () ->
            deploy(
                "fourEyesAttached",
                "checkTarget",
                "<bpmn:userTask id=\"checkTarget\" "
                    + "name=\"Check target\" camunda:candidateGroups=\"operations-leads\" />"));
    for (ActivityImpl task : userTasks("fourEyesAttached")) {
      assertFourEyesFirstAndOnce("fourEyesAttached/" + task.getId(), taskDefinition(task));
    }
    // Operations leads read Countersign's own processes; this test process is granted to them like
    // those.
    Authorization read = authorizations.createNewAuthorization(Authorization.AUTH_TYPE_GRANT);
    read.setGroupId("operations-leads");
    read.setResource(Resources.PROCESS_DEFINITION);
    read.setResourceId("fourEyesAttached");
    read.addPermission(Permissions.READ);
    readGrant = authorizations.saveAuthorization(read).getId();
    String releaseId = submit(example("staging"), REQUESTER);
    runtime.startProcessInstanceByKey("fourEyesAttached", releaseId);
    String task = openTask(releaseId, "checkTarget").getId();

    assertThatThrownBy(() -> asUser(REQUESTER, () -> tasks.claim(task, REQUESTER)))
        .hasMessageContaining("Four-eyes: " + REQUESTER + " requested release " + releaseId);
    assertThatThrownBy(() -> completeAs(REQUESTER, task, Map.of()))
        .hasMessageContaining("Four-eyes: " + REQUESTER + " requested release " + releaseId);
    assertThat(tasks.createTaskQuery().taskId(task).singleResult().getAssignee()).isNull();

    // What the listener registered when the task was created lets a member of the role act on it.
    asUser("ops-lead", () -> tasks.claim(task, "ops-lead"));
    assertThat(tasks.createTaskQuery().taskId(task).singleResult().getAssignee())
        .isEqualTo("ops-lead");
    completeAs("ops-lead", task, Map.of());
    assertThat(openTasks(releaseId, "checkTarget")).isEmpty();
  }

  @Test
  void aCopyLeftInAModelRunsOnceAndStillFirst() {
    deploy(
        "fourEyesCopied",
        "checkCopy",
        "<bpmn:userTask id=\"checkCopy\" camunda:candidateGroups=\"operations-leads\">"
            + "<bpmn:extensionElements>"
            + "<camunda:taskListener delegateExpression=\"${setVariables}\" event=\"complete\" />"
            + "<camunda:taskListener delegateExpression=\"${ fourEyes }\" event=\"complete\" />"
            + "<camunda:taskListener delegateExpression=\"${fourEyes}\" event=\"create\" />"
            + "</bpmn:extensionElements></bpmn:userTask>");

    TaskDefinition definition = taskDefinition(userTasks("fourEyesCopied").get(0));
    assertFourEyesFirstAndOnce("fourEyesCopied/checkCopy", definition);
    // The model's listeners, in order (the engine's and the Spring starter's own ones are not
    // delegate expressions).
    assertThat(definition.getTaskListenersForEvent(TaskListener.EVENTNAME_COMPLETE))
        .filteredOn(DelegateExpressionTaskListener.class::isInstance)
        .extracting(this::expression)
        .containsExactly("${fourEyes}", "${setVariables}");
  }

  private void assertFourEyesFirstAndOnce(String task, TaskDefinition definition) {
    for (String event : List.of("create", "assignment", "update", "complete")) {
      List<TaskListener> listeners = definition.getTaskListenersForEvent(event);
      assertThat(listeners).as(task + " " + event).isNotEmpty();
      assertThat(FourEyesOnUserTasks.isFourEyes(listeners.get(0)))
          .as(task + " " + event + ": four-eyes first")
          .isTrue();
      assertThat(listeners.stream().filter(FourEyesOnUserTasks::isFourEyes))
          .as(task + " " + event + ": once")
          .hasSize(1);
    }
  }

  private String expression(TaskListener listener) {
    return listener instanceof DelegateExpressionTaskListener delegate
        ? delegate.getExpressionText()
        : listener.toString();
  }

  private void deploy(String key, String taskId, String userTask) {
    String xml =
        """
        <?xml version="1.0" encoding="UTF-8"?>
        <bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" \
        xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="d_%1$s" targetNamespace="http://countersign.io/test">
          <bpmn:process id="%1$s" isExecutable="true" camunda:historyTimeToLive="P1D">
            <bpmn:startEvent id="start" />
            <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="%2$s" />
            %3$s
            <bpmn:sequenceFlow id="f2" sourceRef="%2$s" targetRef="end" />
            <bpmn:endEvent id="end" />
          </bpmn:process>
        </bpmn:definitions>
        """
            .formatted(key, taskId, userTask);
    repository.createDeployment().name("four-eyes-test").addString(key + ".bpmn", xml).deploy();
  }

  /** The user tasks of the latest version of a process, as the engine parsed them. */
  private List<ActivityImpl> userTasks(String key) {
    String id =
        repository
            .createProcessDefinitionQuery()
            .processDefinitionKey(key)
            .latestVersion()
            .singleResult()
            .getId();
    ProcessDefinitionEntity definition =
        (ProcessDefinitionEntity)
            ((RepositoryServiceImpl) repository).getDeployedProcessDefinition(id);
    List<ActivityImpl> found = new ArrayList<>();
    collectUserTasks(definition, found);
    assertThat(found).as("user tasks of " + key).isNotEmpty();
    return found;
  }

  private static void collectUserTasks(ScopeImpl scope, List<ActivityImpl> found) {
    for (ActivityImpl activity : scope.getActivities()) {
      if (activity.getActivityBehavior() instanceof UserTaskActivityBehavior) {
        found.add(activity);
      }
      collectUserTasks(activity, found);
    }
  }

  private static TaskDefinition taskDefinition(ActivityImpl task) {
    return ((UserTaskActivityBehavior) task.getActivityBehavior()).getTaskDefinition();
  }
}
