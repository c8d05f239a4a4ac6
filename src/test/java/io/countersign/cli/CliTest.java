package io.countersign.cli;

import static io.countersign.cli.CliRun.approveAll;
import static io.countersign.cli.CliRun.requester;
import static io.countersign.cli.CliRun.run;
import static io.countersign.cli.CliRun.stagingManifest;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.countersign.ApiAppSupport;
import io.countersign.DemoApprovers;
import io.countersign.HttpSupport;
import io.countersign.ManifestFixture;
import io.countersign.TestIdentityProvider;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
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
 * The command-line client in-process against the whole app on a random port: what it prints and the
 * exit code a pipeline sees for each outcome.
 */
@ApiAppSupport
class CliTest {
  private static final String RELEASE_ID = "rel-\\d{8}-[a-z2-9]{6}";

  @LocalServerPort int port;
  @Autowired JdbcTemplate jdbc;
  @TempDir Path dir;
  private HttpSupport http;
  private Map<String, String> env;

  @BeforeEach
  void client() {
    http = new HttpSupport(port);
    env = requester(port);
  }

  @Test
  void submitPrintsTheIdOnceAndStatusSummarisesTheRelease() throws Exception {
    Path manifest = stagingManifest(dir, "cli-submit");

    CliRun submitted = run(env, "submit", manifest.toString());

    assertThat(submitted.exitCode()).as(submitted.err()).isZero();
    String id = submitted.out().strip();
    assertThat(id).matches(RELEASE_ID);
    assertThat(submitted.err()).contains("submitted " + id);
    assertThat(http.get("requester", "/api/releases/" + id).status()).isEqualTo(200);

    // The same manifest again (idempotent by the manifest): the active release, nothing new.
    CliRun again = run(env, "submit", manifest.toString());
    assertThat(again.exitCode()).as(again.err()).isZero();
    assertThat(again.out().strip()).isEqualTo(id);
    assertThat(again.err()).contains("already submitted: " + id);

    http.afterEvidenceCheck("requester", id);
    CliRun status = run(env, "status", id);
    assertThat(status.exitCode()).as(status.err()).isEqualTo(Cli.IN_PROGRESS);
    assertThat(status.out())
        .contains(id + ": medication-tracker ")
        .contains("status: awaiting-sign-off")
        .containsPattern("waiting for sign-off by: .*qa-leads")
        .contains("tech-leads");

    CliRun json = run(env, "status", id, "--json");
    assertThat(json.exitCode()).isEqualTo(Cli.IN_PROGRESS);
    JsonNode detail = HttpSupport.JSON.readTree(json.out());
    assertThat(detail.path("id").asText()).isEqualTo(id);
    assertThat(detail.path("status").asText()).isEqualTo("awaiting-sign-off");
  }

  @Test
  void theIdempotencyKeyIsSentAsTheApiHeader() {
    String key = "cli-run-" + UUID.randomUUID();
    Path first = stagingManifest(dir, "cli-key");
    CliRun one = run(env, "submit", first.toString(), "--idempotency-key", key);
    assertThat(one.exitCode()).as(one.err()).isZero();

    // Another version with the same key: the API answers with the first release.
    Path other = stagingManifest(dir, "cli-key-other");
    CliRun two = run(env, "submit", other.toString(), "--idempotency-key", key);

    assertThat(two.exitCode()).as(two.err()).isZero();
    assertThat(two.out().strip()).isEqualTo(one.out().strip());
  }

