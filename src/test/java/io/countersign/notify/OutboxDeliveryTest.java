package io.countersign.notify;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import io.countersign.CrashAfterStep;
import io.countersign.ProcessTestSupport;
import io.countersign.evidence.EvidenceEntry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.actuate.health.Status;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.context.TestPropertySource;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The outbox against WireMock as the receiver, on the real engine and database: the scheduled
 * delivery is off, the tests call {@link OutboxDeliverer#deliverDue} with the instants they choose.
 * Channels: "audit" (every event, inline secret), "prod-pager" (status changes in production only,
 * secret from a file) and "probe" (only the tests' own probe events).
 */
@TestPropertySource(
    properties = {
      "countersign.notifications.delivery.enabled=false",
      "countersign.notifications.delivery.timeout=PT2S",
      "countersign.notifications.delivery.down-after=3",
      "countersign.notifications.webhooks.audit.secret=" + OutboxDeliveryTest.SECRET,
      "countersign.notifications.webhooks.prod-pager.environments[0]=production",
      "countersign.notifications.webhooks.prod-pager.events[0]=" + Notifications.STATUS_CHANGED,
      "countersign.notifications.webhooks.probe.events[0]=" + OutboxDeliveryTest.PROBE,
      "countersign.notifications.webhooks.probe.secret=probe-secret-0123456789",
    })
@ExtendWith(OutputCaptureExtension.class)
class OutboxDeliveryTest extends ProcessTestSupport {
  static final String SECRET = "audit-s3cret-0123456789abcdef";
  static final String FILE_SECRET = "pager-f1le-secret-fedcba9876543210";

  /** Types no release in these tests publishes: the tests publish them themselves. */
  static final String PROBE = Notifications.INCIDENT_RESOLVED;

  static final String OTHER = Notifications.INCIDENT_OPENED;
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern SIGNATURE = Pattern.compile("t=(\\d+),v1=([0-9a-f]{64})");

  static final WireMockServer SERVER = new WireMockServer(options().dynamicPort());
  static final Path SECRET_FILE;

  static {
    SERVER.start();
    try {
      // Under this build's folder, like every file the tests write (TestIsolationTest).
      String work = System.getProperty("countersign.test-work", "target/test-work");
      Path dir = Files.createDirectories(Path.of(work, "notify"));
      SECRET_FILE = Files.createTempFile(dir, "webhook", ".secret");
      Files.writeString(SECRET_FILE, FILE_SECRET + "\n");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @DynamicPropertySource
  static void webhooks(DynamicPropertyRegistry registry) {
    registry.add("countersign.notifications.webhooks.audit.url", () -> SERVER.baseUrl() + "/audit");
    registry.add(
        "countersign.notifications.webhooks.prod-pager.url", () -> SERVER.baseUrl() + "/pager");
    registry.add(
        "countersign.notifications.webhooks.prod-pager.secret-file", SECRET_FILE::toString);
    registry.add("countersign.notifications.webhooks.probe.url", () -> SERVER.baseUrl() + "/probe");
  }

  @AfterAll
  static void stop() throws IOException {
    SERVER.stop();
    Files.deleteIfExists(SECRET_FILE);
  }

  @Autowired Notifications notifications;
  @Autowired OutboxDeliverer deliverer;
  @Autowired Channels channels;
  @Autowired NotificationProperties properties;
  @Autowired NotificationsHealthIndicator health;
  @Autowired PlatformTransactionManager transactions;

  @BeforeEach
  void emptyOutbox() {
    SERVER.resetAll();
    jdbc.update("DELETE FROM cs_notification_outbox");
    deliverer.forgetFailures();
  }

  @Test
  void aReleasesStatusChangesArriveAsSignedCloudEvents() throws Exception {
    answer("/audit", 200);
    String id = submit(example("staging"));
    approveAll(id);
    assertThat(status(id)).isEqualTo("released");

    int sent = deliverer.deliverDue(Instant.now());

    List<LoggedRequest> received = requests("/audit");
    assertThat(received).hasSize(sent).isNotEmpty();
    List<JsonNode> events = new ArrayList<>();
    for (LoggedRequest request : received) {
      assertThat(request.getHeader("Content-Type")).isEqualTo("application/cloudevents+json");
      String body = request.getBodyAsString();
      verifySignature(request, SECRET);
      events.add(JSON.readTree(body));
    }
    JsonNode last = events.get(events.size() - 1);
    assertThat(fieldNames(last))
        .containsExactly(
            "specversion", "id", "source", "type", "subject", "time", "datacontenttype", "data");
    assertThat(last.get("specversion").asText()).isEqualTo("1.0");
    assertThat(last.get("source").asText()).isEqualTo("countersign");
    assertThat(last.get("type").asText()).isEqualTo(Notifications.STATUS_CHANGED);
    assertThat(last.get("subject").asText()).isEqualTo(id);
    assertThat(last.get("datacontenttype").asText()).isEqualTo("application/json");
    assertThat(Instant.parse(last.get("time").asText())).isBeforeOrEqualTo(Instant.now());
    JsonNode data = last.get("data");
    assertThat(data.get("releaseId").asText()).isEqualTo(id);
    assertThat(data.get("application").asText()).isEqualTo("medication-tracker");
    assertThat(data.get("version").asText()).startsWith("9.");
    assertThat(data.get("environment").asText()).isEqualTo("staging");
    assertThat(data.get("status").asText()).isEqualTo("released");
    // One event per status change, in order, each id once; staging goes nowhere near the pager.
    assertThat(events.stream().map(e -> e.get("id").asText()).distinct()).hasSize(events.size());
    assertThat(
            events.stream()
                .filter(e -> e.get("type").asText().equals(Notifications.STATUS_CHANGED))
                .map(e -> e.at("/data/status").asText())
                .toList())
        .containsSubsequence("released")
        .doesNotHaveDuplicates();
    assertThat(requests("/pager")).isEmpty();
    // Each delivery is in the release's chain, which still verifies.
    List<JsonNode> delivered = payloads(id, "notification-delivered");
    assertThat(delivered).hasSize(events.size());
    assertThat(delivered.get(0).get("channel").asText()).isEqualTo("audit");
    assertThat(delivered.get(0).get("statusCode").asInt()).isEqualTo(200);
    assertThat(delivered.get(0).get("attempt").asInt()).isEqualTo(1);
    assertThat(delivered.stream().map(p -> p.get("eventId").asText()).toList())
        .containsExactlyInAnyOrderElementsOf(
            events.stream().map(e -> e.get("id").asText()).toList());
    checkEvidence(id);
  }

  @Test
  void aReceiverThatIsDownGetsEveryEventExactlyOnceAfterItRecovers() {
    answer("/audit", 503);
    List<String> releaseIds = List.of(releaseId(), releaseId(), releaseId());
    List<String> eventIds = new ArrayList<>();
    for (String releaseId : releaseIds) {
      eventIds.addAll(notifications.publish(releaseId, OTHER, data(releaseId)));
    }
    assertThat(eventIds).hasSize(3);
    Instant t0 = Instant.now().plusSeconds(1);

    assertThat(deliverer.deliverDue(t0)).isEqualTo(3); // the receiver is down: 503
    assertThat(deliverer.deliverDue(t0.plusSeconds(9))).isZero(); // backing off 10 s
    assertThat(deliverer.deliverDue(t0.plusSeconds(10))).isEqualTo(3); // 503 again
    answer("/audit", 200); // it recovers
    assertThat(deliverer.deliverDue(t0.plusSeconds(29))).isZero(); // backing off 20 s now
    assertThat(deliverer.deliverDue(t0.plusSeconds(30))).isEqualTo(3); // delivered
    assertThat(deliverer.deliverDue(t0.plus(Duration.ofHours(1)))).isZero(); // and never again

    List<ServeEvent> served = served("/audit");
    assertThat(served).hasSize(9);
    Map<String, Long> accepted =
        served.stream()
            .filter(e -> e.getResponse().getStatus() == 200)
            .collect(Collectors.groupingBy(e -> eventId(e.getRequest()), Collectors.counting()));
    assertThat(accepted).containsOnlyKeys(eventIds).allSatisfy((k, n) -> assertThat(n).isOne());
    // Every attempt of an event carries the same body (id and time), only the signature moves on.
    for (String eventId : eventIds) {
      assertThat(
              served.stream()
                  .filter(e -> eventId(e.getRequest()).equals(eventId))
                  .map(e -> e.getRequest().getBodyAsString())
                  .distinct())
          .hasSize(1);
    }
    for (String releaseId : releaseIds) {
      assertThat(payloads(releaseId, "notification-failed"))
          .extracting(p -> p.get("attempt").asInt() + ":" + p.get("statusCode").asInt())
          .containsExactly("1:503", "2:503");
      assertThat(payloads(releaseId, "notification-delivered"))
          .extracting(p -> p.get("attempt").asInt() + ":" + p.get("statusCode").asInt())
          .containsExactly("3:200");
    }
    assertThat(
            jdbc.queryForObject(
                "SELECT COUNT(*) FROM cs_notification_outbox WHERE delivered_at IS NOT NULL"
                    + " AND attempts = 3 AND last_error IS NULL",
                Integer.class))
        .isEqualTo(3);
  }

  @Test
  void eventsOfAReleaseReachAChannelInTheOrderTheyWerePublishedEvenWhenTheFirstIsRetried() {
    // The first event is refused once (its retry comes 10 s later); the second must not overtake
    // it: a resolve sent before its trigger would leave a page open for ever.
    String releaseId = releaseId();
    String first = notifications.publish(releaseId, OTHER, data(releaseId)).get(0);
    String second =
        notifications.publish(releaseId, PROBE, data(releaseId)).stream()
            .filter(
                id ->
                    jdbc.queryForObject(
                            "SELECT channel FROM cs_notification_outbox WHERE id = ?",
                            String.class,
                            id)
                        .equals("audit"))
            .findFirst()
            .orElseThrow();
    SERVER.stubFor(
        post(urlEqualTo("/audit"))
            .withRequestBody(com.github.tomakehurst.wiremock.client.WireMock.containing(first))
            .willReturn(aResponse().withStatus(503)));
    Instant t0 = Instant.now().plusSeconds(1);

    deliverer.deliverDue(t0);
    assertThat(served("/audit")).extracting(e -> eventId(e.getRequest())).containsExactly(first);

    answer("/audit", 200);
    SERVER.resetRequests();
    deliverer.deliverDue(t0.plusSeconds(10));
    assertThat(
            served("/audit").stream()
                .sorted(
                    (a, b) ->
                        a.getRequest().getLoggedDate().compareTo(b.getRequest().getLoggedDate()))
                .map(e -> eventId(e.getRequest())))
        .containsExactly(first, second);
  }

  @Test
  void anEventIsDeadAfterTheLastAttempt() {
    answer("/audit", 500);
    String releaseId = releaseId();
    notifications.publish(releaseId, OTHER, data(releaseId));
    Instant now = Instant.now().plusSeconds(1);
    int max = properties.delivery().maxAttempts();
    for (int attempt = 1; attempt <= max; attempt++) {
      assertThat(deliverer.deliverDue(now)).as("attempt %d", attempt).isOne();
      now = now.plus(OutboxDeliverer.backoff(attempt));
    }
    assertThat(OutboxDeliverer.backoff(max)).isEqualTo(Duration.ofMinutes(10));
    answer("/audit", 200);
    assertThat(deliverer.deliverDue(now.plus(Duration.ofDays(1)))).isZero();
    assertThat(served("/audit")).hasSize(max);
    assertThat(deliverer.dead()).containsEntry("audit", 1);
    assertThat(lastPayload(releaseId, "notification-failed").get("dead").asBoolean()).isTrue();
    assertThat(lastPayload(releaseId, "notification-failed").get("attempt").asInt()).isEqualTo(max);
  }

  @Test
  void twoNodesDeliveringAtOnceSendEachEventOnce() throws Exception {
    // Slow answers, so the two nodes' claims overlap.
    SERVER.stubFor(
        post(urlEqualTo("/audit")).willReturn(aResponse().withStatus(200).withFixedDelay(20)));
    String releaseId = releaseId();
    List<String> eventIds = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      eventIds.addAll(notifications.publish(releaseId, OTHER, data(releaseId)));
    }
    OutboxDeliverer other =
        new OutboxDeliverer( // a second node on the same database
            jdbc, evidence, properties, channels, new SimpleMeterRegistry());
    Instant now = Instant.now().plusSeconds(1);
    CountDownLatch start = new CountDownLatch(1);
    ExecutorService nodes = Executors.newFixedThreadPool(2);
    try {
      List<Future<Integer>> sent = new ArrayList<>();
      for (OutboxDeliverer node : List.of(deliverer, other)) {
        Callable<Integer> run =
            () -> {
              start.await();
              return node.deliverDue(now);
            };
        sent.add(nodes.submit(run));
      }
      start.countDown();
      int total = 0;
      for (Future<Integer> s : sent) {
        total += s.get(60, TimeUnit.SECONDS);
      }
      assertThat(total).isEqualTo(30);
    } finally {
      nodes.shutdownNow();
    }
    List<String> received = served("/audit").stream().map(e -> eventId(e.getRequest())).toList();
    assertThat(received).hasSize(30).doesNotHaveDuplicates();
    assertThat(received).containsExactlyInAnyOrderElementsOf(eventIds);
    assertThat(payloads(releaseId, "notification-delivered")).hasSize(30);
    assertThat(deliverer.deliverDue(now.plus(Duration.ofHours(1)))).isZero();
  }

  @Test
  void eventsGoOnlyToTheChannelsThatWantTheirTypeAndEnvironment() throws Exception {
    answer("/audit", 200);
    answer("/pager", 200);
    answer("/probe", 200);
    String staging = releaseId();
    String production = releaseId();
    String probe = releaseId();
    notifications.publish(staging, Notifications.STATUS_CHANGED, data(staging, "staging"));
    notifications.publish(production, Notifications.STATUS_CHANGED, data(production, "production"));
    notifications.publish(probe, PROBE, data(probe, "staging"));

    assertThat(channelsOf(staging)).containsExactly("audit");
    assertThat(channelsOf(production)).containsExactly("audit", "prod-pager");
    assertThat(channelsOf(probe)).containsExactly("audit", "probe");

    assertThat(deliverer.deliverDue(Instant.now().plusSeconds(1))).isEqualTo(5);
    assertThat(requests("/audit")).hasSize(3);
    List<LoggedRequest> pager = requests("/pager");
    assertThat(pager).hasSize(1);
    assertThat(JSON.readTree(pager.get(0).getBodyAsString()).get("subject").asText())
        .isEqualTo(production);
    verifySignature(pager.get(0), FILE_SECRET); // the key from secret-file
    List<LoggedRequest> probes = requests("/probe");
    assertThat(probes).hasSize(1);
    assertThat(JSON.readTree(probes.get(0).getBodyAsString()).get("type").asText())
        .isEqualTo(PROBE);
  }

  @Test
  void aReceiverSlowerThanTheTimeoutIsAFailedAttempt() {
    SERVER.stubFor(
        post(urlEqualTo("/audit")).willReturn(aResponse().withStatus(200).withFixedDelay(4000)));
    String releaseId = releaseId();
    notifications.publish(releaseId, OTHER, data(releaseId));
    long started = System.nanoTime();
    assertThat(deliverer.deliverDue(Instant.now().plusSeconds(1))).isOne();
    assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofMillis(3900));
    JsonNode failed = lastPayload(releaseId, "notification-failed");
    assertThat(failed.get("statusCode").asInt()).isZero();
    assertThat(failed.get("error").asText()).isEqualTo("webhook audit did not answer within PT2S");
    assertThat(payloads(releaseId, "notification-delivered")).isEmpty();
  }

  @Test
  void anEventForAChannelThisNodeDoesNotKnowWaits() {
    answer("/audit", 200);
    String releaseId = releaseId();
    notifications.publish(releaseId, OTHER, data(releaseId));
    // As if another node's configuration had a channel this one lacks.
    jdbc.update(
        "UPDATE cs_notification_outbox SET channel = 'gone' WHERE release_id = ?", releaseId);

    assertThat(deliverer.deliverDue(Instant.now().plusSeconds(1))).isZero();
    assertThat(
            jdbc.queryForObject(
                "SELECT attempts FROM cs_notification_outbox WHERE release_id = ?",
                Integer.class,
                releaseId))
        .isZero();
    assertThat(served("/audit")).isEmpty();
    assertThat(evidence.entries(releaseId)).isEmpty();
  }

  @Test
  void anEngineJobThatDiesBeforeItsCommitPublishesNothingAndItsRerunPublishesOnce() {
    String id = submit(example("staging"));
    CrashAfterStep.arm("markReleased"); // the job that sets "released" fails as it commits

    approveAll(id);
    assertThat(CrashAfterStep.fired()).isTrue();
    assertThat(status(id)).isNotEqualTo("released");
    assertThat(publishedStatuses(id)).isNotEmpty().doesNotContain("released");

    advanceClock(Duration.ofSeconds(31)); // the job runs again, as after its lock lapsed
    runJobs();
    assertThat(status(id)).isEqualTo("released");
    assertThat(publishedStatuses(id)).containsOnlyOnce("released");
  }

  private List<String> publishedStatuses(String releaseId) {
    return jdbc
        .queryForList(
            "SELECT payload FROM cs_notification_outbox WHERE release_id = ? AND channel = 'audit'"
                + " ORDER BY created_at",
            String.class,
            releaseId)
        .stream()
        .map(
            payload -> {
              try {
                return JSON.readTree(payload).at("/data/status").asText();
              } catch (IOException e) {
                throw new UncheckedIOException(e);
              }
            })
        .toList();
  }

  @Test
  void aRolledBackTransactionPublishesNothing() {
    String rolledBack = releaseId();
    String committed = releaseId();
    TransactionTemplate transaction = new TransactionTemplate(transactions);
    transaction.executeWithoutResult(
        status -> {
          assertThat(notifications.publish(rolledBack, PROBE, data(rolledBack))).hasSize(2);
          status.setRollbackOnly(); // as a failing job's transaction ends
        });
    transaction.executeWithoutResult(
        status -> notifications.publish(committed, PROBE, data(committed)));

    assertThat(channelsOf(rolledBack)).isEmpty();
    assertThat(channelsOf(committed)).containsExactly("audit", "probe");
  }

  @Test
  void aChannelIsDownAfterItsLastAttemptsFailedAndUpAfterASuccess() {
    answer("/audit", 200);
    answer("/probe", 500);
    Instant now = Instant.now().plusSeconds(1);
    String releaseId = releaseId();
    notifications.publish(releaseId, PROBE, data(releaseId));
    assertThat(health.health().getStatus()).isEqualTo(Status.UP);

    for (int attempt = 1; attempt <= 2; attempt++) {
      deliverer.deliverDue(now);
      now = now.plus(OutboxDeliverer.backoff(attempt));
    }
    assertThat(health.health().getStatus()).as("after 2 failures").isEqualTo(Status.UP);
    deliverer.deliverDue(now);
    now = now.plus(OutboxDeliverer.backoff(3));
    assertThat(health.health().getStatus())
        .as("after 3 failures: degraded, never DOWN (an orchestrator would restart the app)")
        .isEqualTo(NotificationsHealthIndicator.DEGRADED);
    assertThat(health.health().getDetails()).containsEntry("failing", List.of("probe"));

    answer("/probe", 200);
    assertThat(deliverer.deliverDue(now)).isOne();
    assertThat(health.health().getStatus()).isEqualTo(Status.UP);
    assertThat(health.health().getDetails()).doesNotContainKey("failing");
  }

  @Test
  void theSecretsAppearNeitherInTheEvidenceNorInTheLogs(CapturedOutput output) {
    answer("/audit", 503);
    answer("/pager", 503);
    String releaseId = releaseId();
    notifications.publish(releaseId, Notifications.STATUS_CHANGED, data(releaseId, "production"));
    Instant now = Instant.now().plusSeconds(1);
    assertThat(deliverer.deliverDue(now)).isEqualTo(2);
    answer("/audit", 200);
    answer("/pager", 200);
    assertThat(deliverer.deliverDue(now.plus(Duration.ofMinutes(1)))).isEqualTo(2);

    List<EvidenceEntry> entries = evidence.entries(releaseId);
    assertThat(entries).extracting(EvidenceEntry::type).contains("notification-failed");
    String chain = entries.stream().map(e -> e.payload().toString()).collect(Collectors.joining());
    assertThat(chain).contains("audit", "prod-pager").doesNotContain(SECRET, FILE_SECRET);
    assertThat(output.getAll())
        .contains("notification") // the failures were logged
        .doesNotContain(SECRET, FILE_SECRET);
    String rows =
        String.join(
            "",
            jdbc.queryForList(
                "SELECT payload || COALESCE(last_error, '') FROM cs_notification_outbox",
                String.class));
    assertThat(rows).contains(releaseId).doesNotContain(SECRET, FILE_SECRET);
  }

  private static void answer(String path, int status) {
    SERVER.stubFor(post(urlEqualTo(path)).willReturn(aResponse().withStatus(status)));
  }

  private static List<ServeEvent> served(String path) {
    List<ServeEvent> events =
        new ArrayList<>(
            SERVER.getAllServeEvents().stream()
                .filter(e -> e.getRequest().getUrl().equals(path))
                .toList());
    Collections.reverse(events); // WireMock lists the newest first
    return events;
  }

  private static List<LoggedRequest> requests(String path) {
    return served(path).stream().map(ServeEvent::getRequest).toList();
  }

  private static String eventId(LoggedRequest request) {
    try {
      return JSON.readTree(request.getBodyAsString()).get("id").asText();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Recomputes the signature from the body and the secret, and checks its time is now-ish. */
  private static void verifySignature(LoggedRequest request, String secret) {
    String header = request.getHeader(WebhookChannel.SIGNATURE_HEADER);
    assertThat(header).isNotNull();
    Matcher m = SIGNATURE.matcher(header);
    assertThat(m.matches()).as(header).isTrue();
    long t = Long.parseLong(m.group(1));
    assertThat(Math.abs(Instant.now().getEpochSecond() - t)).isLessThan(300);
    String expected =
        java.util.HexFormat.of()
            .formatHex(
                hmacSha256(
                    secret.getBytes(StandardCharsets.UTF_8),
                    (t + "." + request.getBodyAsString()).getBytes(StandardCharsets.UTF_8)));
    assertThat(m.group(2)).isEqualTo(expected);
  }

  private static byte[] hmacSha256(byte[] key, byte[] message) {
    try {
      javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
      mac.init(new javax.crypto.spec.SecretKeySpec(key, "HmacSHA256"));
      return mac.doFinal(message);
    } catch (java.security.GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private List<String> channelsOf(String releaseId) {
    return jdbc.queryForList(
        "SELECT channel FROM cs_notification_outbox WHERE release_id = ? ORDER BY channel",
        String.class,
        releaseId);
  }

  private static List<String> fieldNames(JsonNode node) {
    List<String> names = new ArrayList<>();
    node.fieldNames().forEachRemaining(names::add);
    return names;
  }

  private static String releaseId() {
    return "rel-outbox-" + UUID.randomUUID().toString().substring(0, 8);
  }

  private static Map<String, Object> data(String releaseId) {
    return data(releaseId, "staging");
  }

  private static Map<String, Object> data(String releaseId, String environment) {
    return Map.of("releaseId", releaseId, "environment", environment, "status", "deploying");
  }
}
