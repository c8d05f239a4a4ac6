package io.countersign.database;

import io.countersign.manifest.ReleaseManifest.DatabaseChange;
import io.countersign.process.TargetMode;
import java.io.IOException;
import java.io.OutputStream;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLRecoverableException;
import java.sql.SQLTransientException;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.MigrationVersion;

/** JDBC and Flyway access to one named target, shared by the live and the dry-run adapter. */
final class TargetDatabase implements DatabaseConnections.Target {
  static final String HISTORY_TABLE = "flyway_schema_history";
  private static final Pattern MIGRATION = Pattern.compile("V([0-9]+(?:[._][0-9]+)*)__.+\\.sql");
  private static final Pattern ROLLBACK = Pattern.compile("U([0-9]+(?:[._][0-9]+)*)__.+\\.sql");

  final String name;
  final DatabaseTargetProperties properties;
  final MigrationPaths paths;
  final Path backupDirectory;
  final PgTools pgTools;

  TargetDatabase(
      String name,
      DatabaseTargetProperties properties,
      MigrationPaths paths,
      Path backupDirectory,
      PgTools pgTools) {
    this.name = name;
    this.properties = properties;
    this.paths = paths;
    this.backupDirectory = backupDirectory;
    this.pgTools = pgTools;
  }

  @Override
  public boolean live() {
    return properties.mode() == TargetMode.LIVE;
  }

  @Override
  public boolean postgres() {
    return properties.postgres();
  }

  @Override
  public Connection connect() throws SQLException {
    return DriverManager.getConnection(properties.url(), properties.username(), password());
  }

  /** A connection, or the ordinary (retried) exception an operator reads in the incident. */
  Connection connectOrThrow() {
    try {
      return connect();
    } catch (SQLException e) {
      throw new IllegalStateException(
          "cannot reach database target " + name + ": " + scrub(e.getMessage()), e);
    }
  }

  /**
   * The configured password, or the content of password-file read now (trimmed), so a rotated
   * secret needs no restart.
   */
  String password() {
    String file = properties.passwordFile();
    if (file == null || file.isBlank()) {
      return properties.password();
    }
    try {
      return Files.readString(Path.of(file), StandardCharsets.UTF_8).strip();
    } catch (IOException e) {
      throw new IllegalStateException(
          "cannot read the password-file of database target " + name + ": " + e.getMessage(), e);
    }
  }

  /**
   * Defence in depth: a message about this target never carries its password, whoever wrote the
   * message.
   */
  @Override
  public String scrub(String message) {
    if (message == null) {
      return null;
    }
    String password;
    try {
      password = password();
    } catch (IllegalStateException e) {
      return message;
    }
    return password == null || password.length() < 4 ? message : message.replace(password, "****");
  }

  /**
   * Serialises changes to this database with other releases and nodes; close it when the change is
   * done.
   */
  MigrationLock lock(String releaseId) {
    return MigrationLock.acquire(this, releaseId);
  }

  /**
   * How the lock's session (and pg_stat_activity) names the release holding it; PostgreSQL keeps 63
   * bytes.
   */
  static String applicationName(String releaseId) {
    String name = "countersign:" + releaseId;
    return name.length() <= 63 ? name : name.substring(0, 63);
  }

  Path migrations(DatabaseChange change) {
    return paths.resolve(change.migrations(), properties.migrationRoots());
  }

  /**
   * installedBy marks each history row with the release, so a retried job still knows what it
   * applied.
   */
  Flyway flyway(Path migrations, String releaseId) {
    return Flyway.configure()
        .dataSource(properties.url(), properties.username(), password())
        .locations("filesystem:" + migrations)
        .table(HISTORY_TABLE)
        .installedBy(installedBy(releaseId))
        .validateMigrationNaming(true)
        .failOnMissingLocations(true)
        // With its default transactional advisory lock, Flyway writes the history row on a second
        // connection, so a migration and its row commit apart: a node killed in between left the
        // schema changed with no row, and the re-run applied the script again (a crash test found
        // it). A session lock makes Flyway use one connection, the script and its row one commit.
        .configuration(Map.of(PG_TRANSACTIONAL_LOCK, "false"))
        .load();
  }

  static final String PG_TRANSACTIONAL_LOCK = "flyway.postgresql.transactional.lock";

  /** Fits Flyway's installed_by column (100 characters). */
  static String installedBy(String releaseId) {
    String marker = "countersign:" + releaseId;
    return marker.length() <= 100
        ? marker
        : "countersign:" + sha256(releaseId.getBytes(StandardCharsets.UTF_8));
  }

  /** Deterministic per release and target, so a re-run overwrites the same file. */
  Path backupFile(String releaseId) {
    return backupDirectory.resolve(
        releaseId.replaceAll("[^A-Za-z0-9._-]", "_")
            + "-"
            + name
            + properties.backup().extension());
  }

