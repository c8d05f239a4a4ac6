package io.countersign.evidencecheck;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.countersign.ProcessTestSupport;
import io.countersign.aws.AwsClients;
import io.countersign.aws.AwsSettings;
import io.countersign.aws.FakeApiSupport;
import io.countersign.aws.S3MockServer;
import io.countersign.process.Variables;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.camunda.bpm.engine.runtime.Job;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The pre-deployment checkpoint through the real release model with the live evidence source, the
 * evidence files in S3Mock: a tampered, missing, failing or unreachable item holds the release
 * before anyone is asked to sign, with the reason; good evidence reaches the sign-off with its
 * verdicts on the form. Failure paths first.
 */
@Import(EvidenceCheckpointProcessTest.TestCredentials.class)
class EvidenceCheckpointProcessTest extends ProcessTestSupport {
  private static final String BUCKET = "medication-artifacts";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static AwsClients clients;
  private static S3Client s3;
  private static int closedPort;

  @DynamicPropertySource
  static synchronized void liveEvidence(DynamicPropertyRegistry registry) throws IOException {
    if (clients == null) {
      clients = new AwsClients(FakeApiSupport.TEST_CREDENTIALS);
      s3 =
          clients.s3(
              new AwsSettings(
                  "eu-west-1", null, null, Map.of("s3", S3MockServer.endpoint()), null, null));
      try (ServerSocket socket = new ServerSocket(0)) {
        closedPort = socket.getLocalPort();
      }
    }
    registry.add("countersign.targets.evidence.mode", () -> "live");
    registry.add("countersign.targets.evidence.max-bytes", () -> "64KB");
    registry.add("countersign.targets.evidence.timeout", () -> "PT2S");
    registry.add("countersign.targets.evidence.https-hosts[0]", () -> "localhost");
    registry.add("countersign.targets.evidence.s3.region", () -> "eu-west-1");
    registry.add(
        "countersign.targets.evidence.s3.endpoints.s3", () -> S3MockServer.endpoint().toString());
  }

  @AfterAll
  static void close() {
    clients.close();
  }

  @TestConfiguration
  static class TestCredentials {
    @Bean
    AwsCredentialsProvider testCredentials() {
      return FakeApiSupport.TEST_CREDENTIALS;
    }
  }

  @BeforeEach
  void bucket() {
    if (s3.listBuckets().buckets().stream().noneMatch(b -> b.name().equals(BUCKET))) {
      s3.createBucket(r -> r.bucket(BUCKET));
    }
  }

  // ---- failure paths ----

  @Test
  void aFileThatIsNotTheOneListedHoldsTheReleaseUnread() throws IOException {
    ObjectNode manifest = example("staging");
    byte[] signed = file("surefire-passing.xml");
    byte[] tampered = file("surefire-failing.xml");
    String key = put(manifest, "integration-tests.xml", tampered);
    evidence(manifest, item("integration-tests", "s3://" + BUCKET + "/" + key, signed));

    String id = submit(manifest);

    assertHeld(id, "integration-tests sha256 mismatch: the file's digest is " + sha(tampered));
    JsonNode check = check(id, "integration-tests");
    assertThat(check.path("outcome").asText()).isEqualTo("failed");
    assertThat(check.path("computedSha256").asText()).isEqualTo(sha(tampered));
    // Not read: what a tampered file says is not evidence of anything.
    assertThat(check.path("figures").isEmpty()).isTrue();
  }

  @Test
  void aMissingFileHoldsTheReleaseAtOnce() {
    ObjectNode manifest = example("staging");
    evidence(manifest, neverServed("s3://" + BUCKET + "/evidence/none/integration-tests.xml"));

    String id = submit(manifest);

    assertHeld(id, "integration-tests unreachable: S3 answered 404 NoSuchKey");
  }

