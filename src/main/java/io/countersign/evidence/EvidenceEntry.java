package io.countersign.evidence;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;

/**
 * One row of an evidence chain, as stored. {@code releaseId} is the chain id (a release id, or e.g.
 * {@link EvidenceLog#MODELS_CHAIN}); {@code signature} is the base64 Ed25519 signature of {@link
 * EvidenceSigner#entryText} with the server's evidence signing key.
 */
public record EvidenceEntry(
    String releaseId,
    long seq,
    String type,
    String actor,
    Instant recordedAt,
    JsonNode payload,
    String previousHash,
    String hash,
    String signature) {}
