package io.countersign.evidence;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.math.BigDecimal;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.Signature;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.IntStream;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EvidenceLogTest {
  private static final String RELEASE = "rel-1";

  @TempDir Path dir;
  private EvidenceDatabase db;
  private EvidenceLog log;

  @BeforeEach
  void setUp() {
    db = new EvidenceDatabase();
    log = db.log(dir);
  }

  @AfterEach
  void tearDown() {
    db.close();
  }

  @Test
  void chainOfEntriesLinksAndVerifies() {
    Map<String, Object> mixed = new LinkedHashMap<>();
    mixed.put("price", new BigDecimal("1.50"));
    mixed.put("ratio", 0.25);
    mixed.put("count", 3L);
    mixed.put("ok", true);
    mixed.put("none", null);
    mixed.put("list", List.of(1, "two", Map.of("z", 1, "a", 2)));
    List<EvidenceEntry> recorded =
        List.of(
            log.record(RELEASE, "release-requested", "alice", Map.of("version", "2.4.0")),
            log.record(
                RELEASE,
                "sign-off-recorded",
                "bob",
                Map.of("role", "qa-lead", "decision", "approve")),
            log.record(RELEASE, "database-migrated", "countersign", mixed),
            log.record(
                RELEASE,
                "lambda-deployed",
                "countersign",
                Map.of("functions", List.of("api_handler"))),
            log.record(RELEASE, "step-skipped", "countersign", null));

    assertThat(recorded).extracting(EvidenceEntry::seq).containsExactly(1L, 2L, 3L, 4L, 5L);
    assertThat(recorded.get(0).previousHash()).isEqualTo("0".repeat(64));
    for (int i = 1; i < recorded.size(); i++) {
      assertThat(recorded.get(i).previousHash()).isEqualTo(recorded.get(i - 1).hash());
    }
    // What record() returns is exactly what is read back: time truncated to millis, payload
    // normalized.
    assertThat(log.entries(RELEASE)).containsExactlyElementsOf(recorded);
    assertThat(recorded.get(2).payload().get("price").asText()).isEqualTo("1.5");
    assertThat(recorded.get(4).payload().isObject()).isTrue();
    assertThat(recorded.get(4).payload().isEmpty()).isTrue();

    ChainVerification verification = log.verify(RELEASE);
    assertThat(verification.problems()).isEmpty();
    assertThat(verification.valid()).isTrue();
    assertThat(verification.entries()).isEqualTo(5);
    assertThat(verification.lastHash()).isEqualTo(recorded.get(4).hash());
  }

  @Test
  void hashFollowsTheDocumentedFormula() throws Exception {
    EvidenceEntry entry =
        log.record(RELEASE, "database-migrated", "countersign", Map.of("b", "x", "a", 1));

    String recordedAt =
        DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'")
            .format(entry.recordedAt().atOffset(ZoneOffset.UTC));
    String canonical =
        "{\"actor\":\"countersign\",\"payload\":{\"a\":1,\"b\":\"x\"},\"recordedAt\":\""
            + recordedAt
            + "\",\"releaseId\":\"rel-1\",\"seq\":1,\"type\":\"database-migrated\"}";
    byte[] digest =
        MessageDigest.getInstance("SHA-256")
            .digest(("0".repeat(64) + "\n" + canonical).getBytes(UTF_8));
    assertThat(entry.hash()).isEqualTo(HexFormat.of().formatHex(digest));
    assertThat(entry.recordedAt().getNano() % 1_000_000).isZero();
  }

  @Test
  void everyEntryIsSignedOverTheDocumentedText() throws Exception {
    EvidenceEntry first = log.record(RELEASE, "release-requested", "alice", Map.of());
    EvidenceEntry second = log.record(RELEASE, "sign-off", "bob", Map.of("decision", "approve"));
    EvidenceSigner signer = EvidenceDatabase.signer(dir); // the same key file: the same key
    for (EvidenceEntry e : List.of(first, second)) {
      Signature ed25519 = Signature.getInstance("Ed25519");
      ed25519.initVerify(signer.publicKey());
      ed25519.update(
          ("countersign-evidence-entry-v1\nrel-1\n" + e.seq() + "\n" + e.hash()).getBytes(UTF_8));
      assertThat(ed25519.verify(Base64.getDecoder().decode(e.signature()))).isTrue();
    }
    assertThat(db.jdbc.queryForList("SELECT signature FROM cs_evidence ORDER BY seq", String.class))
        .containsExactly(first.signature(), second.signature());
  }

  @Test
  void detectsARemovedSignature() {
    assertTampered(
        sql("UPDATE cs_evidence SET signature = NULL WHERE seq = 2"),
        "seq 2: not signed (an entry added without the evidence signing key)");
  }

  @Test
  void detectsASignatureMovedToAnotherEntry() {
    assertTampered(
        sql(
            "UPDATE cs_evidence SET signature = (SELECT signature FROM cs_evidence WHERE release_id = 'rel-2')"
                + " WHERE seq = 4"),
        "seq 4: signature does not verify with the evidence signing key");
  }

  @Test
  void anAuthenticEntryRemembersOnlyItsOwnSignatureCheck() {
    log.record(RELEASE, "deployment-started", "countersign", Map.of("n", 1));
    log.record(RELEASE, "deployment-started", "countersign", Map.of("n", 2));
    // Both verified once, and asked for again as every deploy step does.
    assertThat(log.authentic(RELEASE, "deployment-started")).hasSize(2);
    assertThat(log.authentic(RELEASE, "deployment-started")).hasSize(2);

    // The first entry's remembered signature, copied onto the second, does not make it authentic.
    db.jdbc.update(
        "UPDATE cs_evidence SET signature = (SELECT signature FROM cs_evidence WHERE seq = 1)"
            + " WHERE seq = 2");
    assertThat(log.authentic(RELEASE, "deployment-started"))
        .extracting(EvidenceEntry::seq)
        .containsExactly(1L);
    // Nor does a changed payload under its old signature.
    db.jdbc.update("UPDATE cs_evidence SET payload = '{\"n\":3}' WHERE seq = 1");
    assertThat(log.authentic(RELEASE, "deployment-started")).isEmpty();
  }

  @Test
  void chainIdsAreNamesNotPaths() {
    for (String id : List.of("rel/1", "../rel", "rel 1", "-rel")) {
      assertThatThrownBy(() -> log.record(id, "t", "a", Map.of()))
          .as(id)
          .isInstanceOf(IllegalArgumentException.class);
    }
    assertThat(log.record(EvidenceLog.MODELS_CHAIN, "model-deployed", "admin", Map.of()).seq())
        .isEqualTo(1);
  }

  @Test
  void canonicalJsonDoesNotDependOnKeyOrder() {
    Map<String, Object> innerA = new LinkedHashMap<>();
    innerA.put("y", 2);
    innerA.put("x", List.of(Map.of("q", 1), "s"));
    Map<String, Object> a = new LinkedHashMap<>();
    a.put("zeta", innerA);
    a.put("alpha", true);

    Map<String, Object> innerB = new LinkedHashMap<>();
    innerB.put("x", List.of(Map.of("q", 1), "s"));
    innerB.put("y", 2);
    Map<String, Object> b = new LinkedHashMap<>();
    b.put("alpha", true);
    b.put("zeta", innerB);

    String expected = "{\"alpha\":true,\"zeta\":{\"x\":[{\"q\":1},\"s\"],\"y\":2}}";
    assertThat(log.canonicalJson(a)).isEqualTo(expected);
    assertThat(log.canonicalJson(b)).isEqualTo(expected);

    log.record(RELEASE, "checked", "countersign", a);
    assertThat(
            db.jdbc.queryForObject(
                "SELECT payload FROM cs_evidence WHERE release_id = ?", String.class, RELEASE))
        .isEqualTo(expected);
  }

  @Test
  void rejectsBlankReleaseTypeOrActor() {
    assertThatThrownBy(() -> log.record(" ", "t", "a", Map.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("releaseId");
    assertThatThrownBy(() -> log.record(RELEASE, "", "a", Map.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("type");
    assertThatThrownBy(() -> log.record(RELEASE, "t", null, Map.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("actor");
    assertThat(log.entries(RELEASE)).isEmpty();
  }

  @Test
  void detectsChangedPayload() {
    assertTampered(
        sql("UPDATE cs_evidence SET payload = '{\"rows\":999}' WHERE seq = 3"),
        "seq 3: hash mismatch");
  }

  @Test
  void detectsChangedActor() {
    assertTampered(
        sql("UPDATE cs_evidence SET actor = 'mallory' WHERE seq = 3"), "seq 3: hash mismatch");
  }

  @Test
  void detectsChangedType() {
    assertTampered(
        sql("UPDATE cs_evidence SET type = 'tests-passed' WHERE seq = 3"), "seq 3: hash mismatch");
  }

  @Test
  void detectsChangedTime() {
    assertTampered(
        sql("UPDATE cs_evidence SET recorded_at = recorded_at - INTERVAL '5' MINUTE WHERE seq = 3"),
        "seq 3: hash mismatch");
  }

  @Test
  void detectsDeletedMiddleRow() {
    assertTampered(
        sql("DELETE FROM cs_evidence WHERE seq = 3"),
        "seq 4: expected seq 3",
        "seq 4: previous hash does not match the hash of seq 2");
  }

  @Test
  void detectsDeletedLastRow() {
    assertTampered(
        sql("DELETE FROM cs_evidence WHERE seq = 5"),
        "head records seq 5 but the last entry is seq 4");
  }

  @Test
  void detectsSwappedRows() {
    assertTampered(
        sql(
            "UPDATE cs_evidence SET seq = -1 WHERE seq = 2",
            "UPDATE cs_evidence SET seq = 2 WHERE seq = 3",
            "UPDATE cs_evidence SET seq = 3 WHERE seq = -1"),
        "seq 2: hash mismatch",
        "seq 3: hash mismatch",
        "seq 2: previous hash does not match");
  }

  @Test
  void detectsEditedPreviousHash() {
    assertTampered(
        sql("UPDATE cs_evidence SET previous_hash = '" + "f".repeat(64) + "' WHERE seq = 3"),
        "seq 3: previous hash does not match the hash of seq 2",
        "seq 3: hash mismatch");
  }

  @Test
  void detectsRecomputedRowWhenTheNextLinkBreaks() {
    // A forger who rewrites a row's hash as well still breaks the link of the row after it.
    assertTampered(
        sql("UPDATE cs_evidence SET hash = '" + "e".repeat(64) + "' WHERE seq = 3"),
        "seq 3: hash mismatch",
        "seq 4: previous hash does not match the hash of seq 3");
  }

  @Test
  void entryInRolledBackTransactionLeavesNoTrace() {
    log.record(RELEASE, "release-requested", "alice", Map.of());
    log.record(RELEASE, "sign-off-recorded", "bob", Map.of());

    db.transaction.executeWithoutResult(
        status -> {
          assertThat(log.record(RELEASE, "lambda-deployed", "countersign", Map.of()).seq())
              .isEqualTo(3);
          status.setRollbackOnly();
        });

    assertThat(log.entries(RELEASE)).extracting(EvidenceEntry::seq).containsExactly(1L, 2L);
    assertThat(log.verify(RELEASE).valid()).isTrue();
    assertThat(log.record(RELEASE, "step-skipped", "countersign", Map.of()).seq()).isEqualTo(3);
    assertThat(log.verify(RELEASE).problems()).isEmpty();
  }

  @Test
  void rolledBackFirstEntryLeavesNoHeadEither() {
    db.transaction.executeWithoutResult(
        status -> {
          log.record(RELEASE, "release-requested", "alice", Map.of());
          status.setRollbackOnly();
        });

    assertThat(db.jdbc.queryForObject("SELECT COUNT(*) FROM cs_evidence_head", Integer.class))
        .isZero();
    assertThat(log.verify(RELEASE))
        .isEqualTo(new ChainVerification(true, 0, null, null, List.of()));
  }

  @Test
  void concurrentAppendsInSeparateTransactionsStayContiguous() throws Exception {
    int threads = 4;
    int perThread = 50;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    CountDownLatch start = new CountDownLatch(1);
    try {
      List<Future<?>> futures = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        String actor = "worker-" + t;
        futures.add(
            pool.submit(
                () -> {
                  start.await();
                  for (int i = 0; i < perThread; i++) {
                    int n = i;
                    db.transaction.executeWithoutResult(
                        status -> log.record(RELEASE, "step-done", actor, Map.of("n", n)));
                  }
                  return null;
                }));
      }
      start.countDown();
      for (Future<?> future : futures) {
        future.get(60, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }

    List<EvidenceEntry> entries = log.entries(RELEASE);
    assertThat(entries)
        .extracting(EvidenceEntry::seq)
        .containsExactlyElementsOf(LongStream.rangeClosed(1, 200).boxed().toList());
    for (int t = 0; t < threads; t++) {
      String actor = "worker-" + t;
      assertThat(
              entries.stream()
                  .filter(e -> e.actor().equals(actor))
                  .map(e -> e.payload().get("n").asInt()))
          .containsExactlyElementsOf(IntStream.range(0, perThread).boxed().toList());
    }
    ChainVerification verification = log.verify(RELEASE);
    assertThat(verification.problems()).isEmpty();
    assertThat(verification.entries()).isEqualTo(200);
  }

  @Test
  void secondFirstAppendWaitsForTheFirstAndThenChainsOnIt() throws Exception {
    CompletableFuture<EvidenceEntry> second = new CompletableFuture<>();
    db.transaction.executeWithoutResult(
        status -> {
          log.record(RELEASE, "release-requested", "alice", Map.of());
          // The head row exists only in this open transaction; the other append must queue on it.
          new Thread(
                  () -> {
                    try {
                      second.complete(log.record(RELEASE, "sign-off-recorded", "bob", Map.of()));
                    } catch (RuntimeException e) {
                      second.completeExceptionally(e);
                    }
                  })
              .start();
          // H2 shows the waiting statement but leaves BLOCKER_ID empty for a unique-key wait.
          await()
              .atMost(Duration.ofSeconds(10))
              .until(
                  () ->
                      db.jdbc.queryForObject(
                              "SELECT COUNT(*) FROM INFORMATION_SCHEMA.SESSIONS WHERE EXECUTING_STATEMENT LIKE 'INSERT INTO cs_evidence_head%'",
                              Integer.class)
                          > 0);
          assertThat(second).isNotDone();
        });

    assertThat(second.get(20, TimeUnit.SECONDS).seq()).isEqualTo(2);
    assertThat(log.verify(RELEASE).problems()).isEmpty();
  }

  @Test
  void exportBundlesEntriesWithTheirVerification() {
    log.record(RELEASE, "release-requested", "alice", Map.of());
    log.record(RELEASE, "release-completed", "countersign", Map.of());
    log.record("rel-other", "release-requested", "carol", Map.of());

    EvidenceBundle bundle = log.export(RELEASE);

    assertThat(bundle.releaseId()).isEqualTo(RELEASE);
    assertThat(bundle.exportedAt()).isNotNull();
    assertThat(bundle.entries())
        .extracting(EvidenceEntry::type)
        .containsExactly("release-requested", "release-completed");
    assertThat(bundle.verification())
        .isEqualTo(new ChainVerification(true, 2, bundle.entries().get(1).hash(), null, List.of()));
  }

  /**
   * Records five entries (and another release's chain), applies the tampering, expects each problem
   * text.
   */
  private void assertTampered(Consumer<EvidenceDatabase> tamper, String... expectedProblems) {
    for (int i = 1; i <= 5; i++) {
      log.record(RELEASE, "step-" + i, "countersign", Map.of("step", i, "rows", i * 10));
    }
    log.record("rel-2", "release-requested", "alice", Map.of());
    assertThat(log.verify(RELEASE).valid()).isTrue();

    tamper.accept(db);

    ChainVerification verification = log.verify(RELEASE);
    assertThat(verification.valid()).isFalse();
    for (String expected : expectedProblems) {
      assertThat(verification.problems())
          .anySatisfy(problem -> assertThat(problem).contains(expected));
    }
    assertThat(log.verify("rel-2").valid()).as("other release's chain").isTrue();
  }

  private static Consumer<EvidenceDatabase> sql(String... statements) {
    return db ->
        Arrays.stream(statements)
            .forEach(
                statement ->
                    db.jdbc.update(
                        statement.replace(
                            "WHERE seq", "WHERE release_id = '" + RELEASE + "' AND seq")));
  }
}
