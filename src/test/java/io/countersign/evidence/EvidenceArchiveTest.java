package io.countersign.evidence;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.countersign.aws.FakeApiSupport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.Period;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.support.StaticListableBeanFactory;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.ObjectLockMode;

/**
 * Ended releases' signed bundles kept outside the database: written once, verifiable offline with
 * the public key alone, their location recorded in the release's chain; a failure is recorded and
 * made good by the sweep; a chain that does not verify is never archived as a signed bundle.
 */
class EvidenceArchiveTest {
  private static final ObjectMapper JSON =
      JsonMapper.builder()
          .findAndAddModules()
          .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
          .build();

  @TempDir Path dir;
  private EvidenceDatabase db;
  private EvidenceSigner signer;
  private EvidenceLog log;

  @BeforeEach
  void setUp() {
    db = new EvidenceDatabase();
    signer = EvidenceDatabase.signer(dir);
    log = new EvidenceLog(db.jdbc, signer, new Checkpoints(signer, 10, List.of()));
  }

  @AfterEach
  void tearDown() {
    db.close();
  }

  private EvidenceArchive archiveIn(Path directory) {
    return new EvidenceArchive(
        log, signer, List.of(new DirectoryBundleArchive(directory)), db.jdbc);
  }

  /** A release that ran and was cancelled: three entries, the last one closing it. */
  private void endedRelease(String id) {
    db.jdbc.update(
        "INSERT INTO cs_release (id, application, version, environment, change_reference, status,"
            + " requester, manifest_sha256, active, created_at, updated_at) VALUES (?, 'app', '1.0.0',"
            + " 'staging', 'CHG-1', 'cancelled', 'requester', ?, FALSE, CURRENT_TIMESTAMP,"
            + " CURRENT_TIMESTAMP)",
        id,
        "a".repeat(64));
    log.record(id, "release-requested", "requester", Map.of("manifestSha256", "a".repeat(64)));
    log.record(id, "policy-applied", "countersign", Map.of("requiredRoles", List.of("qa-leads")));
    log.record(id, "status-changed", "countersign", Map.of("to", "cancelled", "closed", true));
  }

