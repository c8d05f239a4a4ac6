package io.countersign.release;

import static io.countersign.ManifestFixture.freshVersion;
import static io.countersign.ManifestFixture.json;
import static io.countersign.ManifestFixture.production;
import static io.countersign.ManifestFixture.staging;
import static io.countersign.ManifestFixture.withVersion;
import static io.countersign.ManifestFixture.yaml;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.countersign.ApiAppSupport;
import io.countersign.HttpSupport;
import io.countersign.HttpSupport.Response;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.camunda.bpm.engine.HistoryService;
import org.camunda.bpm.engine.IdentityService;
import org.camunda.bpm.engine.identity.User;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Countersign's REST API over real HTTP: authentication, submission, validation, listing, actions,
 * evidence.
 */
@ApiAppSupport
class ReleaseApiTest {
  private static final String PROBLEM_JSON = "application/problem+json";

  @LocalServerPort int port;
  @Autowired HistoryService history;
  @Autowired JdbcTemplate jdbc;
  @Autowired IdentityService identity;

  private HttpSupport http;

  @BeforeEach
  void client() {
    http = new HttpSupport(port);
  }

  // ---- authentication and authorization ----

  @Test
  void everyEndpointRefusesAnonymousCallers() {
    byte[] body = json(withVersion(staging(), freshVersion("anon")));
    assertThat(http.post(null, "/api/releases", "application/json", body, Map.of()).status())
        .isEqualTo(401);
    for (String path :
        List.of(
            "/api/releases",
            "/api/releases/rel-20990101-abcdef",
            "/api/releases/rel-20990101-abcdef/evidence",
            "/api/releases/rel-20990101-abcdef/evidence/verify",
            "/engine-rest/task")) {
      assertThat(http.get(null, path).status()).as(path).isEqualTo(401);
    }
  }

  @Test
  void wrongPasswordIsRefused() {
    // A user of its own, so nothing here can touch the shared demo users.
    String user = "wrong-password-probe";
    if (identity.createUserQuery().userId(user).count() == 0) {
      User probe = identity.newUser(user);
      probe.setPassword(HttpSupport.DEMO_PASSWORD);
      identity.saveUser(probe);
    }
    assertThat(
            http.getWithPassword("nobody-at-all", HttpSupport.DEMO_PASSWORD, "/api/releases")
                .status())
        .isEqualTo(401);
    assertThat(http.getWithPassword(user, "not-the-password", "/api/releases").status())
        .isEqualTo(401);
    assertThat(http.getWithPassword(user, "not-the-password", "/engine-rest/task").status())
        .isEqualTo(401);
    // Failed logins do not lock the account (they slow down the client that makes too many:
    // LoginThrottleApiTest).
    assertThat(http.getWithPassword(user, HttpSupport.DEMO_PASSWORD, "/api/releases").status())
        .isEqualTo(200);
  }

  @Test
  void onlyRequestersMaySubmit() {
    Counts before = counts();

    Response response =
        http.post(
            "tech-lead",
            "/api/releases",
            "application/json",
            json(withVersion(staging(), freshVersion("forbidden"))),
            Map.of());

    assertThat(response.status()).isEqualTo(403);
    assertThat(response.contentType()).startsWith(PROBLEM_JSON);
    assertThat(response.json().path("status").asInt()).isEqualTo(403);
    assertThat(response.json().path("detail").asText())
        .contains("tech-lead")
        .contains("release-requesters");
    assertThat(counts()).isEqualTo(before);
  }

  // ---- submission ----

