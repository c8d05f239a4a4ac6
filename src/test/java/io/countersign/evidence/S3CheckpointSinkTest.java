package io.countersign.evidence;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.countersign.aws.AwsClients;
import io.countersign.aws.AwsSettings;
import io.countersign.aws.FakeApiSupport;
import io.countersign.aws.S3MockServer;
import java.nio.file.Path;
import java.time.Instant;
import java.time.Period;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.support.StaticListableBeanFactory;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.ObjectLockEnabled;
import software.amazon.awssdk.services.s3.model.ObjectLockMode;

/**
 * Checkpoints in S3 under Object Lock, against S3Mock (a real S3-protocol server). S3Mock 4.7
 * accepts a bucket created with Object Lock and reports its configuration, but ignores the
 * retention headers of PutObject (GetObjectRetention then answers 404, HeadObject shows no lock)
 * and deletes locked objects. So these tests check what Countersign sends (mode, retain-until date,
 * checksum, on every put) and what it reads back; that S3 keeps the retention and refuses deletes
 * is AWS's part and not tested here.
 */
class S3CheckpointSinkTest {
  private static final String LOCKED = "countersign-evidence-locked";
  private static final String PLAIN = "countersign-evidence-plain";
  private static final AtomicInteger PREFIXES = new AtomicInteger();
  private static AwsClients clients;
  private static S3Client s3;

  @TempDir Path dir;
  private EvidenceDatabase db;
  private EvidenceSigner signer;
  private String prefix;

  static AwsSettings settings() {
    return new AwsSettings(
        "eu-west-1", null, null, Map.of("s3", S3MockServer.endpoint()), null, null);
  }

  @BeforeAll
  static void buckets() {
    clients = new AwsClients(FakeApiSupport.TEST_CREDENTIALS);
    s3 = clients.s3(settings());
    List<String> existing = s3.listBuckets().buckets().stream().map(b -> b.name()).toList();
    if (!existing.contains(LOCKED)) {
      s3.createBucket(r -> r.bucket(LOCKED).objectLockEnabledForBucket(true));
    }
    if (!existing.contains(PLAIN)) {
      s3.createBucket(r -> r.bucket(PLAIN));
    }
  }

  @AfterAll
  static void close() {
    clients.close();
  }

  @BeforeEach
  void setUp() {
    db = new EvidenceDatabase();
    signer = EvidenceDatabase.signer(dir);
    prefix = "checkpoints-" + PREFIXES.incrementAndGet();
  }

  @AfterEach
  void tearDown() {
    db.close();
  }

  private S3CheckpointSink sink(S3Client client, ObjectLockMode mode) {
    return new S3CheckpointSink(
        client, LOCKED, prefix, mode, Period.ofYears(6), signer.publicKey());
  }

  @Test
  void theApplicationsWiringWritesCheckpointsUnderDeterministicKeysAndReadsTheLatestBack()
      throws Exception {
    StaticListableBeanFactory beans = new StaticListableBeanFactory();
    beans.addBean("credentials", FakeApiSupport.TEST_CREDENTIALS);
    EvidenceConfiguration configuration = new EvidenceConfiguration();
    Checkpoints checkpoints =
        configuration.checkpoints(
            new CheckpointProperties(
                3,
                "",
                new CheckpointProperties.S3(
                    LOCKED,
                    prefix,
                    "COMPLIANCE",
                    Period.ofYears(6),
                    "eu-west-1",
                    null,
                    null,
                    Map.of("s3", S3MockServer.endpoint()),
                    null,
                    null)),
            signer,
            beans.getBeanProvider(AwsCredentialsProvider.class));
    try {
      assertThat(checkpoints.sinks()).singleElement().isInstanceOf(S3CheckpointSink.class);
      EvidenceLog log = new EvidenceLog(db.jdbc, signer, checkpoints);
      for (int i = 1; i <= 4; i++) {
        log.record("rel-1", "step-" + i, "countersign", Map.of());
      }
      log.record(EvidenceLog.MODELS_CHAIN, "model-deployed", "admin", Map.of());

      assertThat(s3.listObjectsV2(r -> r.bucket(LOCKED).prefix(prefix + "/")).contents())
          .extracting(o -> o.key())
          .containsExactly(
              prefix + "/models/0000000000000000001.json",
              prefix + "/rel-1/0000000000000000001.json",
              prefix + "/rel-1/0000000000000000003.json");
      Checkpoint stored =
          FileCheckpointSink.JSON.readValue(
              s3.getObjectAsBytes(
                      r -> r.bucket(LOCKED).key(prefix + "/rel-1/0000000000000000003.json"))
                  .asByteArray(),
              Checkpoint.class);
      assertThat(stored.count()).isEqualTo(3);
      assertThat(stored.lastHash()).isEqualTo(log.entries("rel-1").get(2).hash());
      assertThat(stored.verifies(signer.publicKey())).isTrue();

      assertThat(checkpoints.chains(new java.util.ArrayList<>()))
          .containsExactly("models", "rel-1");
      assertThat(log.verify("rel-1").checkpoint()).isEqualTo(stored);
      assertThat(log.verify("rel-1").valid()).isTrue();

      // The database loses its tail: the checkpoint in S3 shows it.
      db.jdbc.update("DELETE FROM cs_evidence WHERE release_id = 'rel-1' AND seq > 2");
      db.jdbc.update(
          "UPDATE cs_evidence_head SET last_seq = 2, last_hash = (SELECT hash FROM cs_evidence "
              + "WHERE release_id = 'rel-1' AND seq = 2) WHERE release_id = 'rel-1'");
      assertThat(log.verify("rel-1").problems())
          .singleElement()
          .asString()
          .contains("the database ends at seq 2, but the checkpoint of ")
          .endsWith("records 3 entries (entries removed at the end)");
    } finally {
      configuration.destroy();
    }
  }

