package io.countersign;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.countersign.EmbeddedPostgresSupport.TwoRoles;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
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
 * each approver still sees exactly their own group's tasks, and the engine's authorization join is
 * planned as index probes per task (migration 5.1's statistics, custom plans on every connection),
 * not the nested loop over every pair of task and grant that took 8 s at 10,000 (README
 * "Performance"). The plan is read from PostgreSQL's own counters, not from a stopwatch.
 */
@ActiveProfiles({"demo", "postgres"})
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PostgresTaskVisibilityTest extends ProcessTestSupport {
  private static final TwoRoles DB = EmbeddedPostgresSupport.newDatabaseWithTwoRoles("tasks");

  /** Waiting sign-offs per role, beside the real ones. */
  private static final int WAITING = 3_000;

  /**
   * More queries than PostgreSQL runs before it may switch a prepared statement to a generic plan.
   */
  private static final int QUERIES = 10;

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

  @Test
  void theAuthorizationJoinProbesTheIndexPerTaskOnEveryRun() throws SQLException {
    thousandsWaiting();
    assertThat(
            jdbc.queryForObject(
                "SELECT COUNT(*) FROM pg_statistic_ext WHERE stxname = 'cs_authorization_permissions'",
                Long.class))
        .isOne();

    long before = authorizationIndexScans();
    asUser(
        "qa-lead",
        () -> {
          for (int i = 0; i < QUERIES; i++) {
            assertThat(tasks.createTaskQuery().taskCandidateGroup("qa-leads").listPage(0, 15))
                .hasSize(15);
          }
        });
    // The index probes (one per task and resource id: task, definition key, '*') show in the
    // counters once the backend reports them, within seconds. The nested loop over a scan of the
    // grants makes none, and a generic plan after the fifth run would stop them short.
    await()
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(200))
        .untilAsserted(
            () ->
                assertThat(authorizationIndexScans() - before)
                    .isGreaterThanOrEqualTo((long) QUERIES * WAITING * 2));
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

  private long authorizationIndexScans() throws SQLException {
    try (Connection c = owner();
        Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery(
                "SELECT COALESCE(idx_scan, 0) FROM pg_stat_user_tables"
                    + " WHERE relname = 'act_ru_authorization'")) {
      rs.next();
      return rs.getLong(1);
    }
  }

  private static Connection owner() throws SQLException {
    return DriverManager.getConnection(DB.url(), DB.owner(), DB.owner());
  }
}
