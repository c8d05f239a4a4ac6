package io.countersign.database;

import io.countersign.process.TargetMode;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * One named database target from {@code countersign.targets.databases.<name>}. Credentials stay
 * here, on the server; manifests only name the target. The password comes from the environment (a
 * {@code ${...}} placeholder) or from {@code password-file}, read each time it is used so a rotated
 * secret needs no restart. Unlike the other kinds, each database target has a mode of its own (the
 * embedded default migrates its demo database live while the cloud kinds run dry).
 */
record DatabaseTargetProperties(
    TargetMode mode,
    String url,
    String username,
    String password,
    String passwordFile,
    List<String> migrationRoots,
    BackupMethod backup) {

  DatabaseTargetProperties {
    // Fail at start-up rather than guess: a missing mode must not silently become live (or
    // dry-run).
    Objects.requireNonNull(mode, "mode (live|dry-run) is required");
    Objects.requireNonNull(url, "url is required");
    migrationRoots = migrationRoots == null ? List.of() : List.copyOf(migrationRoots);
    backup = backup == null ? BackupMethod.NONE : backup;
    if (passwordFile != null
        && !passwordFile.isBlank()
        && password != null
        && !password.isEmpty()) {
      throw new IllegalArgumentException("set password or password-file, not both");
    }
    if (backup == BackupMethod.PG_DUMP && !postgres(url)) {
      throw new IllegalArgumentException("backup: pg-dump needs a jdbc:postgresql: url");
    }
    if (backup == BackupMethod.H2_SCRIPT && !url.startsWith("jdbc:h2:")) {
      throw new IllegalArgumentException("backup: h2-script needs a jdbc:h2: url");
    }
  }

  boolean postgres() {
    return postgres(url);
  }

  private static boolean postgres(String url) {
    return url.startsWith("jdbc:postgresql:");
  }

  @Override
  public String toString() { // keeps the password out of logs
    return "DatabaseTarget[mode="
        + mode.id()
        + ", url="
        + url
        + ", roots="
        + migrationRoots
        + ", backup="
        + backup.id()
        + "]";
  }

  /**
   * How a backup is taken before migrating: pg_dump for PostgreSQL, H2's SCRIPT for the embedded
   * demo.
   */
  enum BackupMethod {
    PG_DUMP,
    H2_SCRIPT,
    NONE;

    String id() {
      return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** The backup file's extension: pg_dump's custom format is not SQL. */
    String extension() {
      return this == PG_DUMP ? ".dump" : ".sql";
    }
  }
}
