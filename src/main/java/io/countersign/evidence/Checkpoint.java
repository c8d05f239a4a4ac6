package io.countersign.evidence;

import java.security.PublicKey;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * A chain's state at one moment, signed with the evidence signing key and kept outside the
 * database: the chain has {@code count} entries and the last one's hash is {@code lastHash}. A
 * database that later holds fewer entries, or another hash at seq {@code count}, was changed after
 * this point.
 *
 * <p>signature = Ed25519 over {@code
 * countersign-evidence-checkpoint-v1\n<chain>\n<count>\n<lastHash>\n<time>}, {@code time} ISO-8601
 * UTC with exactly three fraction digits, exactly as stored here.
 */
public record Checkpoint(
    String chain, long count, String lastHash, String time, String keyId, String signature) {
  static final String VERSION = "countersign-evidence-checkpoint-v1";
  private static final DateTimeFormatter MILLIS =
      DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

  static Checkpoint sign(
      EvidenceSigner signer, String chain, long count, String lastHash, Instant time) {
    String at = MILLIS.format(time);
    return new Checkpoint(
        chain, count, lastHash, at, signer.keyId(), signer.sign(text(chain, count, lastHash, at)));
  }

  static String text(String chain, long count, String lastHash, String time) {
    return VERSION + "\n" + chain + "\n" + count + "\n" + lastHash + "\n" + time;
  }

  boolean verifies(PublicKey key) {
    return chain != null
        && lastHash != null
        && time != null
        && EvidenceSigner.verifies(key, text(chain, count, lastHash, time), signature);
  }

  Instant instant() {
    return Instant.parse(time);
  }
}