  @Test
  void anEndedReleasesSignedBundleIsArchivedAndWhereIsRecorded() throws Exception {
    endedRelease("rel-1");
    Path archiveDir = dir.resolve("archive");

    List<String> written = archiveIn(archiveDir).archive("rel-1");

    Path file = archiveDir.resolve("rel-1").resolve("0000000000000000003.json");
    assertThat(written).containsExactly(file.toString());
    // Read-only by its mode bits (the build may run as root, whom the bits do not stop).
    assertThat(Files.getPosixFilePermissions(file))
        .doesNotContain(
            java.nio.file.attribute.PosixFilePermission.OWNER_WRITE,
            java.nio.file.attribute.PosixFilePermission.GROUP_WRITE,
            java.nio.file.attribute.PosixFilePermission.OTHERS_WRITE);
    byte[] bytes = Files.readAllBytes(file);
    EvidenceBundle bundle = JSON.readValue(bytes, EvidenceBundle.class);
    // Verifiable offline, with the public key alone.
    assertThat(EvidenceSigner.verify(bundle, signer.publicKeyBase64())).isEmpty();
    assertThat(bundle.entries()).hasSize(3);
    EvidenceEntry archived = log.entries("rel-1").get(3);
    assertThat(archived.type()).isEqualTo(EvidenceArchive.ARCHIVED);
    assertThat(archived.payload().path("locations").get(0).asText()).isEqualTo(file.toString());
    assertThat(archived.payload().path("entries").asLong()).isEqualTo(3);
    assertThat(archived.payload().path("bundleSha256").asText())
        .isEqualTo(
            java.util.HexFormat.of()
                .formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(bytes)));
    assertThat(log.verify("rel-1").valid()).isTrue();
  }

  @Test
  void aBundleAlreadyArchivedAtThatCountIsNeverReplaced() throws Exception {
    endedRelease("rel-2");
    Path archiveDir = dir.resolve("archive");
    Path file = archiveDir.resolve("rel-2").resolve("0000000000000000003.json");
    Files.createDirectories(file.getParent());
    Files.writeString(file, "archived by another node");

    assertThat(archiveIn(archiveDir).archive("rel-2")).isEmpty();

    assertThat(Files.readString(file)).isEqualTo("archived by another node");
    // Neither archived again nor reported as failed: the other node's bundle stands.
    assertThat(log.entries("rel-2")).hasSize(3);
  }

  @Test
  void aFailedArchiveIsRecordedAndTheSweepMakesItGood() throws Exception {
    endedRelease("rel-3");
    Path notADirectory = Files.writeString(dir.resolve("occupied"), "a file, not a directory");

    assertThat(archiveIn(notADirectory).archive("rel-3")).isEmpty();

    EvidenceEntry failed = log.entries("rel-3").get(3);
    assertThat(failed.type()).isEqualTo(EvidenceArchive.FAILED);
    assertThat(failed.payload().path("reason").asText()).startsWith(notADirectory + ": ");
    EvidenceArchive fixed = archiveIn(dir.resolve("archive"));
    assertThat(fixed.unarchived()).containsExactly("rel-3");

    new ArchiveSweep(fixed, java.time.Duration.ofMinutes(15)).sweep();

    assertThat(log.entries("rel-3").get(4).type()).isEqualTo(EvidenceArchive.ARCHIVED);
    assertThat(fixed.unarchived()).isEmpty();
    assertThat(dir.resolve("archive").resolve("rel-3").resolve("0000000000000000004.json"))
        .exists();
  }

  /**
   * The sweep runs at start and then on its interval: an archive that failed is made good once the
   * archive is back, and the failure is recorded once, not at every attempt.
   */
  @Test
  void theSweepTriesAgainOnItsIntervalAndRecordsAFailureOnce() throws Exception {
    endedRelease("rel-7");
    Path archiveDir = dir.resolve("archive-7");
    Files.writeString(archiveDir, "a file where the directory should be");
    ArchiveSweep sweep = new ArchiveSweep(archiveIn(archiveDir), java.time.Duration.ofMillis(100));
    try {
      sweep.start();
      org.awaitility.Awaitility.await()
          .atMost(java.time.Duration.ofSeconds(10))
          .until(() -> log.entries("rel-7").size() == 4);
      assertThat(log.entries("rel-7").get(3).type()).isEqualTo(EvidenceArchive.FAILED);

      Files.delete(archiveDir);

      org.awaitility.Awaitility.await()
          .atMost(java.time.Duration.ofSeconds(10))
          .until(
              () -> {
                // One read: the sweep thread may append between two.
                List<EvidenceEntry> entries = log.entries("rel-7");
                return entries.get(entries.size() - 1).type().equals(EvidenceArchive.ARCHIVED);
              });
    } finally {
      sweep.destroy();
    }
    assertThat(log.entries("rel-7"))
        .extracting(EvidenceEntry::type)
        .containsExactly(
            "release-requested",
            "policy-applied",
            "status-changed",
            EvidenceArchive.FAILED,
            EvidenceArchive.ARCHIVED);
    assertThatThrownBy(() -> new ArchiveSweep(archiveIn(archiveDir), java.time.Duration.ZERO))
        .hasMessage("countersign.evidence.archive.sweep-interval must be positive, not PT0S");
  }

  @Test
  void aReleaseThatChangesAfterItsArchiveIsArchivedAgain() {
    endedRelease("rel-4");
    EvidenceArchive archive = archiveIn(dir.resolve("archive"));
    archive.archive("rel-4");
    assertThat(archive.unarchived()).isEmpty();

    // Rolled back by request within the rollback window: a later closing change.
    log.record(
        "rel-4", "status-changed", "countersign", Map.of("to", "rolled-back", "closed", true));

    assertThat(archive.unarchived()).containsExactly("rel-4");
  }

  @Test
  void aChainThatDoesNotVerifyIsNotArchivedAsSigned() {
    endedRelease("rel-5");
    db.jdbc.update(
        "UPDATE cs_evidence SET payload = '{\"requiredRoles\":[]}' WHERE release_id = 'rel-5'"
            + " AND seq = 2");
    Path archiveDir = dir.resolve("archive");

    assertThat(archiveIn(archiveDir).archive("rel-5")).isEmpty();

    assertThat(archiveDir.resolve("rel-5")).doesNotExist();
    EvidenceEntry failed = log.entries("rel-5").get(3);
    assertThat(failed.type()).isEqualTo(EvidenceArchive.FAILED);
    assertThat(failed.payload().path("reason").asText()).startsWith("the chain does not verify");
  }

  @Test
  void inS3EveryBundleIsPutUnderObjectLockAndOnlyIfNew() throws Exception {
    String bucket = "countersign-archive-locked";
    List<SdkHttpRequest> puts = new CopyOnWriteArrayList<>();
    try (S3Client recording = S3CheckpointSinkTest.recordingObjectPuts(puts)) {
      if (recording.listBuckets().buckets().stream().noneMatch(b -> b.name().equals(bucket))) {
        recording.createBucket(r -> r.bucket(bucket).objectLockEnabledForBucket(true));
      }
      Instant now = Instant.parse("2026-12-01T10:00:00Z");
      S3BundleArchive archive =
          new S3BundleArchive(
              recording,
              bucket,
              "archive-" + System.nanoTime(),
              ObjectLockMode.COMPLIANCE,
              Period.ofYears(6),
              Clock.fixed(now, ZoneOffset.UTC));

      String location = archive.write("rel-6", 12, "{}".getBytes());

      assertThat(location)
          .startsWith("s3://" + bucket + "/archive-")
          .endsWith("/rel-6/0000000000000000012.json");
      assertThat(puts).hasSize(1);
      SdkHttpRequest put = puts.get(0);
      assertThat(put.firstMatchingHeader("x-amz-object-lock-mode")).hasValue("COMPLIANCE");
      assertThat(put.firstMatchingHeader("x-amz-object-lock-retain-until-date").map(Instant::parse))
          .hasValue(Instant.parse("2032-12-01T10:00:00Z"));
      assertThat(put.firstMatchingHeader("If-None-Match")).hasValue("*");
      assertThat(put.firstMatchingHeader("x-amz-sdk-checksum-algorithm")).hasValue("SHA256");
    }
  }

  @Test
  void theArchiveGoesBesideTheCheckpointsUnlessToldOtherwiseAndSomewhereAlways() {
    StaticListableBeanFactory beans = new StaticListableBeanFactory();
    beans.addBean("credentials", FakeApiSupport.TEST_CREDENTIALS);
    EvidenceConfiguration configuration = new EvidenceConfiguration();
    String checkpoints = dir.resolve("evidence").resolve("checkpoints.jsonl").toString();

    EvidenceArchive beside =
        configuration.evidenceArchive(
            new ArchiveProperties(null, null),
            new CheckpointProperties(10, checkpoints, null),
            log,
            signer,
            db.jdbc,
            beans.getBeanProvider(AwsCredentialsProvider.class));

    assertThat(beside.archives())
        .singleElement()
        .extracting(a -> ((DirectoryBundleArchive) a).directory())
        .isEqualTo(dir.resolve("evidence").resolve("evidence-archive").toAbsolutePath());
    assertThatThrownBy(
            () ->
                configuration.evidenceArchive(
                    new ArchiveProperties("", null),
                    new CheckpointProperties(10, checkpoints, null),
                    log,
                    signer,
                    db.jdbc,
                    beans.getBeanProvider(AwsCredentialsProvider.class)))
        .hasMessage(
            "evidence archive misconfigured: countersign.evidence.archive: configure directory or"
                + " s3.bucket (ended releases' bundles must go somewhere)");
  }
}
