package io.countersign.release;

import io.countersign.cluster.WaitingJobs;
import io.countersign.process.TargetRegistry;
import io.countersign.process.Variables;
import io.countersign.signoff.SignOffRepository;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.camunda.bpm.engine.HistoryService;
import org.camunda.bpm.engine.ManagementService;
import org.camunda.bpm.engine.RuntimeService;
import org.camunda.bpm.engine.TaskService;
import org.camunda.bpm.engine.history.HistoricActivityInstance;
import org.camunda.bpm.engine.history.HistoricProcessInstance;
import org.camunda.bpm.engine.runtime.Execution;
import org.camunda.bpm.engine.runtime.Incident;
import org.camunda.bpm.engine.task.Task;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * What the API shows of a release: its status, sign-offs, steps and where to look in the webapps.
 */
@Component
class ReleaseViews {
  /**
   * The deployment steps in model order, then the rollback steps, as the target capabilities
   * declare them.
   */
  private final List<String> steps;

  /** The deployment steps: shown as not run until they are; rollback steps only once they ran. */
  private final List<String> deploySteps;

  private final ReleaseRepository releases;
  private final SignOffRepository signOffs;
  private final HistoryService history;
  private final RuntimeService runtime;
  private final TaskService tasks;
  private final ManagementService management;
  private final WaitingJobs waiting;
  private final String baseUrl;
  private final JdbcTemplate jdbc;
  private final Map<Class<?>, String> tables = new ConcurrentHashMap<>();

  ReleaseViews(
      ReleaseRepository releases,
      SignOffRepository signOffs,
      HistoryService history,
      RuntimeService runtime,
      TaskService tasks,
      ManagementService management,
      TargetRegistry targets,
      WaitingJobs waiting,
      JdbcTemplate jdbc,
      @Value("${countersign.base-url:}") String baseUrl) {
    this.steps = targets.steps();
    this.deploySteps = targets.deploySteps();
    this.releases = releases;
    this.signOffs = signOffs;
    this.history = history;
    this.runtime = runtime;
    this.tasks = tasks;
    this.management = management;
    this.waiting = waiting;
    this.baseUrl = baseUrl;
    this.jdbc = jdbc;
  }

  record Step(String id, String name, String state, Instant start, Instant end) {}

  /** An open sign-off task: the role it waits for, its deadlines and where to sign it. */
  record PendingTask(
      String role, String taskId, Instant created, Instant followUp, Instant due, String link) {}

  record Detail(
      String id,
      String application,
      String version,
      String environment,
      String changeReference,
      String status,
      String statusReason,
      String requester,
      Instant createdAt,
      Instant updatedAt,
      String manifestSha256,
      List<SignOffRepository.SignOff> signOffs,
      List<String> pendingSignOffs,
      List<PendingTask> pendingTasks,
      List<Step> steps,
      List<String> incidents,
      List<WaitingJobs.Waiting> waiting,
      Map<String, String> links,
      List<String> actions) {

    /** The same view with the requests the viewer may make (cancel, rollback, override). */
    Detail withActions(List<String> allowed) {
      return new Detail(
          id,
          application,
          version,
          environment,
          changeReference,
          status,
          statusReason,
          requester,
          createdAt,
          updatedAt,
          manifestSha256,
          signOffs,
          pendingSignOffs,
          pendingTasks,
          steps,
          incidents,
          waiting,
          links,
          List.copyOf(allowed));
    }
  }

  record Summary(
      String id,
      String application,
      String version,
      String environment,
      String status,
      String requester,
      Instant createdAt,
      Instant updatedAt) {}

  record PageView(List<Summary> items, int page, int size, long total) {}

  Optional<Detail> detail(String id) {
    return releases.find(id).map(this::detail);
  }

  /** The detail of a release whose row the caller has read already. */
  Detail detail(ReleaseRepository.ReleaseRow r) {
    String id = r.id();
    List<String> instances =
        history
            .createNativeHistoricProcessInstanceQuery()
            .sql(
                "SELECT * FROM "
                    + table(HistoricProcessInstance.class)
                    + " WHERE BUSINESS_KEY_ = #{key} ORDER BY ID_")
            .parameter("key", id)
            .list()
            .stream()
            .map(HistoricProcessInstance::getId)
            .toList();
    List<String> incidents = incidents(instances);
    List<PendingTask> pending = pendingTasks(id);
    String status = incidents.isEmpty() ? r.status() : "failed";
    String reason =
        incidents.isEmpty() ? r.statusReason() : "Incident: " + String.join("; ", incidents);
    Map<String, String> links = new LinkedHashMap<>();
    links.put("self", baseUrl + "/api/releases/" + id);
    links.put("evidence", baseUrl + "/api/releases/" + id + "/evidence");
    links.put("console", baseUrl + "/console/releases/" + id);
    links.put(
        "tasklist",
        baseUrl
            + "/camunda/app/tasklist/default/#/?searchQuery="
            + "%5B%7B%22type%22:%22processInstanceBusinessKey%22,%22operator%22:%22eq%22,%22value%22:%22"
            + id
            + "%22%7D%5D");
    if (r.processInstanceId() != null) {
      links.put(
          "cockpit",
          baseUrl + "/camunda/app/cockpit/default/#/process-instance/" + r.processInstanceId());
    }
    return new Detail(
        r.id(),
        r.application(),
        r.version(),
        r.environment(),
        r.changeReference(),
        status,
        reason,
        r.requester(),
        r.createdAt(),
        r.updatedAt(),
        r.manifestSha256(),
        signOffs.forRelease(id),
        pending.stream().map(PendingTask::role).toList(),
        pending,
        steps(id),
        incidents,
        waiting.of(instances),
        links,
        List.of());
  }

