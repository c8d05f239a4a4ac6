package io.countersign.cluster;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import io.countersign.DemoApprovers;
import io.countersign.HttpSupport;
import io.countersign.HttpSupport.Response;
import io.countersign.ManifestFixture;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.ActiveProfiles;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The whole application with its job executor on a PostgreSQL server of its own, which the test
 * stops and starts again. The lease is two seconds and the change board's webhook answers after
 * four, so a step outlives its lease several times over.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT)
@ActiveProfiles({"demo", "postgres"})
@DirtiesContext
class DatabaseOutageTest {
  private static final Path DATA =
      Path.of(System.getProperty("countersign.test-work", "target/test-work"))
          .resolve("outage-pg-" + UUID.randomUUID());
  private static EmbeddedPostgres database = startDatabase(0);
  private static final int DB_PORT = database.getPort();
  private static final WireMockServer HOOKS = new WireMockServer(options().dynamicPort());
  private static final String CHANGE_BOARD = "/hooks/change-board";
  private static final String ENGINE = "outage";
  private static final Map<String, Object> APPROVE = DemoApprovers.APPROVE;
  private static final Map<String, String> APPROVERS = DemoApprovers.BY_ROLE;

  static {
    HOOKS.start();
  }

  @LocalServerPort int port;
  @Autowired NodeHeartbeat heartbeat;
  private HttpSupport http;

  @DynamicPropertySource
  static void properties(DynamicPropertyRegistry registry) {
    registry.add(
        "spring.datasource.url", () -> "jdbc:postgresql://localhost:" + DB_PORT + "/postgres");
    registry.add("SPRING_DATASOURCE_USERNAME", () -> "postgres");
    registry.add("SPRING_DATASOURCE_PASSWORD", () -> "postgres");
    registry.add("camunda.bpm.metrics.db-reporter-activate", () -> "false");
    // Engines register JVM-wide by name, and the engine REST API's default is "default": a name of
    // its own keeps this context's REST calls on its engine, and closing it leaves the others'.
    registry.add("camunda.bpm.process-engine-name", () -> ENGINE);
    registry.add("camunda.bpm.job-execution.lock-time-in-millis", () -> "2000");
    registry.add("countersign.cluster.heartbeat", () -> "PT0.5S");
    registry.add("countersign.cluster.node-id", () -> "outage-test");
    registry.add("countersign.targets.webhooks.mode", () -> "live");
    registry.add("countersign.targets.webhooks.timeout", () -> "PT10S");
    registry.add(
        "countersign.targets.webhooks.endpoints.change-board.url",
        () -> HOOKS.baseUrl() + CHANGE_BOARD);
    String work = DATA.resolveSibling(DATA.getFileName() + "-work").toString();
    registry.add("countersign.evidence.signing.key-file", () -> work + "/signing.key");
    registry.add("countersign.evidence.checkpoints.file", () -> work + "/checkpoints.jsonl");
    registry.add("countersign.backups.directory", () -> work + "/backups");
  }

  @BeforeEach
  void setUp() {
    http = new HttpSupport(port);
    // Another test may have just brought the database back; this one starts once the node knows.
    await().atMost(Duration.ofSeconds(30)).until(() -> heartbeat.database().reachable());
    HOOKS.resetAll();
    HOOKS.stubFor(
        post(urlEqualTo(CHANGE_BOARD))
            .willReturn(aResponse().withStatus(200).withFixedDelay(4000)));
  }

