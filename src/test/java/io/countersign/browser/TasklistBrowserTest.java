package io.countersign.browser;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.countersign.ApiAppSupport;
import io.countersign.HttpSupport;
import io.countersign.HttpSupport.Response;
import io.countersign.ManifestFixture;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.camunda.bpm.engine.TaskService;
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
 * Approvers in a real browser: Camunda Tasklist in Chromium, through its login form, the role's
 * filter, the task's Camunda Form and its Claim and Complete buttons, against the whole app. Proves
 * that what form-js submits passes the engine's field allow-list, what an approver sees when
 * four-eyes refuses them or the engine refuses a completion, and that the form shows the digest of
 * the stored manifest. One browser for the class; each sign-off is a fresh session.
 */
@ApiAppSupport
@TestInstance(Lifecycle.PER_CLASS)
class TasklistBrowserTest {
  private static final String TECH_LEADS = "Tech lead sign-offs";
  private static final String QA_LEADS = "QA lead sign-offs";
  private static final String DIGEST_LABEL = "Manifest SHA-256 (what you sign)";

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
  void techAndQaLeadsApproveInTasklistAndTheReleaseGoesOn() {
    // This release deploys: without its database part, so the target database all API test classes
    // share stays unmigrated (EndToEndTest migrates it and checks that its rollback undoes that).
    ObjectNode manifest = staging();
    manifest.remove("database");
    String release = submit("requester", manifest);
    String digest = manifestDigest(release);

    JsonNode tech =
        browser.signOff("approve-tech-lead", "tech-lead", TECH_LEADS, release, "Approve", "");
    assertCompleted(tech);
    JsonNode qa = browser.signOff("approve-qa-lead", "qa-lead", QA_LEADS, release, "Approve", "");
    assertCompleted(qa);

    // What Tasklist sends: the form's editable fields only (form-js leaves the disabled ones out),
    // as plain values.
    for (JsonNode signOff : List.of(tech, qa)) {
      JsonNode variables = signOff.path("submit").path("request").path("variables");
      assertThat(fieldNames(variables))
          .as(signOff.path("submit").toString())
          .containsExactly("decision", "comment");
      assertThat(variables.path("decision")).hasToString("{\"value\":\"approve\"}");
      assertThat(variables.path("comment")).hasToString("{\"value\":\"\"}");
    }

    String status =
        await()
            .atMost(Duration.ofMinutes(2))
            .pollInterval(Duration.ofMillis(200))
            .until(
                () -> release(release).path("status").asText(),
                s -> !s.equals("awaiting-sign-off"));
    assertThat(status)
        .as(release(release).toString())
        .isNotIn("rejected", "expired", "cancelled", "rolled-back", "failed");
    assertThat(
            jdbc.queryForList(
                "SELECT role, user_id, decision, manifest_sha256 FROM cs_sign_off"
                    + " WHERE release_id = ? ORDER BY role",
                release))
        .extracting(
            row ->
                row.get("ROLE")
                    + " "
                    + row.get("USER_ID")
                    + " "
                    + row.get("DECISION")
                    + " "
                    + row.get("MANIFEST_SHA256"))
        .containsExactly(
            "qa-leads qa-lead approve " + digest, "tech-leads tech-lead approve " + digest);
  }

  @Test
  void aRequesterWhoIsAlsoTechLeadSeesTheFourEyesRefusalInTasklist() {
    String release = submit("dev-lead");

    JsonNode own =
        browser.signOff("four-eyes-dev-lead", "dev-lead", TECH_LEADS, release, "Approve", "");

    // Tasklist lets nobody choose or complete before the task is theirs, so the refusal comes at
    // Claim, and the form stays read-only with Complete disabled.
    String sentence = "Four-eyes: dev-lead requested release " + release;
    assertThat(own.path("formDisabledBeforeClaim").asBoolean()).as(own.toString()).isTrue();
    assertThat(own.path("claim").path("status").asInt()).as(own.toString()).isEqualTo(403);
    assertThat(own.path("notifications"))
        .as(own.path("screenshot").asText())
        .anySatisfy(
            n ->
                assertThat(n.asText())
                    .contains("An error happened while claiming the task.", sentence));
    assertThat(own.path("submit").isNull()).as(own.toString()).isTrue();
    assertThat(own.path("formDisabled").asBoolean()).as("form read-only").isTrue();
    assertThat(own.path("completeEnabled").asBoolean()).as("Complete enabled").isFalse();
    assertThat(callsTo(own, "/submit-form")).isEmpty();

    assertThat(
            jdbc.queryForObject(
                "SELECT COUNT(*) FROM cs_sign_off WHERE release_id = ?", Integer.class, release))
        .isZero();
    JsonNode after = release(release);
    assertThat(after.path("status").asText()).isEqualTo("awaiting-sign-off");
    assertThat(after.path("signOffs")).isEmpty();
    assertThat(tasks.createTaskQuery().processInstanceBusinessKey(release).taskAssigned().count())
        .isZero();
  }

