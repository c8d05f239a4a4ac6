package io.countersign.evidencecheck;

import io.countersign.process.TargetMode;
import java.util.Optional;

/**
 * Fetches nothing: the checkpoint records, per item, what it would fetch, the digest it would
 * compare and the thresholds it would apply, and marks the item not checked.
 */
final class DryRunEvidenceSource implements EvidenceSource {
  @Override
  public Optional<byte[]> fetch(String location, long maxBytes) {
    return Optional.empty();
  }

  @Override
  public String mode() {
    return TargetMode.DRY_RUN.id();
  }
}
