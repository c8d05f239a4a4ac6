package io.countersign.engine;

import static io.countersign.engine.Migrations.flyway;
import static io.countersign.engine.Migrations.strings;
import static org.assertj.core.api.Assertions.assertThat;

import io.countersign.EmbeddedPostgresSupport;
import io.countersign.EmbeddedPostgresSupport.TwoRoles;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.camunda.bpm.engine.ProcessEngine;
import org.camunda.bpm.engine.ProcessEngineConfiguration;
import org.camunda.bpm.engine.impl.cfg.StandaloneProcessEngineConfiguration;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.output.MigrateResult;
import org.junit.jupiter.api.Test;

/**
 * Flyway creates the engine's tables from Camunda's scripts (migration 1.2), once, and keeps tables
 * the engine made.
 */
class EngineSchemaMigrationTest {
  private static final AtomicInteger ENGINES = new AtomicInteger();
  private static final String UPDATE = ProcessEngineConfiguration.DB_SCHEMA_UPDATE_TRUE;
  private static final String CHECK_ONLY = ProcessEngineConfiguration.DB_SCHEMA_UPDATE_FALSE;

  @Test
  void anEmptyH2DatabaseGetsTheEngineTablesAndTheEngineStartsOnThemWithoutChangingTheSchema() {
    String url = "jdbc:h2:mem:engine-schema-" + ENGINES.incrementAndGet() + ";DB_CLOSE_DELAY=-1";
    Flyway.configure()
        .dataSource(url, "sa", "")
        .locations("classpath:db/countersign")
        .table("cs_schema_history")
        .javaMigrations(new EngineSchemaMigration())
        .load()
        .migrate();
    ProcessEngine engine = engine(url, "sa", "", "org.h2.Driver", CHECK_ONLY);
    try {
      assertThat(engine.getRepositoryService().createDeploymentQuery().count()).isZero();
      assertThat(engine.getIdentityService().createUserQuery().count()).isZero();
      assertThat(engine.getHistoryService().createHistoricDecisionInstanceQuery().count()).isZero();
      assertThat(engine.getRepositoryService().createCaseDefinitionQuery().count()).isZero();
    } finally {
      engine.close();
    }
  }

  @Test
  void anEmbeddedH2DatabaseWhoseEngineMadeItsTablesKeepsThem() {
    // The embedded default's ./var database from before migration 1.2.
    String url = "jdbc:h2:mem:engine-schema-" + ENGINES.incrementAndGet() + ";DB_CLOSE_DELAY=-1";
    Flyway.configure()
        .dataSource(url, "sa", "")
        .locations("classpath:db/countersign")
        .table("cs_schema_history")
        .target("1")
        .load()
        .migrate();
    engine(url, "sa", "", "org.h2.Driver", UPDATE).close();
    MigrateResult result =
        Flyway.configure()
            .dataSource(url, "sa", "")
            .locations("classpath:db/countersign")
            .table("cs_schema_history")
            .javaMigrations(new EngineSchemaMigration())
            .load()
            .migrate();
    assertThat(result.migrations).extracting(m -> m.version).contains("1.2");
    engine(url, "sa", "", "org.h2.Driver", CHECK_ONLY).close();
  }

  @Test
  void anEngineSchemaTheEngineCreatedItselfIsKept() {
    TwoRoles db = EmbeddedPostgresSupport.newDatabaseWithTwoRoles("engine_made");
    // Before migration 1.2 existed: Countersign's tables by Flyway, the engine's by the engine
    // (schema-update).
    Migrations.withoutEngineSchema(db.url(), db.owner(), db.runtime())
        .target("1.1")
        .load()
        .migrate();
    postgresEngine(db.url(), db.owner(), UPDATE).close();
    List<String> before = engineTables(db);
    assertThat(before).hasSizeGreaterThan(40);

    MigrateResult result = flyway(db.url(), db.owner(), db.runtime()).migrate();

    assertThat(result.migrations.get(0).version).isEqualTo("1.2");
    assertThat(engineTables(db)).isEqualTo(before);
    assertThat(strings(db.url(), db.owner(), "SELECT version_ FROM act_ge_schema_log"))
        .containsExactly("7.24.0");
    assertThat(
            strings(
                db.url(),
                db.owner(),
                "SELECT success FROM cs_schema_history WHERE version = '1.2'"))
        .containsExactly("t");
    // The runtime role gets its grants on them like on tables Flyway made.
    assertThat(
            strings(db.url(), db.runtime(), "SELECT has_table_privilege('act_ru_job', 'UPDATE')"))
        .containsExactly("t");
  }

  @Test
  void twoMigrationsStartedTogetherOnAnEmptyDatabaseLeaveOneEngineSchema() throws Exception {
    TwoRoles db = EmbeddedPostgresSupport.newDatabaseWithTwoRoles("engine_race");
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      CountDownLatch ready = new CountDownLatch(2);
      CountDownLatch go = new CountDownLatch(1);
      List<Future<MigrateResult>> runs =
          List.of(1, 2).stream()
              .map(
                  i ->
                      pool.submit(
                          () -> {
                            Flyway flyway = flyway(db.url(), db.owner(), db.runtime());
                            ready.countDown();
                            go.await();
                            return flyway.migrate();
                          }))
              .toList();
      ready.await(30, TimeUnit.SECONDS);
      go.countDown();
      int executed = 0;
      for (Future<MigrateResult> run : runs) {
        MigrateResult result = run.get(2, TimeUnit.MINUTES);
        assertThat(result.success).isTrue();
        executed += result.migrationsExecuted;
      }
      List<String> versions =
          strings(
              db.url(),
              db.owner(),
              "SELECT version FROM cs_schema_history WHERE version IS NOT NULL ORDER BY installed_rank");
      assertThat(versions).startsWith("1", "1.1", "1.2").doesNotHaveDuplicates();
      assertThat(executed).as("each migration run by one of the two").isEqualTo(versions.size());
    } finally {
      pool.shutdownNow();
    }
    assertThat(strings(db.url(), db.owner(), "SELECT version_ FROM act_ge_schema_log"))
        .containsExactly("7.24.0");
    assertThat(
            strings(
                db.url(),
                db.owner(),
                "SELECT value_ FROM act_ge_property WHERE name_ = 'schema.version'"))
        .containsExactly("fox");
    // The engine starts on that schema as the runtime role, without changing it.
    postgresEngine(db.url(), db.runtime(), CHECK_ONLY).close();
  }

  private static List<String> engineTables(TwoRoles db) {
    return strings(
        db.url(),
        db.owner(),
        "SELECT tablename FROM pg_tables WHERE tablename LIKE 'act\\_%' ORDER BY 1");
  }

  private static ProcessEngine postgresEngine(String url, String user, String schemaUpdate) {
    return engine(url, user, user, "org.postgresql.Driver", schemaUpdate);
  }

  private static ProcessEngine engine(
      String url, String user, String password, String driver, String schemaUpdate) {
    return new StandaloneProcessEngineConfiguration()
        .setProcessEngineName("engine-schema-test-" + ENGINES.incrementAndGet())
        .setJdbcUrl(url)
        .setJdbcUsername(user)
        .setJdbcPassword(password)
        .setJdbcDriver(driver)
        .setDatabaseSchemaUpdate(schemaUpdate)
        .setHistory(ProcessEngineConfiguration.HISTORY_FULL)
        .setJobExecutorActivate(false)
        .setDbMetricsReporterActivate(false)
        .buildProcessEngine();
  }
}