  @Test
  void failingTestsHoldTheReleaseWithTheFigures() throws IOException {
    ObjectNode manifest = example("staging");
    evidence(manifest, inS3(manifest, "integration-tests", "surefire-failing.xml"));

    String id = submit(manifest);

    assertHeld(id, "integration-tests ");
    JsonNode check = check(id, "integration-tests");
    assertThat(check.path("outcome").asText()).isEqualTo("failed");
    assertThat(check.path("figures").path("failures").asInt()).isPositive();
    assertThat(check.path("format").asText()).isEqualTo("junit");
  }

  @Test
  void aSlowLoadTestHoldsAProductionRelease() throws IOException {
    ObjectNode manifest = example("production");
    evidence(
        manifest,
        inS3(manifest, "security-scan", "eslint-suppressed.sarif"),
        inS3(manifest, "integration-tests", "surefire-passing.xml"),
        inS3(manifest, "performance-tests", "k6-handle-summary.json"));

    // Not promoted either: staging would have held the same slow run.
    String id = submitAsIs(manifest, "requester");

    assertHeld(id, "performance-tests ");
    assertThat(check(id, "integration-tests").path("outcome").asText()).isEqualTo("passed");
    assertThat(check(id, "security-scan").path("outcome").asText()).isEqualTo("passed");
    JsonNode performance = check(id, "performance-tests");
    assertThat(performance.path("outcome").asText()).isEqualTo("failed");
    assertThat(performance.path("thresholds").path("p95MaxMs").asDouble()).isEqualTo(200.0);
    assertThat(performance.path("thresholds").path("minVus").asInt()).isEqualTo(1000);
  }

  @Test
  void anUnreachableSourceIsAskedAgainAndHoldsOnlyAfterTheLastAttempt() {
    ObjectNode manifest = example("staging");
    evidence(manifest, neverServed("https://localhost:" + closedPort + "/builds/812/junit.xml"));

    String id = submit(manifest);

    // The first attempt failed and kept the job for a retry: nothing held, nothing recorded yet.
    assertThat(status(id)).isEqualTo("checking-evidence");
    assertThat(evidenceTypes(id)).doesNotContain("checkpoint-pre-deployment");
    assertThat(openTasks(id, "approveRelease")).isEmpty();
    for (int attempt = 0; attempt < 5 && status(id).equals("checking-evidence"); attempt++) {
      checkEvidence(id);
    }

    assertHeld(id, "integration-tests unreachable: HTTPS request failed");
    assertThat(management.createJobQuery().activityId("checkEvidence").list())
        .extracting(Job::getProcessInstanceId)
        .doesNotContain(instance("release", id).getId());
  }

  /**
   * While the checkpoint waits to ask again, nobody moves the release past it by hand, admins
   * included: not by running its job, not by writing the verdict, the policy's thresholds or the
   * form's text, not by starting the sign-off beside it. Each refusal leaves it where it was.
   */
  @Test
  void nobodySkipsAPendingCheckpoint() {
    ObjectNode manifest = example("staging");
    evidence(manifest, neverServed("https://localhost:" + closedPort + "/builds/813/junit.xml"));
    String id = submit(manifest);
    String release = instance("release", id).getId();
    Job pending =
        management
            .createJobQuery()
            .processInstanceId(release)
            .activityId("checkEvidence")
            .singleResult();
    assertThat(status(id)).isEqualTo("checking-evidence");

    for (String user : List.of("admin", "requester", "qa-lead")) {
      List<Runnable> attempts =
          List.of(
              () -> management.executeJob(pending.getId()),
              () -> runtime.setVariable(release, Variables.EVIDENCE_COMPLETE, true),
              () -> runtime.setVariable(release, Variables.EVIDENCE_CHECKS, Map.of()),
              () -> runtime.setVariable(release, Variables.EVIDENCE_LIST, "- all passed"),
              () ->
                  runtime
                      .createProcessInstanceModification(release)
                      .startBeforeActivity("signOff")
                      .execute());
      for (Runnable attempt : attempts) {
        Throwable refused = catchThrowable(() -> asUser(user, attempt));
        assertThat(refused).as(user).isNotNull();
      }
    }

    assertThat(status(id)).isEqualTo("checking-evidence");
    assertThat(openTasks(id, "approveRelease")).isEmpty();
    assertThat(instance("sign-off", id)).isNull();
    assertThat(runtime.getVariable(release, Variables.EVIDENCE_COMPLETE)).isNull();
    assertThat(management.createJobQuery().jobId(pending.getId()).singleResult().getRetries())
        .isEqualTo(pending.getRetries());
    // The checkpoint itself goes on to its verdict (no job is left for other tests of this
    // database to run in a context with other settings).
    for (int attempt = 0; attempt < 5 && status(id).equals("checking-evidence"); attempt++) {
      checkEvidence(id);
    }
    assertHeld(id, "integration-tests unreachable: HTTPS request failed");
  }

