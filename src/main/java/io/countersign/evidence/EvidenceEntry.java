package io.countersign.evidence;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;

/** One row of a release's evidence chain, as stored. */
public record EvidenceEntry(
    String releaseId,
    long seq,
    String type,
    String actor,
    Instant recordedAt,
    JsonNode payload,
    String previousHash,
    String hash) {}