  @Test
  void waitExitsByOutcomeReleasedThenRolledBackAndTheEvidenceVerifies() {
    String id = run(env, "submit", stagingManifest(dir, "cli-wait").toString()).out().strip();
    assertThat(id).matches(RELEASE_ID);
    approveAll(http, id);

    CliRun released = run(env, "wait", id, "--interval", "PT0.2S", "--timeout", "PT2M");

    assertThat(released.exitCode()).as(released.err()).isEqualTo(Cli.RELEASED);
    assertThat(released.out().strip()).isEqualTo("released");
    assertThat(released.err()).contains(id + " released").containsPattern("\\| \\d+m\\d\\ds");
    assertThat(http.get("requester", "/api/releases/" + id).json().path("status").asText())
        .isEqualTo("released");
    assertThat(run(env, "status", id).exitCode()).isEqualTo(Cli.RELEASED);

    CliRun verified = run(env, "evidence", id, "--verify");
    assertThat(verified.exitCode()).as(verified.err()).isZero();
    assertThat(verified.out()).contains(id + ": evidence verifies");

    CliRun rollback = run(env, "rollback", id, "--reason", "error rate up after release");
    assertThat(rollback.exitCode()).as(rollback.err()).isZero();
    assertThat(rollback.out()).startsWith(id + ": ");

    CliRun rolledBack = run(env, "wait", id, "--interval", "PT0.2S", "--timeout", "PT2M");
    assertThat(rolledBack.exitCode()).as(rolledBack.err()).isEqualTo(Cli.ROLLED_BACK);
    assertThat(rolledBack.out().strip()).isEqualTo("rolled-back");
    assertThat(run(env, "status", id).exitCode()).isEqualTo(Cli.ROLLED_BACK);

    // Rolled back already: the API refuses a second rollback, one line with its reason.
    CliRun twice = run(env, "rollback", id, "--reason", "again");
    assertThat(twice.exitCode()).isEqualTo(Cli.ERROR);
    assertThat(twice.err().strip())
        .startsWith("countersign: HTTP 409 Not possible in the release's current state")
        .doesNotContain("\n");
  }

  @Test
  void aRejectedReleaseExits3() {
    String id = run(env, "submit", stagingManifest(dir, "cli-reject").toString()).out().strip();
    JsonNode detail = http.afterEvidenceCheck("requester", id);
    assertThat(detail.path("status").asText()).isEqualTo("awaiting-sign-off");
    String approver = DemoApprovers.BY_ROLE.get("qa-leads");
    JsonNode tasks =
        org.awaitility.Awaitility.await()
            .until(
                () ->
                    http.get(
                            approver,
                            "/engine-rest/task?maxResults=10&processInstanceBusinessKey="
                                + id
                                + "&candidateGroup=qa-leads")
                        .json(),
                t -> t.isArray() && !t.isEmpty());
    HttpSupport.Response done =
        http.postJson(
            approver,
            "/engine-rest/task/" + tasks.get(0).path("id").asText() + "/complete",
            Map.of(
                "variables",
                Map.of(
                    "decision", Map.of("value", "reject"),
                    "rejectComment", Map.of("value", "Flaky tests"))));
    assertThat(done.status()).as(done.body()).isEqualTo(204);

    CliRun rejected = run(env, "wait", id, "--interval", "PT0.1S", "--timeout", "PT1M");

    assertThat(rejected.exitCode()).as(rejected.err()).isEqualTo(Cli.NOT_RELEASED);
    assertThat(rejected.out().strip()).isEqualTo("rejected");
  }

  @Test
  void aCancelledReleaseExits3() {
    String id = run(env, "submit", stagingManifest(dir, "cli-cancel").toString()).out().strip();
    http.afterEvidenceCheck("requester", id);
    HttpSupport.Response cancelled =
        http.postJson("requester", "/api/releases/" + id + "/cancel", Map.of("reason", "not now"));
    assertThat(cancelled.status()).as(cancelled.body()).isEqualTo(202);

    CliRun waited = run(env, "wait", id, "--interval", "PT0.1S", "--timeout", "PT1M");

    assertThat(waited.exitCode()).as(waited.err()).isEqualTo(Cli.NOT_RELEASED);
    assertThat(waited.out().strip()).isEqualTo("cancelled");
    assertThat(run(env, "status", id).exitCode()).isEqualTo(Cli.NOT_RELEASED);
  }

