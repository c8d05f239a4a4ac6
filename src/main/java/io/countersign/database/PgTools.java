package io.countersign.database;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.postgresql.Driver;

/**
 * Runs PostgreSQL's client programs (pg_dump, pg_restore) as child processes with a time limit. The
 * connection comes from the target's JDBC URL; the password goes into the child's environment
 * (PGPASSWORD), never onto its command line, where any local user could read it.
 */
record PgTools(String pgDump, String pgRestore, Duration timeout) {
  static final PgTools DEFAULT = new PgTools("pg_dump", "pg_restore", Duration.ofMinutes(4));

  /** A custom-format dump of the whole target database into {@code file}. */
  void dump(TargetDatabase db, Path file) {
    List<String> command =
        new ArrayList<>(List.of(pgDump, "--format=custom", "--no-password", "--file=" + file));
    command.addAll(connection(db));
    run("pg_dump of database target " + db.name, command, db);
  }

  /** The archive's table of contents (no database needed). */
  String list(TargetDatabase db, Path file) {
    return run(
        "pg_restore --list of " + file.getFileName(),
        List.of(pgRestore, "--list", file.toString()),
        db);
  }

  /** All or nothing: pg_restore drops and recreates the archive's objects in one transaction. */
  void restore(TargetDatabase db, Path file) {
    List<String> command =
        new ArrayList<>(
            List.of(
                pgRestore,
                "--clean",
                "--if-exists",
                "--single-transaction",
                "--no-owner",
                "--no-password"));
    command.addAll(connection(db));
    command.add(file.toString());
    run("pg_restore into database target " + db.name, command, db);
  }

  /**
   * libpq options for the URL's host(s), port(s) and database; pgjdbc's own parser reads the URL.
   */
  private static List<String> connection(TargetDatabase db) {
    Properties url = Driver.parseURL(db.properties.url(), null);
    if (url == null) {
      throw new IllegalStateException(
          "database target " + db.name + " has a url pg_dump cannot use");
    }
    String user =
        db.properties.username() != null ? db.properties.username() : url.getProperty("user");
    List<String> options =
        new ArrayList<>(
            List.of(
                "--host=" + url.getProperty("PGHOST"),
                "--port=" + url.getProperty("PGPORT"),
                "--dbname=" + url.getProperty("PGDBNAME")));
    if (user != null) {
      options.add("--username=" + user);
    }
    return options;
  }

  private String run(String what, List<String> command, TargetDatabase db) {
    Path out = null;
    Path err = null;
    Process process = null;
    try {
      out = Files.createTempFile("countersign-pg-", ".out");
      err = Files.createTempFile("countersign-pg-", ".err");
      ProcessBuilder builder =
          new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile());
      Map<String, String> env = builder.environment();
      // Nothing inherited may redirect the tools to another server or credentials.
      env.keySet().removeIf(key -> key.startsWith("PG"));
      String password = db.password();
      if (password != null && !password.isEmpty()) {
        env.put("PGPASSWORD", password);
      }
      Properties url = Driver.parseURL(db.properties.url(), null);
      if (url != null && url.getProperty("sslmode") != null) {
        env.put("PGSSLMODE", url.getProperty("sslmode"));
      }
      env.put("PGCONNECT_TIMEOUT", "10");
      env.put("PGAPPNAME", "countersign");
      try {
        process = builder.start();
      } catch (IOException e) {
        throw new IllegalStateException(
            what
                + " failed: cannot run "
                + command.get(0)
                + " (install the PostgreSQL client or set countersign.database.pg-dump / pg-restore): "
                + e.getMessage(),
            e);
      }
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        throw new IllegalStateException(
            what + " did not finish within " + timeout + " (countersign.database.tool-timeout)");
      }
      if (process.exitValue() != 0) {
        String stderr = Files.readString(err, StandardCharsets.UTF_8).strip();
        throw new IllegalStateException(
            TargetDatabase.shorten(
                db.scrub(
                    what
                        + " failed (exit "
                        + process.exitValue()
                        + "): "
                        + (stderr.isEmpty() ? "no message" : stderr))));
      }
      return Files.readString(out, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalStateException(what + " failed: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      process.destroyForcibly(); // an abandoned pg_restore must not go on changing the target
      Thread.currentThread().interrupt();
      throw new IllegalStateException(what + " was interrupted", e);
    } finally {
      delete(out);
      delete(err);
    }
  }

  private static void delete(Path file) {
    if (file != null) {
      try {
        Files.deleteIfExists(file);
      } catch (IOException e) {
        // a leftover temp file holds no secret: the tools write none
      }
    }
  }
}
