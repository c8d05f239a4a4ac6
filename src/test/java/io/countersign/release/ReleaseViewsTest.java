package io.countersign.release;

import static org.assertj.core.api.Assertions.assertThat;

import io.countersign.ProcessTestSupport;
import io.countersign.process.TargetRegistry;
import io.countersign.process.Variables;
import io.countersign.release.ReleaseViews.Detail;
import io.countersign.release.ReleaseViews.Step;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.camunda.bpm.engine.history.HistoricActivityInstance;
import org.camunda.bpm.engine.history.HistoricProcessInstance;
import org.camunda.bpm.engine.runtime.Incident;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * The release detail reads the engine with native queries (one per kind, not one per process
 * instance or task). Its pending roles and steps must be what the engine's own typed API says, at
 * every stage: waiting, with open incidents, partly signed, released and rolled back. The steps'
 * states are checked here too, since both sides share the folding of runs into steps.
 */
class ReleaseViewsTest extends ProcessTestSupport {
  @Autowired ReleaseViews views;
  @Autowired TargetRegistry targets;

  @Test
  void pendingRolesAndStepsMatchTheEnginesOwnQueriesAtEveryStage() {
    String id = submit(example("production"));
    Detail waiting = views.detail(id).orElseThrow();
    assertThat(waiting.pendingSignOffs())
        .hasSize(6)
        .isSortedAccordingTo(String::compareTo)
        .isEqualTo(pendingTheEnginesWay(id));
    assertThat(waiting.steps()).isEqualTo(stepsTheEnginesWay(id));
    assertThat(waiting.steps())
        .extracting(Step::state)
        .containsOnly("not-run")
        .hasSize(targets.deploySteps().size());
    assertThat(waiting.incidents()).isEmpty();
    assertThat(waiting.status()).isEqualTo("awaiting-sign-off");

    approve(id, "tech-leads");
    Detail partly = views.detail(id).orElseThrow();
    assertThat(partly.pendingSignOffs())
        .hasSize(5)
        .doesNotContain("tech-leads")
        .isEqualTo(pendingTheEnginesWay(id));

    approveAll(id);
    assertThat(status(id)).isEqualTo("awaiting-evidence");
    postDeploymentEvidence(id);
    assertThat(status(id)).isEqualTo("released");
    Detail released = views.detail(id).orElseThrow();
    assertThat(released.pendingSignOffs()).isEmpty();
    assertThat(released.steps()).isEqualTo(stepsTheEnginesWay(id));
    assertThat(released.steps()).extracting(Step::state).contains("completed");

    runtime
        .createMessageCorrelation("rollbackRequested")
        .processInstanceBusinessKey(id)
        .setVariables(Map.of("rollbackReason", "drill", "rollbackRequestedBy", "ops-lead"))
        .correlateWithResult();
    runJobs();
    assertThat(status(id)).isEqualTo("rolled-back");
    Detail rolledBack = views.detail(id).orElseThrow();
    assertThat(rolledBack.steps()).isEqualTo(stepsTheEnginesWay(id));
    assertThat(rolledBack.steps().size()).isGreaterThan(released.steps().size());
  }

  @Test
  void openIncidentsMatchTheEnginesOwnQueriesAndFailTheRelease() {
    String id = submit(example("staging"));
    // Incidents on two of the release's instances (the release and a sign-off), in the order the
    // typed queries give, instance by instance; the release shows as failed while they are open.
    List<String> incidentIds = new ArrayList<>();
    for (HistoricProcessInstance instance : instancesOf(id)) {
      if (instance.getEndTime() == null) {
        String activity = runtime.getActiveActivityIds(instance.getId()).get(0);
        String execution =
            runtime
                .createExecutionQuery()
                .processInstanceId(instance.getId())
                .activityId(activity)
                .list()
                .get(0)
                .getId();
        incidentIds.add(
            runtime
                .createIncident("countersign-test", execution, null, "stuck " + instance.getId())
                .getId());
      }
    }
    assertThat(incidentIds).hasSizeGreaterThanOrEqualTo(2);
    Detail failing = views.detail(id).orElseThrow();
    // The engine also opens an incident, without a message, on the call activity above each.
    assertThat(failing.incidents())
        .hasSizeGreaterThan(incidentIds.size())
        .isEqualTo(incidentsTheEnginesWay(id));
    assertThat(failing.status()).isEqualTo("failed");
    assertThat(failing.statusReason()).startsWith("Incident: stuck ");
  }

  private List<HistoricProcessInstance> instancesOf(String id) {
    return history
        .createHistoricProcessInstanceQuery()
        .processInstanceBusinessKey(id)
        .orderByProcessInstanceId()
        .asc()
        .list();
  }

  /** The former implementation: a typed incident query per instance. */
  private List<String> incidentsTheEnginesWay(String id) {
    List<String> messages = new ArrayList<>();
    for (HistoricProcessInstance instance : instancesOf(id)) {
      runtime.createIncidentQuery().processInstanceId(instance.getId()).list().stream()
          .map(Incident::getIncidentMessage)
          .forEach(messages::add);
    }
    return messages;
  }

  /** The former implementation: a typed task query, then the role variable task by task. */
  private List<String> pendingTheEnginesWay(String id) {
    return tasks
        .createTaskQuery()
        .processInstanceBusinessKey(id)
        .taskDefinitionKey("approveRelease")
        .list()
        .stream()
        .map(t -> String.valueOf(tasks.getVariable(t.getId(), Variables.ROLE)))
        .sorted()
        .toList();
  }

  /**
   * The former query: typed history queries, instance by instance, each by start; folded into steps
   * the same way.
   */
  private List<Step> stepsTheEnginesWay(String id) {
    List<HistoricActivityInstance> runs = new ArrayList<>();
    for (HistoricProcessInstance instance :
        history.createHistoricProcessInstanceQuery().processInstanceBusinessKey(id).list()) {
      runs.addAll(
          history
              .createHistoricActivityInstanceQuery()
              .processInstanceId(instance.getId())
              .orderByHistoricActivityInstanceStartTime()
              .asc()
              .list());
    }
    return views.steps(runs);
  }
}