  // ---- the path through ----

  @Test
  void checkedEvidenceReachesTheSignOffWithItsVerdicts() throws IOException {
    ObjectNode manifest = example("staging");
    byte[] report = file("surefire-passing.xml");
    evidence(manifest, inS3(manifest, "integration-tests", "surefire-passing.xml"));

    String id = submit(manifest);

    assertThat(status(id)).isEqualTo("awaiting-sign-off");
    JsonNode check = check(id, "integration-tests");
    assertThat(check.path("outcome").asText()).isEqualTo("passed");
    assertThat(check.path("computedSha256").asText()).isEqualTo(sha(report));
    assertThat(check.path("bytes").asLong()).isEqualTo(report.length);
    String form = (String) tasks.getVariable(signOffTask(id, "qa-leads").getId(), "evidenceList");
    assertThat(form)
        .startsWith("- integration-tests: passed (sha256 " + sha(report) + " matches")
        .contains("failures 0");
    approveAll(id);
    assertThat(status(id)).isEqualTo("released");
  }

  // ---- post-deployment checkpoint (production requires a post-release k6 run) ----

  @Test
  void aSlowPostReleaseLoadTestRollsTheReleaseBack() throws IOException {
    ObjectNode manifest = productionWithGoodEvidence();
    String id = submit(manifest);
    approveAll(id);
    assertThat(status(id)).isEqualTo("awaiting-evidence");
    assertThat(statusReason(id))
        .contains("performance-tests", "/api/releases/" + id + "/post-deployment-evidence", "PT2H");

    postDeploymentEvidence(
        id, List.of(inS3(manifest, "performance-tests", "k6-handle-summary.json")));

    assertThat(status(id)).isEqualTo("rolled-back");
    assertThat(statusReason(id))
        .startsWith("Failed at the post-deployment checkpoint: performance-tests");
    JsonNode checkpoint = lastPayload(id, "checkpoint-post-deployment");
    assertThat(checkpoint.path("passed").asBoolean()).isFalse();
    assertThat(checkpoint.path("checks").get(0).path("outcome").asText()).isEqualTo("failed");
    assertThat(evidenceTypes(id)).contains("rollback-started").doesNotContain("released");
  }

  @Test
  void postReleaseEvidenceThatIsNotTheFileListedRollsTheReleaseBack() throws IOException {
    ObjectNode manifest = productionWithGoodEvidence();
    String id = submit(manifest);
    approveAll(id);
    byte[] listed = file("k6-summary-export.json");
    String key = put(manifest, "post-release-k6.json", file("k6-handle-summary.json"));

    postDeploymentEvidence(
        id, List.of(item("performance-tests", "s3://" + BUCKET + "/" + key, listed)));

    assertThat(status(id)).isEqualTo("rolled-back");
    assertThat(statusReason(id)).contains("performance-tests sha256 mismatch");
  }

