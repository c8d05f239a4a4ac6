package io.countersign.database;

import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * One named database target from {@code countersign.targets.databases.<name>}. Credentials stay
 * here, on the server; manifests only name the target.
 */
record DatabaseTargetProperties(
    Mode mode, String url, String username, String password, List<String> migrationRoots, BackupMethod backup) {

  DatabaseTargetProperties {
    // Fail at start-up rather than guess: a missing mode must not silently become live (or dry-run).
    Objects.requireNonNull(mode, "mode (live|dry-run) is required");
    Objects.requireNonNull(url, "url is required");
    migrationRoots = migrationRoots == null ? List.of() : List.copyOf(migrationRoots);
    backup = backup == null ? BackupMethod.NONE : backup;
  }

  @Override
  public String toString() { // keeps the password out of logs
    return "DatabaseTarget[mode=" + mode.id() + ", url=" + url + ", roots=" + migrationRoots + ", backup=" + backup.id() + "]";
  }

  enum Mode {
    LIVE,
    DRY_RUN;

    String id() {
      return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
  }

  /** How a backup is taken before migrating. pg-dump joins here for PostgreSQL targets. */
  enum BackupMethod {
    H2_SCRIPT,
    NONE;

    String id() {
      return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
  }
}
