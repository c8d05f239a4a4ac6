package io.countersign.release;

import static org.assertj.core.api.Assertions.assertThat;

import io.countersign.evidence.EvidenceDatabase;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The release read model on the real schema (H2, migrated by Flyway as the application does). */
class ReleaseRepositoryTest {
  private final EvidenceDatabase db = new EvidenceDatabase();
  private final ReleaseRepository releases = new ReleaseRepository(db.jdbc);

  @AfterEach
  void close() {
    db.close();
  }

  /**
   * A reason longer than its column (every failure of every evidence item) is cut, not refused:
   * refusing it would fail the step that holds the release.
   */
  @Test
  void aReasonLongerThanItsColumnIsCutNotRefused() {
    Instant now = Instant.now();
    releases.insert(
        new ReleaseRepository.ReleaseRow(
            "rel-long",
            "app",
            "1.0.0",
            "staging",
            "CHG-1",
            "checking-evidence",
            null,
            "requester",
            null,
            "a".repeat(64),
            true,
            now,
            now),
        null);

    assertThat(releases.updateStatus("rel-long", "requested", "x".repeat(5000), false))
        .contains("checking-evidence");

    String stored = releases.find("rel-long").orElseThrow().statusReason();
    assertThat(stored).hasSize(ReleaseRepository.REASON_LENGTH).endsWith("x…");
    releases.updateStatus("rel-long", "requested", "short", false);
    assertThat(releases.find("rel-long").orElseThrow().statusReason()).isEqualTo("short");
  }
}
