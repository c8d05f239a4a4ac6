package io.countersign.engine;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.camunda.bpm.engine.ProcessEngine;
import org.flywaydb.core.api.MigrationVersion;
import org.flywaydb.core.api.migration.Context;
import org.flywaydb.core.api.migration.JavaMigration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.io.ClassPathResource;
import org.springframework.core.io.support.EncodedResource;
import org.springframework.jdbc.datasource.init.ScriptUtils;
import org.springframework.stereotype.Component;

/**
 * Flyway migration 1.2: the engine's tables, from the create scripts that ship in the
 * camunda-engine jar, run by the migration (owner) user like every other migration. The engine
 * itself never changes the schema (camunda.bpm.database.schema-update: false), so the runtime role
 * needs no DDL, and nodes starting together on an empty database are serialised by Flyway's lock
 * instead of racing on CREATE TABLE. A part whose tables exist already (an engine that created its
 * own schema before) is kept as it is.
 */
@Component
class EngineSchemaMigration implements JavaMigration {
  private static final Logger LOG = LoggerFactory.getLogger(EngineSchemaMigration.class);
  private static final String SCRIPTS =
      "org/camunda/bpm/engine/db/create/activiti.%s.create.%s.sql";

  /**
   * The parts the engine creates with schema-update (same order), each with a table that tells it
   * exists.
   */
  private record Part(String name, String table) {}

  private static final List<Part> PARTS =
      List.of(
          new Part("engine", "ACT_GE_PROPERTY"),
          new Part("history", "ACT_HI_PROCINST"),
          new Part("identity", "ACT_ID_USER"),
          new Part("case.engine", "ACT_RE_CASE_DEF"),
          new Part("case.history", "ACT_HI_CASEINST"),
          new Part("decision.engine", "ACT_RE_DECISION_DEF"),
          new Part("decision.history", "ACT_HI_DECINST"));

  @Override
  public MigrationVersion getVersion() {
    return MigrationVersion.fromVersion("1.2");
  }

  @Override
  public String getDescription() {
    return "camunda engine schema";
  }

  @Override
  public Integer getChecksum() {
    return null; // the scripts are the engine jar's; a later engine version brings its own upgrade
    // migration
  }

  @Override
  public boolean canExecuteInTransaction() {
    return true;
  }

  @Override
  public void migrate(Context context) throws SQLException {
    Connection connection = context.getConnection();
    List<Part> missing = new ArrayList<>();
    for (Part part : PARTS) {
      if (tableExists(connection, part.table())) {
        LOG.info(
            "Camunda {} tables exist already (created by the engine): kept as they are",
            part.name());
      } else {
        missing.add(part);
      }
    }
    if (missing.isEmpty()) {
      return;
    }
    String database = scriptDialect(connection.getMetaData().getDatabaseProductName());
    for (Part part : missing) {
      String script = String.format(SCRIPTS, database, part.name());
      ScriptUtils.executeSqlScript(
          connection,
          new EncodedResource(
              new ClassPathResource(script, ProcessEngine.class.getClassLoader()),
              StandardCharsets.UTF_8));
      LOG.info("Created the Camunda {} tables ({})", part.name(), script);
    }
  }

  private static String scriptDialect(String product) {
    if ("PostgreSQL".equals(product)) {
      return "postgres";
    }
    if ("H2".equals(product)) {
      return "h2";
    }
    throw new IllegalStateException(
        "Countersign creates the Camunda tables on PostgreSQL and H2 only, not on " + product);
  }

  private static boolean tableExists(Connection connection, String table) throws SQLException {
    DatabaseMetaData meta = connection.getMetaData();
    String name = meta.storesUpperCaseIdentifiers() ? table : table.toLowerCase(Locale.ROOT);
    try (ResultSet tables =
        meta.getTables(connection.getCatalog(), connection.getSchema(), name, null)) {
      return tables.next();
    }
  }
}