  static {
    // After the context (closed after the class, see @DirtiesContext), at JVM exit.
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  try {
                    database.close();
                  } catch (IOException ignored) {
                    // the JVM is exiting anyway
                  }
                }));
  }

  @AfterAll
  static void stopHooks() {
    HOOKS.stop();
  }

  @Test
  void aStepThatOutlivesItsLeaseKeepsItsLockRunsOnceAndShowsAsRunning() {
    String id = signedOff();
    await()
        .atMost(Duration.ofSeconds(60))
        .until(
            () ->
                HOOKS
                        .countRequestsMatching(postRequestedFor(urlEqualTo(CHANGE_BOARD)).build())
                        .getCount()
                    == 1);
    // Past one lease into the four-second call: still this node's, renewed, shown as running.
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                waiting(id, "postDeploymentNotice")
                        .map(w -> w.path("state").asText().equals("running"))
                        .orElse(false)
                    && HOOKS
                        .getAllServeEvents()
                        .get(0)
                        .getRequest()
                        .getLoggedDate()
                        .toInstant()
                        .plusMillis(2500)
                        .isBefore(Instant.now()));
    JsonNode running = waiting(id, "postDeploymentNotice").orElseThrow();
    assertThat(running.path("node").asText()).isEqualTo("outage-test");
    assertThat(running.path("reason").asText()).isEqualTo("running on node outage-test");

    awaitStatus(id, "released", Duration.ofSeconds(60));
    assertThat(notices(id))
        .as("a lapsed lease would have let the job run a second time")
        .hasSize(1);
    // Released: what is left to wait for is the end of the rollback window.
    JsonNode waiting = release(id).path("waiting");
    assertThat(waiting).hasSize(1);
    assertThat(waiting.get(0).path("activity").asText()).isEqualTo("rollbackWindowOver");
    assertThat(waiting.get(0).path("state").asText()).isEqualTo("scheduled");
  }

  @Test
  void whileTheDatabaseIsDownTheApiAnswers503AtOnceAndReleasesResumeWhenItIsBack()
      throws Exception {
    String id = signedOff();
    await().atMost(Duration.ofSeconds(60)).until(() -> !notices(id).isEmpty());
    database.close();
    Instant back;
    try {
      // Answered by the heartbeat's verdict within the client's 3 s, not after the pool's 10 s
      // wait.
      await()
          .atMost(Duration.ofSeconds(20))
          .ignoreExceptions() // until the heartbeat notices, a request may wait for the pool
          .until(() -> quickGet("/api/releases/" + id).statusCode() == 503);
      HttpResponse<String> refused = quickGet("/api/releases/" + id);
      assertThat(refused.headers().firstValue("Content-Type")).hasValue("application/problem+json");
      assertThat(refused.headers().firstValue("Retry-After")).isPresent();
      JsonNode problem = HttpSupport.JSON.readTree(refused.body());
      assertThat(problem.path("type").asText())
          .isEqualTo("https://countersign.io/problems/database-unavailable");
      assertThat(problem.path("status").asInt()).isEqualTo(503);
      HttpResponse<String> health = health("/actuator/health");
      assertThat(health.statusCode()).isEqualTo(200);
      assertThat(HttpSupport.JSON.readTree(health.body()).path("status").asText())
          .isEqualTo("DEGRADED");
      // Out of the load balancer while the database is away, but not restarted for it.
      HttpResponse<String> readiness = health("/actuator/health/readiness");
      assertThat(readiness.statusCode()).isEqualTo(503);
      assertThat(HttpSupport.JSON.readTree(readiness.body()).path("status").asText())
          .isEqualTo("OUT_OF_SERVICE");
      HttpResponse<String> liveness = health("/actuator/health/liveness");
      assertThat(liveness.statusCode()).isEqualTo(200);
      assertThat(HttpSupport.JSON.readTree(liveness.body()).path("status").asText())
          .isEqualTo("UP");
    } finally {
      database = startDatabase(DB_PORT);
      back = Instant.now();
    }
    awaitStatus(id, "released", Duration.ofSeconds(30));
    System.out.printf(
        "Release %s resumed and finished %d ms after the database came back%n",
        id, Duration.between(back, Instant.now()).toMillis());
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                HttpSupport.JSON
                    .readTree(quickGet("/actuator/health").body())
                    .path("status")
                    .asText(),
            "UP"::equals);
    assertThat(health("/actuator/health/readiness").statusCode()).isEqualTo(200);
  }

  /** A release of the staging example telling the change board, signed off by every role. */
  private String signedOff() {
    ObjectNode manifest = ManifestFixture.staging();
    manifest.put("version", ManifestFixture.freshVersion("outage"));
    ((ObjectNode) manifest.path("verification")).put("bakeWindow", "PT0S");
    manifest.putObject("webhooks").putArray("endpoints").add("change-board");
    Response submitted =
        http.post(
            "requester",
            "/api/releases",
            "application/json",
            ManifestFixture.json(manifest),
            Map.of());
    assertThat(submitted.status()).as(submitted.body()).isEqualTo(201);
    String id = submitted.json().path("id").asText();
    for (JsonNode role : http.afterEvidenceCheck("requester", id).path("pendingSignOffs")) {
      String user = APPROVERS.get(role.asText());
      Response tasks =
          http.get(
              user,
              "/engine-rest/engine/"
                  + ENGINE
                  + "/task?processInstanceBusinessKey="
                  + id
                  + "&candidateGroup="
                  + role.asText()
                  + "&maxResults=10");
      assertThat(tasks.json()).as(tasks.body()).hasSize(1);
      Response done =
          http.postJson(
              user,
              "/engine-rest/engine/"
                  + ENGINE
                  + "/task/"
                  + tasks.json().get(0).path("id").asText()
                  + "/complete",
              APPROVE);
      assertThat(done.status()).as(done.body()).isEqualTo(204);
    }
    return id;
  }

  private Optional<JsonNode> waiting(String id, String activity) {
    for (JsonNode w : release(id).path("waiting")) {
      if (w.path("activity").asText().equals(activity)) {
        return Optional.of(w);
      }
    }
    return Optional.empty();
  }

  /** The change-board notices about this release (an earlier test's release may still post). */
  private static List<LoggedRequest> notices(String id) {
    return HOOKS.findAll(postRequestedFor(urlEqualTo(CHANGE_BOARD))).stream()
        .filter(r -> r.getBodyAsString().contains(id))
        .toList();
  }

  private JsonNode release(String id) {
    Response response = http.get("requester", "/api/releases/" + id);
    assertThat(response.status()).as(response.body()).isEqualTo(200);
    return response.json();
  }

  private void awaitStatus(String id, String expected, Duration within) {
    await()
        .atMost(within)
        .pollInterval(Duration.ofMillis(200))
        .ignoreExceptions()
        .until(() -> release(id).path("status").asText(), expected::equals);
  }

  /** Anonymous: a health probe, which needs no database to answer. */
  private HttpResponse<String> health(String path) throws IOException, InterruptedException {
    HttpRequest request =
        HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
            .timeout(Duration.ofSeconds(3))
            .GET()
            .build();
    return HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> quickGet(String path) throws IOException, InterruptedException {
    HttpRequest request =
        HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
            .timeout(Duration.ofSeconds(3))
            .header(
                "Authorization",
                "Basic "
                    + Base64.getEncoder()
                        .encodeToString(
                            ("requester:" + HttpSupport.DEMO_PASSWORD)
                                .getBytes(StandardCharsets.UTF_8)))
            .GET()
            .build();
    return HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString());
  }

  private static EmbeddedPostgres startDatabase(int port) {
    try {
      return EmbeddedPostgres.builder()
          .setPort(port)
          .setDataDirectory(DATA)
          .setCleanDataDirectory(false)
          .start();
    } catch (IOException e) {
      throw new UncheckedIOException("embedded PostgreSQL did not start", e);
    }
  }
}
