package io.countersign.evidence;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Bundles as files, {@code <directory>/<chain>/<entries, 19 digits>.json}, created new (an existing
 * file is never replaced) and then made read-only. A directory on its own volume or a mount with
 * retention (WORM storage) is what makes this hold against the host's administrators; S3 Object
 * Lock does it without one.
 */
final class DirectoryBundleArchive implements BundleArchive {
  private final Path directory;

  DirectoryBundleArchive(Path directory) {
    this.directory = directory;
  }

  Path directory() {
    return directory;
  }

  @Override
  public String describe() {
    return directory.toString();
  }

  @Override
  public String write(String chain, long entries, byte[] bundle) throws IOException {
    Path file = directory.resolve(chain).resolve(S3CheckpointSink.objectName(entries));
    Files.createDirectories(file.getParent());
    Files.write(file, bundle, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
    if (!file.toFile().setReadOnly()) {
      throw new IOException("cannot make " + file + " read-only");
    }
    return file.toString();
  }
}