  @Test
  void submittingStartsTheReleaseOnceWhileItIsActive() {
    String version = freshVersion("submit");
    Counts before = counts();

    Response created =
        http.post(
            "requester",
            "/api/releases",
            "application/yaml",
            yaml(withVersion(staging(), version)),
            Map.of());

    assertThat(created.status()).as(created.body()).isEqualTo(201);
    String id = created.json().path("id").asText();
    assertThat(id).matches("rel-\\d{8}-[a-z2-9]{6}");
    // The submission answers before the evidence is fetched and read (an asynchronous step).
    assertThat(created.json().path("status").asText()).isEqualTo("checking-evidence");
    assertThat(http.afterEvidenceCheck("requester", id).path("status").asText())
        .isEqualTo("awaiting-sign-off");
    assertThat(created.headers().firstValue("Location"))
        .hasValueSatisfying(l -> assertThat(l).endsWith("/api/releases/" + id));
    Counts after = counts();
    assertThat(after.processes()).isEqualTo(before.processes() + 1);
    assertThat(after.releases()).isEqualTo(before.releases() + 1);

    // The same manifest again, now as JSON: the active release answers, nothing new starts.
    Response again =
        http.post(
            "requester",
            "/api/releases",
            "application/json",
            json(withVersion(staging(), version)),
            Map.of());

    assertThat(again.status()).as(again.body()).isEqualTo(200);
    assertThat(again.json().path("id").asText()).isEqualTo(id);
    assertThat(again.json().path("status").asText()).isEqualTo("awaiting-sign-off");
    assertThat(again.headers().firstValue("Location"))
        .hasValueSatisfying(l -> assertThat(l).endsWith("/api/releases/" + id));
    assertThat(counts().processes()).isEqualTo(after.processes());
    assertThat(counts().releases()).isEqualTo(after.releases());

    JsonNode detail = http.get("requester", "/api/releases/" + id).json();
    assertThat(detail.path("version").asText()).isEqualTo(version);
    assertThat(detail.path("environment").asText()).isEqualTo("staging");
    assertThat(detail.path("requester").asText()).isEqualTo("requester");
    assertThat(detail.path("pendingSignOffs"))
        .extracting(JsonNode::asText)
        .containsExactlyInAnyOrder("qa-leads", "tech-leads");
  }

  @Test
  void idempotencyKeyReturnsTheFirstReleaseEvenForAnotherVersion() {
    String key = "pipeline-run-" + UUID.randomUUID();
    Response first =
        http.post(
            "requester",
            "/api/releases",
            "application/json",
            json(withVersion(staging(), freshVersion("key"))),
            Map.of("Idempotency-Key", key));
    assertThat(first.status()).as(first.body()).isEqualTo(201);
    Counts after = counts();

    Response retry =
        http.post(
            "requester",
            "/api/releases",
            "application/json",
            json(withVersion(staging(), freshVersion("key-other"))),
            Map.of("Idempotency-Key", key));

    assertThat(retry.status()).as(retry.body()).isEqualTo(200);
    assertThat(retry.json().path("id").asText()).isEqualTo(first.json().path("id").asText());
    assertThat(counts()).isEqualTo(after);
  }

  // ---- invalid manifests: refused with every path, and nothing started or recorded ----