  @Test
  void evidenceNotPostedByTheDeadlineRollsTheReleaseBack() throws IOException {
    String id = submit(productionWithGoodEvidence());
    approveAll(id);
    assertThat(hasTimer(id, "postDeploymentDeadline")).isTrue();

    fireTimer(id, "postDeploymentDeadline");

    assertThat(status(id)).isEqualTo("rolled-back");
    assertThat(statusReason(id))
        .isEqualTo(
            "Failed at the post-deployment checkpoint: evidence performance-tests not posted"
                + " within PT2H");
    JsonNode checkpoint = lastPayload(id, "checkpoint-post-deployment");
    assertThat(checkpoint.path("missing").toString()).isEqualTo("[\"performance-tests\"]");
    assertThat(checkpoint.path("passed").asBoolean()).isFalse();
  }

  @Test
  void postedEvidenceWhoseSourceNeverAnswersRollsBackAtTheDeadline() throws IOException {
    String id = submit(productionWithGoodEvidence());
    approveAll(id);
    postDeploymentEvidence(
        id,
        List.of(
            neverServed("https://localhost:" + closedPort + "/k6/post-release.json")
                .put("type", "performance-tests")));
    // Asked and not answered: the job waits for its retry, the release still deployed.
    assertThat(status(id)).isEqualTo("awaiting-evidence");
    assertThat(evidenceTypes(id)).doesNotContain("checkpoint-post-deployment");

    fireTimer(id, "postDeploymentDeadline");

    assertThat(status(id)).isEqualTo("rolled-back");
    assertThat(statusReason(id))
        .isEqualTo(
            "Failed at the post-deployment checkpoint: the posted evidence could not be checked"
                + " within PT2H");
  }

  /** The engine's variables written past the API (as the database user could) skip nothing. */
  @Test
  void rewritingThePolicysVariablesDoesNotSkipThePostDeploymentCheckpoint() throws IOException {
    String id = submit(productionWithGoodEvidence());
    approveAll(id);
    String deploy = instance("deploy", id).getId();
    runtime.setVariable(deploy, Variables.POST_DEPLOYMENT_EVIDENCE, new java.util.ArrayList<>());
    runtime.setVariable(
        release(id), Variables.POST_DEPLOYMENT_EVIDENCE, new java.util.ArrayList<>());
    runtime
        .createMessageCorrelation("postDeploymentEvidencePosted")
        .processInstanceBusinessKey(id)
        .correlateAll();
    runJobs();

    assertThat(status(id)).isEqualTo("awaiting-evidence");
    assertThat(statusReason(id)).contains("waiting for post-deployment evidence performance-tests");
    fireTimer(id, "postDeploymentDeadline");
    assertThat(status(id)).isEqualTo("rolled-back");
  }

  @Test
  void aRollbackRequestedWhileAwaitingEvidenceRollsTheReleaseBack() throws IOException {
    String id = submit(productionWithGoodEvidence());
    approveAll(id);
    assertThat(status(id)).isEqualTo("awaiting-evidence");

    runtime
        .createMessageCorrelation("rollbackRequested")
        .processInstanceBusinessKey(id)
        .setVariable(Variables.ROLLBACK_REASON, "errors on the ward dashboard")
        .setVariable(Variables.ROLLBACK_REQUESTED_BY, "ops-lead")
        .correlate();
    runJobs();

    assertThat(status(id)).isEqualTo("rolled-back");
    assertThat(hasTimer(id, "postDeploymentDeadline")).isFalse();
  }

  @Test
  void goodPostReleaseEvidenceReleasesWithItsFigures() throws IOException {
    ObjectNode manifest = productionWithGoodEvidence();
    String id = submit(manifest);
    approveAll(id);

    postDeploymentEvidence(
        id, List.of(inS3(manifest, "performance-tests", "k6-summary-export.json")));

    assertThat(status(id)).isEqualTo("released");
    JsonNode checkpoint = lastPayload(id, "checkpoint-post-deployment");
    assertThat(checkpoint.path("passed").asBoolean()).isTrue();
    assertThat(checkpoint.path("required").toString()).isEqualTo("[\"performance-tests\"]");
    JsonNode check = checkpoint.path("checks").get(0);
    assertThat(check.path("outcome").asText()).isEqualTo("passed");
    assertThat(check.path("figures").path("p95Ms").isNumber()).isTrue();
    assertThat(lastPayload(id, "checkpoint-deployment").path("passed").asBoolean()).isTrue();
    fireTimer(id, "rollbackWindowOver");
  }