  /**
   * A client of S3Mock that adds each object it puts (a {@code .json} key: checkpoints and archived
   * bundles) to {@code puts}, as sent, headers included.
   */
  static S3Client recordingObjectPuts(List<SdkHttpRequest> puts) {
    return S3Client.builder()
        .endpointOverride(S3MockServer.endpoint())
        .forcePathStyle(true)
        .region(Region.EU_WEST_1)
        .credentialsProvider(FakeApiSupport.TEST_CREDENTIALS)
        .overrideConfiguration(
            c ->
                c.addExecutionInterceptor(
                    new ExecutionInterceptor() {
                      @Override
                      public void beforeTransmission(
                          Context.BeforeTransmission context, ExecutionAttributes attributes) {
                        if (context.httpRequest().method().name().equals("PUT")
                            && context.httpRequest().encodedPath().endsWith(".json")) {
                          puts.add(context.httpRequest());
                        }
                      }
                    }))
        .build();
  }

  @Test
  void everyPutCarriesTheRetentionAndAChecksum() throws Exception {
    List<SdkHttpRequest> puts = new CopyOnWriteArrayList<>();
    try (S3Client recording = recordingObjectPuts(puts)) {
      Checkpoint compliance =
          Checkpoint.sign(
              signer, "rel-1", 10, "ab".repeat(32), Instant.parse("2026-03-01T10:15:30.120Z"));
      sink(recording, ObjectLockMode.COMPLIANCE).write(compliance);
      Checkpoint governance =
          Checkpoint.sign(
              signer, "rel-1", 20, "cd".repeat(32), Instant.parse("2026-03-01T11:00:00Z"));
      sink(recording, ObjectLockMode.GOVERNANCE).write(governance);
    }
    assertThat(puts).hasSize(2);
    assertThat(puts.get(0).encodedPath())
        .isEqualTo("/" + LOCKED + "/" + prefix + "/rel-1/0000000000000000010.json");
    assertThat(puts.get(0).firstMatchingHeader("x-amz-object-lock-mode")).hasValue("COMPLIANCE");
    assertThat(
            puts.get(0)
                .firstMatchingHeader("x-amz-object-lock-retain-until-date")
                .map(Instant::parse))
        .hasValue(Instant.parse("2032-03-01T10:15:30.120Z"));
    assertThat(puts.get(1).firstMatchingHeader("x-amz-object-lock-mode")).hasValue("GOVERNANCE");
    assertThat(
            puts.get(1)
                .firstMatchingHeader("x-amz-object-lock-retain-until-date")
                .map(Instant::parse))
        .hasValue(
            Instant.parse("2026-03-01T11:00:00Z").atZone(ZoneOffset.UTC).plusYears(6).toInstant());
    for (SdkHttpRequest put : puts) {
      // S3 refuses a put with Object Lock settings that carries no checksum.
      assertThat(put.firstMatchingHeader("x-amz-sdk-checksum-algorithm")).hasValue("SHA256");
      assertThat(put.firstMatchingHeader("Content-Type")).hasValue("application/json");
    }
    assertThat(sink(s3, ObjectLockMode.COMPLIANCE).latest("rel-1").latest().count()).isEqualTo(20);
  }

  @Test
  void aBucketWithoutObjectLockIsRefused() {
    assertThat(
            s3.getObjectLockConfiguration(r -> r.bucket(LOCKED))
                .objectLockConfiguration()
                .objectLockEnabled())
        .isEqualTo(ObjectLockEnabled.ENABLED);
    sink(s3, ObjectLockMode.COMPLIANCE).requireObjectLock();
    S3CheckpointSink plain =
        new S3CheckpointSink(
            s3, PLAIN, prefix, ObjectLockMode.COMPLIANCE, Period.ofYears(6), signer.publicKey());
    assertThatThrownBy(plain::requireObjectLock)
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining(PLAIN);
  }

  @Test
  void anObjectNotSignedWithTheKeyIsReportedNotUsed() throws Exception {
    S3CheckpointSink sink = sink(s3, ObjectLockMode.COMPLIANCE);
    sink.write(Checkpoint.sign(signer, "rel-1", 1, "ab".repeat(32), Instant.now()));
    EvidenceSigner other = new EvidenceSigner("", "", dir.resolve("other.key").toString());
    s3.putObject(
        r -> r.bucket(LOCKED).key(sink.key("rel-1", 999)),
        RequestBody.fromBytes(
            FileCheckpointSink.JSON.writeValueAsBytes(
                Checkpoint.sign(other, "rel-1", 999, "cd".repeat(32), Instant.now()))));
    s3.putObject(
        r -> r.bucket(LOCKED).key(sink.key("rel-2", 5)), RequestBody.fromString("not json"));

    CheckpointSink.Reading forged = sink.latest("rel-1");
    assertThat(forged.latest()).isNull();
    assertThat(forged.problems())
        .singleElement()
        .asString()
        .isEqualTo(
            "s3://"
                + LOCKED
                + "/"
                + sink.key("rel-1", 999)
                + " is not a checkpoint of this chain signed with the "
                + "evidence signing key");
    assertThat(sink.latest("rel-2").problems())
        .singleElement()
        .asString()
        .endsWith("is not a checkpoint");
    assertThat(sink.latest("rel-3")).isEqualTo(new CheckpointSink.Reading(null, List.of()));
  }
}
