package io.countersign.models;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.camunda.bpm.engine.delegate.TaskListener;
import org.camunda.bpm.engine.impl.bpmn.behavior.UserTaskActivityBehavior;
import org.camunda.bpm.engine.impl.bpmn.parser.AbstractBpmnParseListener;
import org.camunda.bpm.engine.impl.el.ExpressionManager;
import org.camunda.bpm.engine.impl.pvm.process.ActivityImpl;
import org.camunda.bpm.engine.impl.pvm.process.ScopeImpl;
import org.camunda.bpm.engine.impl.task.TaskDefinition;
import org.camunda.bpm.engine.impl.task.listener.DelegateExpressionTaskListener;
import org.camunda.bpm.engine.impl.util.xml.Element;

/**
 * Puts the four-eyes listener (bean {@value #BEAN}) on every user task of every model as it is
 * parsed, for the events create, assignment, update and complete, ahead of the task's own
 * listeners: those (recordSignOff and the other decision listeners) record only what four-eyes let
 * through and read what its create event registered. A model cannot forget it, and a copy left in a
 * model's XML (models deployed before this listener existed) is dropped, so it runs once.
 *
 * <p>It stays an ordinary task listener, the same object the XML declared, rather than a built-in
 * one: built-in listeners also run when a command skips custom listeners, which would change what
 * four-eyes sees.
 */
class FourEyesOnUserTasks extends AbstractBpmnParseListener {
  static final String BEAN = "fourEyes";
  static final List<String> EVENTS =
      List.of(
          TaskListener.EVENTNAME_CREATE,
          TaskListener.EVENTNAME_ASSIGNMENT,
          TaskListener.EVENTNAME_UPDATE,
          TaskListener.EVENTNAME_COMPLETE);
  private static final Pattern REFERENCE = Pattern.compile("^\\$\\{\\s*" + BEAN + "\\s*}$");

  private final Supplier<ExpressionManager> expressions;

  /**
   * @param expressions the engine's expression manager, which exists only once the engine is built
   */
  FourEyesOnUserTasks(Supplier<ExpressionManager> expressions) {
    this.expressions = expressions;
  }

  @Override
  public void parseUserTask(Element userTaskElement, ScopeImpl scope, ActivityImpl activity) {
    TaskDefinition task =
        ((UserTaskActivityBehavior) activity.getActivityBehavior()).getTaskDefinition();
    Map<String, List<TaskListener>> declared = task.getTaskListeners();
    task.setTaskListeners(new HashMap<>());
    for (String event : EVENTS) {
      task.addTaskListener(
          event,
          new DelegateExpressionTaskListener(
              expressions.get().createExpression("${" + BEAN + "}"), List.of()));
    }
    declared.forEach(
        (event, listeners) ->
            listeners.stream()
                .filter(listener -> !isFourEyes(listener))
                .forEach(listener -> task.addTaskListener(event, listener)));
  }

  static boolean isFourEyes(TaskListener listener) {
    return listener instanceof DelegateExpressionTaskListener delegate
        && REFERENCE.matcher(delegate.getExpressionText().trim()).matches();
  }
}