  @Test
  void aStagingReleaseNeedsNoPostReleaseEvidenceAndSaysSo() throws IOException {
    ObjectNode manifest = example("staging");
    evidence(manifest, inS3(manifest, "integration-tests", "surefire-passing.xml"));
    String id = submit(manifest);
    approveAll(id);

    assertThat(status(id)).isEqualTo("released");
    JsonNode checkpoint = lastPayload(id, "checkpoint-post-deployment");
    assertThat(checkpoint.path("required").isEmpty()).isTrue();
    assertThat(checkpoint.path("passed").asBoolean()).isTrue();
    fireTimer(id, "rollbackWindowOver");
  }

  // ---- helpers ----

  private String release(String id) {
    return instance("release", id).getId();
  }

  private ObjectNode productionWithGoodEvidence() throws IOException {
    ObjectNode manifest = example("production");
    evidence(
        manifest,
        inS3(manifest, "security-scan", "eslint-suppressed.sarif"),
        inS3(manifest, "integration-tests", "surefire-passing.xml"),
        inS3(manifest, "performance-tests", "k6-summary-export.json"));
    return manifest;
  }

  private void assertHeld(String id, String reason) {
    assertThat(status(id)).isEqualTo("requested");
    assertThat(statusReason(id))
        .startsWith("Held at the pre-deployment checkpoint: ")
        .contains(reason);
    assertThat(openTasks(id, "approveRelease")).isEmpty();
    assertThat(runtime.getVariable(instance("release", id).getId(), Variables.EVIDENCE_COMPLETE))
        .isEqualTo(false);
  }

  private JsonNode check(String id, String type) {
    for (var entry : evidence.entries(id)) {
      if (entry.type().equals("checkpoint-pre-deployment")) {
        for (JsonNode c : entry.payload().path("checks")) {
          if (c.path("type").asText().equals(type)) {
            return c;
          }
        }
      }
    }
    throw new AssertionError("no check of " + type + " in " + id + "'s evidence");
  }

  private static byte[] file(String name) throws IOException {
    return Files.readAllBytes(Path.of("src/test/resources/evidence", name));
  }

  private String put(ObjectNode manifest, String name, byte[] content) {
    String key = "evidence/" + manifest.get("version").asText() + "/" + name;
    s3.putObject(r -> r.bucket(BUCKET).key(key), RequestBody.fromBytes(content));
    return key;
  }

  /** A test file put in S3 under the release's version, listed with its own digest. */
  private ObjectNode inS3(ObjectNode manifest, String type, String name) throws IOException {
    byte[] content = file(name);
    return item(type, "s3://" + BUCKET + "/" + put(manifest, name, content), content);
  }

  /** An integration-tests item at a location that serves nothing. */
  private static ObjectNode neverServed(String location) {
    return item("integration-tests", location, "never served".getBytes(StandardCharsets.UTF_8));
  }

  private static ObjectNode item(String type, String location, byte[] content) {
    ObjectNode item = JSON.createObjectNode();
    item.put("type", type);
    item.put("location", location);
    item.put("sha256", sha(content));
    return item;
  }

  private static void evidence(ObjectNode manifest, ObjectNode... items) {
    ArrayNode list = manifest.putArray("evidence");
    for (ObjectNode item : items) {
      list.add(item);
    }
  }

  private static String sha(byte[] content) {
    return EvidenceChecker.sha256(content);
  }
}
