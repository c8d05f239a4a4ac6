package io.countersign.evidence;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.countersign.ApiAppSupport;
import io.countersign.HttpSupport;
import io.countersign.HttpSupport.Response;
import io.countersign.ManifestFixture;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The embedded default (H2, demo users) over real HTTP: entries are signed and checkpointed,
 * exports verify offline, and the installation and model-chain endpoints answer only their readers.
 * The app is shared with other test classes, so assertions about the whole installation concern
 * this class's chains only.
 */
@ApiAppSupport
class EvidenceAppTest {
  @LocalServerPort int port;
  @Autowired JdbcTemplate jdbc;
  @Autowired EvidenceLog evidence;
  @Autowired Checkpoints checkpoints;
  @TempDir Path dir;
  private HttpSupport http;

  @BeforeEach
  void client() {
    http = new HttpSupport(port);
  }

  @Test
  void theEmbeddedDefaultSignsEveryEntryAndCheckpointsTheRelease() throws Exception {
    Response submitted = submitStaging("keyed");
    assertThat(submitted.status()).as(submitted.body()).isEqualTo(201);
    String id = submitted.json().path("id").asText();
    assertThat(checkpointCounts(id)).as("the first entry is checkpointed").contains(1L);

    Response cancelled =
        http.postJson(
            "requester",
            "/api/releases/" + id + "/cancel",
            Map.of("reason", "keyed evidence test"));
    assertThat(cancelled.status()).as(cancelled.body()).isEqualTo(202);
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                jdbc.queryForObject("SELECT status FROM cs_release WHERE id = ?", String.class, id),
            "cancelled"::equals);
    long end =
        evidence.entries(id).stream()
            .filter(
                e ->
                    e.type().equals("status-changed")
                        && e.payload().path("to").asText().equals("cancelled"))
            .mapToLong(EvidenceEntry::seq)
            .findFirst()
            .orElseThrow();
    assertThat(checkpointCounts(id)).as("the release's end is checkpointed").contains(end);
    // ...and its signed bundle archived outside the database, beside the checkpoints.
    EvidenceEntry archived =
        await()
            .atMost(Duration.ofSeconds(30))
            .until(
                () ->
                    evidence.entries(id).stream()
                        .filter(e -> e.type().equals(EvidenceArchive.ARCHIVED))
                        .findFirst(),
                java.util.Optional::isPresent)
            .orElseThrow();
    assertThat(archived.payload().path("entries").asLong()).isEqualTo(end);
    Path archivedFile = Path.of(archived.payload().path("locations").get(0).asText());
    assertThat(archivedFile.toString())
        .contains("test-work")
        .endsWith(String.format("%019d.json", end));
    assertThat(
            EvidenceSigner.verify(
                HttpSupport.JSON
                    .copy()
                    .disable(
                        com.fasterxml.jackson.databind.DeserializationFeature
                            .FAIL_ON_UNKNOWN_PROPERTIES)
                    .findAndRegisterModules()
                    .readValue(Files.readAllBytes(archivedFile), EvidenceBundle.class),
                http.get("admin", "/api/evidence/public-key").json().path("publicKey").asText()))
        .isEmpty();

    // Every stored entry is signed over the documented text with the key the server publishes.
    JsonNode key = http.get("compliance-officer", "/api/evidence/public-key").json();
    PublicKey publicKey =
        KeyFactory.getInstance("Ed25519")
            .generatePublic(
                new X509EncodedKeySpec(Base64.getDecoder().decode(key.path("publicKey").asText())));
    List<Map<String, Object>> rows =
        jdbc.queryForList(
            "SELECT seq, hash, signature FROM cs_evidence WHERE release_id = ? ORDER BY seq", id);
    assertThat(rows).hasSizeGreaterThanOrEqualTo(3);
    for (Map<String, Object> row : rows) {
      Signature ed25519 = Signature.getInstance("Ed25519");
      ed25519.initVerify(publicKey);
      ed25519.update(
          ("countersign-evidence-entry-v1\n" + id + "\n" + row.get("seq") + "\n" + row.get("hash"))
              .getBytes(UTF_8));
      assertThat(ed25519.verify(Base64.getDecoder().decode((String) row.get("signature"))))
          .as("seq " + row.get("seq"))
          .isTrue();
    }

