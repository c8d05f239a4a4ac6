package io.countersign.evidence;

import java.nio.file.Path;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * {@code countersign.evidence.archive}: where each release's signed bundle goes when it ends. A
 * {@code directory} (default: {@code evidence-archive} beside the checkpoints file, so it lives
 * wherever the installation keeps its evidence; blank turns it off when S3 is configured) and
 * optionally an S3 bucket with Object Lock ({@code s3}, as for checkpoints: bucket, prefix,
 * retention-mode, retention, region, role-arn, endpoints).
 */
@ConfigurationProperties("countersign.evidence.archive")
record ArchiveProperties(String directory, CheckpointProperties.S3 s3) {
  static final String PREFIX = "countersign.evidence.archive";
  static final String DEFAULT_S3_PREFIX = "evidence-archive";

  /** The directory, or null when turned off or when there is nowhere to put it by default. */
  Path directoryOrDefault(String checkpointsFile) {
    if (directory != null) {
      return directory.isBlank() ? null : Path.of(directory);
    }
    if (checkpointsFile == null) {
      return null;
    }
    Path parent = Path.of(checkpointsFile).toAbsolutePath().getParent();
    return parent.resolve("evidence-archive");
  }

  boolean s3Enabled() {
    return s3 != null && s3.bucket() != null && !s3.bucket().isBlank();
  }
}
