package io.countersign.evidence;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.KeyFactory;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.time.Instant;
import java.time.Period;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Checkpoints: when they are written (after commit only), what a line holds, and how they are read
 * back.
 */
class CheckpointsTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String RELEASE = "rel-1";

  @TempDir Path dir;
  private EvidenceDatabase db;
  private EvidenceSigner signer;
  private Path file;

  @BeforeEach
  void setUp() {
    db = new EvidenceDatabase();
    signer = EvidenceDatabase.signer(dir);
    file = dir.resolve("var/checkpoints.jsonl");
  }

  @AfterEach
  void tearDown() {
    db.close();
  }

  private EvidenceLog log(int interval, CheckpointSink... extra) {
    List<CheckpointSink> sinks =
        new ArrayList<>(List.of(new FileCheckpointSink(file, signer.publicKey())));
    sinks.addAll(List.of(extra));
    return new EvidenceLog(db.jdbc, signer, new Checkpoints(signer, interval, sinks));
  }

  private List<JsonNode> lines() throws IOException {
    if (!Files.exists(file)) {
      return List.of();
    }
    List<JsonNode> lines = new ArrayList<>();
    for (String line : Files.readAllLines(file)) {
      lines.add(JSON.readTree(line));
    }
    return lines;
  }

  private List<Long> counts() throws IOException {
    return lines().stream().map(l -> l.path("count").asLong()).toList();
  }

  @Test
  void atTheFirstEntryEveryIntervalAndAtTheReleasesEnd() throws Exception {
    EvidenceLog log = log(3);
    for (int i = 1; i <= 7; i++) {
      log.record(RELEASE, "step-" + i, "countersign", Map.of("n", i));
    }
    assertThat(counts()).containsExactly(1L, 3L, 6L);
    log.record(
        RELEASE,
        "status-changed",
        "countersign",
        Map.of("from", "verifying", "to", "released", "closed", true));
    assertThat(counts()).containsExactly(1L, 3L, 6L, 8L);
    // Another chain is checkpointed on its own.
    log.record(EvidenceLog.MODELS_CHAIN, "model-deployed", "admin", Map.of());
    assertThat(lines())
        .last()
        .satisfies(l -> assertThat(l.path("chain").asText()).isEqualTo("models"));
  }

  @Test
  void theStatusChangesThatEndARelease() {
    ObjectMapper m = new ObjectMapper();
    assertThat(
            Checkpoints.endsRelease(
                "status-changed", m.valueToTree(Map.of("to", "released", "closed", true))))
        .isTrue();
    for (String end :
        List.of("rejected", "expired", "cancelled", "rolled-back", "failed", "released")) {
      assertThat(
              Checkpoints.endsRelease(
                  "status-changed", m.valueToTree(Map.of("to", end, "closed", false))))
          .as(end)
          .isTrue();
    }
    assertThat(
            Checkpoints.endsRelease(
                "status-changed", m.valueToTree(Map.of("to", "deploying", "closed", false))))
        .isFalse();
    assertThat(
            Checkpoints.endsRelease("release-cancelled", m.valueToTree(Map.of("to", "cancelled"))))
        .isFalse();
  }

  @Test
  void aLineIsTheDocumentedSignedText() throws Exception {
    log(10).record(RELEASE, "release-requested", "alice", Map.of());
    JsonNode line = lines().get(0);
    assertThat(JSON.convertValue(line, Map.class).keySet())
        .containsExactly("chain", "count", "lastHash", "time", "keyId", "signature");
    assertThat(line.path("time").asText())
        .matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z");
    assertThat(line.path("lastHash").asText())
        .isEqualTo(db.jdbc.queryForObject("SELECT hash FROM cs_evidence", String.class));
    // Checked the way an auditor would, with the JDK alone.
    String text =
        "countersign-evidence-checkpoint-v1\n"
            + RELEASE
            + "\n1\n"
            + line.path("lastHash").asText()
            + "\n"
            + line.path("time").asText();
    Signature ed25519 = Signature.getInstance("Ed25519");
    ed25519.initVerify(
        KeyFactory.getInstance("Ed25519")
            .generatePublic(
                new X509EncodedKeySpec(Base64.getDecoder().decode(signer.publicKeyBase64()))));
    ed25519.update(text.getBytes(UTF_8));
    assertThat(ed25519.verify(Base64.getDecoder().decode(line.path("signature").asText())))
        .isTrue();
    assertThat(line.path("keyId").asText()).isEqualTo(signer.keyId());
  }

  @Test
  void aRolledBackAppendWritesNoCheckpoint() throws Exception {
    EvidenceLog log = log(2);
    log.record(RELEASE, "release-requested", "alice", Map.of());
    db.transaction.executeWithoutResult(
        status -> {
          assertThat(log.record(RELEASE, "sign-off", "bob", Map.of()).seq()).isEqualTo(2);
          status.setRollbackOnly();
        });
    assertThatThrownBy(
            () ->
                db.transaction.executeWithoutResult(
                    status -> {
                      log.record(
                          RELEASE,
                          "status-changed",
                          "countersign",
                          Map.of("to", "cancelled", "closed", true));
                      throw new IllegalStateException("the step failed after recording");
                    }))
        .hasMessage("the step failed after recording");
    assertThat(counts()).containsExactly(1L);

    log.record(RELEASE, "sign-off", "bob", Map.of());
    assertThat(counts()).containsExactly(1L, 2L);
    assertThat(log.verify(RELEASE).problems()).isEmpty();
  }

  @Test
  void theCheckpointWaitsForTheCallersCommit() throws Exception {
    EvidenceLog log = log(10);
    db.transaction.executeWithoutResult(
        status -> {
          log.record(RELEASE, "release-requested", "alice", Map.of());
          try {
            assertThat(counts()).as("nothing outside the database before the commit").isEmpty();
          } catch (IOException e) {
            throw new IllegalStateException(e);
          }
        });
    assertThat(counts()).containsExactly(1L);
  }

  @Test
  void aRestartReadsTheLatestCheckpointFromTheFile() throws Exception {
    EvidenceLog before = log(10);
    for (int i = 1; i <= 12; i++) {
      before.record(RELEASE, "step-" + i, "countersign", Map.of());
    }
    before.record("rel-2", "release-requested", "alice", Map.of());

    // A new server on the same database, key and file.
    EvidenceSigner again = EvidenceDatabase.signer(dir);
    FileCheckpointSink reread = new FileCheckpointSink(file, again.publicKey());
    EvidenceLog after =
        new EvidenceLog(db.jdbc, again, new Checkpoints(again, 10, List.of(reread)));
    assertThat(reread.chains()).containsExactly(RELEASE, "rel-2");
    assertThat(after.verify(RELEASE).checkpoint().count()).isEqualTo(10);
    assertThat(after.verify(RELEASE).valid()).isTrue();

    db.jdbc.update("DELETE FROM cs_evidence WHERE release_id = ? AND seq > 8", RELEASE);
    db.jdbc.update(
        "UPDATE cs_evidence_head SET last_seq = 8, last_hash = (SELECT hash FROM cs_evidence "
            + "WHERE release_id = ? AND seq = 8) WHERE release_id = ?",
        RELEASE,
        RELEASE);
    assertThat(after.verify(RELEASE).problems())
        .singleElement()
        .asString()
        .startsWith("the database ends at seq 8, but the checkpoint of ")
        .endsWith("records 10 entries (entries removed at the end)");
  }

  @Test
  void theLatestCheckpointInMemorySurvivesAFileCutWhileRunning() throws Exception {
    EvidenceLog log = log(10);
    for (int i = 1; i <= 10; i++) {
      log.record(RELEASE, "step-" + i, "countersign", Map.of());
    }
    Files.write(file, new byte[0]);
    assertThat(log.verify(RELEASE).checkpoint().count()).isEqualTo(10);
  }

  @Test
  void forgedOrDamagedLinesAreReported() throws Exception {
    log(10).record(RELEASE, "release-requested", "alice", Map.of());
    EvidenceSigner other = new EvidenceSigner("", "", dir.resolve("other.key").toString());
    Checkpoint forged = Checkpoint.sign(other, RELEASE, 99, "ab".repeat(32), Instant.now());
    Files.writeString(
        file, JSON.writeValueAsString(forged) + "\n{not json\n", StandardOpenOption.APPEND);

    EvidenceLog restarted = log(10);
    ChainVerification verification = restarted.verify(RELEASE);
    assertThat(verification.checkpoint().count())
        .as("the authentic checkpoint still counts")
        .isEqualTo(1);
    assertThat(verification.problems())
        .singleElement()
        .asString()
        .endsWith(
            "line 2 (count 99) is not signed with the evidence signing key (forged, or another key)");
    InstallationVerification all = restarted.verifyAll(Set.of());
    assertThat(all.valid()).isFalse();
    assertThat(all.problems().get(InstallationVerification.CHECKPOINTS))
        .singleElement()
        .asString()
        .endsWith("line 3 is not a checkpoint");
  }

  @Test
  void aSinkThatFailsDoesNotFailTheAppendNorTheOtherSinks() throws Exception {
    List<Checkpoint> failedOn = new CopyOnWriteArrayList<>();
    CheckpointSink broken =
        new CheckpointSink() {
          @Override
          public String describe() {
            return "a broken sink";
          }

          @Override
          public void write(Checkpoint checkpoint) throws IOException {
            failedOn.add(checkpoint);
            throw new IOException("disk full");
          }

          @Override
          public Reading latest(String chain) {
            return new Reading(null, List.of());
          }

          @Override
          public Set<String> chains() {
            return Set.of();
          }

          @Override
          public List<String> unattributed() {
            return List.of();
          }
        };
    EvidenceLog log = log(10, broken);
    assertThat(log.record(RELEASE, "release-requested", "alice", Map.of()).seq()).isEqualTo(1);
    assertThat(failedOn).hasSize(1);
    assertThat(counts()).containsExactly(1L);
    assertThat(log.entries(RELEASE)).hasSize(1);
  }

  @Test
  void misconfigurationIsRefusedAtStart() {
    assertThat(EvidenceConfiguration.problems(new CheckpointProperties(null, null, null)))
        .isEmpty();
    assertThat(EvidenceConfiguration.problems(new CheckpointProperties(0, null, null)))
        .containsExactly("countersign.evidence.checkpoints.interval must be at least 1");
    assertThat(EvidenceConfiguration.problems(new CheckpointProperties(10, " ", null)))
        .singleElement()
        .asString()
        .contains("checkpoints must go somewhere");
    var s3 =
        new CheckpointProperties.S3(
            "Bad_Bucket", null, "FOREVER", null, null, null, null, null, null, null);
    assertThat(EvidenceConfiguration.problems(new CheckpointProperties(10, null, s3)))
        .containsExactlyInAnyOrder(
            "countersign.evidence.checkpoints.s3.region is required (e.g. eu-west-1)",
            "countersign.evidence.checkpoints.s3.bucket must be an S3 bucket name, not 'Bad_Bucket'",
            "countersign.evidence.checkpoints.s3.retention-mode must be COMPLIANCE or GOVERNANCE, not 'FOREVER'",
            "countersign.evidence.checkpoints.s3.retention must be a positive period such as P6Y (how long each object is locked)");
    var good =
        new CheckpointProperties.S3(
            "evidence-locked",
            "cs/",
            null,
            Period.ofYears(6),
            "eu-west-1",
            null,
            null,
            null,
            null,
            null);
    assertThat(EvidenceConfiguration.problems(new CheckpointProperties(10, "", good))).isEmpty();
  }
}
