package io.countersign.release;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.countersign.evidence.EvidenceEntry;
import io.countersign.evidence.EvidenceLog;
import io.countersign.process.IntegrityViolation;
import java.util.List;
import java.util.Map;

/**
 * What release-policy.dmn decided for a release, as its signed {@code policy-applied} entry records
 * it. The checkpoints read this rather than the process variables of the same names: a variable can
 * be written past the API, a signed entry cannot.
 */
record SignedPolicy(JsonNode payload) {
  private static final ObjectMapper JSON = new ObjectMapper();

  static SignedPolicy of(EvidenceLog evidence, String releaseId) {
    List<EvidenceEntry> applied = evidence.authentic(releaseId, "policy-applied");
    if (applied.isEmpty()) {
      throw new IntegrityViolation(releaseId, "its evidence holds no policy-applied entry");
    }
    return new SignedPolicy(applied.get(applied.size() - 1).payload());
  }

  /** A list of names ({@code requiredEvidence}, …); empty when the entry has none. */
  List<String> names(String field) {
    List<String> names =
        JSON.convertValue(payload.path(field), new TypeReference<List<String>>() {});
    return names == null ? List.of() : names;
  }

  /** Per evidence type, the {@code evidenceChecks} decision's outputs. */
  Map<String, Map<String, Object>> evidenceChecks() {
    return JSON.convertValue(
        payload.path("evidenceChecks"), new TypeReference<Map<String, Map<String, Object>>>() {});
  }

  /** A text output, or null when the decision gave none. */
  String text(String field) {
    return payload.path(field).textValue();
  }
}
