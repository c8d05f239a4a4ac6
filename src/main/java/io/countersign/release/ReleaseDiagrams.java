package io.countersign.release;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.camunda.bpm.engine.HistoryService;
import org.camunda.bpm.engine.ManagementService;
import org.camunda.bpm.engine.RepositoryService;
import org.camunda.bpm.engine.history.HistoricActivityInstance;
import org.camunda.bpm.engine.history.HistoricProcessInstance;
import org.camunda.bpm.engine.runtime.Incident;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * A release's models as they ran, for the console to draw with bpmn-js: each process instance of
 * the release (release, sign-off, deploy) with its model's XML and the state of every element that
 * ran. The console marks compensated steps itself, from the model's compensation associations.
 */
@Component
class ReleaseDiagrams {
  private final HistoryService history;
  private final RepositoryService repository;
  private final ManagementService management;
  private final JdbcTemplate jdbc;

  /** Deployed models never change; their XML is read once per definition. */
  private final Map<String, String> xmlByDefinition = new ConcurrentHashMap<>();

  ReleaseDiagrams(
      HistoryService history,
      RepositoryService repository,
      ManagementService management,
      JdbcTemplate jdbc) {
    this.history = history;
    this.repository = repository;
    this.management = management;
    this.jdbc = jdbc;
  }

  /** An element's state: active, completed, cancelled or failed (an open incident). */
  record Element(String id, String state, int runs) {}

  record Diagram(
      String instanceId,
      String definitionKey,
      String definitionId,
      String state,
      String xml,
      List<Element> elements) {}

  List<Diagram> of(String releaseId) {
    List<Diagram> diagrams = new ArrayList<>();
    List<HistoricProcessInstance> instances =
        new ArrayList<>(
            history
                .createHistoricProcessInstanceQuery()
                .processInstanceBusinessKey(releaseId)
                .list());
    instances.sort(
        java.util.Comparator.comparing(HistoricProcessInstance::getStartTime)
            .thenComparing(HistoricProcessInstance::getId));
    for (HistoricProcessInstance instance : instances) {
      diagrams.add(
          new Diagram(
              instance.getId(),
              instance.getProcessDefinitionKey(),
              instance.getProcessDefinitionId(),
              instance.getState(),
              xml(instance.getProcessDefinitionId()),
              elements(instance.getId())));
    }
    return diagrams;
  }

  private List<Element> elements(String instanceId) {
    Map<String, List<HistoricActivityInstance>> runs = new LinkedHashMap<>();
    history
        .createHistoricActivityInstanceQuery()
        .processInstanceId(instanceId)
        .orderByHistoricActivityInstanceStartTime()
        .asc()
        .orderPartiallyByOccurrence()
        .asc()
        .list()
        .forEach(a -> runs.computeIfAbsent(a.getActivityId(), k -> new ArrayList<>()).add(a));
    Set<String> failed =
        Set.copyOf(
            jdbc.queryForList(
                "SELECT ACTIVITY_ID_ FROM "
                    + management.getTableName(Incident.class)
                    + " WHERE PROC_INST_ID_ = ? AND ACTIVITY_ID_ IS NOT NULL",
                String.class,
                instanceId));
    List<Element> elements = new ArrayList<>();
    runs.forEach(
        (id, list) -> {
          HistoricActivityInstance last = list.get(list.size() - 1);
          String state =
              failed.contains(id)
                  ? "failed"
                  : list.stream().anyMatch(a -> a.getEndTime() == null)
                      ? "active"
                      : last.isCanceled() ? "cancelled" : "completed";
          elements.add(new Element(id, state, list.size()));
        });
    failed.stream()
        .filter(id -> !runs.containsKey(id))
        .forEach(id -> elements.add(new Element(id, "failed", 0)));
    return elements;
  }

  private String xml(String definitionId) {
    return xmlByDefinition.computeIfAbsent(
        definitionId,
        id -> {
          try (InputStream in = repository.getProcessModel(id)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
          } catch (IOException e) {
            throw new UncheckedIOException("could not read the model of " + id, e);
          }
        });
  }
}
