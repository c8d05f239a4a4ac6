package io.countersign.engine;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;
import org.camunda.bpm.engine.ProcessEngineConfiguration;
import org.camunda.bpm.engine.impl.cfg.AbstractProcessEnginePlugin;
import org.camunda.bpm.engine.impl.cfg.ProcessEngineConfigurationImpl;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.env.Environment;
import org.springframework.core.env.Profiles;
import org.springframework.stereotype.Component;

/**
 * On PostgreSQL, the user the application connects as must not be able to rewrite evidence: not a
 * superuser, no CREATEROLE (before PostgreSQL 16 it could grant itself the owner role), owning none
 * of Countersign's or the engine's tables and no member of the role that owns them (either could
 * drop or disable the append-only triggers). Production refuses to start; other profiles log a
 * warning. Production also refuses an engine that would change the schema itself. Runs as an engine
 * plugin, i.e. just before the engine starts and after Flyway has migrated
 * (EngineStartsAfterMigrations).
 */
@Component
class DatabaseRoleGuard extends AbstractProcessEnginePlugin {
  private static final Logger LOG = LoggerFactory.getLogger(DatabaseRoleGuard.class);

  private final DataSource dataSource;
  private final boolean production;

  DatabaseRoleGuard(DataSource dataSource, Environment environment) {
    this.dataSource = dataSource;
    this.production = environment.acceptsProfiles(Profiles.of("production"));
  }

  @Override
  public void preInit(ProcessEngineConfigurationImpl configuration) {
    refuseSchemaUpdate(configuration.getDatabaseSchemaUpdate());
    check();
  }

  /**
   * Production: the engine never changes the schema. Flyway creates and upgrades it once, under its
   * lock, as the owner; engines of several nodes updating it at the same moment race (a duplicate
   * pg_type key), and the runtime role may not anyway.
   */
  void refuseSchemaUpdate(String schemaUpdate) {
    if (production && !ProcessEngineConfiguration.DB_SCHEMA_UPDATE_FALSE.equals(schemaUpdate)) {
      throw new IllegalStateException(
          "camunda.bpm.database.schema-update must be false in production (it is '"
              + schemaUpdate
              + "'): Flyway creates and upgrades the engine's tables (README \"Running several nodes\")");
    }
  }

  void check() {
    List<String> problems = problems(dataSource);
    if (problems.isEmpty()) {
      return;
    }
    String message =
        "The database user Countersign connects as could rewrite the evidence: "
            + String.join("; ", problems)
            + ". Let an owner role run the migrations (spring.flyway.user) and connect as a runtime role that owns"
            + " nothing (README \"Running on PostgreSQL\")";
    if (production) {
      throw new IllegalStateException(message);
    }
    LOG.warn("{} (refused in production)", message);
  }

  /**
   * What the connected user may do that the runtime role must not; empty on other databases than
   * PostgreSQL.
   */
  static List<String> problems(DataSource dataSource) {
    List<String> problems = new ArrayList<>();
    try (Connection c = dataSource.getConnection();
        Statement s = c.createStatement()) {
      if (!"PostgreSQL".equals(c.getMetaData().getDatabaseProductName())) {
        return problems;
      }
      try (ResultSet r =
          s.executeQuery(
              "SELECT current_user, rolsuper, rolcreaterole FROM pg_roles WHERE rolname = current_user")) {
        r.next();
        String user = r.getString(1);
        if (r.getBoolean(2)) {
          problems.add("'" + user + "' is a superuser");
        }
        if (r.getBoolean(3)) {
          problems.add("'" + user + "' has CREATEROLE");
        }
      }
      // pg_has_role(MEMBER) is true for the owner itself and for members of the owning role.
      List<String> owned = new ArrayList<>();
      try (ResultSet r =
          s.executeQuery(
              """
          SELECT tablename, tableowner FROM pg_tables
          WHERE schemaname = current_schema() AND (tablename LIKE 'cs\\_%' OR tablename LIKE 'act\\_%')
            AND pg_has_role(current_user, tableowner, 'MEMBER')
          ORDER BY tablename <> 'cs_evidence', tablename""")) {
        while (r.next()) {
          owned.add(r.getString(1) + " (owner " + r.getString(2) + ")");
        }
      }
      if (!owned.isEmpty()) {
        problems.add(
            "it owns, or is a member of the role that owns, "
                + owned.size()
                + " tables, such as "
                + String.join(", ", owned.subList(0, Math.min(3, owned.size()))));
      }
    } catch (SQLException e) {
      throw new IllegalStateException(
          "Could not check the privileges of Countersign's database user", e);
    }
    return problems;
  }
}