  PageView page(
      String application, String environment, String status, String requester, int page, int size) {
    ReleaseRepository.Page result =
        releases.search(application, environment, status, requester, page, size);
    List<Summary> items =
        result.items().stream()
            .map(
                r ->
                    new Summary(
                        r.id(),
                        r.application(),
                        r.version(),
                        r.environment(),
                        r.status(),
                        r.requester(),
                        r.createdAt(),
                        r.updatedAt()))
            .toList();
    return new PageView(items, page, size, result.total());
  }

  /**
   * The open sign-off tasks, by role. The role is the multi-instance element variable on each
   * task's own execution, so one variable query answers for all of them; a task whose execution
   * does not hold it (a model shaped otherwise) is asked the engine's way.
   */
  private List<PendingTask> pendingTasks(String releaseId) {
    List<Task> open =
        tasks
            .createNativeTaskQuery()
            .sql(
                "SELECT T.* FROM "
                    + table(Task.class)
                    + " T JOIN "
                    + table(Execution.class)
                    + " E ON E.ID_ = T.PROC_INST_ID_"
                    + " WHERE E.BUSINESS_KEY_ = #{key} AND T.TASK_DEF_KEY_ = 'approveRelease'")
            .parameter("key", releaseId)
            .list();
    if (open.isEmpty()) {
      return List.of();
    }
    Map<String, String> roleByExecution = new HashMap<>();
    runtime
        .createVariableInstanceQuery()
        .variableName(Variables.ROLE)
        .executionIdIn(open.stream().map(Task::getExecutionId).toArray(String[]::new))
        .list()
        .forEach(v -> roleByExecution.put(v.getExecutionId(), String.valueOf(v.getValue())));
    return open.stream()
        .map(
            t ->
                new PendingTask(
                    roleByExecution.computeIfAbsent(
                        t.getExecutionId(),
                        e -> String.valueOf(tasks.getVariable(t.getId(), Variables.ROLE))),
                    t.getId(),
                    instant(t.getCreateTime()),
                    instant(t.getFollowUpDate()),
                    instant(t.getDueDate()),
                    baseUrl + "/camunda/app/tasklist/default/#/?task=" + t.getId()))
        .sorted(java.util.Comparator.comparing(PendingTask::role))
        .toList();
  }

  private static Instant instant(java.util.Date date) {
    return date == null ? null : date.toInstant();
  }

  /**
   * Every run of every step, of all the release's process instances in one query: in instance
   * order, then by start.
   */
  private List<Step> steps(String releaseId) {
    return steps(
        history
            .createNativeHistoricActivityInstanceQuery()
            .sql(
                "SELECT A.* FROM "
                    + table(HistoricActivityInstance.class)
                    + " A JOIN "
                    + table(HistoricProcessInstance.class)
                    + " P ON P.ID_ = A.PROC_INST_ID_"
                    + " WHERE P.BUSINESS_KEY_ = #{key} ORDER BY P.ID_, A.START_TIME_, A.ID_")
            .parameter("key", releaseId)
            .list());
  }

  /** Each step's runs folded into one entry, from activity runs in instance and start order. */
  List<Step> steps(List<HistoricActivityInstance> runsInOrder) {
    Map<String, List<HistoricActivityInstance>> byStep = new LinkedHashMap<>();
    for (HistoricActivityInstance a : runsInOrder) {
      if (steps.contains(a.getActivityId())) {
        byStep.computeIfAbsent(a.getActivityId(), k -> new ArrayList<>()).add(a);
      }
    }
    List<Step> result = new ArrayList<>();
    for (String id : steps) {
      List<HistoricActivityInstance> runs = byStep.get(id);
      if (runs == null) {
        if (deploySteps.contains(id)) {
          result.add(new Step(id, null, "not-run", null, null));
        }
        continue;
      }
      HistoricActivityInstance first = runs.get(0);
      HistoricActivityInstance last = runs.get(runs.size() - 1);
      boolean active = runs.stream().anyMatch(a -> a.getEndTime() == null);
      String state = active ? "active" : last.isCanceled() ? "cancelled" : "completed";
      result.add(
          new Step(
              id,
              first.getActivityName(),
              state,
              first.getStartTime().toInstant(),
              active || last.getEndTime() == null ? null : last.getEndTime().toInstant()));
    }
    return result;
  }

  /**
   * The open incidents' messages of these instances, in instance order, then by incident id (as the
   * typed query orders them), in one query instead of one per instance. The engine has no native
   * incident query; this reads the engine's table as {@link WaitingJobs} does.
   */
  private List<String> incidents(List<String> instances) {
    if (instances.isEmpty()) {
      return List.of();
    }
    return jdbc.queryForList(
        "SELECT INCIDENT_MSG_ FROM "
            + table(Incident.class)
            + " WHERE PROC_INST_ID_ IN ("
            + String.join(",", Collections.nCopies(instances.size(), "?"))
            + ") ORDER BY PROC_INST_ID_, ID_",
        String.class,
        instances.toArray());
  }

  /**
   * The engine's table for an entity, with its configured prefix, asked once per entity (each
   * question is an engine command). Native queries: the typed ones evaluate the engine's whole
   * dynamic SQL for each call, which was most of this view's CPU.
   */
  private String table(Class<?> entity) {
    return tables.computeIfAbsent(entity, management::getTableName);
  }
}
