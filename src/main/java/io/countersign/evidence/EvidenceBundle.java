package io.countersign.evidence;

import java.time.Instant;
import java.util.List;

/** What an auditor exports: every entry of one release plus the verification of the same snapshot. */
public record EvidenceBundle(
    String releaseId, Instant exportedAt, List<EvidenceEntry> entries, ChainVerification verification) {}
