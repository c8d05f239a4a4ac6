package io.countersign.database;

import io.countersign.release.ReleaseManifest.DatabaseChange;
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
import java.sql.DatabaseMetaData;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLRecoverableException;
import java.sql.SQLTransientException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.MigrationVersion;

/** JDBC and Flyway access to one named target, shared by the live and the dry-run adapter. */
final class TargetDatabase {
  static final String HISTORY_TABLE = "flyway_schema_history";
  private static final Pattern MIGRATION = Pattern.compile("V([0-9]+(?:[._][0-9]+)*)__.+\\.sql");
  private static final Pattern ROLLBACK = Pattern.compile("U([0-9]+(?:[._][0-9]+)*)__.+\\.sql");

  final String name;
  final DatabaseTargetProperties properties;
  final MigrationPaths paths;
  final Path backupDirectory;

  TargetDatabase(String name, DatabaseTargetProperties properties, MigrationPaths paths, Path backupDirectory) {
    this.name = name;
    this.properties = properties;
    this.paths = paths;
    this.backupDirectory = backupDirectory;
  }

  Connection connect() throws SQLException {
    return DriverManager.getConnection(properties.url(), properties.username(), properties.password());
  }

  Path migrations(DatabaseChange change) {
    return paths.resolve(change.migrations(), properties.migrationRoots());
  }

  /** installedBy marks each history row with the release, so a retried job still knows what it applied. */
  Flyway flyway(Path migrations, String releaseId) {
    return Flyway.configure()
        .dataSource(properties.url(), properties.username(), properties.password())
        .locations("filesystem:" + migrations)
        .table(HISTORY_TABLE)
        .installedBy(installedBy(releaseId))
        .validateMigrationNaming(true)
        .failOnMissingLocations(true)
        .load();
  }

  /** Fits Flyway's installed_by column (100 characters). */
  static String installedBy(String releaseId) {
    String marker = "countersign:" + releaseId;
    return marker.length() <= 100 ? marker : "countersign:" + sha256(releaseId.getBytes(StandardCharsets.UTF_8));
  }

  /** Deterministic per release and target, so a re-run overwrites the same file. */
  Path backupFile(String releaseId) {
    return backupDirectory.resolve(releaseId.replaceAll("[^A-Za-z0-9._-]", "_") + "-" + name + ".sql");
  }

  /** Versions in the migrations folder, for a dry run that cannot reach the database. */
  List<MigrationVersion> migrationFiles(Path migrations) {
    return scripts(migrations, MIGRATION).keySet().stream().toList();
  }

  /**
   * The rollback script of each version, in the given order; an IllegalArgumentException names what is
   * missing (an unusable folder, a version without script) before anything ran.
   */
  List<Path> rollbackScripts(DatabaseChange change, List<MigrationVersion> versions) {
    String folder = MigrationPaths.rollbacksOf(change);
    Map<MigrationVersion, Path> scripts;
    try {
      scripts = scripts(paths.resolve(folder, properties.migrationRoots()), ROLLBACK);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("rollbacks folder " + folder + " " + e.getMessage(), e);
    }
    List<String> missing = versions.stream().filter(v -> !scripts.containsKey(v)).map(MigrationVersion::getVersion).toList();
    if (!missing.isEmpty()) {
      throw new IllegalArgumentException("no rollback script for version " + String.join(", ", missing) + " in " + folder);
    }
    return versions.stream().map(scripts::get).toList();
  }

  private static Map<MigrationVersion, Path> scripts(Path folder, Pattern pattern) {
    Map<MigrationVersion, Path> scripts = new TreeMap<>();
    try (Stream<Path> files = Files.list(folder)) {
      for (Path file : files.sorted().toList()) {
        Matcher m = pattern.matcher(file.getFileName().toString());
        if (m.matches() && scripts.put(MigrationVersion.fromVersion(m.group(1).replace('_', '.')), file) != null) {
          throw new IllegalArgumentException("has two scripts for version " + m.group(1));
        }
      }
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot be read: " + e.getMessage(), e);
    }
    return scripts;
  }

  /** Successfully applied versions in Flyway's history, each with the exact string stored there. */
  static Map<MigrationVersion, String> appliedVersions(Connection c) throws SQLException {
    Map<MigrationVersion, String> versions = new HashMap<>();
    try (ResultSet tables = c.getMetaData().getTables(c.getCatalog(), c.getSchema(), HISTORY_TABLE, null)) {
      if (!tables.next()) {
        return versions;
      }
    }
    try (ResultSet rs = c.createStatement()
        .executeQuery("SELECT \"version\" FROM \"" + HISTORY_TABLE + "\" WHERE \"success\" = TRUE AND \"version\" IS NOT NULL")) {
      while (rs.next()) {
        versions.put(MigrationVersion.fromVersion(rs.getString(1)), rs.getString(1));
      }
    }
    return versions;
  }