    // The export carries the signatures and verifies offline with the public key alone.
    Response bundle = http.get("requester", "/api/releases/" + id + "/evidence");
    assertThat(bundle.status()).isEqualTo(200);
    assertThat(bundle.json().path("entries").get(0).path("signature").asText())
        .isEqualTo(rows.get(0).get("signature"));
    Path file = dir.resolve("bundle.json");
    Files.writeString(file, bundle.body());
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    assertThat(
            VerifyEvidenceBundle.run(
                new String[] {file.toString(), key.path("publicKey").asText()},
                new PrintStream(out, true, UTF_8)))
        .as(out.toString(UTF_8))
        .isZero();
  }

  @Test
  void theInstallationCheckFindsAChainDeletedWithAllItsRows() {
    String vanished = "rel-vanished-" + UUID.randomUUID().toString().substring(0, 8);
    String intact = "rel-intact-" + UUID.randomUUID().toString().substring(0, 8);
    evidence.record(vanished, "release-requested", "requester", Map.of());
    evidence.record(intact, "release-requested", "requester", Map.of());
    jdbc.update("DELETE FROM cs_evidence WHERE release_id = ?", vanished);
    jdbc.update("DELETE FROM cs_evidence_head WHERE release_id = ?", vanished);

    for (String reader : List.of("admin", "compliance-officer")) {
      Response check = http.get(reader, "/api/evidence/verify");
      assertThat(check.status()).as(reader).isEqualTo(200);
      JsonNode problems = check.json().path("problems");
      assertThat(check.json().path("valid").asBoolean()).isFalse();
      assertThat(problems.path(vanished).get(0).asText())
          .startsWith("no entries in the database, but the checkpoint of ");
      assertThat(problems.has(intact)).isFalse();
    }
    for (String other : List.of("requester", "tech-lead", "release-manager")) {
      Response refused = http.get(other, "/api/evidence/verify");
      assertThat(refused.status()).as(other).isEqualTo(403);
      assertThat(refused.contentType()).startsWith("application/problem+json");
    }
  }

  @Test
  void theModelsChainHasItsOwnEndpoints() {
    evidence.record(
        EvidenceLog.MODELS_CHAIN,
        "model-deployed",
        "admin",
        Map.of("resource", "bpmn/release.bpmn"));
    for (String reader : List.of("admin", "compliance-officer")) {
      Response bundle = http.get(reader, "/api/evidence/chains/models");
      assertThat(bundle.status()).as(reader).isEqualTo(200);
      assertThat(bundle.json().path("releaseId").asText()).isEqualTo("models");
      assertThat(bundle.json().path("signature").path("value").asText()).isNotBlank();
      assertThat(
              http.get(reader, "/api/evidence/chains/models/verify")
                  .json()
                  .path("valid")
                  .asBoolean())
          .isTrue();
    }
    for (String other : List.of("requester", "tech-lead")) {
      assertThat(http.get(other, "/api/evidence/chains/models").status()).as(other).isEqualTo(403);
      assertThat(http.get(other, "/api/evidence/chains/models/verify").status())
          .as(other)
          .isEqualTo(403);
    }
  }

  /**
   * Every read of the evidence is itself evidence: who, with which groups, what they did to which
   * chain, signed and chained like the rest, and readable only by admins and compliance officers.
   * The release's own chain is not touched by reading it.
   */
  @Test
  void everyEvidenceReadIsRecordedInAChainOfItsOwn() {
    Response submitted = submitStaging("reads");
    String id = submitted.json().path("id").asText();
    http.afterEvidenceCheck("requester", id);
    long releaseEntries = evidence.entries(id).size();

    assertThat(http.get("qa-lead", "/api/releases/" + id + "/evidence").status()).isEqualTo(200);
    assertThat(http.get("requester", "/api/releases/" + id + "/evidence/verify").status())
        .isEqualTo(200);
    Response access = http.get("compliance-officer", "/api/evidence/chains/evidence-access");

    assertThat(access.status()).as(access.body()).isEqualTo(200);
    List<JsonNode> reads = new ArrayList<>();
    access.json().path("entries").forEach(reads::add);
    List<String> last =
        reads.subList(reads.size() - 3, reads.size()).stream()
            .map(
                e ->
                    e.path("actor").asText()
                        + " "
                        + e.path("type").asText()
                        + " "
                        + e.path("payload").path("action").asText()
                        + " "
                        + e.path("payload").path("chain").asText())
            .toList();
    assertThat(last)
        .containsExactly(
            "qa-lead evidence-read export " + id,
            "requester evidence-read verify " + id,
            "compliance-officer evidence-read export evidence-access");
    assertThat(reads.get(reads.size() - 3).path("payload").path("groups"))
        .extracting(JsonNode::asText)
        .contains("qa-leads");
    assertThat(reads.get(reads.size() - 1).path("recordedAt").asText()).isNotBlank();
    assertThat(
            http.get("admin", "/api/evidence/chains/evidence-access/verify")
                .json()
                .path("valid")
                .asBoolean())
        .isTrue();
    // Reading a release leaves its own chain as it was.
    assertThat(evidence.entries(id)).hasSize((int) releaseEntries);
    for (String other : List.of("requester", "qa-lead", "tech-lead", "release-manager")) {
      assertThat(http.get(other, "/api/evidence/chains/evidence-access").status())
          .as(other)
          .isEqualTo(403);
    }
    // ...and who tried and was refused, with why.
    List<JsonNode> after = new ArrayList<>();
    http.get("admin", "/api/evidence/chains/evidence-access")
        .json()
        .path("entries")
        .forEach(after::add);
    List<JsonNode> refused =
        after.subList(after.size() - 5, after.size() - 1).stream()
            .filter(e -> e.path("type").asText().equals("evidence-read-refused"))
            .toList();
    assertThat(refused)
        .extracting(e -> e.path("actor").asText())
        .containsExactly("requester", "qa-lead", "tech-lead", "release-manager");
    assertThat(refused.get(0).path("payload").path("reason").asText())
        .startsWith("requester may not read who read the evidence");
  }

  private Response submitStaging(String label) {
    return http.post(
        "requester",
        "/api/releases",
        "application/json",
        ManifestFixture.json(
            ManifestFixture.withVersion(
                ManifestFixture.staging(), ManifestFixture.freshVersion(label))),
        Map.of());
  }

  private List<Long> checkpointCounts(String chain) throws Exception {
    Path file =
        checkpoints.sinks().stream()
            .filter(FileCheckpointSink.class::isInstance)
            .map(s -> ((FileCheckpointSink) s).file())
            .findFirst()
            .orElseThrow();
    assertThat(file.toString()).as("tests keep out of ./var").contains("test-work");
    List<Long> counts = new ArrayList<>();
    for (String line : Files.readAllLines(file)) {
      JsonNode checkpoint = HttpSupport.JSON.readTree(line);
      if (checkpoint.path("chain").asText().equals(chain)) {
        counts.add(checkpoint.path("count").asLong());
      }
    }
    return counts;
  }
}
