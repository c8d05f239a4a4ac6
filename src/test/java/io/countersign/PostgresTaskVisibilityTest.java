package io.countersign;

import static org.assertj.core.api.Assertions.assertThat;
import static org.camunda.bpm.engine.authorization.Authorization.AUTH_TYPE_GRANT;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.countersign.EmbeddedPostgresSupport.TwoRoles;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.ibatis.executor.parameter.ParameterHandler;
import org.apache.ibatis.executor.statement.StatementHandler;
import org.apache.ibatis.mapping.MappedStatement;
import org.apache.ibatis.plugin.Interceptor;
import org.apache.ibatis.plugin.Intercepts;
import org.apache.ibatis.plugin.Invocation;
import org.apache.ibatis.plugin.Signature;
import org.apache.ibatis.reflection.SystemMetaObject;
import org.camunda.bpm.engine.authorization.Authorization;
import org.camunda.bpm.engine.authorization.Permission;
import org.camunda.bpm.engine.authorization.Permissions;
import org.camunda.bpm.engine.authorization.Resource;
import org.camunda.bpm.engine.authorization.Resources;
import org.camunda.bpm.engine.impl.TaskQueryImpl;
import org.camunda.bpm.engine.impl.cfg.ProcessEngineConfigurationImpl;
import org.camunda.bpm.engine.impl.interceptor.CommandContext;
import org.camunda.bpm.engine.impl.interceptor.CommandExecutor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.test.context.ActiveProfiles;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Approvers' task queries with thousands of sign-offs waiting, on PostgreSQL as production runs it:
 * each approver still sees exactly their own group's tasks, the engine's task statements reach
 * PostgreSQL with the grants joined on equality ({@code TaskAuthorizationJoin}) and select what the
 * engine's own text selects, and no plan compares every task with every grant, which took 8 s at
 * 10,000 (README "Performance"). The plan is read from PostgreSQL's own counts, not from a
 * stopwatch.
 */
