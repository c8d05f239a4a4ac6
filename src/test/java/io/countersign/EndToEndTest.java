package io.countersign;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.countersign.HttpSupport.Response;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * A production release of the medication tracker over real HTTP, as the people involved would do
 * it: the requester submits, six approvers sign off through the engine REST API (four-eyes
 * holding), the engine deploys by itself (Flyway for real on the embedded target database, dry-run
 * cloud targets), and the requester rolls the release back. The evidence chain verifies throughout.
 */
@ApiAppSupport
class EndToEndTest {
  private static final Map<String, String> APPROVERS = DemoApprovers.BY_ROLE;
  private static final Map<String, Object> APPROVE = DemoApprovers.APPROVE;

  @LocalServerPort int port;

  private HttpSupport http;

  @BeforeEach
  void client() {
    http = new HttpSupport(port);
  }

  @Test
  void productionReleaseIsSignedOffDeployedAndRolledBack() throws SQLException {
    ObjectNode manifest = ManifestFixture.production();
    manifest.put("version", ManifestFixture.freshVersion("e2e"));
    ObjectNode verification = (ObjectNode) manifest.path("verification");
    verification.put("bakeWindow", "PT0S"); // one metrics evaluation, then the window is over
    // The shipped policy promotes production from staging: the same version released there first.
    String staging = http.releaseInStaging(manifest);

    Response submitted =
        http.post(
            "requester",
            "/api/releases",
            "application/json",
            ManifestFixture.json(manifest),
            Map.of());
    assertThat(submitted.status()).as(submitted.body()).isEqualTo(201);
    String id = submitted.json().path("id").asText();
    assertThat(submitted.json().path("status").asText()).isEqualTo("checking-evidence");
    assertThat(http.afterEvidenceCheck("requester", id).path("status").asText())
        .isEqualTo("awaiting-sign-off");
    assertThat(release(id).path("pendingSignOffs"))
        .extracting(JsonNode::asText)
        .containsExactlyInAnyOrderElementsOf(APPROVERS.keySet());

    // Four-eyes: the requester cannot act on a sign-off of their own release. Not being a
    // candidate, the engine's authorizations refuse first; assigned by an admin, or made a
    // candidate, the four-eyes listener refuses.
    String techTask = onlyTask("tech-lead", id, "tech-leads");
    assertRefused(
        http.postJson("requester", "/engine-rest/task/" + techTask + "/complete", APPROVE), null);
    assertRefused(
        http.postJson(
            "admin", "/engine-rest/task/" + techTask + "/assignee", Map.of("userId", "requester")),
        "Four-eyes: requester requested release " + id);
    makeCandidate("requester", techTask);
    assertRefused(
        http.postJson("requester", "/engine-rest/task/" + techTask + "/complete", APPROVE),
        "Four-eyes: requester requested release " + id);
    JsonNode stillOpen = http.get("admin", "/engine-rest/task/" + techTask).json();
    assertThat(stillOpen.path("id").asText()).isEqualTo(techTask);
    assertThat(stillOpen.path("assignee").isNull()).isTrue();

    complete("tech-lead", techTask);

    // One person signs for one role only: tech-lead, having signed as tech lead, cannot sign the QA
    // task.
    String qaTask = onlyTask("qa-lead", id, "qa-leads");
    assertRefused(
        http.postJson("tech-lead", "/engine-rest/task/" + qaTask + "/complete", APPROVE), null);
    assertRefused(
        http.postJson(
            "admin", "/engine-rest/task/" + qaTask + "/assignee", Map.of("userId", "tech-lead")),
        "Four-eyes: tech-lead already signed release " + id + " as tech-leads");
    makeCandidate("tech-lead", qaTask);
    assertRefused(
        http.postJson("tech-lead", "/engine-rest/task/" + qaTask + "/complete", APPROVE),
        "Four-eyes: tech-lead already signed release " + id + " as tech-leads");
    assertThat(release(id).path("pendingSignOffs"))
        .extracting(JsonNode::asText)
        .contains("qa-leads")
        .doesNotContain("tech-leads");

    for (Map.Entry<String, String> approver : APPROVERS.entrySet()) {
      if (!approver.getKey().equals("tech-leads")) {
        complete(approver.getValue(), onlyTask(approver.getValue(), id, approver.getKey()));
      }
    }

    // Deployed and verified, production waits for its post-release load test. Only the requester
    // (the pipeline) posts it, only the types the policy asks for, and nothing past the API wakes
    // the checkpoint.
    awaitStatus(id, "awaiting-evidence");
    String posting = "/api/releases/" + id + "/post-deployment-evidence";
    Map<String, Object> k6 =
        posted("performance-tests", "evidence/post-release/k6.json", "c".repeat(64));
    for (String other : List.of("tech-lead", "admin", "release-manager")) {
      assertThat(http.postJson(other, posting, k6).status()).as(other).isEqualTo(403);
    }
    Response wrongType =
        http.postJson(
            "requester", posting, posted("security-scan", "evidence/scan.sarif", "not-a-digest"));
    assertThat(wrongType.status()).as(wrongType.body()).isEqualTo(400);
    assertThat(wrongType.errorPaths()).containsExactly("$.evidence[0].sha256");
    Response notRequired =
        http.postJson(
            "requester", posting, posted("security-scan", "evidence/scan.sarif", "d".repeat(64)));
    assertThat(notRequired.status()).as(notRequired.body()).isEqualTo(400);
    assertThat(notRequired.errorPaths()).containsExactly("$.evidence[0].type");
    assertThat(
            http.postJson(
                    "admin",
                    "/engine-rest/message",
                    Map.of("messageName", "postDeploymentEvidencePosted", "businessKey", id))
                .status())
        .isIn(400, 403);
    assertThat(release(id).path("status").asText()).isEqualTo("awaiting-evidence");
    assertThat(evidenceTypes(id)).doesNotContain("post-deployment-evidence-posted");

    Response posted = http.postJson("requester", posting, k6);
    assertThat(posted.status()).as(posted.body()).isEqualTo(202);
    awaitStatus(id, "released");
    Response late = http.postJson("requester", posting, k6);
    assertThat(late.status()).as(late.body()).isEqualTo(409);
    JsonNode released = release(id);
    assertThat(released.path("signOffs")).hasSize(6);
    assertThat(lastOf(id, "checkpoint-pre-deployment").path("promotion").path("releaseId").asText())
        .isEqualTo(staging);
    assertThat(released.path("incidents")).isEmpty();
    assertThat(tableExists("DOSE_REMINDERS")).as("V3 migrated on the target database").isTrue();

    List<String> types = evidenceTypes(id);
    assertThat(types)
        .contains(
            "release-requested",
            "policy-applied",
            "checkpoint-pre-deployment",
            "deployment-started",
            "database-migrated",
            "lambda-deployed",
            "kubernetes-rollout",
            "verification-result",
            "checkpoint-deployment",
            "post-deployment-evidence-posted",
            "checkpoint-post-deployment",
            "release-released");
    assertThat(types).filteredOn("sign-off"::equals).hasSize(6);
    assertThat(types).filteredOn("lambda-deployed"::equals).hasSize(3);
    assertThat(types).filteredOn("kubernetes-rollout"::equals).hasSize(2);
    assertThat(types)
        .containsSubsequence(
            "release-requested",
            "policy-applied",
            "checkpoint-pre-deployment",
            "sign-off",
            "deployment-started",
            "checkpoint-deployment",
            "database-migrated",
            "lambda-deployed",
            "kubernetes-rollout",
            "verification-result",
            "checkpoint-post-deployment",
            "release-released");
    assertThat(signOffActors(id)).containsExactlyInAnyOrderElementsOf(APPROVERS.values());
    assertChainValid(id);

    // Roll back by request: compensation in reverse order, the database through its rollback
    // scripts.
    Response rollback =
        http.postJson(
            "requester",
            "/api/releases/" + id + "/rollback",
            Map.of("reason", "dose reminders fire twice"));
    assertThat(rollback.status()).as(rollback.body()).isEqualTo(202);

    awaitStatus(id, "rolled-back");
    assertThat(tableExists("DOSE_REMINDERS")).as("V3 undone on the target database").isFalse();
    List<String> after = evidenceTypes(id);
    assertThat(after)
        .contains(
            "rollback-requested",
            "rollback-started",
            "database-restore",
            "lambda-reverted",
            "frontend-restored",
            "kubernetes-undone");
    assertThat(after)
        .containsSubsequence(
            "release-released",
            "rollback-started",
            "kubernetes-undone",
            "frontend-restored",
            "lambda-reverted",
            "database-restore");
    assertChainValid(id);
  }

