package io.countersign;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.countersign.HttpSupport.Response;
import io.countersign.evidence.EvidenceEntry;
import io.countersign.evidence.EvidenceLog;
import io.countersign.manifest.CanonicalJson;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.BeforeTry;
import net.jqwik.api.statistics.Statistics;
import net.jqwik.spring.JqwikSpringSupport;
import org.awaitility.Awaitility;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Property: whatever sequence of engine REST and API calls the demo users make — approving,
 * claiming, assigning, writing variables, modifying, correlating, starting processes, asking for
 * and deciding overrides, with the right or the wrong people and fields — no release ever deploys a
 * manifest digest other than the one its approvers signed, no requester signs their own release,
 * and nobody signs two roles of one release.
 */
@JqwikSpringSupport
@ApiAppSupport
class TrustProperties {
  private static final List<String> USERS =
      List.of(
          "requester",
          "dev-lead",
          "tech-lead",
          "qa-lead",
          "security-officer",
          "product-owner",
          "ops-lead",
          "compliance-officer",
          "release-manager",
          "admin",
          "process-admin");
  private static final List<String> REQUESTERS = List.of("requester", "dev-lead", "admin");
  private static final List<String> FIELDS =
      List.of(
          "requester",
          "role",
          "manifest",
          "manifestSha256",
          "overrideActive",
          "signOffOutcome",
          "approvalOutcome",
          "signOffStatus",
          "roleLabel");

  @LocalServerPort int port;
  @Autowired JdbcTemplate jdbc;
  @Autowired EvidenceLog evidence;
  HttpSupport http;
  final List<String> releases = new ArrayList<>();

  /**
   * One thing a user tries; which release and task it aims at is chosen modulo what exists when it
   * runs.
   */
  record Attempt(String kind, String user, int release, int task, int choice) {}

  @BeforeTry
  void fresh() {
    http = new HttpSupport(port);
    releases.clear();
  }

  @Provide
  Arbitrary<List<Attempt>> attempts() {
    Arbitrary<Attempt> attempt =
        Combinators.combine(
                Arbitraries.of(
                    "submit",
                    "complete",
                    "submit-form",
                    "claim",
                    "assign",
                    "variable",
                    "modify",
                    "correlate",
                    "start",
                    "override",
                    "approve-properly",
                    "approve-properly",
                    "approve-properly"),
                Arbitraries.of(USERS),
                Arbitraries.integers().between(0, 3),
                Arbitraries.integers().between(0, 5),
                Arbitraries.integers().between(0, 20))
            .as(Attempt::new);
    return attempt.list().ofMinSize(4).ofMaxSize(18);
  }

  @Property(tries = 12, seed = "20261130")
  void noAttemptDeploysAnUnsignedDigestOrBreaksFourEyes(
      @ForAll("attempts") List<Attempt> attempts) {
    submit(REQUESTERS.get(0), false);
    for (Attempt attempt : attempts) {
      run(attempt);
    }
    // Let the job executor take every release as far as it goes.
    Awaitility.await()
        .atMost(Duration.ofSeconds(90))
        .pollInterval(Duration.ofMillis(200))
        .until(this::settled);
    releases.forEach(this::checkRelease);
    // The property says nothing if no release ever got past its gate: count the tries where one
    // did.
    boolean deployed =
        releases.stream()
            .anyMatch(
                id ->
                    evidence.entries(id).stream()
                        .anyMatch(e -> e.type().equals("deployment-started")));
    Statistics.label("a release deployed").collect(deployed);
    Statistics.label("a release deployed")
        .coverage(check -> check.check(true).percentage(p -> p >= 25));
  }