  @Test
  void theFormRefusesARejectionWithoutAReasonBeforeAnythingIsSent() {
    String release = submit("requester");

    JsonNode blocked =
        browser.signOffBlockedByTheForm(
            "reject-without-comment", "tech-lead", TECH_LEADS, release, "Reject", "");

    assertThat(blocked.path("ok").asBoolean()).as(blocked.toString()).isTrue();
    assertThat(blocked.path("claim").path("status").asInt()).as(blocked.toString()).isEqualTo(204);
    assertThat(blocked.path("errors"))
        .as(blocked.path("screenshot").asText())
        .anySatisfy(e -> assertThat(e.asText()).containsIgnoringCase("required"));
    // Claimed, and nothing else: no completion reached the engine.
    assertThat(callsTo(blocked, "/submit-form")).isEmpty();
    assertThat(callsTo(blocked, "/complete")).isEmpty();
    assertThat(
            jdbc.queryForObject(
                "SELECT COUNT(*) FROM cs_sign_off WHERE release_id = ?", Integer.class, release))
        .isZero();
    assertThat(release(release).path("status").asText()).isEqualTo("awaiting-sign-off");

    // With its reason the rejection goes through, in the field of its own (a fresh session: the
    // task is handed back first, as Tasklist's Unclaim would).
    tasks.setAssignee(blocked.path("taskId").asText(), null);
    JsonNode rejected =
        browser.signOff(
            "reject-with-reason", "tech-lead", TECH_LEADS, release, "Reject", "Flaky tests");
    assertCompleted(rejected);
    JsonNode variables = rejected.path("submit").path("request").path("variables");
    assertThat(fieldNames(variables)).containsExactly("decision", "rejectComment");
    assertThat(variables.path("rejectComment")).hasToString("{\"value\":\"Flaky tests\"}");
    assertThat(
            jdbc.queryForObject(
                "SELECT comment FROM cs_sign_off WHERE release_id = ? AND role = 'tech-leads'",
                String.class,
                release))
        .isEqualTo("Flaky tests");
    assertThat(
            tasks
                .createTaskQuery()
                .processInstanceBusinessKey(release)
                .taskDefinitionKey("approveRelease")
                .count())
        .as("a rejection ends the sign-off")
        .isZero();
  }

  @Test
  void theSignOffFormShowsTheDigestOfTheStoredManifest() {
    String release = submit("requester");
    String digest = manifestDigest(release);

    JsonNode form = browser.open("digest-qa-lead", "qa-lead", QA_LEADS, release).path("form");

    assertThat(form.path(DIGEST_LABEL).asText()).as(form.toString()).isEqualTo(digest);
    assertThat(form.path("Requested by").asText()).isEqualTo("requester");
    assertThat(form.path("Signing for role").asText()).isEqualTo("QA lead");
    assertThat(form.path("Environment").asText()).isEqualTo("staging");
    assertThat(form.path("Version").asText()).isEqualTo(release(release).path("version").asText());
    assertThat(form.path("Release").asText()).isEqualTo(release);
    assertThat(form.path("Running in this environment now").asText())
        .matches("\\S+ \\(rel-\\d{8}-[a-z2-9]{6}\\)|none released by Countersign yet");
    assertThat(form.path("Planned steps").asText())
        .contains("a breach rolls the release back")
        .contains("error-rate ≤ 0.01");
    assertThat(form.path("Rollback plan").asText())
        .startsWith("1. Undo the rollout of Deployment")
        .contains("Roll back database")
        .contains("Verify the restoration");
  }

