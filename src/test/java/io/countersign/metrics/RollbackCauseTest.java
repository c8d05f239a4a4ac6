package io.countersign.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.countersign.evidence.EvidenceEntry;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Free-text rollback reasons become one of a few causes: the tag stays bounded. */
class RollbackCauseTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private static String cause(String reason, String failedStep, String requestedBy) {
    Map<String, Object> payload = new HashMap<>();
    payload.put("reason", reason);
    payload.put("failedStep", failedStep);
    payload.put("requestedBy", requestedBy);
    return ReleaseMeters.cause(
        new EvidenceEntry(
            "rel-1",
            1,
            "rollback-started",
            "countersign",
            Instant.now(),
            JSON.valueToTree(payload),
            "0",
            "1",
            "s"));
  }

  @Test
  void reasonsMapToAFewCauses() {
    assertThat(cause("Rollback requested by ops: reminders fire twice", null, "ops"))
        .isEqualTo("requested");
    assertThat(
            cause(
                "Rollback drill: step verifyRelease failed as the manifest asked",
                "verifyRelease",
                null))
        .isEqualTo("drill");
    assertThat(cause("health check 503 on /health", "verifyRelease", null))
        .isEqualTo("verification");
    assertThat(cause("rollout deadline PT10M passed", "checkKubernetesRollout", null))
        .isEqualTo("deadline");
    assertThat(cause("Flyway: syntax error at line 3", "migrateDatabase", null))
        .isEqualTo("step-failed");
    assertThat(cause(null, null, null)).isEqualTo("other");
    assertThat(ReleaseMeters.CAUSES)
        .contains("requested", "drill", "verification", "deadline", "step-failed", "other");
  }
}
