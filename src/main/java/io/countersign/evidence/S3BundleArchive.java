package io.countersign.evidence;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.time.Clock;
import java.time.Instant;
import java.time.Period;
import java.time.ZoneOffset;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.ChecksumAlgorithm;
import software.amazon.awssdk.services.s3.model.ObjectLockMode;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * Bundles as S3 objects under Object Lock, {@code <prefix>/<chain>/<entries, 19 digits>.json}, each
 * put with its retention (until now + period), so in COMPLIANCE mode not even the bucket's owner
 * can delete or overwrite one before then. The bucket must have Object Lock enabled (checked at
 * start, as for checkpoints).
 */
final class S3BundleArchive implements BundleArchive {
  private final S3Client s3;
  private final String bucket;
  private final String base;
  private final ObjectLockMode mode;
  private final Period retention;
  private final Clock clock;

  S3BundleArchive(
      S3Client s3,
      String bucket,
      String prefix,
      ObjectLockMode mode,
      Period retention,
      Clock clock) {
    this.s3 = s3;
    this.bucket = bucket;
    this.base = S3CheckpointSink.base(prefix);
    this.mode = mode;
    this.retention = retention;
    this.clock = clock;
  }

  @Override
  public String describe() {
    return "s3://" + bucket + "/" + base;
  }

  @Override
  public String write(String chain, long entries, byte[] bundle) throws IOException {
    String key = base + chain + "/" + S3CheckpointSink.objectName(entries);
    Instant retainUntil = clock.instant().atZone(ZoneOffset.UTC).plus(retention).toInstant();
    try {
      s3.putObject(
          r ->
              r.bucket(bucket)
                  .key(key)
                  .contentType("application/json")
                  // Never replace a bundle already archived at this count (S3 conditional write).
                  .ifNoneMatch("*")
                  .objectLockMode(mode)
                  .objectLockRetainUntilDate(retainUntil)
                  .checksumAlgorithm(ChecksumAlgorithm.SHA256),
          RequestBody.fromBytes(bundle));
    } catch (S3Exception failure) {
      if (failure.statusCode() == 412) {
        throw new FileAlreadyExistsException("s3://" + bucket + "/" + key);
      }
      throw new IOException(
          "S3 refused s3://" + bucket + "/" + key + ": " + failure.getMessage(), failure);
    }
    return "s3://" + bucket + "/" + key;
  }
}
