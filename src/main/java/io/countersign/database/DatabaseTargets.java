package io.countersign.database;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/** The configured database targets by name, each behind the adapter its mode selects. */
@Component
class DatabaseTargets implements DatabaseConnections {
  private final Map<String, DatabaseTargetProperties> targets;
  private final MigrationPaths paths;
  private final Path backupDirectory;
  private final PgTools pgTools;

  @Autowired
  DatabaseTargets(
      DatabaseTargetsProperties properties,
      @Value("${countersign.backups.directory:./var/backups}") String backupDirectory,
      @Value("${countersign.database.pg-dump:pg_dump}") String pgDump,
      @Value("${countersign.database.pg-restore:pg_restore}") String pgRestore,
      @Value("${countersign.database.tool-timeout:PT4M}") Duration toolTimeout) {
    this(
        properties.databases(),
        Path.of(""),
        Path.of(backupDirectory),
        new PgTools(pgDump, pgRestore, toolTimeout));
  }

  DatabaseTargets(
      Map<String, DatabaseTargetProperties> targets, Path workingDirectory, Path backupDirectory) {
    this(targets, workingDirectory, backupDirectory, PgTools.DEFAULT);
  }

  /**
   * Relative paths (migration folders, roots, the backup directory) are resolved against {@code
   * workingDirectory}.
   */
  DatabaseTargets(
      Map<String, DatabaseTargetProperties> targets,
      Path workingDirectory,
      Path backupDirectory,
      PgTools pgTools) {
    this.targets = Map.copyOf(targets);
    this.paths = new MigrationPaths(workingDirectory);
    this.backupDirectory = workingDirectory.toAbsolutePath().resolve(backupDirectory).normalize();
    this.pgTools = pgTools;
  }

  Set<String> names() {
    return new TreeSet<>(targets.keySet());
  }

  Optional<DatabaseTargetProperties> properties(String name) {
    return Optional.ofNullable(targets.get(name));
  }

  @Override
  public Optional<Target> target(String name) {
    return properties(name).map(p -> new TargetDatabase(name, p, paths, backupDirectory, pgTools));
  }

  MigrationPaths paths() {
    return paths;
  }

  /**
   * Unknown names were refused when the manifest was submitted; one here means the configuration
   * changed since.
   */
  DatabaseTarget get(String name) {
    DatabaseTargetProperties properties =
        properties(name)
            .orElseThrow(
                () ->
                    new IllegalStateException(
                        "database target '"
                            + name
                            + "' is not configured (known: "
                            + names()
                            + ")"));
    TargetDatabase db = new TargetDatabase(name, properties, paths, backupDirectory, pgTools);
    return properties
        .mode()
        .choose(() -> new FlywayDatabaseTarget(db), () -> new DryRunDatabaseTarget(db));
  }
}