  record BadManifest(String name, String contentType, byte[] body, int status, List<String> paths) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Stream<BadManifest> badManifests() {
    List<BadManifest> cases = new ArrayList<>();
    cases.add(invalid("application missing", m -> m.remove("application"), "$.application"));
    cases.add(invalid("version as a number", m -> m.put("version", 2.4), "$.version"));
    cases.add(invalid("environment qa", m -> m.put("environment", "qa"), "$.environment"));
    cases.add(
        invalid("change reference missing", m -> m.remove("changeReference"), "$.changeReference"));
    cases.add(invalid("unknown top-level field", m -> m.put("approvedBy", "me"), "$.approvedBy"));
    cases.add(
        invalid(
            "unknown nested field",
            m -> function(m, 0).put("memory", 512),
            "$.lambda.functions[0].memory"));
    cases.add(
        invalid(
            "evidence not a list",
            m -> m.putObject("evidence").put("type", "integration-tests"),
            "$.evidence"));
    cases.add(
        invalid(
            "bad sha256",
            m -> ((ObjectNode) m.path("evidence").get(0)).put("sha256", "abc123"),
            "$.evidence[0].sha256"));
    cases.add(
        invalid(
            "duplicate evidence types",
            m ->
                ((ArrayNode) m.path("evidence"))
                    .addObject()
                    .put("type", "integration-tests")
                    .put("location", "s3://medication-artifacts/evidence/other.xml")
                    .put(
                        "sha256",
                        "e04f8ea9f8591be2a5b570bbfa9f80b82e0704dba2a886e99edb0c218499f998"),
            "$.evidence[1].type"));
    cases.add(
        invalid(
            "lambda function name",
            m -> function(m, 0).put("name", "bad name!"),
            "$.lambda.functions[0].name"));
    cases.add(
        invalid(
            "traffic canary without numbers",
            m -> function(m, 1).put("traffic", "canary"),
            "$.lambda.functions[1].traffic"));
    cases.add(
        invalid(
            "lambda bucket not allowed",
            m ->
                ((ObjectNode) function(m, 2).path("artifact"))
                    .put("bucket", "someone-elses-bucket"),
            "$.lambda.functions[2].artifact.bucket"));
    cases.add(
        invalid(
            "frontend bucket not allowed",
            m ->
                ((ObjectNode) m.path("frontend").path("artifact"))
                    .put("bucket", "someone-elses-bucket"),
            "$.frontend.artifact.bucket"));
    cases.add(
        invalid(
            "namespace not allowed",
            m -> kubernetes(m).put("namespace", "payments"),
            "$.kubernetes.namespace"));
    cases.add(
        invalid(
            "unknown kubernetes target",
            m -> kubernetes(m).put("target", "other-cluster"),
            "$.kubernetes.target"));
    cases.add(
        invalid(
            "image with upper case",
            m -> container(m, 1, 0).put("image", "UPPER/Case:tag"),
            "$.kubernetes.workloads[1].containers[0].image"));
    cases.add(
        invalid(
            "workload kind Pod",
            m -> ((ObjectNode) kubernetes(m).path("workloads").get(0)).put("kind", "Pod"),
            "$.kubernetes.workloads[0].kind"));
    cases.add(
        invalid(
            "kubernetes timeout 10m",
            m -> kubernetes(m).put("timeout", "10m"),
            "$.kubernetes.timeout"));
    cases.add(
        invalid(
            "bake window 10m",
            m -> verification(m).put("bakeWindow", "10m"),
            "$.verification.bakeWindow"));
    cases.add(
        invalid(
            "interval below ten seconds",
            m -> verification(m).put("interval", "PT1S"),
            "$.verification.interval"));
    cases.add(
        invalid(
            "health check host not allowed",
            m -> check(m, "healthChecks", 0).put("url", "https://api.medication.example/health"),
            "$.verification.healthChecks[0].url"));
    cases.add(
        invalid(
            "smoke test over ftp",
            m -> check(m, "smokeTests", 1).put("url", "ftp://staging.medication.example/"),
            "$.verification.smokeTests[1].url"));
    cases.add(
        invalid(
            "expected status 700",
            m -> check(m, "healthChecks", 0).put("expectStatus", 700),
            "$.verification.healthChecks[0].expectStatus"));
    cases.add(
        invalid(
            "metric min above max",
            m -> ((ObjectNode) verification(m).path("metrics").get(0)).put("min", 0.5),
            "$.verification.metrics[0].min"));
    cases.add(
        invalid(
            "unknown drill step",
            m -> m.putObject("drill").put("failAt", "deployEverything"),
            "$.drill.failAt"));
    ObjectNode productionDrill = production();
    productionDrill.putObject("drill").put("failAt", "verifyRelease");
    cases.add(
        new BadManifest(
            "drill in production",
            "application/json",
            json(productionDrill),
            400,
            List.of("$.drill.failAt")));
    cases.add(
        invalid(
            "unknown database target",
            m -> database(m).put("target", "billing-db"),
            "$.database.target"));
    cases.add(
        invalid(
            "migrations path with ..",
            m -> database(m).put("migrations", "examples/../../etc"),
            "$.database.migrations"));
    cases.add(
        invalid(
            "migrations outside the allowed roots",
            m -> database(m).put("migrations", "src/main/resources"),
            "$.database.migrations"));
    cases.add(
        new BadManifest(
            "YAML syntax error",
            "application/yaml",
            "application: medication-tracker\nversion: [2.4.0\nenvironment: staging\n"
                .getBytes(StandardCharsets.UTF_8),
            400,
            List.of("$")));
    cases.add(
        new BadManifest(
            "YAML duplicate key",
            "application/yaml",
            "application: medication-tracker\napplication: other\n"
                .getBytes(StandardCharsets.UTF_8),
            400,
            List.of("$.application")));
    ObjectNode unknownInYaml = staging();
    function(unknownInYaml, 2).put("runtime", "java17");
    cases.add(
        new BadManifest(
            "unknown nested field in YAML",
            "application/yaml",
            yaml(unknownInYaml),
            400,
            List.of("$.lambda.functions[2].runtime")));
    cases.add(
        new BadManifest(
            "JSON array at the root",
            "application/json",
            "[]".getBytes(StandardCharsets.UTF_8),
            400,
            List.of("$")));
    cases.add(new BadManifest("empty body", "application/json", new byte[0], 400, List.of("$")));
    cases.add(new BadManifest("text/plain", "text/plain", json(staging()), 415, List.of()));
    ObjectNode huge = staging();
    huge.put("summary", "x".repeat(300 * 1024));
    cases.add(new BadManifest("body over 256 KiB", "application/json", json(huge), 413, List.of()));
    return cases.stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badManifests")
  void invalidManifestIsRefusedAndNothingStarts(BadManifest bad) {
    Counts before = counts();

    Response response =
        http.post("requester", "/api/releases", bad.contentType(), bad.body(), Map.of());

    assertThat(response.status()).as(response.body()).isEqualTo(bad.status());
    assertThat(response.contentType()).startsWith(PROBLEM_JSON);
    assertThat(response.json().path("status").asInt()).isEqualTo(bad.status());
    if (bad.status() == 400) {
      assertThat(response.errorPaths()).as(response.body()).containsExactlyElementsOf(bad.paths());
      response
          .json()
          .path("errors")
          .forEach(e -> assertThat(e.path("message").asText()).isNotBlank());
    }
    assertThat(counts()).isEqualTo(before);
  }