  private JsonNode release(String id) {
    Response response = http.get("requester", "/api/releases/" + id);
    assertThat(response.status()).as(response.body()).isEqualTo(200);
    return response.json();
  }

  private void awaitStatus(String id, String expected) {
    await()
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(200))
        .until(
            () -> {
              JsonNode release = release(id);
              String status = release.path("status").asText();
              if (status.equals("failed")
                  || status.equals("rolled-back") && !expected.equals("rolled-back")) {
                throw new IllegalStateException(
                    "release " + id + " ended " + status + ": " + release);
              }
              return status;
            },
            expected::equals);
  }

  private String onlyTask(String user, String releaseId, String group) {
    Response response =
        http.get(
            user,
            "/engine-rest/task?processInstanceBusinessKey="
                + releaseId
                + "&candidateGroup="
                + group
                + "&maxResults=50");
    assertThat(response.status()).as(response.body()).isEqualTo(200);
    assertThat(response.json()).as("%s's tasks for %s", user, group).hasSize(1);
    assertThat(response.json().get(0).path("taskDefinitionKey").asText())
        .isEqualTo("approveRelease");
    return response.json().get(0).path("id").asText();
  }

  /**
   * 403 from the engine REST API, and when a message is given, that refusal (not a missing
   * authorization).
   */
  private static void assertRefused(Response response, String message) {
    assertThat(response.status()).as(response.body()).isEqualTo(403);
    if (message != null) {
      assertThat(response.json().path("message").asText()).contains(message);
    }
  }

  /**
   * As admin: a user-level candidate link, which gives that user the engine's permission to work on
   * the task.
   */
  private void makeCandidate(String user, String taskId) {
    Response response =
        http.postJson(
            "admin",
            "/engine-rest/task/" + taskId + "/identity-links",
            Map.of("userId", user, "type", "candidate"));
    assertThat(response.status()).as(response.body()).isEqualTo(204);
  }

  private void complete(String user, String taskId) {
    Response response = http.postJson(user, "/engine-rest/task/" + taskId + "/complete", APPROVE);
    assertThat(response.status())
        .as("%s completes %s: %s", user, taskId, response.body())
        .isEqualTo(204);
  }

  private List<String> evidenceTypes(String id) {
    List<String> types = new ArrayList<>();
    http.get("compliance-officer", "/api/releases/" + id + "/evidence")
        .json()
        .path("entries")
        .forEach(e -> types.add(e.path("type").asText()));
    return types;
  }

  /** A post-deployment evidence request body with one item in the artifacts bucket. */
  private static Map<String, Object> posted(String type, String key, String sha256) {
    return Map.of(
        "evidence",
        List.of(
            Map.of(
                "type", type,
                "location", "s3://medication-artifacts/" + key,
                "sha256", sha256)));
  }

  /** The payload of the release's last evidence entry of {@code type}. */
  private JsonNode lastOf(String id, String type) {
    JsonNode last = null;
    for (JsonNode entry :
        http.get("compliance-officer", "/api/releases/" + id + "/evidence")
            .json()
            .path("entries")) {
      if (entry.path("type").asText().equals(type)) {
        last = entry.path("payload");
      }
    }
    assertThat(last).as(type + " in " + id).isNotNull();
    return last;
  }

  private List<String> signOffActors(String id) {
    List<String> actors = new ArrayList<>();
    http.get("compliance-officer", "/api/releases/" + id + "/evidence")
        .json()
        .path("entries")
        .forEach(
            e -> {
              if (e.path("type").asText().equals("sign-off")) {
                assertThat(e.path("payload").path("decision").asText()).isEqualTo("approve");
                actors.add(e.path("actor").asText());
              }
            });
    return actors;
  }

  private void assertChainValid(String id) {
    JsonNode verification =
        http.get("compliance-officer", "/api/releases/" + id + "/evidence/verify").json();
    assertThat(verification.path("valid").asBoolean()).as(verification.toString()).isTrue();
    assertThat(verification.path("problems")).isEmpty();
  }

  private static boolean tableExists(String table) throws SQLException {
    try (Connection c = DriverManager.getConnection(ApiAppSupport.TARGET_DB_URL, "sa", "");
        ResultSet rs = c.getMetaData().getTables(null, null, table, null)) {
      return rs.next();
    }
  }
}