  /**
   * The distinct tables, columns, indexes and foreign keys of the connection's schema, sorted and hashed, read
   * through JDBC metadata so the same code serves H2 and PostgreSQL. Check constraints are not covered.
   */
  String fingerprint() {
    try (Connection c = connect()) {
      DatabaseMetaData md = c.getMetaData();
      String catalog = c.getCatalog();
      String schema = c.getSchema();
      // A set: H2 may back a foreign key with its own index or reuse an equal one (after RUNSCRIPT it reuses).
      Set<String> lines = new TreeSet<>();
      List<String> tables = new ArrayList<>();
      try (ResultSet rs = md.getTables(catalog, schema, "%", null)) {
        while (rs.next()) {
          // PostgreSQL lists indexes as tables too (type INDEX); they are covered per table below.
          if (!HISTORY_TABLE.equalsIgnoreCase(rs.getString("TABLE_NAME")) && !rs.getString("TABLE_TYPE").contains("INDEX")) {
            tables.add(rs.getString("TABLE_NAME"));
            lines.add("table " + rs.getString("TABLE_NAME") + " " + rs.getString("TABLE_TYPE"));
          }
        }
      }
      try (ResultSet rs = md.getColumns(catalog, schema, "%", "%")) {
        while (rs.next()) {
          if (!HISTORY_TABLE.equalsIgnoreCase(rs.getString("TABLE_NAME"))) {
            lines.add(String.join(" ", "column", rs.getString("TABLE_NAME"), rs.getString("COLUMN_NAME"),
                rs.getString("TYPE_NAME"), rs.getString("COLUMN_SIZE"), rs.getString("DECIMAL_DIGITS"),
                rs.getString("IS_NULLABLE"), String.valueOf(rs.getString("COLUMN_DEF"))));
          }
        }
      }
      for (String table : tables) {
        // Index and key names are left out: H2 renames the indexes behind constraints whenever it rebuilds
        // a table (ADD/DROP COLUMN), so only what an index covers is compared.
        Map<String, String> indexes = new TreeMap<>();
        try (ResultSet rs = md.getIndexInfo(catalog, schema, table, false, true)) {
          while (rs.next()) {
            if (rs.getString("INDEX_NAME") != null) {
              indexes.merge(rs.getString("INDEX_NAME") + " " + rs.getBoolean("NON_UNIQUE"),
                  rs.getShort("ORDINAL_POSITION") + ":" + rs.getString("COLUMN_NAME"), (a, b) -> a + "," + b);
            }
          }
        }
        indexes.forEach((key, columns) -> lines.add("index " + table + " unique=" + key.endsWith("false") + " "
            + Arrays.stream(columns.split(",")).sorted().toList()));
        try (ResultSet rs = md.getImportedKeys(catalog, schema, table)) {
          while (rs.next()) {
            lines.add(String.join(" ", "fk", table, rs.getString("KEY_SEQ"), rs.getString("FKCOLUMN_NAME"),
                rs.getString("PKTABLE_NAME"), rs.getString("PKCOLUMN_NAME")));
          }
        }
      }
      return sha256(String.join("\n", lines).getBytes(StandardCharsets.UTF_8));
    } catch (SQLException e) {
      throw new IllegalStateException("cannot read the schema of database target " + name + ": " + e.getMessage(), e);
    }
  }

  /** Connection trouble is transient (retried); anything else a database says about SQL is deterministic. */
  static boolean isConnectionProblem(Throwable error) {
    for (Throwable t = error; t != null; t = t.getCause()) {
      if (t instanceof SQLTransientException || t instanceof SQLNonTransientConnectionException
          || t instanceof SQLRecoverableException || t instanceof SocketException
          || (t instanceof SQLException s && s.getSQLState() != null && s.getSQLState().startsWith("08"))) {
        return true;
      }
    }
    return false;
  }

  /** A short reason for a variable or evidence: the first line of the error plus the database's message. */
  static String describe(Throwable error) {
    String head = String.valueOf(error.getMessage()).lines().findFirst().orElse(error.getClass().getSimpleName());
    Throwable root = rootCause(error);
    return shorten(root == error ? String.valueOf(error.getMessage()) : head + ": " + root.getMessage());
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
    try (DigestInputStream in = new DigestInputStream(Files.newInputStream(file), MessageDigest.getInstance("SHA-256"))) {
      in.transferTo(OutputStream.nullOutputStream());
      return HexFormat.of().formatHex(in.getMessageDigest().digest());
    } catch (IOException e) {
      throw new IllegalStateException("cannot read backup " + file + ": " + e.getMessage(), e);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