  @Test
  void evidenceThatDoesNotVerifyIsExit7WithItsProblems() {
    String id = run(env, "submit", stagingManifest(dir, "cli-tamper").toString()).out().strip();
    http.afterEvidenceCheck("requester", id);
    assertThat(run(env, "evidence", id, "--verify").exitCode()).isZero();
    // As ReleaseApiTest's tampering: an entry's payload changed in the database behind the log.
    assertThat(
            jdbc.update(
                "UPDATE cs_evidence SET payload = ? WHERE release_id = ? AND seq = 2",
                "{\"requiredRoles\":[]}",
                id))
        .isEqualTo(1);

    CliRun verified = run(env, "evidence", id, "--verify");

    assertThat(verified.exitCode()).isEqualTo(Cli.EVIDENCE_INVALID);
    assertThat(verified.out()).startsWith(id + ": evidence does NOT verify\n").contains("  seq 2:");
  }

  @Test
  void waitGivesUpWithExit6AndShowsWhoMaySign() {
    String id = run(env, "submit", stagingManifest(dir, "cli-timeout").toString()).out().strip();
    http.afterEvidenceCheck("requester", id);

    CliRun waited = run(env, "wait", id, "--interval", "PT0.05S", "--timeout", "PT0.3S");

    assertThat(waited.exitCode()).as(waited.err()).isEqualTo(Cli.TIMED_OUT);
    assertThat(waited.out()).isEmpty();
    assertThat(waited.err())
        .contains(id + " awaiting-sign-off")
        .containsPattern("waiting for sign-off by: .*qa-leads")
        .contains("timed out after 0m00s; " + id + " is still awaiting-sign-off");
  }

  @Test
  void onATerminalTheProgressLineIsRewrittenInPlace() {
    String id = run(env, "submit", stagingManifest(dir, "cli-tty").toString()).out().strip();
    http.afterEvidenceCheck("requester", id);

    CliRun waited =
        CliRun.run(true, env, "wait", id, "--interval", "PT0.05S", "--timeout", "PT0.3S");

    assertThat(waited.exitCode()).isEqualTo(Cli.TIMED_OUT);
    // Each poll redraws the same line (carriage return, erase line); no new line per poll.
    assertThat(waited.err())
        .startsWith("\r\033[K" + id + " awaiting-sign-off | waiting for sign-off by: ");
    assertThat(waited.err().split("\r\033\\[K", -1).length).isGreaterThan(2);
    // Two line ends: the one closing the progress line, the one of the time-out message.
    assertThat(waited.err().chars().filter(c -> c == '\n').count()).isEqualTo(2);
    assertThat(waited.err()).endsWith("is still awaiting-sign-off\n");
  }

  @Test
  void aWrongPasswordIsExit2WithTheStatusAndAHint() {
    Map<String, String> wrong = new HashMap<>(env);
    wrong.put("COUNTERSIGN_PASSWORD", "not-the-password");

    CliRun refused = run(wrong, "status", "rel-20990101-abcdef");

    assertThat(refused.exitCode()).isEqualTo(Cli.ERROR);
    assertThat(refused.out()).isEmpty();
    assertThat(refused.err().strip())
        .startsWith("countersign: HTTP 401")
        .contains("COUNTERSIGN_USER and COUNTERSIGN_PASSWORD")
        .doesNotContain("not-the-password")
        .doesNotContain("\n");
  }

  @Test
  void aBadManifestIsExit2WithEveryFieldPath() {
    ObjectNode bad =
        ManifestFixture.withVersion(ManifestFixture.staging(), ManifestFixture.freshVersion("bad"));
    bad.put("environment", "qa");
    ((ObjectNode) bad.get("lambda").get("functions").get(1)).put("name", "not a name!");
    Path file = CliRun.write(dir.resolve("bad.json"), ManifestFixture.json(bad));

    CliRun refused = run(env, "submit", file.toString());

    assertThat(refused.exitCode()).isEqualTo(Cli.ERROR);
    assertThat(refused.out()).isEmpty();
    assertThat(refused.err().strip())
        .startsWith("countersign: HTTP 400 Invalid release manifest: 2 fields are invalid [")
        .contains("$.environment unknown environment 'qa'")
        .contains("$.lambda.functions[1].name ")
        .doesNotContain("\n");
  }