  // ---- listing ----

  @Test
  void listsReleasesByApplicationAndEnvironmentInPages() {
    Set<String> mine = new HashSet<>();
    for (int i = 0; i < 3; i++) {
      mine.add(submit(withVersion(staging(), freshVersion("page"))));
    }
    // A requester lists only their own releases (approvers and admins list all).
    long total =
        jdbc.queryForObject(
            "SELECT COUNT(*) FROM cs_release WHERE application = 'medication-tracker'"
                + " AND environment = 'staging' AND requester = 'requester'",
            Long.class);

    List<String> seen = new ArrayList<>();
    int pages = (int) ((total + 1) / 2);
    for (int page = 0; page < pages; page++) {
      JsonNode body =
          http.get(
                  "requester",
                  "/api/releases?application=medication-tracker&environment=staging&page="
                      + page
                      + "&size=2")
              .json();
      assertThat(body.path("page").asInt()).isEqualTo(page);
      assertThat(body.path("size").asInt()).isEqualTo(2);
      assertThat(body.path("total").asLong()).isEqualTo(total);
      assertThat(body.path("items").size())
          .isEqualTo(page < pages - 1 ? 2 : (int) (total - 2L * page));
      body.path("items")
          .forEach(
              item -> {
                assertThat(item.path("application").asText()).isEqualTo("medication-tracker");
                assertThat(item.path("environment").asText()).isEqualTo("staging");
                seen.add(item.path("id").asText());
              });
    }
    assertThat(seen).doesNotHaveDuplicates().hasSize((int) total).containsAll(mine);

    JsonNode beyond =
        http.get(
                "requester",
                "/api/releases?application=medication-tracker&environment=staging&page="
                    + pages
                    + "&size=2")
            .json();
    assertThat(beyond.path("items").size()).isZero();
    assertThat(beyond.path("total").asLong()).isEqualTo(total);

    JsonNode production =
        http.get(
                "requester",
                "/api/releases?application=medication-tracker&environment=production"
                    + "&status=awaiting-sign-off&size=100")
            .json();
    production
        .path("items")
        .forEach(item -> assertThat(mine).doesNotContain(item.path("id").asText()));

    Response badSize = http.get("requester", "/api/releases?size=0");
    assertThat(badSize.status()).isEqualTo(400);
    assertThat(badSize.errorPaths()).containsExactly("$.query.size");
  }

  @Test
  void unknownReleaseIsProblem404() {
    for (String path :
        List.of(
            "/api/releases/rel-20990101-zzzzzz",
            "/api/releases/rel-20990101-zzzzzz/evidence",
            "/api/releases/rel-20990101-zzzzzz/evidence/verify")) {
      Response response = http.get("requester", path);
      assertThat(response.status()).as(path).isEqualTo(404);
      assertThat(response.contentType()).as(path).startsWith(PROBLEM_JSON);
      assertThat(response.json().path("detail").asText()).contains("rel-20990101-zzzzzz");
    }
  }

  // ---- cancel ----

