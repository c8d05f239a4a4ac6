package io.countersign.evidence;

import io.countersign.aws.AwsSettings;
import java.net.URI;
import java.time.Duration;
import java.time.Period;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * {@code countersign.evidence.checkpoints}: how often chains are checkpointed ({@code interval},
 * entries; default 10), the JSON-lines {@code file} (default {@code
 * ./var/evidence-checkpoints.jsonl}; blank turns it off when S3 is configured) and optionally an S3
 * bucket with Object Lock.
 */
@ConfigurationProperties("countersign.evidence.checkpoints")
record CheckpointProperties(Integer interval, String file, S3 s3) {
  static final int DEFAULT_INTERVAL = 10;
  static final String DEFAULT_FILE = "./var/evidence-checkpoints.jsonl";

  int intervalOrDefault() {
    return interval == null ? DEFAULT_INTERVAL : interval;
  }

  /** The file, or null when turned off. */
  String fileOrDefault() {
    if (file == null) {
      return DEFAULT_FILE;
    }
    return file.isBlank() ? null : file;
  }

  boolean s3Enabled() {
    return s3 != null && s3.bucket() != null && !s3.bucket().isBlank();
  }

  /**
   * A bucket created with Object Lock; each checkpoint is put with {@code retention-mode}
   * (COMPLIANCE, the default, or GOVERNANCE) until its time plus {@code retention} (a period such
   * as {@code P6Y}; no default: a compliance lock cannot be shortened). AWS access as for the other
   * targets.
   */
  record S3(
      String bucket,
      String prefix,
      String retentionMode,
      Period retention,
      String region,
      String roleArn,
      String externalId,
      Map<String, URI> endpoints,
      Duration callTimeout,
      Integer maxAttempts) {
    static final String DEFAULT_PREFIX = "evidence-checkpoints";

    String prefixOrDefault() {
      return prefix == null ? DEFAULT_PREFIX : prefix;
    }

    String retentionModeOrDefault() {
      return retentionMode == null ? "COMPLIANCE" : retentionMode;
    }

    AwsSettings aws() {
      return new AwsSettings(region, roleArn, externalId, endpoints, callTimeout, maxAttempts);
    }
  }
}