  @Test
  void theSignOffFormReadsTheRoleLabelTheOtherSignOffsAndTheEvidenceInFull() {
    ObjectNode manifest = staging();
    manifest
        .withArray("evidence")
        .addObject()
        .put("type", "load-tests")
        .put("location", "https://ci.medication.example/runs/42/k6_summary(final).json")
        .put("sha256", "0f".repeat(32));
    String release = submit("requester", manifest);
    JsonNode tech =
        browser.signOff("tech-lead-first", "tech-lead", TECH_LEADS, release, "Approve", "");
    assertCompleted(tech);

    JsonNode opened = browser.open("qa-lead-reads", "qa-lead", QA_LEADS, release);

    List<String> texts = new ArrayList<>();
    opened.path("texts").forEach(t -> texts.add(t.asText()));
    assertThat(texts)
        .as(opened.path("screenshot").asText())
        .anySatisfy(t -> assertThat(t).startsWith("Release sign-off: QA lead"))
        .noneSatisfy(t -> assertThat(t).contains("qa-leads"));
    // The other role, as it stands now (approved since this task was created); not this one.
    assertThat(texts)
        .anySatisfy(
            t ->
                assertThat(t)
                    .contains("The other sign-offs")
                    .containsPattern("Tech lead: approved by tech-lead at \\d{4}-\\d{2}-\\d{2}")
                    .doesNotContain("QA lead: waiting"));
    // Evidence: full digests; https locations are links that open beside Tasklist.
    String evidence =
        texts.stream()
            .filter(t -> t.startsWith("Evidence and its checks"))
            .findFirst()
            .orElseThrow();
    assertThat(evidence).doesNotContain("…").containsPattern("SHA-256: [0-9a-f]{64}");
    JsonNode stored = http.get("admin", "/api/releases/" + release + "/manifest").json();
    stored
        .path("evidence")
        .forEach(
            item -> {
              String location = item.path("location").asText();
              assertThat(evidence).contains(location).contains(item.path("sha256").asText());
              if (location.startsWith("https://")) {
                assertThat(opened.path("links"))
                    .anySatisfy(
                        link -> {
                          assertThat(link.path("href").asText()).isEqualTo(location);
                          assertThat(link.path("text").asText()).isEqualTo(location);
                          assertThat(link.path("target").asText()).isEqualTo("_blank");
                        });
              }
            });
    // Ends the release: the QA lead rejects it, with the reason.
    assertCompleted(
        browser.signOff("qa-lead-rejects", "qa-lead", QA_LEADS, release, "Reject", "Done here"));
  }

  private static void assertCompleted(JsonNode signOff) {
    assertThat(signOff.path("claim").path("status").asInt()).as(signOff.toString()).isEqualTo(204);
    assertThat(signOff.path("submit").path("status").asInt()).as(signOff.toString()).isEqualTo(204);
    assertThat(signOff.path("notifications"))
        .as(signOff.toString())
        .noneSatisfy(n -> assertThat(n.asText()).containsIgnoringCase("error"));
  }

  private static ObjectNode staging() {
    return ManifestFixture.withVersion(
        ManifestFixture.staging(), ManifestFixture.freshVersion("browser"));
  }

  private String submit(String requester) {
    return submit(requester, staging());
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
    // Tasklist can only show the sign-off tasks once the sign-off process made them.
    await()
        .atMost(Duration.ofMinutes(1))
        .pollInterval(Duration.ofMillis(100))
        .until(
            () ->
                tasks
                        .createTaskQuery()
                        .processInstanceBusinessKey(release)
                        .taskDefinitionKey("approveRelease")
                        .count()
                    == 2);
    return release;
  }

  private String manifestDigest(String release) {
    Response manifest = http.get("admin", "/api/releases/" + release + "/manifest");
    assertThat(manifest.status()).as(manifest.body()).isEqualTo(200);
    String digest = manifest.headers().firstValue("X-Manifest-SHA256").orElseThrow();
    assertThat(digest).matches("[0-9a-f]{64}");
    return digest;
  }

  private JsonNode release(String id) {
    Response release = http.get("admin", "/api/releases/" + id);
    assertThat(release.status()).as(release.body()).isEqualTo(200);
    return release.json();
  }

  private static List<String> fieldNames(JsonNode object) {
    List<String> names = new ArrayList<>();
    object.fieldNames().forEachRemaining(names::add);
    return names;
  }

  private static List<JsonNode> callsTo(JsonNode reply, String pathSuffix) {
    List<JsonNode> calls = new ArrayList<>();
    reply
        .path("requests")
        .forEach(
            call -> {
              if (call.path("path").asText().endsWith(pathSuffix)) {
                calls.add(call);
              }
            });
    return calls;
  }
}
