package io.countersign.evidence;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.fasterxml.jackson.core.JsonProcessingException;
import java.io.IOException;
import java.security.PublicKey;
import java.time.Instant;
import java.time.Period;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.ChecksumAlgorithm;
import software.amazon.awssdk.services.s3.model.CommonPrefix;
import software.amazon.awssdk.services.s3.model.ObjectLockEnabled;
import software.amazon.awssdk.services.s3.model.ObjectLockMode;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * Checkpoints as S3 objects under Object Lock: {@code <prefix>/<chain>/<count, 19 digits>.json},
 * each put with its retention (mode and retain-until date = checkpoint time + period), so not even
 * the bucket's owner can delete or overwrite it in COMPLIANCE mode before then. Keys are
 * deterministic and sort by count, so the last key of a chain is its latest checkpoint.
 */
final class S3CheckpointSink implements CheckpointSink {
  private final S3Client s3;
  private final String bucket;
  private final String base;
  private final ObjectLockMode mode;
  private final Period retention;
  private final PublicKey key;

  /** The client stays its builder's to close. */
  S3CheckpointSink(
      S3Client s3,
      String bucket,
      String prefix,
      ObjectLockMode mode,
      Period retention,
      PublicKey key) {
    this.s3 = s3;
    this.bucket = bucket;
    this.base = base(prefix);
    this.mode = mode;
    this.retention = retention;
    this.key = key;
  }

  String key(String chain, long count) {
    return base + chain + "/" + objectName(count);
  }

  /** A key prefix without leading or trailing slashes, ending in one unless empty. */
  static String base(String prefix) {
    String trimmed = prefix == null ? "" : prefix.replaceAll("^/+|/+$", "");
    return trimmed.isEmpty() ? "" : trimmed + "/";
  }

  /** {@code <count, 19 digits>.json}: names that sort by count (checkpoints, archived bundles). */
  static String objectName(long count) {
    return String.format("%019d", count) + ".json";
  }

  /**
   * Refuses a bucket without Object Lock: its checkpoints could be deleted by whoever holds the
   * bucket.
   */
  void requireObjectLock() {
    requireObjectLock(s3, bucket);
  }

  /** Refuses a bucket without Object Lock (checkpoints and archived bundles alike). */
  static void requireObjectLock(S3Client s3, String bucket) {
    try {
      var configuration =
          s3.getObjectLockConfiguration(r -> r.bucket(bucket)).objectLockConfiguration();
      if (configuration == null || configuration.objectLockEnabled() != ObjectLockEnabled.ENABLED) {
        throw new IllegalStateException("bucket " + bucket + " has no S3 Object Lock enabled");
      }
    } catch (S3Exception e) {
      throw new IllegalStateException(
          "cannot read the Object Lock configuration of bucket " + bucket + ": " + e.getMessage(),
          e);
    }
  }

  @Override
  public String describe() {
    return "s3://" + bucket + "/" + base;
  }

  @Override
  public void write(Checkpoint checkpoint) throws IOException {
    byte[] body = FileCheckpointSink.JSON.writeValueAsBytes(checkpoint);
    Instant retainUntil = checkpoint.instant().atZone(ZoneOffset.UTC).plus(retention).toInstant();
    s3.putObject(
        r ->
            r.bucket(bucket)
                .key(key(checkpoint.chain(), checkpoint.count()))
                .contentType("application/json")
                .objectLockMode(mode)
                .objectLockRetainUntilDate(retainUntil)
                // S3 requires a checksum on every put that carries Object Lock settings.
                .checksumAlgorithm(ChecksumAlgorithm.SHA256),
        RequestBody.fromBytes(body));
  }

  @Override
  public Reading latest(String chain) {
    String last = null;
    for (S3Object object :
        s3.listObjectsV2Paginator(r -> r.bucket(bucket).prefix(base + chain + "/")).contents()) {
      last = object.key();
    }
    if (last == null) {
      return new Reading(null, List.of());
    }
    String objectKey = last;
    String where = "s3://" + bucket + "/" + objectKey;
    Checkpoint checkpoint;
    try {
      checkpoint =
          FileCheckpointSink.JSON.readValue(
              s3.getObjectAsBytes(r -> r.bucket(bucket).key(objectKey)).asString(UTF_8),
              Checkpoint.class);
    } catch (JsonProcessingException e) {
      return new Reading(null, List.of(where + " is not a checkpoint"));
    }
    if (!chain.equals(checkpoint.chain())
        || !objectKey.equals(key(chain, checkpoint.count()))
        || !checkpoint.verifies(key)) {
      return new Reading(
          null,
          List.of(
              where + " is not a checkpoint of this chain signed with the evidence signing key"));
    }
    return new Reading(checkpoint, List.of());
  }

  @Override
  public Set<String> chains() {
    Set<String> chains = new TreeSet<>();
    for (CommonPrefix p :
        s3.listObjectsV2Paginator(r -> r.bucket(bucket).prefix(base).delimiter("/"))
            .commonPrefixes()) {
      String chain = p.prefix().substring(base.length());
      chains.add(chain.endsWith("/") ? chain.substring(0, chain.length() - 1) : chain);
    }
    return chains;
  }

  @Override
  public List<String> unattributed() {
    return List.of();
  }
}
