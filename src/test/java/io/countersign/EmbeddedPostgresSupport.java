package io.countersign;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicInteger;
import org.springframework.test.context.DynamicPropertyRegistry;

/**
 * One real PostgreSQL server per test JVM (embedded binaries from Maven Central); a fresh database
 * per caller.
 */
public final class EmbeddedPostgresSupport {
  private static EmbeddedPostgres server;
  private static final AtomicInteger DATABASES = new AtomicInteger();

  private EmbeddedPostgresSupport() {}

  public static synchronized EmbeddedPostgres server() {
    if (server == null) {
      try {
        server = EmbeddedPostgres.builder().start();
      } catch (IOException e) {
        throw new UncheckedIOException("embedded PostgreSQL did not start", e);
      }
      Runtime.getRuntime()
          .addShutdownHook(
              new Thread(
                  () -> {
                    try {
                      server.close();
                    } catch (IOException ignored) {
                      // the JVM is exiting anyway
                    }
                  }));
    }
    return server;
  }

  /** Creates an empty database and returns its JDBC URL (user and password: postgres). */
  public static String newDatabase(String prefix) {
    String name = prefix + "_" + DATABASES.incrementAndGet();
    try (Connection c = server().getPostgresDatabase().getConnection();
        Statement s = c.createStatement()) {
      s.execute("CREATE DATABASE " + name);
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
    return server().getJdbcUrl("postgres", name);
  }

  /**
   * A database set up the way production runs it: an owner role that owns the database (and so,
   * from PostgreSQL 15 on, may create tables in its public schema) runs the migrations; the runtime
   * role logs in and gets only what the owner grants it. Role names are unique on the server;
   * password = role name.
   */
  public record TwoRoles(String url, String owner, String runtime) {}

  public static TwoRoles newDatabaseWithTwoRoles(String prefix) {
    int n = DATABASES.incrementAndGet();
    String name = prefix + "_" + n;
    // No user in the URL: pgjdbc would let it override the user each connection asks for.
    String url = "jdbc:postgresql://localhost:" + server().getPort() + "/" + name;
    TwoRoles roles = new TwoRoles(url, prefix + "_owner_" + n, prefix + "_app_" + n);
    try (Connection c = server().getPostgresDatabase().getConnection();
        Statement s = c.createStatement()) {
      s.execute("CREATE ROLE " + roles.owner() + " LOGIN PASSWORD '" + roles.owner() + "'");
      s.execute("CREATE ROLE " + roles.runtime() + " LOGIN PASSWORD '" + roles.runtime() + "'");
      s.execute("CREATE DATABASE " + name + " OWNER " + roles.owner());
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
    return roles;
  }

  /**
   * Points a Spring test context at {@code db} as production runs it: the runtime role connects,
   * the owner migrates (the credentials go the way docker-compose.yml passes them).
   */
  public static void register(DynamicPropertyRegistry registry, TwoRoles db) {
    registry.add("spring.datasource.url", db::url);
    registry.add("SPRING_DATASOURCE_USERNAME", db::runtime);
    registry.add("SPRING_DATASOURCE_PASSWORD", db::runtime);
    registry.add("SPRING_FLYWAY_USER", db::owner);
    registry.add("SPRING_FLYWAY_PASSWORD", db::owner);
    // At JVM exit the embedded server may stop before the context closes: closing the engine must
    // not wait 30 s for a connection to report metrics.
    registry.add("camunda.bpm.metrics.db-reporter-activate", () -> "false");
    registry.add("spring.datasource.hikari.connection-timeout", () -> "2000");
  }
}