  @Test
  void requesterCancelsWhileAwaitingSignOffOthersMayNotAndOnlyOnce() {
    String id = submit(withVersion(staging(), freshVersion("cancel")));

    Response byQaLead =
        http.postJson("qa-lead", "/api/releases/" + id + "/cancel", Map.of("reason", "not mine"));
    assertThat(byQaLead.status()).as(byQaLead.body()).isEqualTo(403);
    assertThat(byQaLead.contentType()).startsWith(PROBLEM_JSON);
    assertThat(status(id)).isEqualTo("awaiting-sign-off");

    Response byRequester =
        http.postJson(
            "requester",
            "/api/releases/" + id + "/cancel",
            Map.of("reason", "found a bug in staging"));
    assertThat(byRequester.status()).as(byRequester.body()).isEqualTo(202);
    assertThat(byRequester.json().path("id").asText()).isEqualTo(id);
    await().atMost(Duration.ofSeconds(30)).until(() -> status(id), "cancelled"::equals);
    assertThat(
            history
                .createHistoricProcessInstanceQuery()
                .processInstanceBusinessKey(id)
                .processDefinitionKey("release")
                .unfinished()
                .count())
        .isZero();
    assertThat(evidenceTypes(id)).contains("release-cancelled");

    Counts before = counts();
    Response again =
        http.postJson("requester", "/api/releases/" + id + "/cancel", Map.of("reason", "twice"));
    assertThat(again.status()).as(again.body()).isEqualTo(409);
    assertThat(again.contentType()).startsWith(PROBLEM_JSON);
    assertThat(counts()).isEqualTo(before);

    Response noReason =
        http.postJson("requester", "/api/releases/" + id + "/cancel", Map.of("reason", " "));
    assertThat(noReason.status()).isEqualTo(400);
    assertThat(noReason.errorPaths()).containsExactly("$.reason");
  }

  // ---- override ----

  @Test
  void overrideNeedsAKindAndTheRequester() {
    String id = submit(withVersion(staging(), freshVersion("override")));
    Counts before = counts();

    Response noKind =
        http.postJson(
            "requester",
            "/api/releases/" + id + "/override",
            Map.of("reason", "outage", "incidentReference", "INC-42"));
    assertThat(noKind.status()).as(noKind.body()).isEqualTo(400);
    assertThat(noKind.contentType()).startsWith(PROBLEM_JSON);
    assertThat(noKind.errorPaths()).containsExactly("$.kind");

    Response badKind =
        http.postJson(
            "requester",
            "/api/releases/" + id + "/override",
            Map.of("kind", "forever", "reason", "outage", "incidentReference", "INC-42"));
    assertThat(badKind.status()).isEqualTo(400);
    assertThat(badKind.errorPaths()).containsExactly("$.kind");

    Response byOther =
        http.postJson(
            "release-manager",
            "/api/releases/" + id + "/override",
            Map.of("kind", "quick", "reason", "outage", "incidentReference", "INC-42"));
    assertThat(byOther.status()).as(byOther.body()).isEqualTo(403);
    assertThat(byOther.contentType()).startsWith(PROBLEM_JSON);

    assertThat(counts()).isEqualTo(before);
    assertThat(evidenceTypes(id)).doesNotContain("override-requested");
  }

  // ---- evidence ----

