package io.countersign.models;

import static org.assertj.core.api.Assertions.assertThat;

import io.countersign.process.StepOutcome.Status;
import io.countersign.process.Variables;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.camunda.bpm.model.bpmn.Bpmn;
import org.camunda.bpm.model.bpmn.BpmnModelInstance;
import org.camunda.bpm.model.bpmn.instance.Activity;
import org.camunda.bpm.model.bpmn.instance.BaseElement;
import org.camunda.bpm.model.bpmn.instance.BoundaryEvent;
import org.camunda.bpm.model.bpmn.instance.CompensateEventDefinition;
import org.camunda.bpm.model.bpmn.instance.EndEvent;
import org.camunda.bpm.model.bpmn.instance.ErrorEventDefinition;
import org.camunda.bpm.model.bpmn.instance.ExclusiveGateway;
import org.camunda.bpm.model.bpmn.instance.FlowNode;
import org.camunda.bpm.model.bpmn.instance.IntermediateCatchEvent;
import org.camunda.bpm.model.bpmn.instance.IntermediateThrowEvent;
import org.camunda.bpm.model.bpmn.instance.SequenceFlow;
import org.camunda.bpm.model.bpmn.instance.ServiceTask;
import org.camunda.bpm.model.bpmn.instance.SubProcess;
import org.camunda.bpm.model.bpmn.instance.TimerEventDefinition;
import org.camunda.bpm.model.bpmn.instance.camunda.CamundaExecutionListener;
import org.camunda.bpm.model.bpmn.instance.camunda.CamundaFailedJobRetryTimeCycle;
import org.camunda.bpm.model.bpmn.instance.camunda.CamundaProperty;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The conventions of the models in bpmn/, checked on the files, so that a new or edited element
 * cannot quietly leave them: every wait is the one step-outcome loop, failure reasons come from
 * Java, and every step that touches the outside world is a job of its own with a retry cycle.
 */
class ModelConventionsTest {
  private static final Map<String, BpmnModelInstance> MODELS =
      Map.of("deploy", read("deploy"), "release", read("release"), "sign-off", read("sign-off"));
  private static final BpmnModelInstance DEPLOY = MODELS.get("deploy");
  private static final Pattern OUTCOME_CONDITION =
      Pattern.compile("\\$\\{stepOutcome == '(\\w+)'}");
  private static final String WAIT = "${" + Variables.STEP_WAIT + "}";
  private static final Pattern BEAN = Pattern.compile("^\\$\\{(\\w+)}$");

  /**
   * The variables the four loops and the compensation gateways read before there was one step
   * outcome.
   */
  private static final List<String> RETIRED =
      List.of(
          "rolloutState",
          "lambdaState",
          "lambdaWait",
          "frontendState",
          "metricsState",
          "metricsInterval",
          "lambdaFailed",
          "rolloutFailed",
          "migrationFailed");

