package io.countersign.browser;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.countersign.ApiAppSupport;
import io.countersign.DemoApprovers;
import io.countersign.HttpSupport;
import io.countersign.HttpSupport.Response;
import io.countersign.ManifestFixture;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.camunda.bpm.engine.TaskService;
import org.camunda.bpm.engine.task.Task;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestInstance.Lifecycle;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The release console in a real browser (Chromium), against the whole app: an approver goes from
 * the console's list to a completed sign-off in Tasklist, the requester watches the page follow the
 * release to released without reloading it, an operations lead rolls a release back from it and the
 * model shows the undone steps, and refusals (four-eyes in Tasklist, the API's in the console)
 * reach the person as sentences. Screenshots of each command's last screen land in {@code <build
 * dir>/browser-tests/}, with the approver's clicks and seconds in {@code approver-sign-off.txt}.
 */
@ApiAppSupport
@TestInstance(Lifecycle.PER_CLASS)
class ConsoleBrowserTest {
  @LocalServerPort int port;
  @Autowired JdbcTemplate jdbc;
  @Autowired TaskService tasks;
  TasklistBrowser browser;
  HttpSupport http;

  @BeforeAll
  void startBrowser() {
    browser = new TasklistBrowser(port);
  }

  @AfterAll
  void quitBrowser() {
    if (browser != null) {
      assertThat(browser.quit())
          .as("exit code of e2e/tasklist.mjs\n%s", browser.logTail())
          .isZero();
    }
  }

  @BeforeEach
  void client() {
    http = new HttpSupport(port);
  }

  @Test
  void anApproverSignsFromTheConsoleAndTheRequesterWatchesTheReleaseGoOut() throws Exception {
    String release = submit("requester", deploying());

    JsonNode tech =
        browser.consoleSignOff(
            "console-sign-off-tech-lead", "tech-lead", "tech-leads", release, "Approve", "");
    assertThat(tech.path("claim").path("status").asInt()).as(tech.toString()).isEqualTo(204);
    assertThat(tech.path("submit").path("status").asInt()).as(tech.toString()).isEqualTo(204);
    assertThat(tech.path("form").path("Release").asText()).isEqualTo(release);
    report(tech);

    // The requester opens the release while the QA lead's sign-off is still outstanding; the page
    // has loaded once its evidence was read (each read is recorded in the evidence-access chain).
    CompletableFuture<JsonNode> watching =
        browser.consoleWatch("console-watch-requester", "requester", release, "released");
    await("the requester's console page open on " + release)
        .atMost(Duration.ofMinutes(1))
        .pollInterval(Duration.ofMillis(100))
        .until(() -> evidenceReads("requester", release) > 0);
    approveAsQaLead(release);
    JsonNode watched = watching.get(3, TimeUnit.MINUTES);

    assertThat(watched.path("statuses").get(0).asText()).isEqualTo("awaiting-sign-off");
    assertThat(watched.path("statuses").get(watched.path("statuses").size() - 1).asText())
        .isEqualTo("released");
    assertThat(watched.path("navigations").asInt()).as("reloads of the page").isZero();
    assertThat(watched.path("digest").asText()).isEqualTo(digest(release));
    assertThat(watched.path("signOffs").toString())
        .contains("Tech lead\\tapproved\\ttech-lead")
        .contains("QA lead\\tapproved\\tqa-lead");
    assertThat(watched.path("steps").path("deployLambda").asText()).isEqualTo("completed");
    assertThat(watched.path("steps").path("rolloutKubernetes").asText()).isEqualTo("completed");
    assertThat(watched.path("model").asText()).isEqualTo("deploy");
    assertThat(watched.path("marked").path("publishFrontend").asText()).isEqualTo("completed");
    assertThat(watched.path("marked").path("markReleased").asText()).isEqualTo("completed");
    assertThat(watched.path("evidence").asText()).startsWith("The chain verifies:");
  }

  @Test
  void anOperationsLeadRollsAReleaseBackFromTheConsoleAndTheModelShowsWhatWasUndone()
      throws Exception {
    String release = submit("requester", deploying());
    approveAll(release);
    awaitStatus(release, "released");

    JsonNode asApprover =
        browser.consoleAction(
            "console-rollback-not-offered", "tech-lead", release, "rollback", Map.of());
    assertThat(asApprover.path("offered")).as("a tech lead may not roll back").isEmpty();

    JsonNode rollback =
        browser.consoleAction(
            "console-rollback",
            "ops-lead",
            release,
            "rollback",
            Map.of("reason", "Error rate on the new version (console test)"));
    assertThat(rollback.path("offered").toString()).contains("rollback");
    assertThat(rollback.path("refusal").isNull()).as(rollback.toString()).isTrue();
    assertThat(rollback.path("note").asText())
        .isEqualTo("Rollback of release " + release + " started");

    JsonNode watched =
        browser
            .consoleWatch("console-watch-rollback", "requester", release, "rolled-back")
            .get(3, TimeUnit.MINUTES);
    assertThat(watched.path("marked").path("deployLambdaFunctions").asText())
        .isEqualTo("compensated");
    assertThat(watched.path("marked").path("publishFrontend").asText()).isEqualTo("compensated");
    assertThat(watched.path("evidence").asText()).startsWith("The chain verifies:");
    assertThat(
            jdbc.queryForObject(
                "SELECT COUNT(*) FROM cs_evidence WHERE release_id = ? AND type ="
                    + " 'rollback-requested' AND actor = 'ops-lead'",
                Integer.class,
                release))
        .isEqualTo(1);
  }

