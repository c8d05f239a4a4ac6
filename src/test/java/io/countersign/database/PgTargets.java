package io.countersign.database;

import io.countersign.EmbeddedPostgresSupport;
import io.countersign.database.DatabaseTargetProperties.BackupMethod;
import io.countersign.process.TargetMode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.flywaydb.core.Flyway;

/**
 * A fresh database per test on the JVM's one embedded PostgreSQL, owned by a role whose password
 * the server really checks (scram-sha-256), as a production target's would be. The helpers inspect
 * it as the superuser.
 */
final class PgTargets {
  static final String ROLE = "countersign_target";

  /** Made up per JVM; it only ever guards throw-away test databases. */
  static final String PASSWORD = "pw-" + UUID.randomUUID();

  private static final AtomicInteger DATABASES = new AtomicInteger();
  private static boolean roleReady;

  final String database = "target_" + DATABASES.incrementAndGet();
  final String url;
  final Path backups;
  final Path passwordFile;

  PgTargets(Path scratch) {
    prepareRole();
    superuser("postgres", "CREATE DATABASE " + database + " OWNER " + ROLE);
    url =
        "jdbc:postgresql://localhost:"
            + EmbeddedPostgresSupport.server().getPort()
            + "/"
            + database;
    backups = scratch.resolve("backups");
    passwordFile = scratch.resolve("target-password");
    try {
      Files.createDirectories(scratch);
      Files.writeString(passwordFile, PASSWORD + "\n"); // as secret files usually end: read trimmed
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * The role, and pg_hba lines that make the server check its password (others keep the server's
   * trust).
   */
  private static synchronized void prepareRole() {
    if (roleReady) {
      return;
    }
    try (Connection c = DriverManager.getConnection(superuserUrl("postgres"), "postgres", "");
        Statement s = c.createStatement()) {
      s.execute(
          "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '"
              + ROLE
              + "') THEN "
              + "CREATE ROLE "
              + ROLE
              + " LOGIN; END IF; END $$");
      s.execute("ALTER ROLE " + ROLE + " PASSWORD '" + PASSWORD + "'");
      Path hba;
      try (ResultSet rs = s.executeQuery("SHOW hba_file")) {
        rs.next();
        hba = Path.of(rs.getString(1));
      }
      String rules =
          "host all "
              + ROLE
              + " 127.0.0.1/32 scram-sha-256\nhost all "
              + ROLE
              + " ::1/128 scram-sha-256\n"
              + "local all "
              + ROLE
              + " scram-sha-256\n";
      String current = Files.readString(hba);
      if (!current.startsWith(rules)) {
        Files.writeString(hba, rules + current);
      }
      s.execute("SELECT pg_reload_conf()");
    } catch (SQLException | IOException e) {
      throw new IllegalStateException("cannot prepare the target role on embedded PostgreSQL", e);
    }
    roleReady = true;
  }

  private static String superuserUrl(String database) {
    return EmbeddedPostgresSupport.server().getJdbcUrl("postgres", database);
  }

  DatabaseTargetProperties properties(TargetMode mode, BackupMethod backup) {
    return new DatabaseTargetProperties(
        mode, url, ROLE, null, passwordFile.toString(), TestTargets.ROOTS, backup);
  }

  DatabaseTargets targets(TargetMode mode, BackupMethod backup) {
    return new DatabaseTargets(
        Map.of(TestTargets.TARGET, properties(mode, backup)), Path.of(""), backups);
  }

  DatabaseTarget live() {
    return targets(TargetMode.LIVE, BackupMethod.PG_DUMP).get(TestTargets.TARGET);
  }

  /** Brings the database to {@code version} as an earlier release would have. */
  void migrateEarlier(String migrations, String version) {
    Flyway.configure()
        .dataSource(url, ROLE, PASSWORD)
        .locations("filesystem:" + Path.of(migrations).toAbsolutePath())
        .target(version)
        .load()
        .migrate();
  }

  List<String> historyVersions() {
    return strings(
        "SELECT version FROM flyway_schema_history WHERE version IS NOT NULL AND success ORDER BY installed_rank");
  }

  List<String> tables() {
    return strings(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name");
  }

  List<String> strings(String query) {
    List<String> values = new ArrayList<>();
    try (Connection c = DriverManager.getConnection(superuserUrl(database), "postgres", "");
        ResultSet rs = c.createStatement().executeQuery(query)) {
      while (rs.next()) {
        values.add(rs.getString(1));
      }
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
    return values;
  }

  /** Runs as the target's own role, as the application would. */
  void execute(String... statements) {
    try (Connection c = DriverManager.getConnection(url, ROLE, PASSWORD);
        Statement s = c.createStatement()) {
      for (String statement : statements) {
        s.execute(statement);
      }
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Empty again, under the same name and URL (for a Spring context that keeps its configuration).
   */
  void recreate() {
    drop();
    superuser("postgres", "CREATE DATABASE " + database + " OWNER " + ROLE);
  }

  void drop() {
    superuser("postgres", "DROP DATABASE IF EXISTS " + database + " WITH (FORCE)");
  }

  private static void superuser(String database, String statement) {
    try (Connection c = DriverManager.getConnection(superuserUrl(database), "postgres", "");
        Statement s = c.createStatement()) {
      s.execute(statement);
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }
}
