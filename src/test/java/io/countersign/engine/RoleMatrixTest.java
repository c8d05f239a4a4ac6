package io.countersign.engine;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.countersign.ApiAppSupport;
import io.countersign.HttpSupport;
import io.countersign.HttpSupport.Response;
import io.countersign.ManifestFixture;
import io.countersign.identity.Groups;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.camunda.bpm.engine.HistoryService;
import org.camunda.bpm.engine.IdentityService;
import org.camunda.bpm.engine.identity.User;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;

/** Who may see and do what, through the engine REST API and Countersign's API. */
@ApiAppSupport
class RoleMatrixTest {
  private static final Map<String, String> SIGNERS =
      Map.of(
          "tech-lead",
          "tech-leads",
          "security-officer",
          "security-officers",
          "qa-lead",
          "qa-leads",
          "product-owner",
          "product-owners",
          "ops-lead",
          "operations-leads",
          "compliance-officer",
          "compliance-officers");
  @LocalServerPort int port;
  @Autowired IdentityService identity;
  @Autowired HistoryService history;
  @Autowired JdbcTemplate jdbc;
  HttpSupport http;

  @BeforeEach
  void setUp() {
    http = new HttpSupport(port);
    if (identity.createUserQuery().userId("other-requester").count() == 0) {
      User u = identity.newUser("other-requester");
      u.setPassword(HttpSupport.DEMO_PASSWORD);
      identity.saveUser(u);
      identity.createMembership("other-requester", Groups.REQUESTERS);
    }
  }

  private String submitProduction() {
    ObjectNode m =
        ManifestFixture.withVersion(
            ManifestFixture.production(), ManifestFixture.freshVersion("roles"));
    http.releaseInStaging(m);
    Response r =
        http.post(
            "requester", "/api/releases", "application/json", ManifestFixture.json(m), Map.of());
    assertThat(r.status()).as(r.body()).isEqualTo(201);
    String id = r.json().path("id").asText();
    assertThat(http.afterEvidenceCheck("requester", id).path("status").asText())
        .isEqualTo("awaiting-sign-off");
    return id;
  }

  private List<String> visibleTasks(String user, String releaseId) {
    Response r =
        http.get(user, "/engine-rest/task?maxResults=50&processInstanceBusinessKey=" + releaseId);
    assertThat(r.status()).as(user + ": " + r.body()).isEqualTo(200);
    List<String> ids = new ArrayList<>();
    r.json().forEach(t -> ids.add(t.path("id").asText()));
    return ids;
  }

  @Test
  void eachApproverSeesAndCompletesOnlyTheTaskOfTheirRole() {
    String id = submitProduction();
    Map<String, String> taskOf = new java.util.HashMap<>();
    for (String user : SIGNERS.keySet()) {
      List<String> tasks = visibleTasks(user, id);
      assertThat(tasks).as(user).hasSize(1);
      taskOf.put(user, tasks.get(0));
    }
    assertThat(visibleTasks("requester", id)).isEmpty();
    assertThat(visibleTasks("release-manager", id)).as("until escalation").isEmpty();

    Map<String, Object> approve =
        Map.of("variables", Map.of("decision", Map.of("value", "approve")));
    for (String user : SIGNERS.keySet()) {
      for (String other : SIGNERS.keySet()) {
        if (!other.equals(user)) {
          Response r =
              http.postJson(user, "/engine-rest/task/" + taskOf.get(other) + "/complete", approve);
          assertThat(r.status()).as(user + " completing " + other + "'s task").isEqualTo(403);
        }
      }
    }
    assertThat(
            jdbc.queryForObject(
                "SELECT COUNT(*) FROM cs_sign_off WHERE release_id = ?", Long.class, id))
        .isZero();
  }