  @Test
  void refusalsReachThePersonAsSentences() {
    String release =
        submit(
            "dev-lead",
            ManifestFixture.withVersion(
                ManifestFixture.staging(), ManifestFixture.freshVersion("console")));

    // dev-lead requested it and is a tech lead: the console links the pending task, Tasklist
    // refuses.
    JsonNode own =
        browser.consoleSignOff(
            "console-four-eyes-dev-lead", "dev-lead", "tech-leads", release, "Approve", "");
    assertThat(own.path("claim").path("status").asInt()).as(own.toString()).isEqualTo(403);
    assertThat(own.path("notifications").toString())
        .contains("Four-eyes: dev-lead requested release " + release);
    assertThat(own.path("submit").isNull()).isTrue();

    Map<String, String> override =
        Map.of(
            "kind",
            "quick",
            "reason",
            "Outage: the fix must go out now",
            "incidentReference",
            "INC-4711");
    JsonNode first =
        browser.consoleAction("console-override", "dev-lead", release, "override", override);
    assertThat(first.path("note").asText())
        .isEqualTo(
            "Override requested for release "
                + release
                + "; a release manager decides in Tasklist");
    JsonNode again =
        browser.consoleAction("console-override-again", "dev-lead", release, "override", override);
    assertThat(again.path("refusal").asText())
        .isEqualTo("Release " + release + " already has an override pending or granted");

    JsonNode cancelled =
        browser.consoleAction(
            "console-cancel",
            "dev-lead",
            release,
            "cancel",
            Map.of("reason", "Superseded (console test)"));
    assertThat(cancelled.path("note").asText()).isEqualTo("Release " + release + " cancelled");
    awaitStatus(release, "cancelled");
    assertThat(tasks.createTaskQuery().processInstanceBusinessKey(release).list())
        .extracting(Task::getTaskDefinitionKey)
        .isEmpty();
  }

  /** A staging release that deploys quickly: no database part (other classes share it), no bake. */
  private static ObjectNode deploying() {
    ObjectNode manifest =
        ManifestFixture.withVersion(
            ManifestFixture.staging(), ManifestFixture.freshVersion("console"));
    manifest.remove("database");
    ((ObjectNode) manifest.get("verification")).put("bakeWindow", "PT0S");
    return manifest;
  }

  private String submit(String requester, ObjectNode manifest) {
    Response submitted =
        http.post(
            requester,
            "/api/releases",
            "application/json",
            ManifestFixture.json(manifest),
            Map.of());
    assertThat(submitted.status()).as(submitted.body()).isEqualTo(201);
    String release = submitted.json().path("id").asText();
    await()
        .atMost(Duration.ofMinutes(1))
        .pollInterval(Duration.ofMillis(100))
        .until(() -> openSignOffs(release) == 2);
    return release;
  }

  private long openSignOffs(String release) {
    return tasks
        .createTaskQuery()
        .processInstanceBusinessKey(release)
        .taskDefinitionKey("approveRelease")
        .count();
  }

  private void approveAll(String release) {
    for (String role : new String[] {"tech-leads", "qa-leads"}) {
      approve(release, role);
    }
  }

  private void approveAsQaLead(String release) {
    approve(release, "qa-leads");
  }

  private void approve(String release, String role) {
    Task task =
        tasks
            .createTaskQuery()
            .processInstanceBusinessKey(release)
            .taskCandidateGroup(role)
            .singleResult();
    Response done =
        http.postJson(
            DemoApprovers.BY_ROLE.get(role),
            "/engine-rest/task/" + task.getId() + "/complete",
            DemoApprovers.APPROVE);
    assertThat(done.status()).as(done.body()).isEqualTo(204);
  }

  private void awaitStatus(String release, String status) {
    await(release + " " + status)
        .atMost(Duration.ofMinutes(2))
        .pollInterval(Duration.ofMillis(200))
        .until(
            () -> http.get("admin", "/api/releases/" + release).json().path("status").asText(),
            status::equals);
  }

  private int evidenceReads(String user, String release) {
    return jdbc.queryForObject(
        "SELECT COUNT(*) FROM cs_evidence WHERE release_id = 'evidence-access' AND actor = ?"
            + " AND type = 'evidence-read' AND payload LIKE ?",
        Integer.class,
        user,
        "%\"" + release + "\"%");
  }

  private String digest(String release) {
    return http.get("admin", "/api/releases/" + release + "/manifest")
        .headers()
        .firstValue("X-Manifest-SHA256")
        .orElseThrow();
  }

  /** The approver's way from the console's login to a completed sign-off, for README's figures. */
  private static void report(JsonNode signOff) throws IOException {
    String line =
        String.format(
            "console list -> Tasklist -> completed sign-off: %d clicks, %d typed fields, %.1f s%n",
            signOff.path("clicks").asInt(),
            signOff.path("typed").asInt(),
            signOff.path("millis").asLong() / 1000.0);
    Files.createDirectories(TasklistBrowser.artifacts());
    Files.writeString(
        TasklistBrowser.artifacts().resolve("approver-sign-off.txt"),
        line,
        StandardCharsets.UTF_8,
        StandardOpenOption.CREATE,
        StandardOpenOption.APPEND);
  }
}
