package io.countersign.database;

import io.countersign.manifest.ReleaseManifest.DatabaseChange;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;

/**
 * Resolves a manifest's migration folders. A manifest is untrusted input: a folder must be
 * relative, exist, and its real path (symlinks followed) must lie inside one of the target's
 * migration roots.
 */
final class MigrationPaths {
  private final Path workingDirectory;

  MigrationPaths(Path workingDirectory) {
    this.workingDirectory = workingDirectory.toAbsolutePath().normalize();
  }

  /**
   * The real directory, or an {@link IllegalArgumentException} whose message a requester can read.
   */
  Path resolve(String relative, List<String> roots) {
    if (relative == null || relative.isBlank() || Path.of(relative).isAbsolute()) {
      throw new IllegalArgumentException("must be a relative path");
    }
    Path real;
    try {
      real = workingDirectory.resolve(relative).normalize().toRealPath();
    } catch (IOException e) {
      throw new IllegalArgumentException("is not an existing directory");
    }
    if (!Files.isDirectory(real)) {
      throw new IllegalArgumentException("is not an existing directory");
    }
    for (String root : roots) {
      Path realRoot = realRoot(root);
      if (realRoot != null && real.startsWith(realRoot)) {
        return real;
      }
    }
    throw new IllegalArgumentException("is outside the target's allowed migration roots " + roots);
  }

  /** Whether anything (a symlink included) is at the relative path. */
  boolean exists(String relative) {
    return !Path.of(relative).isAbsolute()
        && Files.exists(workingDirectory.resolve(relative).normalize(), LinkOption.NOFOLLOW_LINKS);
  }

  /**
   * The rollback scripts' folder: the manifest's, or the sibling {@code rollbacks} of the
   * migrations.
   */
  static String rollbacksOf(DatabaseChange change) {
    if (change.rollbacks() != null) {
      return change.rollbacks();
    }
    return Path.of(change.migrations()).normalize().resolveSibling("rollbacks").toString();
  }

  private Path realRoot(String root) {
    try {
      return workingDirectory.resolve(root).normalize().toRealPath();
    } catch (IOException e) {
      return null; // a configured root that does not exist allows nothing
    }
  }
}
