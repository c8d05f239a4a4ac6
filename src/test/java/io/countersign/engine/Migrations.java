package io.countersign.engine;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.configuration.FluentConfiguration;

/**
 * Countersign's migrations on PostgreSQL as application.yaml configures them, run by a given user;
 * plain SQL helpers.
 */
final class Migrations {
  private Migrations() {}

  static Flyway flyway(String url, String user, String runtimeRole) {
    return withoutEngineSchema(url, user, runtimeRole)
        .javaMigrations(new EngineSchemaMigration())
        .load();
  }

  /** As before migration 1.2 existed (the engine made its own tables). */
  static FluentConfiguration withoutEngineSchema(String url, String user, String runtimeRole) {
    return Flyway.configure()
        .dataSource(url, user, user)
        .locations("classpath:db/countersign", "classpath:db/countersign-postgresql")
        .table("cs_schema_history")
        .placeholders(Map.of("runtime_role", runtimeRole));
  }

  /**
   * Runs statements as the given user (password = user name, as EmbeddedPostgresSupport sets them).
   */
  static void execute(String url, String user, String... statements) {
    try (Connection c = DriverManager.getConnection(url, user, user);
        Statement s = c.createStatement()) {
      for (String statement : statements) {
        s.execute(statement);
      }
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The first column of every row of a query, as the given user. */
  static List<String> strings(String url, String user, String query) {
    try (Connection c = DriverManager.getConnection(url, user, user);
        Statement s = c.createStatement();
        ResultSet r = s.executeQuery(query)) {
      List<String> values = new ArrayList<>();
      while (r.next()) {
        values.add(r.getString(1));
      }
      return values;
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }
}
