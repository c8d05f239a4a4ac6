package io.countersign.evidence;

import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.startsWith;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import io.countersign.identity.Groups;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.http.MediaType;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.test.web.servlet.MockMvc;

/**
 * The attacks of the security review, by someone who owns the database but not the evidence signing
 * key (on PostgreSQL the superuser, who switches the append-only triggers off first). Each leaves a
 * chain that the old unkeyed verification accepted; now verification names the problem and export
 * is refused.
 */
class EvidenceAttackTest {
  private static final String RELEASE = "rel-1";
  private static final UsernamePasswordAuthenticationToken AUDITOR =
      EvidenceControllerTest.user("carol", Groups.COMPLIANCE_OFFICERS);

  @Nested
  class OnH2 extends Attacks {
    @Override
    EvidenceDatabase database() {
      return new EvidenceDatabase();
    }
  }

  @Nested
  class OnPostgresql extends Attacks {
    @Override
    EvidenceDatabase database() {
      return EvidenceDatabase.postgres();
    }
  }

  abstract static class Attacks {
    @TempDir Path dir;
    EvidenceDatabase db;
    EvidenceSigner signer;
    EvidenceLog log;
    MockMvc mvc;
    List<EvidenceEntry> recorded;

    abstract EvidenceDatabase database();

    @BeforeEach
    void aReleasedRelease() throws Exception {
      db = database();
      signer = EvidenceDatabase.signer(dir);
      log =
          new EvidenceLog(
              db.jdbc,
              signer,
              new Checkpoints(
                  signer,
                  10,
                  List.of(
                      new FileCheckpointSink(
                          dir.resolve("checkpoints.jsonl"), signer.publicKey()))));
      mvc = EvidenceControllerTest.mvc(log, signer, db);
      EvidenceControllerTest.insertRelease(db, RELEASE, "requester");
      log.record(RELEASE, "release-requested", "requester", Map.of("version", "2.4.0"));
      log.record(
          RELEASE,
          "policy-applied",
          "countersign",
          Map.of("roles", List.of("tech-leads", "qa-leads")));
      log.record(RELEASE, "checkpoint-pre-deployment", "countersign", Map.of("missing", List.of()));
      log.record(
          RELEASE, "sign-off", "tech-lead", Map.of("role", "tech-leads", "decision", "approve"));
      log.record(RELEASE, "sign-off", "qa-lead", Map.of("role", "qa-leads", "decision", "approve"));
      log.record(
          RELEASE,
          "sign-off",
          "security-officer",
          Map.of("role", "security-officers", "decision", "approve"));
      log.record(
          RELEASE,
          "status-changed",
          "countersign",
          statusChange("awaiting-sign-off", "deploying", false));
      log.record(RELEASE, "database-migrated", "countersign", Map.of("applied", List.of("1", "2")));
      log.record(
          RELEASE, "lambda-deployed", "countersign", Map.of("functions", List.of("api_handler")));
      log.record(RELEASE, "verification-result", "countersign", Map.of("status", "passed"));
      log.record(
          RELEASE, "status-changed", "countersign", statusChange("verifying", "released", true));
      recorded = log.entries(RELEASE);
      // Checkpoints at the first entry, at the 10th and at the release's end; the chain verifies.
      assertThat(log.verify(RELEASE).checkpoint().count()).isEqualTo(11);
      assertThat(log.verify(RELEASE).problems()).isEmpty();
      db.dropAppendOnlyGuards();
    }

    @AfterEach
    void close() {
      db.close();
    }

    @Test
    void deletingTheLastEntriesAndMovingTheHeadBack() throws Exception {
      db.jdbc.update("DELETE FROM cs_evidence WHERE release_id = ? AND seq > 9", RELEASE);
      moveHead(recorded.get(8));
      // The unkeyed chain is consistent in itself: only the checkpoint shows the cut.
      assertRefused(
          "the database ends at seq 9, but the checkpoint of ",
          "records 11 entries (entries removed at the end)");
      assertThat(log.verify(RELEASE).problems()).hasSize(1);
    }

    @Test
    void deletingEveryEntryAndTheHead() throws Exception {
      db.jdbc.update("DELETE FROM cs_evidence WHERE release_id = ?", RELEASE);
      db.jdbc.update("DELETE FROM cs_evidence_head WHERE release_id = ?", RELEASE);
      assertRefused(
          "no entries in the database, but the checkpoint of ",
          "records 11 (the chain was deleted)");

      // The release row gone as well: the release's own endpoints know nothing, the installation
      // check does.
      db.jdbc.update("DELETE FROM cs_release WHERE id = ?", RELEASE);
      mvc.perform(get("/api/releases/" + RELEASE + "/evidence/verify").principal(AUDITOR))
          .andExpect(status().isNotFound());
      mvc.perform(get("/api/evidence/verify").principal(AUDITOR))
          .andExpect(status().isOk())
          .andExpect(jsonPath("$.valid").value(false))
          .andExpect(
              jsonPath(
                  "$.problems.rel-1",
                  hasItem(startsWith("no entries in the database, but the checkpoint"))));
    }

