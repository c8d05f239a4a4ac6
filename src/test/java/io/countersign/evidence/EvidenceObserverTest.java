package io.countersign.evidence;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Observers (metrics) hear of committed entries only, and one that throws never fails an append or
 * a verification.
 */
class EvidenceObserverTest {
  @TempDir Path dir;
  private EvidenceDatabase db;
  private final List<String> heard = new ArrayList<>();
  private EvidenceLog log;

  @BeforeEach
  void log() {
    db = new EvidenceDatabase();
    EvidenceSigner signer = new EvidenceSigner("", "", dir.resolve("signing.key").toString());
    EvidenceObserver failing =
        new EvidenceObserver() {
          @Override
          public void committed(EvidenceEntry entry) {
            throw new IllegalStateException("meter broken");
          }

          @Override
          public void verified(String chain, ChainVerification verification) {
            throw new IllegalStateException("meter broken");
          }
        };
    EvidenceObserver listening =
        new EvidenceObserver() {
          @Override
          public void committed(EvidenceEntry entry) {
            heard.add(entry.type());
          }

          @Override
          public void verified(String chain, ChainVerification verification) {
            heard.add("verified " + chain + " " + verification.valid());
          }
        };
    log =
        new EvidenceLog(
            db.jdbc, signer, new Checkpoints(signer, 10, List.of()), List.of(failing, listening));
  }

  @AfterEach
  void close() {
    db.close();
  }

  @Test
  void committedEntriesAreHeardAndAFailingObserverChangesNothing() {
    EvidenceEntry entry = log.record("rel-1", "sign-off", "tech-lead", Map.of("role", "qa-leads"));
    assertThat(entry.seq()).isEqualTo(1);
    assertThat(log.verify("rel-1").valid()).isTrue();
    assertThat(heard).containsExactly("sign-off", "verified rel-1 true");
  }

  @Test
  void anEntryRolledBackWithItsTransactionIsNeverHeard() {
    db.transaction.executeWithoutResult(
        status -> {
          log.record("rel-2", "rollback-started", "countersign", Map.of("reason", "x"));
          status.setRollbackOnly();
        });
    assertThat(heard).isEmpty();
    log.record("rel-2", "status-changed", "countersign", Map.of("to", "failed"));
    assertThat(heard).containsExactly("status-changed");
  }
}