  private void run(Attempt a) {
    if (a.kind().equals("submit")) {
      submit(REQUESTERS.get(a.choice() % REQUESTERS.size()), a.choice() % 4 == 0);
      return;
    }
    String release = releases.get(a.release() % releases.size());
    String instance =
        jdbc.queryForObject(
            "SELECT process_instance_id FROM cs_release WHERE id = ?", String.class, release);
    Response listed =
        http.get("admin", "/engine-rest/task?maxResults=50&processInstanceBusinessKey=" + release);
    assertThat(listed.status())
        .as("the admin lists the release's tasks: %s", listed)
        .isEqualTo(200);
    JsonNode tasks = listed.json();
    String task =
        tasks.size() == 0 ? "none" : tasks.get(a.task() % tasks.size()).path("id").asText();
    String field = FIELDS.get(a.choice() % FIELDS.size());
    switch (a.kind()) {
      case "complete", "submit-form" ->
          http.postJson(
              a.user(),
              "/engine-rest/task/" + task + "/" + a.kind(),
              Map.of("variables", variables(task, a.choice(), field)));
      case "approve-properly" -> approveAsTheRightPerson(tasks, a.task());
      case "claim" ->
          http.postJson(
              a.user(), "/engine-rest/task/" + task + "/claim", Map.of("userId", a.user()));
      case "assign" ->
          http.postJson(
              "admin", "/engine-rest/task/" + task + "/assignee", Map.of("userId", a.user()));
      case "variable" -> {
        Map<String, Object> value = Map.of("value", a.user());
        switch (a.choice() % 4) {
          case 0 ->
              http.json(
                  "PUT",
                  a.user(),
                  "/engine-rest/process-instance/" + instance + "/variables/" + field,
                  value);
          case 1 ->
              http.json(
                  "PUT", a.user(), "/engine-rest/task/" + task + "/localVariables/" + field, value);
          case 2 ->
              http.json(
                  "PUT", a.user(), "/engine-rest/task/" + task + "/variables/" + field, value);
          default ->
              http.postJson(
                  a.user(),
                  "/engine-rest/process-instance/" + instance + "/variables",
                  Map.of("modifications", Map.of(field, value)));
        }
      }
      case "modify" ->
          http.postJson(
              a.user(),
              "/engine-rest/process-instance/" + instance + "/modification",
              Map.of(
                  "instructions",
                  List.of(Map.of("type", "startBeforeActivity", "activityId", "startDeployment"))));
      case "correlate" ->
          http.postJson(
              a.user(),
              "/engine-rest/message",
              Map.of(
                  "messageName",
                  List.of("cancelRelease", "overrideRequested", "rollbackRequested")
                      .get(a.choice() % 3),
                  "businessKey",
                  release,
                  "processVariables",
                  Map.of(
                      "overrideActive",
                      Map.of("value", true),
                      "requester",
                      Map.of("value", a.user()))));
      case "start" ->
          http.postJson(
              a.user(),
              "/engine-rest/process-definition/key/"
                  + List.of("release", "deploy", "sign-off").get(a.choice() % 3)
                  + "/start",
              Map.of(
                  "businessKey",
                  release,
                  "variables",
                  Map.of("releaseId", Map.of("value", release))));
      case "override" -> {
        String requester =
            jdbc.queryForObject(
                "SELECT requester FROM cs_release WHERE id = ?", String.class, release);
        http.postJson(
            a.choice() % 2 == 0 ? requester : a.user(),
            "/api/releases/" + release + "/override",
            Map.of("kind", "extended", "reason", "property test", "incidentReference", "INC-1"));
      }
      default -> throw new IllegalStateException(a.kind());
    }
  }

  private Map<String, Object> variables(String task, int choice, String field) {
    Map<String, Object> variables = new LinkedHashMap<>();
    variables.put(
        choice % 3 == 0 ? "overrideDecision" : "decision",
        Map.of("value", choice % 5 == 0 ? "reject" : "approve"));
    variables.put("comment", Map.of("value", "property test"));
    if (choice % 2 == 1) {
      variables.put(field, Map.of("value", "tech-leads"));
    }
    return variables;
  }