  @Test
  void anUnknownReleaseIsExit2WithTheProblem() {
    CliRun missing = run(env, "wait", "rel-20990101-abcdef", "--timeout", "PT1M");

    assertThat(missing.exitCode()).isEqualTo(Cli.ERROR);
    assertThat(missing.err())
        .contains("HTTP 404 Release not found: No release with id 'rel-20990101-abcdef'");
  }

  @Test
  void anUnreachableServerIsExit2AtOnce() throws Exception {
    int closed;
    try (ServerSocket socket = new ServerSocket(0)) {
      closed = socket.getLocalPort();
    }
    Map<String, String> nowhere = new HashMap<>(env);
    nowhere.put("COUNTERSIGN_URL", "http://localhost:" + closed);

    CliRun waited = run(nowhere, "wait", "rel-20990101-abcdef", "--timeout", "PT1H");

    assertThat(waited.exitCode()).isEqualTo(Cli.ERROR);
    assertThat(waited.err().strip())
        .startsWith("countersign: cannot reach http://localhost:" + closed + ": ")
        .doesNotContain("\n");
  }

  @Test
  void aBearerTokenFromTheEnvironmentAuthenticates() {
    String token =
        TestIdentityProvider.token(
            TestIdentityProvider.ISSUER,
            "cli-pipeline-bot",
            List.of("release-requesters"),
            Instant.now().plusSeconds(300));
    Map<String, String> bearer =
        Map.of("COUNTERSIGN_URL", "http://localhost:" + port + "/", "COUNTERSIGN_TOKEN", token);

    CliRun submitted = run(bearer, "submit", stagingManifest(dir, "cli-bearer").toString());

    assertThat(submitted.exitCode()).as(submitted.err()).isZero();
    String id = submitted.out().strip();
    assertThat(http.get("release-manager", "/api/releases/" + id).json().path("requester").asText())
        .isEqualTo("cli-pipeline-bot");
  }

  @Test
  void withoutCredentialsOrServerNothingIsSent() {
    CliRun noCredentials =
        run(Map.of("COUNTERSIGN_URL", "http://localhost:" + port), "status", "x");
    assertThat(noCredentials.exitCode()).isEqualTo(Cli.ERROR);
    assertThat(noCredentials.err()).contains("no credentials: set COUNTERSIGN_TOKEN");

    CliRun noServer = run(Map.of("COUNTERSIGN_TOKEN", "t"), "status", "x");
    assertThat(noServer.exitCode()).isEqualTo(Cli.ERROR);
    assertThat(noServer.err()).contains("no server: set COUNTERSIGN_URL or pass --url");

    // --url after the command counts as well as before it (then the server answers 404).
    CliRun withUrl = run(requesterWithoutUrl(), "status", "rel-20990101-abcdef", "--url", url());
    assertThat(withUrl.err()).contains("HTTP 404");
    CliRun before = run(requesterWithoutUrl(), "--url", url(), "status", "rel-20990101-abcdef");
    assertThat(before.err()).contains("HTTP 404");
  }

  @Test
  void theHelpListsTheExitCodes() {
    CliRun help = run(Map.of(), "wait", "--help");

    assertThat(help.exitCode()).isZero();
    assertThat(help.out())
        .contains("Exit codes:")
        .containsPattern("0\\s+released")
        .containsPattern("3\\s+rejected, expired or cancelled")
        .containsPattern("4\\s+rolled back")
        .containsPattern("5\\s+failed")
        .containsPattern("6\\s+timed out");
  }

  private String url() {
    return "http://localhost:" + port;
  }

  private Map<String, String> requesterWithoutUrl() {
    Map<String, String> without = new HashMap<>(env);
    without.remove("COUNTERSIGN_URL");
    return without;
  }
}