  /** Versions in the migrations folder, for a dry run that cannot reach the database. */
  List<MigrationVersion> migrationFiles(Path migrations) {
    return scripts(migrations, MIGRATION).keySet().stream().toList();
  }

  /**
   * The rollback script of each version, in the given order; an IllegalArgumentException names what
   * is missing (an unusable folder, a version without script) before anything ran.
   */
  List<Path> rollbackScripts(DatabaseChange change, List<MigrationVersion> versions) {
    String folder = MigrationPaths.rollbacksOf(change);
    Map<MigrationVersion, Path> scripts;
    try {
      scripts = scripts(paths.resolve(folder, properties.migrationRoots()), ROLLBACK);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("rollbacks folder " + folder + " " + e.getMessage(), e);
    }
    List<String> missing =
        versions.stream()
            .filter(v -> !scripts.containsKey(v))
            .map(MigrationVersion::getVersion)
            .toList();
    if (!missing.isEmpty()) {
      throw new IllegalArgumentException(
          "no rollback script for version " + String.join(", ", missing) + " in " + folder);
    }
    return versions.stream().map(scripts::get).toList();
  }

  private static Map<MigrationVersion, Path> scripts(Path folder, Pattern pattern) {
    Map<MigrationVersion, Path> scripts = new TreeMap<>();
    try (Stream<Path> files = Files.list(folder)) {
      for (Path file : files.sorted().toList()) {
        Matcher m = pattern.matcher(file.getFileName().toString());
        if (m.matches()
            && scripts.put(MigrationVersion.fromVersion(m.group(1).replace('_', '.')), file)
                != null) {
          throw new IllegalArgumentException("has two scripts for version " + m.group(1));
        }
      }
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot be read: " + e.getMessage(), e);
    }
    return scripts;
  }

  static boolean hasHistory(Connection c) throws SQLException {
    try (ResultSet tables =
        c.getMetaData().getTables(c.getCatalog(), c.getSchema(), HISTORY_TABLE, null)) {
      return tables.next();
    }
  }

  /** Successfully applied versions in Flyway's history, each with the exact string stored there. */
  static Map<MigrationVersion, String> appliedVersions(Connection c) throws SQLException {
    Map<MigrationVersion, String> versions = new HashMap<>();
    if (!hasHistory(c)) {
      return versions;
    }
    try (ResultSet rs =
        c.createStatement()
            .executeQuery(
                "SELECT \"version\" FROM \""
                    + HISTORY_TABLE
                    + "\" WHERE \"success\" = TRUE AND \"version\" IS NOT NULL")) {
      while (rs.next()) {
        versions.put(MigrationVersion.fromVersion(rs.getString(1)), rs.getString(1));
      }
    }
    return versions;
  }

  /**
   * SHA-256 over the schema (see {@link SchemaFingerprint}); an unreachable target throws
   * (retried).
   */
  String fingerprint() {
    try (Connection c = connectOrThrow()) {
      return SchemaFingerprint.of(c, properties.postgres());
    } catch (SQLException e) {
      throw new IllegalStateException(
          "cannot read the schema of database target " + name + ": " + scrub(e.getMessage()), e);
    }
  }

  /**
   * Connection trouble is transient (retried); anything else a database says about SQL is
   * deterministic. Class 08 is a lost or refused connection; 57P0x a server shutting down or
   * terminating the session.
   */
  static boolean isConnectionProblem(Throwable error) {
    for (Throwable t = error; t != null; t = t.getCause()) {
      if (t instanceof SQLTransientException
          || t instanceof SQLNonTransientConnectionException
          || t instanceof SQLRecoverableException
          || t instanceof SocketException
          || (t instanceof SQLException s
              && s.getSQLState() != null
              && (s.getSQLState().startsWith("08") || s.getSQLState().startsWith("57P")))) {
        return true;
      }
    }
    return false;
  }

  /**
   * A short reason for a variable or evidence: the first line of the error plus the database's
   * message.
   */
  static String describe(Throwable error) {
    String head =
        String.valueOf(error.getMessage())
            .lines()
            .findFirst()
            .orElse(error.getClass().getSimpleName());
    Throwable root = rootCause(error);
    return shorten(
        root == error ? String.valueOf(error.getMessage()) : head + ": " + root.getMessage());
  }

  static Throwable rootCause(Throwable error) {
    Throwable root = error;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    return root;
  }

  static String shorten(String text) {
    return text.length() <= 1000 ? text : text.substring(0, 1000) + "...";
  }

  static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  static String sha256(Path file) {
    try (DigestInputStream in =
        new DigestInputStream(Files.newInputStream(file), MessageDigest.getInstance("SHA-256"))) {
      in.transferTo(OutputStream.nullOutputStream());
      return HexFormat.of().formatHex(in.getMessageDigest().digest());
    } catch (IOException e) {
      throw new IllegalStateException("cannot read backup " + file + ": " + e.getMessage(), e);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