  private static BpmnModelInstance read(String name) {
    return Bpmn.readModelFromFile(new File("bpmn/" + name + ".bpmn"));
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"awaitRollout", "awaitFrontend", "deployLambda", "watchMetrics"})
  void everyWaitIsTheOneStepOutcomeLoop(String step) {
    ServiceTask task = DEPLOY.getModelElementById(step);
    assertThat(task.getCamundaDelegateExpression()).isEqualTo("${" + step + "}");
    assertThat(task.getOutgoing()).hasSize(1);
    ExclusiveGateway gateway = (ExclusiveGateway) task.getOutgoing().iterator().next().getTarget();
    SequenceFlow running = gateway.getDefault();
    assertThat(running).as(step + ": running is the default").isNotNull();
    assertThat(running.getConditionExpression()).isNull();
    assertThat(running.getName()).isEqualTo("running");

    for (SequenceFlow flow : gateway.getOutgoing()) {
      if (flow == running) {
        continue;
      }
      String word = outcomeWord(flow);
      assertThat(word).as(step + ": " + flow.getId()).isIn("done", "paused");
      if (word.equals("done")) {
        assertThat(flow.getTarget()).as(step + ": done ends the loop").isInstanceOf(EndEvent.class);
      } else {
        assertThat(reaches(flow.getTarget(), task, node -> true))
            .as(step + ": paused comes back")
            .isTrue();
      }
    }
    assertThat(gateway.getOutgoing()).extracting(this::outcomeWord).contains("done");
    // Back to the step only through a timer: no loop without a wait, and every wait is the step's
    // own.
    assertThat(reaches(running.getTarget(), task, node -> true))
        .as(step + ": running comes back")
        .isTrue();
    assertThat(reaches(gateway, task, node -> !isTimer(node)))
        .as(step + ": no way back without a timer")
        .isFalse();
    SubProcess loop = (SubProcess) task.getParentElement();
    List<TimerEventDefinition> timers =
        loop.getChildElementsByType(IntermediateCatchEvent.class).stream()
            .flatMap(e -> e.getEventDefinitions().stream())
            .filter(TimerEventDefinition.class::isInstance)
            .map(TimerEventDefinition.class::cast)
            .toList();
    assertThat(timers)
        .as(step)
        .isNotEmpty()
        .allSatisfy(t -> assertThat(t.getTimeDuration().getTextContent()).isEqualTo(WAIT));
  }

  @Test
  void aDeadlinePassingIsTheWaitingStepsFailureInItsOwnWords() {
    List<BoundaryEvent> deadlines =
        DEPLOY.getModelElementsByType(BoundaryEvent.class).stream()
            .filter(
                b ->
                    b.getEventDefinitions().stream()
                        .anyMatch(TimerEventDefinition.class::isInstance))
            .toList();
    assertThat(deadlines)
        .extracting(BaseElement::getId)
        .containsExactlyInAnyOrder(
            "rolloutDeadline", "frontendDeadline", "postDeploymentDeadline", "stackDeadline");
    for (BoundaryEvent deadline : deadlines) {
      ServiceTask step =
          ((SubProcess) deadline.getAttachedTo())
              .getChildElementsByType(ServiceTask.class)
              .iterator()
              .next();
      EndEvent end = (EndEvent) deadline.getOutgoing().iterator().next().getTarget();
      assertThat(end.getEventDefinitions())
          .as(deadline.getId())
          .singleElement()
          .isInstanceOf(ErrorEventDefinition.class);
      assertThat(listeners(end))
          .as(deadline.getId())
          .containsExactly(step.getCamundaDelegateExpression());
    }
  }

  @Test
  void gatewaysAfterStepsReadOnlyTheOutcomeAndAFailureStartsTheRollback() {
    for (SequenceFlow flow : DEPLOY.getModelElementsByType(SequenceFlow.class)) {
      String word = outcomeWord(flow);
      if (word == null) {
        continue;
      }
      assertThat(Arrays.stream(Status.values()).map(Status::word)).as(flow.getId()).contains(word);
      assertThat(flow.getName()).as(flow.getId() + " is labelled with its word").isEqualTo(word);
      if (word.equals("failed")) {
        EndEvent end = (EndEvent) flow.getTarget();
        ErrorEventDefinition error =
            (ErrorEventDefinition) end.getEventDefinitions().iterator().next();
        assertThat(error.getError().getErrorCode()).isEqualTo("stepFailed");
        assertThat(((ExclusiveGateway) flow.getSource()).getDefault().getName()).isEqualTo("done");
      }
    }
    assertThat(DEPLOY.getModelElementsByType(SequenceFlow.class))
        .extracting(this::outcomeWord)
        .contains("failed", "done", "paused");
  }

  @Test
  void failureReasonsAndStepOutcomesAreWrittenInJavaNotInTheModels() {
    Set<String> stepVariables =
        Set.of(
            Variables.FAILURE_REASON,
            Variables.FAILED_STEP,
            Variables.STEP_OUTCOME,
            Variables.STEP_WAIT);
    for (Map.Entry<String, BpmnModelInstance> model : MODELS.entrySet()) {
      assertThat(model.getValue().getModelElementsByType(CamundaProperty.class))
          .as(model.getKey())
          .extracting(CamundaProperty::getCamundaName)
          .doesNotContainAnyElementsOf(stepVariables);
      String xml = Bpmn.convertToString(model.getValue());
      for (String retired : RETIRED) {
        assertThat(xml)
            .as(model.getKey())
            .doesNotContain("${" + retired + "}")
            .doesNotContain("${" + retired + " ");
      }
    }
  }

  /**
   * Which steps touch the outside world comes from the code, not from a list kept here: a step does
   * when its delegate (bean {@code fooBar}, class {@code FooBarDelegate}) lives in a target
   * package, one with a dry-run adapter ({@code DryRun*}) beside its live one. Compensation
   * handlers are left to the next test: they run in the job of their asynchronous compensation
   * throw event.
   */
  @Test
  void everyStepThatTouchesTheOutsideWorldIsAJobOfItsOwnWithARetryCycle() throws IOException {
    Map<String, Path> delegates = delegateSources();
    List<String> checked = new ArrayList<>();
    for (Map.Entry<String, BpmnModelInstance> model : MODELS.entrySet()) {
      for (ServiceTask task : model.getValue().getModelElementsByType(ServiceTask.class)) {
        Matcher bean = BEAN.matcher(String.valueOf(task.getCamundaDelegateExpression()));
        assertThat(bean.matches())
            .as(model.getKey() + "/" + task.getId() + " names a delegate bean")
            .isTrue();
        Path source = delegates.get(bean.group(1));
        assertThat(source)
            .as(model.getKey() + "/" + task.getId() + ": the class of ${" + bean.group(1) + "}")
            .isNotNull();
        if (task.isForCompensation() || !isTargetPackage(source.getParent())) {
          continue;
        }
        assertAsyncWithRetries(task);
        checked.add(task.getId());
      }
    }
    // The derivation found the steps it must (a renamed package or class would otherwise pass by
    // checking nothing); "contains", so that a new target type's steps are held to the rule without
    // an edit here.
    assertThat(checked)
        .contains(
            "backupDatabase",
            "migrateDatabase",
            "deployLambda",
            "gateLambdaTraffic",
            "publishFrontend",
            "awaitFrontend",
            "rolloutKubernetes",
            "awaitRollout",
            "verifyRelease",
            "watchMetrics",
            "restoreDatabaseBackup",
            "verifyRestoration");
    // Not a target step, but it starts the deploy model and must not run in the sign-off's
    // transaction.
    assertAsyncWithRetries(MODELS.get("release").getModelElementById("startDeployment"));
    // Nor does the change-window check, which each of its timers runs again.
    assertAsyncWithRetries(MODELS.get("release").getModelElementById("checkChangeWindow"));
  }

  /** Every delegate class of Countersign's by the bean name its convention gives it. */
  private static Map<String, Path> delegateSources() throws IOException {
    try (Stream<Path> files = Files.walk(Path.of("src/main/java/io/countersign"))) {
      return files
          .filter(p -> p.getFileName().toString().endsWith("Delegate.java"))
          .collect(
              Collectors.toMap(
                  p -> {
                    String name = p.getFileName().toString().replace("Delegate.java", "");
                    return Character.toLowerCase(name.charAt(0)) + name.substring(1);
                  },
                  p -> p));
    }
  }

  private static boolean isTargetPackage(Path dir) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.anyMatch(p -> p.getFileName().toString().startsWith("DryRun"));
    }
  }

  /**
   * Camunda 7.24 throws on an asynchronous compensation handler and starts handlers in the
   * thrower's transaction, so each undo runs in the job of the asynchronous compensation throw
   * event that names its activity.
   */
  @Test
  void everyUndoRunsInTheJobOfItsOwnAsynchronousCompensationThrow() {
    Set<String> compensated = new HashSet<>();
    for (IntermediateThrowEvent thrower :
        DEPLOY.getModelElementsByType(IntermediateThrowEvent.class)) {
      for (CompensateEventDefinition compensate :
          thrower.getChildElementsByType(CompensateEventDefinition.class)) {
        assertAsyncWithRetries(thrower);
        assertThat(compensate.isWaitForCompletion()).as(thrower.getId()).isTrue();
        compensated.add(compensate.getActivity().getId());
      }
    }
    List<ServiceTask> handlers =
        DEPLOY.getModelElementsByType(ServiceTask.class).stream()
            .filter(Activity::isForCompensation)
            .toList();
    assertThat(handlers)
        .extracting(BaseElement::getId)
        .contains("restoreDatabase", "revertLambda", "restoreFrontend", "undoRollout");
    for (ServiceTask handler : handlers) {
      assertThat(handler.isCamundaAsyncBefore()).as(handler.getId()).isFalse();
    }
    for (BoundaryEvent undo : DEPLOY.getModelElementsByType(BoundaryEvent.class)) {
      if (!undo.getChildElementsByType(CompensateEventDefinition.class).isEmpty()) {
        assertThat(compensated).as(undo.getId()).contains(undo.getAttachedTo().getId());
      }
    }
  }

  private static void assertAsyncWithRetries(FlowNode node) {
    assertThat(node.isCamundaAsyncBefore()).as(node.getId() + " is asyncBefore").isTrue();
    Collection<CamundaFailedJobRetryTimeCycle> cycles =
        node.getExtensionElements() == null
            ? List.of()
            : node.getExtensionElements()
                .getChildElementsByType(CamundaFailedJobRetryTimeCycle.class);
    assertThat(cycles)
        .as(node.getId() + " has a retry cycle")
        .singleElement()
        .satisfies(c -> assertThat(c.getTextContent()).matches("R\\d+/PT\\d+[SM]"));
  }

  private String outcomeWord(SequenceFlow flow) {
    if (flow.getConditionExpression() == null) {
      return null;
    }
    Matcher m = OUTCOME_CONDITION.matcher(flow.getConditionExpression().getTextContent().trim());
    return m.matches() ? m.group(1) : null;
  }

  private static boolean isTimer(FlowNode node) {
    return node instanceof IntermediateCatchEvent event
        && event.getEventDefinitions().stream().anyMatch(TimerEventDefinition.class::isInstance);
  }

  /**
   * Whether {@code target} follows {@code from} along sequence flows, through nodes {@code
   * passable} lets by.
   */
  private static boolean reaches(FlowNode from, FlowNode target, Predicate<FlowNode> passable) {
    Deque<FlowNode> open = new ArrayDeque<>(List.of(from));
    Set<String> seen = new HashSet<>();
    while (!open.isEmpty()) {
      FlowNode node = open.pop();
      for (SequenceFlow flow : node.getOutgoing()) {
        FlowNode next = flow.getTarget();
        if (next == target) {
          return true;
        }
        if (passable.test(next) && seen.add(next.getId())) {
          open.push(next);
        }
      }
    }
    return false;
  }

  private static List<String> listeners(BaseElement element) {
    return element.getExtensionElements() == null
        ? List.of()
        : element
            .getExtensionElements()
            .getChildElementsByType(CamundaExecutionListener.class)
            .stream()
            .map(CamundaExecutionListener::getCamundaDelegateExpression)
            .toList();
  }
}
