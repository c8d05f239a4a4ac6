package io.countersign.bench;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.camunda.bpm.engine.ProcessEngine;
import org.camunda.bpm.engine.ProcessEngineConfiguration;
import org.camunda.bpm.engine.delegate.DelegateExecution;
import org.camunda.bpm.engine.delegate.JavaDelegate;
import org.camunda.bpm.engine.history.HistoricProcessInstance;
import org.camunda.bpm.engine.impl.cfg.StandaloneProcessEngineConfiguration;
import org.camunda.bpm.engine.impl.jobexecutor.DefaultJobExecutor;
import org.camunda.bpm.engine.task.Task;
import org.camunda.bpm.model.bpmn.Bpmn;
import org.camunda.bpm.model.bpmn.BpmnModelInstance;
import org.camunda.bpm.model.bpmn.builder.AbstractFlowNodeBuilder;

/**
 * The reference: a bare Camunda 7.24 engine on the same PostgreSQL server, with Countersign's pool
 * size, job executor settings and full history, running a release-shaped model: one synchronous
 * step, one parallel approval per sign-off role, then {@value #STEPS} asynchronous no-op steps.
 */
final class BareEngine implements Subject, AutoCloseable {
  static final int STEPS = 8;
  private static final String KEY = "release-reference";

  private final List<String> roles;
  private final Database database;
  private final HikariDataSource pool;
  private final ProcessEngine engine;

  BareEngine(String jdbcUrl, List<String> roles) {
    this.roles = List.copyOf(roles);
    this.database = new Database(jdbcUrl);
    HikariConfig hikari = new HikariConfig();
    hikari.setJdbcUrl(jdbcUrl);
    hikari.setUsername("postgres");
    hikari.setPassword("");
    // As application-postgres.yaml.
    hikari.setMaximumPoolSize(20);
    hikari.setMinimumIdle(4);
    hikari.setPoolName("bare-engine");
    pool = new HikariDataSource(hikari);

    DefaultJobExecutor jobs = new DefaultJobExecutor();
    // As camunda.bpm.job-execution in application.yaml.
    jobs.setCorePoolSize(4);
    jobs.setMaxPoolSize(8);
    jobs.setWaitTimeInMillis(500);
    jobs.setMaxWait(5000);
    jobs.setLockTimeInMillis(15000);
    StandaloneProcessEngineConfiguration configuration = new StandaloneProcessEngineConfiguration();
    configuration.setProcessEngineName("bench-bare");
    configuration.setDataSource(pool);
    configuration.setDatabaseSchemaUpdate(ProcessEngineConfiguration.DB_SCHEMA_UPDATE_TRUE);
    configuration.setHistory(ProcessEngineConfiguration.HISTORY_FULL);
    configuration.setJobExecutor(jobs);
    configuration.setJobExecutorActivate(true);
    configuration.setDbMetricsReporterActivate(false);
    engine = configuration.buildProcessEngine();
    engine
        .getRepositoryService()
        .createDeployment()
        .addModelInstance(KEY + ".bpmn", model(roles))
        .deploy();
  }

  static BpmnModelInstance model(List<String> roles) {
    AbstractFlowNodeBuilder<?, ?> flow =
        Bpmn.createExecutableProcess(KEY)
            .camundaHistoryTimeToLive(3650)
            .startEvent("requested")
            .serviceTask("validate")
            .camundaClass(NoOp.class.getName())
            .parallelGateway("split")
            .userTask("approve-0")
            .camundaCandidateGroups(roles.get(0))
            .parallelGateway("join");
    for (int i = 1; i <= STEPS; i++) {
      flow = flow.serviceTask("step" + i).camundaAsyncBefore().camundaClass(NoOp.class.getName());
    }
    BpmnModelInstance model = flow.endEvent("released").done();
    for (int r = 1; r < roles.size(); r++) {
      flow =
          model
              .<org.camunda.bpm.model.bpmn.instance.ParallelGateway>getModelElementById("split")
              .builder()
              .userTask("approve-" + r)
              .camundaCandidateGroups(roles.get(r));
      flow.connectTo("join");
    }
    return model;
  }

  /** A step that does nothing: the reference measures the engine, not the work. */
  public static final class NoOp implements JavaDelegate {
    @Override
    public void execute(DelegateExecution execution) {
      // nothing
    }
  }

  @Override
  public String name() {
    return "bare engine";
  }

  @Override
  public String submit(int sequence) {
    String id = UUID.randomUUID().toString();
    engine
        .getRuntimeService()
        .startProcessInstanceByKey(KEY, id, Map.of("version", "2.4." + sequence));
    return id;
  }

  @Override
  public List<String> pendingRoles(String id) {
    return new ArrayList<>(roles);
  }

  @Override
  public void approve(String id, String role) {
    Task task =
        engine
            .getTaskService()
            .createTaskQuery()
            .processInstanceBusinessKey(id)
            .taskCandidateGroup(role)
            .singleResult();
    engine.getTaskService().complete(task.getId(), Map.of("decision", "approve"));
  }

  @Override
  public Optional<Instant> finishedAt(String id) {
    HistoricProcessInstance instance =
        engine
            .getHistoryService()
            .createHistoricProcessInstanceQuery()
            .processInstanceBusinessKey(id)
            .singleResult();
    if (instance == null || instance.getEndTime() == null) {
      return Optional.empty();
    }
    if (!"released".equals(instance.getEndActivityId())) {
      throw new IllegalStateException(id + " ended in " + instance.getEndActivityId());
    }
    return Optional.of(instance.getEndTime().toInstant());
  }

  @Override
  public Database database() {
    return database;
  }

  @Override
  public ProcessHandle process() {
    return ProcessHandle.current();
  }

  @Override
  public String deployStepCondition() {
    return "a.act_id_ = 'step1'";
  }

  @Override
  public void close() {
    engine.close();
    pool.close();
    database.close();
  }
}