  @Test
  void onlyAdminsDeployModelsOrChangeIdentityAndNobodyStartsAReleasePastTheApi() {
    for (String user : List.of("requester", "tech-lead", "release-manager", "compliance-officer")) {
      assertThat(
              http.postJson(
                      user,
                      "/engine-rest/process-definition/key/release/start",
                      Map.of("businessKey", "rel-bypass", "variables", Map.of()))
                  .status())
          .as(user)
          .isIn(403, 404);
      assertThat(
              http.postJson(
                      user,
                      "/engine-rest/user/create",
                      Map.of(
                          "profile",
                          Map.of("id", "mallory"),
                          "credentials",
                          Map.of("password", "mallory-password")))
                  .status())
          .as(user)
          .isEqualTo(403);
      assertThat(
              http.postJson(user, "/engine-rest/group/create", Map.of("id", "sneaky", "name", "x"))
                  .status())
          .as(user)
          .isEqualTo(403);
      assertThat(http.get(user, "/engine-rest/authorization?maxResults=10").json().size())
          .as(user)
          .isZero();
    }
    assertThat(identity.createUserQuery().userId("mallory").count()).isZero();
    assertThat(
            history
                .createHistoricProcessInstanceQuery()
                .processInstanceBusinessKey("rel-bypass")
                .count())
        .isZero();
    assertThat(http.get("admin", "/engine-rest/deployment?maxResults=10").json().size())
        .isPositive();
  }

  @Test
  void aRequesterReadsOnlyTheirOwnReleasesAndEvidence() {
    String id = submitProduction();
    assertThat(http.get("requester", "/api/releases/" + id).status()).isEqualTo(200);
    assertThat(http.get("other-requester", "/api/releases/" + id).status()).isEqualTo(403);
    assertThat(http.get("other-requester", "/api/releases/" + id + "/evidence").status())
        .isEqualTo(403);
    assertThat(
            http.postJson(
                    "other-requester",
                    "/api/releases/" + id + "/cancel",
                    Map.of("reason", "not mine"))
                .status())
        .isEqualTo(403);
    JsonNode page = http.get("other-requester", "/api/releases?size=100").json();
    page.path("items")
        .forEach(item -> assertThat(item.path("requester").asText()).isEqualTo("other-requester"));
    for (String reader : List.of("tech-lead", "compliance-officer", "release-manager", "admin")) {
      assertThat(http.get(reader, "/api/releases/" + id).status()).as(reader).isEqualTo(200);
      assertThat(http.get(reader, "/api/releases/" + id + "/evidence").status())
          .as(reader)
          .isEqualTo(200);
    }
  }

  /**
   * Property-based over HTTP: random damage to a manifest gives 2xx or 4xx, never 5xx, and a 4xx
   * starts nothing.
   */
  @Test
  void randomManifestsNeverGetA5xxAndRefusalsStartNothing() {
    Random random = new Random(20261122);
    String[] values = {
      "", "x", "production", "qa", "PT0S", "10m", "../x", "canary0-0", "${x}", "a".repeat(300)
    };
    for (int i = 0; i < 60; i++) {
      ObjectNode m =
          ManifestFixture.withVersion(
              ManifestFixture.staging(), ManifestFixture.freshVersion("prop"));
      List<ObjectNode> objects = new ArrayList<>();
      collect(m, objects);
      for (int k = 0, n = 1 + random.nextInt(3); k < n; k++) {
        ObjectNode target = objects.get(random.nextInt(objects.size()));
        List<String> names = new ArrayList<>();
        target.fieldNames().forEachRemaining(names::add);
        if (names.isEmpty()) {
          continue;
        }
        String name = names.get(random.nextInt(names.size()));
        switch (random.nextInt(4)) {
          case 0 -> target.remove(name);
          case 1 -> target.put(name, values[random.nextInt(values.length)]);
          case 2 -> target.put(name, random.nextInt());
          default -> target.putArray(name).add(values[random.nextInt(values.length)]);
        }
      }
      long releasesBefore = jdbc.queryForObject("SELECT COUNT(*) FROM cs_release", Long.class);
      // Chains, not rows: releases of other tests may still append to their own chains.
      long chainsBefore = jdbc.queryForObject("SELECT COUNT(*) FROM cs_evidence_head", Long.class);
      Response r =
          http.post(
              "requester", "/api/releases", "application/json", ManifestFixture.json(m), Map.of());
      assertThat(r.status()).as(m.toString() + " -> " + r.body()).isBetween(200, 499);
      if (r.status() >= 400) {
        assertThat(r.contentType()).contains("application/problem+json");
        assertThat(jdbc.queryForObject("SELECT COUNT(*) FROM cs_release", Long.class))
            .isEqualTo(releasesBefore);
        assertThat(jdbc.queryForObject("SELECT COUNT(*) FROM cs_evidence_head", Long.class))
            .isEqualTo(chainsBefore);
      }
    }
  }

  private static void collect(JsonNode node, List<ObjectNode> out) {
    if (node instanceof ObjectNode o) {
      out.add(o);
    }
    node.elements().forEachRemaining(child -> collect(child, out));
  }
}
