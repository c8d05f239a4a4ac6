package io.countersign.evidence;

import java.time.Instant;
import java.util.List;

/**
 * What an auditor exports: every entry of one release, the verification of the same snapshot, and
 * (from the API) an Ed25519 signature over it.
 */
public record EvidenceBundle(
    String releaseId,
    Instant exportedAt,
    List<EvidenceEntry> entries,
    ChainVerification verification,
    EvidenceSigner.BundleSignature signature) {

  EvidenceBundle withSignature(EvidenceSigner.BundleSignature signature) {
    return new EvidenceBundle(releaseId, exportedAt, entries, verification, signature);
  }
}