    @Test
    void rewritingASignOffsActorAndRecomputingTheUnkeyedChain() throws Exception {
      List<EvidenceEntry> forged =
          recorded.stream().map(e -> e.seq() == 5 ? withActor(e, "release-manager") : e).toList();
      String previous = forged.get(3).hash();
      for (EvidenceEntry e : forged.subList(4, forged.size())) {
        String hash =
            EvidenceLog.hash(
                previous, e.releaseId(), e.seq(), e.type(), e.actor(), e.recordedAt(), e.payload());
        db.jdbc.update(
            "UPDATE cs_evidence SET actor = ?, previous_hash = ?, hash = ? WHERE release_id = ? AND seq = ?",
            e.actor(),
            previous,
            hash,
            RELEASE,
            e.seq());
        previous = hash;
      }
      db.jdbc.update(
          "UPDATE cs_evidence_head SET last_hash = ? WHERE release_id = ?", previous, RELEASE);

      List<String> problems = log.verify(RELEASE).problems();
      assertThat(problems)
          .as("the unkeyed chain itself is consistent")
          .noneMatch(
              p ->
                  p.contains("hash mismatch")
                      || p.contains("previous hash")
                      || p.startsWith("head"));
      assertThat(problems).filteredOn(p -> p.contains("signature does not verify")).hasSize(7);
      assertRefused("seq 5: signature does not verify with the evidence signing key");
      assertRefused("seq 11: hash differs from the checkpoint of ");
    }

    @Test
    void insertingAForgedEntryAtTheEnd() throws Exception {
      EvidenceEntry last = recorded.get(recorded.size() - 1);
      LocalDateTime at = LocalDateTime.ofInstant(last.recordedAt(), ZoneOffset.UTC).plusSeconds(1);
      var payload = last.payload().deepCopy();
      String hash =
          EvidenceLog.hash(
              last.hash(),
              RELEASE,
              12,
              "sign-off",
              "product-owner",
              at.toInstant(ZoneOffset.UTC),
              payload);
      db.jdbc.update(
          "INSERT INTO cs_evidence (release_id, seq, type, actor, recorded_at, payload, previous_hash, hash) "
              + "VALUES (?, 12, 'sign-off', 'product-owner', ?, ?, ?, ?)",
          RELEASE,
          at,
          payload.toString(),
          last.hash(),
          hash);
      db.jdbc.update(
          "UPDATE cs_evidence_head SET last_seq = 12, last_hash = ? WHERE release_id = ?",
          hash,
          RELEASE);

      assertThat(log.verify(RELEASE).problems()).as("links, hashes and head agree").hasSize(1);
      assertRefused("seq 12: not signed");
    }

    @Test
    void replacingASignatureWithOneFromAnotherKey() throws Exception {
      EvidenceSigner other = new EvidenceSigner("", "", dir.resolve("other.key").toString());
      EvidenceEntry signOff = recorded.get(3);
      db.jdbc.update(
          "UPDATE cs_evidence SET signature = ? WHERE release_id = ? AND seq = 4",
          other.signEntry(RELEASE, 4, signOff.hash()),
          RELEASE);

      assertThat(log.verify(RELEASE).problems()).hasSize(1);
      assertRefused("seq 4: signature does not verify with the evidence signing key");
    }

    /**
     * The problem (all parts in one text) is named by verify and by the installation check, and
     * export is refused.
     */
    private void assertRefused(String... parts) throws Exception {
      ChainVerification verification = log.verify(RELEASE);
      assertThat(verification.valid()).isFalse();
      assertThat(verification.problems()).anySatisfy(p -> assertThat(p).contains(parts));
      String first = parts[0];
      mvc.perform(get("/api/releases/" + RELEASE + "/evidence/verify").principal(AUDITOR))
          .andExpect(status().isOk())
          .andExpect(jsonPath("$.valid").value(false))
          .andExpect(jsonPath("$.problems", hasItem(startsWith(first))));
      mvc.perform(get("/api/releases/" + RELEASE + "/evidence").principal(AUDITOR))
          .andExpect(status().isConflict())
          .andExpect(content().contentType(MediaType.APPLICATION_PROBLEM_JSON))
          .andExpect(jsonPath("$.problems", hasItem(startsWith(first))))
          .andExpect(jsonPath("$.entries").doesNotExist());
      mvc.perform(get("/api/evidence/verify").principal(AUDITOR))
          .andExpect(jsonPath("$.valid").value(false))
          .andExpect(jsonPath("$.problems.rel-1", hasItem(startsWith(first))));
    }

    private void moveHead(EvidenceEntry to) {
      db.jdbc.update(
          "UPDATE cs_evidence_head SET last_seq = ?, last_hash = ? WHERE release_id = ?",
          to.seq(),
          to.hash(),
          RELEASE);
    }
  }

  private static Map<String, Object> statusChange(String from, String to, boolean closed) {
    Map<String, Object> payload = new LinkedHashMap<>();
    payload.put("from", from);
    payload.put("to", to);
    payload.put("reason", null);
    payload.put("closed", closed);
    return payload;
  }

  private static EvidenceEntry withActor(EvidenceEntry e, String actor) {
    return new EvidenceEntry(
        e.releaseId(),
        e.seq(),
        e.type(),
        actor,
        e.recordedAt(),
        e.payload(),
        e.previousHash(),
        e.hash(),
        e.signature());
  }
}