  /**
   * The person of the task's role approves it through Tasklist's path (submit-form), as a real
   * approver would.
   */
  private void approveAsTheRightPerson(JsonNode tasks, int index) {
    if (tasks.size() == 0) {
      return;
    }
    JsonNode task = tasks.get(index % tasks.size());
    String key = task.path("taskDefinitionKey").asText();
    Map<String, String> signer =
        Map.of(
            "tech-leads",
            "tech-lead",
            "qa-leads",
            "qa-lead",
            "security-officers",
            "security-officer",
            "product-owners",
            "product-owner",
            "operations-leads",
            "ops-lead",
            "compliance-officers",
            "compliance-officer");
    JsonNode links =
        http.get("admin", "/engine-rest/task/" + task.path("id").asText() + "/identity-links")
            .json();
    for (JsonNode link : links) {
      String user =
          key.equals("decideOverride")
              ? "release-manager"
              : signer.get(link.path("groupId").asText());
      if (user != null) {
        String decisionField = key.equals("decideOverride") ? "overrideDecision" : "decision";
        http.postJson(
            user,
            "/engine-rest/task/" + task.path("id").asText() + "/submit-form",
            Map.of("variables", Map.of(decisionField, Map.of("value", "approve"))));
        return;
      }
    }
  }

  private void submit(String user, boolean production) {
    ObjectNode m =
        ManifestFixture.withVersion(
            production ? ManifestFixture.production() : ManifestFixture.staging(),
            ManifestFixture.freshVersion("trust"));
    ((ObjectNode) m.path("verification")).put("bakeWindow", "PT0S");
    Response r =
        http.post(user, "/api/releases", "application/json", ManifestFixture.json(m), Map.of());
    assertThat(r.status()).as(r.body()).isIn(200, 201);
    releases.add(r.json().path("id").asText());
  }

  private boolean settled() {
    for (String id : releases) {
      long due =
          jdbc.queryForObject(
              "SELECT COUNT(*) FROM act_ru_job j JOIN act_ru_execution e "
                  + "ON e.id_ = j.process_instance_id_ WHERE e.business_key_ = ? AND j.retries_ > 0 "
                  + "AND (j.type_ <> 'timer' OR j.duedate_ <= CURRENT_TIMESTAMP)",
              Long.class,
              id);
      if (due > 0) {
        return false;
      }
    }
    return true;
  }

  private void checkRelease(String id) {
    String requester =
        jdbc.queryForObject("SELECT requester FROM cs_release WHERE id = ?", String.class, id);
    String stored =
        jdbc.queryForObject(
            "SELECT canonical_json FROM cs_manifest WHERE release_id = ?", String.class, id);
    String digest = CanonicalJson.sha256(stored);
    List<EvidenceEntry> entries = evidence.entries(id);
    assertThat(evidence.verify(id).valid()).as(id + " evidence verifies").isTrue();

    Set<String> signers = new HashSet<>();
    for (EvidenceEntry e : entries) {
      if (e.type().equals("sign-off")) {
        assertThat(e.actor()).as(id + ": the requester signed").isNotEqualTo(requester);
        assertThat(signers.add(e.actor())).as(id + ": " + e.actor() + " signed two roles").isTrue();
        assertThat(e.payload().path("manifestSha256").asText())
            .as(id + " sign-off digest")
            .isEqualTo(digest);
      }
      if (e.type().equals("override-decision")) {
        assertThat(e.actor())
            .as(id + ": the requester decided an override")
            .isNotEqualTo(requester);
      }
      if (e.type().equals("deployment-started")) {
        assertThat(e.payload().path("manifestSha256").asText())
            .as(id + " deployed digest")
            .isEqualTo(digest);
        assertThat(entries.get(0).payload().path("manifestSha256").asText()).isEqualTo(digest);
        if (e.payload().path("gate").asText().equals("sign-off")) {
          List<String> required = new ArrayList<>();
          entries.stream()
              .filter(p -> p.type().equals("policy-applied"))
              .findFirst()
              .orElseThrow()
              .payload()
              .path("requiredRoles")
              .forEach(r -> required.add(r.asText()));
          assertThat(signers).as(id + " approvers").hasSizeGreaterThanOrEqualTo(required.size());
        }
      }
      if (e.type().equals("kubernetes-rollout")) {
        e.payload()
            .path("images")
            .forEach(
                image -> assertThat(stored).as(id + " deployed image").contains(image.asText()));
      }
    }
    assertThat(
            jdbc.queryForList(
                "SELECT user_id FROM cs_sign_off WHERE release_id = ?", String.class, id))
        .as(id + " sign-off rows")
        .doesNotContain(requester)
        .doesNotHaveDuplicates();
  }
}