@ActiveProfiles({"demo", "postgres"})
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PostgresTaskVisibilityTest extends ProcessTestSupport {
  private static final TwoRoles DB = EmbeddedPostgresSupport.newDatabaseWithTwoRoles("tasks");

  /** Waiting sign-offs per role, beside the real ones. */
  private static final int WAITING = 10_000;

  private boolean seeded;

  @DynamicPropertySource
  static void postgres(DynamicPropertyRegistry registry) {
    EmbeddedPostgresSupport.register(registry, DB);
  }

  /**
   * Two real staging releases (a tech-leads and a qa-leads sign-off each), then WAITING copies of
   * each sign-off as the engine writes them: the task, its candidate group and the per-task grant.
   * The copies belong to no process instance, so nothing else in the engine touches them. Once per
   * class, from the first test (process test coverage needs a test to be running).
   */
  private void thousandsWaiting() throws SQLException {
    if (seeded) {
      return;
    }
    seeded = true;
    submit(example("staging"));
    submit(example("staging"));
    ((ProcessEngineConfigurationImpl) engine.getProcessEngineConfiguration())
        .getSqlSessionFactory()
        .getConfiguration()
        .addInterceptor(new Recorder());
    try (Connection c = owner();
        Statement s = c.createStatement()) {
      s.execute(
          "CREATE TEMP TABLE waiting AS SELECT t.proc_def_id_, t.name_, t.task_def_key_,"
              + " t.priority_, l.group_id_ AS grp, 'copy-' || g || '-' || l.group_id_ AS id"
              + " FROM (SELECT DISTINCT ON (l.group_id_) l.task_id_, l.group_id_"
              + "       FROM act_ru_identitylink l WHERE l.type_ = 'candidate') l"
              + " JOIN act_ru_task t ON t.id_ = l.task_id_, generate_series(1, "
              + WAITING
              + ") g");
      s.execute(
          "INSERT INTO act_ru_task (id_, rev_, proc_def_id_, name_, task_def_key_, priority_,"
              + " create_time_, suspension_state_, task_state_)"
              + " SELECT id, 1, proc_def_id_, name_, task_def_key_, priority_, now(), 1, 'Created'"
              + " FROM waiting");
      s.execute(
          "INSERT INTO act_ru_identitylink (id_, rev_, group_id_, type_, task_id_)"
              + " SELECT 'link-' || id, 1, grp, 'candidate', id FROM waiting");
      s.execute(
          "INSERT INTO act_ru_authorization (id_, rev_, type_, group_id_, resource_type_,"
              + " resource_id_, perms_) SELECT 'grant-' || id, 1, 1, grp, 7, id, 6 FROM waiting");
      s.execute("ANALYZE act_ru_task, act_ru_identitylink, act_ru_authorization");
    }
  }

  @Test
  void eachApproverSeesExactlyTheirOwnGroupsTasks() throws SQLException {
    thousandsWaiting();
    asUser(
        "qa-lead",
        () -> {
          assertThat(tasks.createTaskQuery().count()).isEqualTo(WAITING + 2);
          assertThat(tasks.createTaskQuery().taskCandidateGroup("qa-leads").count())
              .isEqualTo(WAITING + 2);
          assertThat(tasks.createTaskQuery().taskCandidateGroup("tech-leads").count()).isZero();
        });
    asUser(
        "tech-lead",
        () -> {
          assertThat(tasks.createTaskQuery().count()).isEqualTo(WAITING + 2);
          assertThat(tasks.createTaskQuery().taskCandidateGroup("qa-leads").count()).isZero();
        });
    // Someone in neither group sees none of them.
    asUser("requester", () -> assertThat(tasks.createTaskQuery().count()).isZero());
  }

  /**
   * The engine's task statements reach PostgreSQL with the grants joined on equality, and with the
   * same tasks, in the same order, as the engine's own statement returns for the same parameters:
   * for each role, for someone in neither group, for a grant on the process definition (the {@code
   * D.KEY_} arm) and for one on a single task. A test fails here if an engine upgrade changes the
   * text, before the rewrite silently stops applying.
   */
  @Test
  void theGrantsJoinOnEqualityAndSelectWhatTheEnginesOwnStatementSelects() throws SQLException {
    thousandsWaiting();
    String definitionKey =
        jdbc.queryForObject(
            "SELECT d.key_ FROM act_re_procdef d JOIN act_ru_task t ON t.proc_def_id_ = d.id_"
                + " WHERE t.id_ LIKE 'copy-%' LIMIT 1",
            String.class);
    ensureUser("definition-reader");
    grant("definition-reader", Resources.PROCESS_DEFINITION, definitionKey, Permissions.READ_TASK);
    ensureUser("one-task-reader");
    grant("one-task-reader", Resources.TASK, "copy-7-qa-leads", Permissions.READ);

    for (String user :
        List.of("qa-lead", "tech-lead", "requester", "definition-reader", "one-task-reader")) {
      statements.clear();
      List<String> shown = new ArrayList<>();
      long[] counted = new long[1];
      asUser(
          user,
          () -> {
            // A page as large as the engine allows (queryMaxResultsLimit), in the engine's order.
            tasks.createTaskQuery().listPage(0, 2000).forEach(t -> shown.add(t.getId()));
            counted[0] = tasks.createTaskQuery().count();
          });
      assertThat(statements).as(user).hasSize(2);
      Sent list = statements.get(0);
      Sent count = statements.get(1);
      assertThat(list.sent()).as(user).contains("CS_AUTH_KEY").isNotEqualTo(list.written());
      assertThat(count.sent()).as(user).contains("CS_AUTH_KEY").isNotEqualTo(count.written());
      assertThat(shown).as(user).isEqualTo(rows(list, list.written()));
      assertThat(counted[0]).as(user).isEqualTo(Long.valueOf(rows(count, count.written()).get(0)));
      assertThat(shown).as(user).hasSize((int) Math.min(counted[0], 2000));
    }
    statements.clear();
  }

  /**
   * A task query reads at most a few grants per waiting task, however PostgreSQL plans it (an index
   * probe per task, or one hash of the user's grants): the plan that compared every task with every
   * grant read about {@code WAITING} squared rows, 8 s at 10,000 waiting (README "Performance"),
   * and the engine's own statement about 34 per task (every '*' and definition grant, for each
   * task).
   */
  @Test
  void aTaskQueryReadsGrantsInProportionToTheTasksNotTheirSquare() throws SQLException {
    thousandsWaiting();
    statements.clear();
    asUser(
        "qa-lead",
        () ->
            assertThat(tasks.createTaskQuery().taskCandidateGroup("qa-leads").listPage(0, 15))
                .hasSize(15));
    Sent list = statements.get(0);
    statements.clear();
    assertThat(grantRowsRead(list)).isBetween(1L, 5L * 2 * WAITING);
  }

  /**
   * Task queries, and only they, are planned for their values: a cached generic plan cannot use the
   * statistics (after five runs PostgreSQL switched to one that took 7 s instead of 0.14 s at
   * 10,000 waiting), and planning every statement of a release cost about 70 ms of PostgreSQL's
   * time per release.
   */
  @Test
  void onlyTaskQueriesArePlannedForTheirValues() {
    CommandExecutor commands =
        ((ProcessEngineConfigurationImpl) engine.getProcessEngineConfiguration())
            .getCommandExecutorTxRequired();
    Object inTaskQuery =
        commands.execute(
            new TaskQueryImpl() {
              @Override
              public Object execute(CommandContext context) {
                return planCacheMode(context);
              }
            });
    assertThat(inTaskQuery).isEqualTo("force_custom_plan");
    assertThat(commands.execute(PostgresTaskVisibilityTest::planCacheMode)).isEqualTo("auto");
    assertThat(jdbc.queryForObject("SHOW plan_cache_mode", String.class)).isEqualTo("auto");
  }

  private static String planCacheMode(CommandContext context) {
    try (Statement s = context.getDbSqlSession().getSqlSession().getConnection().createStatement();
        ResultSet rs = s.executeQuery("SHOW plan_cache_mode")) {
      rs.next();
      return rs.getString(1);
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  /** One execution of an engine task statement: the text the engine wrote and the text sent. */
  record Sent(String written, String sent, ParameterHandler parameters) {}

  private static final List<Sent> statements = new CopyOnWriteArrayList<>();

  /**
   * Records the engine's task statements as sent (when their parameters are set) and as the engine
   * writes them (its mapping evaluated again for the same parameters).
   */
  @Intercepts(
      @Signature(
          type = StatementHandler.class,
          method = "parameterize",
          args = {Statement.class}))
  static final class Recorder implements Interceptor {
    @Override
    public Object intercept(Invocation invocation) throws Throwable {
      StatementHandler handler = (StatementHandler) invocation.getTarget();
      Object result = invocation.proceed();
      String sent = handler.getBoundSql().getSql();
      if (sent.contains("ACT_RU_TASK RES")) {
        MappedStatement mapping =
            (MappedStatement)
                SystemMetaObject.forObject(handler).getValue("delegate.mappedStatement");
        ParameterHandler parameters = handler.getParameterHandler();
        String written = mapping.getBoundSql(parameters.getParameterObject()).getSql();
        statements.add(new Sent(written, sent, parameters));
      }
      return result;
    }
  }

  /** The first column of each row the statement returns, run with the engine's parameters. */
  private static List<String> rows(Sent statement, String sql) {
    try (Connection c = owner();
        PreparedStatement ps = c.prepareStatement(sql)) {
      statement.parameters().setParameters(ps);
      List<String> rows = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          // The list selects RES.REV_, RES.ID_, …; the count one number.
          rows.add(rs.getString(sql.strip().startsWith("select") ? 2 : 1));
        }
      }
      return rows;
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Rows of ACT_RU_AUTHORIZATION the statement as sent read, from PostgreSQL's own counts. */
  private static long grantRowsRead(Sent statement) throws SQLException {
    try (Connection c = owner();
        PreparedStatement ps =
            c.prepareStatement("EXPLAIN (ANALYZE, FORMAT JSON) " + statement.sent())) {
      statement.parameters().setParameters(ps);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return grantRowsRead(new ObjectMapper().readTree(rs.getString(1)).get(0).get("Plan"));
      } catch (JsonProcessingException e) {
        throw new IllegalStateException(e);
      }
    }
  }

  private static long grantRowsRead(JsonNode plan) {
    long read = 0;
    if ("act_ru_authorization".equals(plan.path("Relation Name").asText())) {
      read +=
          (plan.path("Actual Rows").asLong() + plan.path("Rows Removed by Filter").asLong())
              * plan.path("Actual Loops").asLong();
    }
    for (JsonNode child : plan.path("Plans")) {
      read += grantRowsRead(child);
    }
    return read;
  }

  private void grant(String user, Resource resource, String resourceId, Permission permission) {
    Authorization a = engine.getAuthorizationService().createNewAuthorization(AUTH_TYPE_GRANT);
    a.setUserId(user);
    a.setResource(resource);
    a.setResourceId(resourceId);
    a.addPermission(permission);
    engine.getAuthorizationService().saveAuthorization(a);
  }

  private static Connection owner() throws SQLException {
    return DriverManager.getConnection(DB.url(), DB.owner(), DB.owner());
  }
}