  @Test
  void evidenceIsExportedInOrderAndTamperingIsDetected() {
    String id = submit(withVersion(staging(), freshVersion("evidence")));

    JsonNode bundle = http.get("compliance-officer", "/api/releases/" + id + "/evidence").json();
    JsonNode entries = bundle.path("entries");
    assertThat(entries.size()).isGreaterThanOrEqualTo(3);
    List<String> types = new ArrayList<>();
    String previous = "0".repeat(64);
    for (int i = 0; i < entries.size(); i++) {
      JsonNode entry = entries.get(i);
      assertThat(entry.path("seq").asLong()).isEqualTo(i + 1);
      assertThat(entry.path("releaseId").asText()).isEqualTo(id);
      assertThat(entry.path("previousHash").asText()).isEqualTo(previous);
      previous = entry.path("hash").asText();
      types.add(entry.path("type").asText());
    }
    assertThat(types.get(0)).isEqualTo("release-requested");
    assertThat(entries.get(0).path("actor").asText()).isEqualTo("requester");
    assertThat(types)
        .containsSubsequence("release-requested", "policy-applied", "checkpoint-pre-deployment");
    assertThat(bundle.path("verification").path("valid").asBoolean()).isTrue();

    JsonNode verified = http.get("requester", "/api/releases/" + id + "/evidence/verify").json();
    assertThat(verified.path("valid").asBoolean()).isTrue();
    assertThat(verified.path("entries").asInt()).isEqualTo(entries.size());
    assertThat(verified.path("lastHash").asText()).isEqualTo(previous);
    assertThat(verified.path("problems")).isEmpty();

    int changed =
        jdbc.update(
            "UPDATE cs_evidence SET payload = ? WHERE release_id = ? AND seq = 2",
            "{\"requiredRoles\":[]}",
            id);
    assertThat(changed).isEqualTo(1);

    JsonNode tampered = http.get("requester", "/api/releases/" + id + "/evidence/verify").json();
    assertThat(tampered.path("valid").asBoolean()).isFalse();
    assertThat(tampered.path("problems"))
        .extracting(JsonNode::asText)
        .anyMatch(p -> p.startsWith("seq 2:"))
        .noneMatch(p -> p.startsWith("seq 1:"));
    assertThat(
            http.get("requester", "/api/releases/" + id + "/evidence")
                .json()
                .path("verification")
                .path("valid")
                .asBoolean())
        .isFalse();

    // Another release: a middle entry removed.
    String other = submit(withVersion(staging(), freshVersion("evidence-gap")));
    assertThat(
            http.get("requester", "/api/releases/" + other + "/evidence/verify")
                .json()
                .path("valid")
                .asBoolean())
        .isTrue();
    assertThat(jdbc.update("DELETE FROM cs_evidence WHERE release_id = ? AND seq = 2", other))
        .isEqualTo(1);

    JsonNode gap = http.get("requester", "/api/releases/" + other + "/evidence/verify").json();
    assertThat(gap.path("valid").asBoolean()).isFalse();
    assertThat(gap.path("problems"))
        .extracting(JsonNode::asText)
        .anyMatch(p -> p.startsWith("seq 3:"));
  }

  // ---- helpers ----

  // Evidence is counted as chains, not rows: releases signed by earlier tests of this class go on
  // deploying in the background and append rows to their own chains while a test runs, but a
  // refused submission must not start a chain of its own.
  record Counts(long processes, long releases, long evidenceChains) {}

  private Counts counts() {
    return new Counts(
        history.createHistoricProcessInstanceQuery().processDefinitionKey("release").count(),
        jdbc.queryForObject("SELECT COUNT(*) FROM cs_release", Long.class),
        jdbc.queryForObject("SELECT COUNT(*) FROM cs_evidence_head", Long.class));
  }

  private String submit(ObjectNode manifest) {
    Response response =
        http.post("requester", "/api/releases", "application/json", json(manifest), Map.of());
    assertThat(response.status()).as(response.body()).isEqualTo(201);
    assertThat(response.json().path("status").asText()).isEqualTo("checking-evidence");
    String id = response.json().path("id").asText();
    assertThat(http.afterEvidenceCheck("requester", id).path("status").asText())
        .isEqualTo("awaiting-sign-off");
    return id;
  }

  private String status(String id) {
    Response response = http.get("requester", "/api/releases/" + id);
    assertThat(response.status()).as(response.body()).isEqualTo(200);
    return response.json().path("status").asText();
  }

  private List<String> evidenceTypes(String id) {
    List<String> types = new ArrayList<>();
    http.get("requester", "/api/releases/" + id + "/evidence")
        .json()
        .path("entries")
        .forEach(e -> types.add(e.path("type").asText()));
    return types;
  }

  private static BadManifest invalid(String name, Consumer<ObjectNode> mutation, String path) {
    ObjectNode manifest = withVersion(staging(), "2.4.0-invalid");
    mutation.accept(manifest);
    return new BadManifest(name, "application/json", json(manifest), 400, List.of(path));
  }

  private static ObjectNode function(ObjectNode m, int index) {
    return (ObjectNode) m.path("lambda").path("functions").get(index);
  }

  private static ObjectNode kubernetes(ObjectNode m) {
    return (ObjectNode) m.path("kubernetes");
  }

  private static ObjectNode container(ObjectNode m, int workload, int container) {
    return (ObjectNode)
        kubernetes(m).path("workloads").get(workload).path("containers").get(container);
  }

  private static ObjectNode verification(ObjectNode m) {
    return (ObjectNode) m.path("verification");
  }

  private static ObjectNode check(ObjectNode m, String list, int index) {
    return (ObjectNode) verification(m).path(list).get(index);
  }

  private static ObjectNode database(ObjectNode m) {
    return (ObjectNode) m.path("database");
  }
}
