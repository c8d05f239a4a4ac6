package io.countersign.notify;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static io.countersign.notify.ChannelTestEvents.BASE;
import static io.countersign.notify.ChannelTestEvents.RELEASE;
import static io.countersign.notify.ChannelTestEvents.TIME;
import static io.countersign.notify.ChannelTestEvents.event;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The PagerDuty channel against WireMock answering as the Events API v2 does. */
class PagerDutyChannelTest {
  private static final String PATH = "/v2/enqueue";
  private static final String KEY = "R0123456789abcdef0123456789ABCDE";
  private static final String SUCCESS =
      "{\"status\":\"success\",\"message\":\"Event processed\",\"dedup_key\":\"k\"}";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final WireMockServer SERVER = new WireMockServer(options().dynamicPort());

  @BeforeAll
  static void start() {
    SERVER.start();
  }

  @AfterAll
  static void stop() {
    SERVER.stop();
  }

  @BeforeEach
  void reset() {
    SERVER.resetAll();
  }

  private static PagerDutyChannel channel() {
    return new PagerDutyChannel(
        "on-call",
        new NotificationProperties.PagerDuty(
            KEY, null, URI.create(SERVER.baseUrl() + PATH), null, null),
        new HttpPost(Duration.ofSeconds(2)));
  }

  private static void answer(int status, String body) {
    SERVER.stubFor(
        post(urlEqualTo(PATH))
            .willReturn(
                aResponse()
                    .withStatus(status)
                    .withHeader("Content-Type", "application/json")
                    .withBody(body)));
  }

  /** Sends the event, expects a delivery, and answers the one request's body. */
  private static JsonNode sent(Event event) throws IOException {
    answer(202, SUCCESS);
    assertThat(channel().send(event, Instant.now())).isEqualTo(Channel.Outcome.delivered(202));
    List<LoggedRequest> requests = SERVER.findAll(postRequestedFor(urlEqualTo(PATH)));
    assertThat(requests).hasSize(1);
    assertThat(requests.get(0).getHeader("Content-Type")).isEqualTo("application/json");
    SERVER.resetRequests();
    return JSON.readTree(requests.get(0).getBodyAsString());
  }

  private static List<String> fieldNames(JsonNode node) {
    List<String> names = new ArrayList<>();
    node.fieldNames().forEachRemaining(names::add);
    return names;
  }

  @Test
  void aRollbackTriggersAnAlertKeyedToTheRelease() throws IOException {
    JsonNode body =
        sent(event(Notifications.ROLLBACK_STARTED, Map.of("reason", "error rate above 2%")));

    assertThat(fieldNames(body))
        .containsExactly(
            "routing_key", "event_action", "dedup_key", "payload", "links", "client", "client_url");
    assertThat(body.get("routing_key").asText()).isEqualTo(KEY);
    assertThat(body.get("event_action").asText()).isEqualTo("trigger");
    assertThat(body.get("dedup_key").asText()).isEqualTo("countersign/" + RELEASE + "/rollback");
    JsonNode payload = body.get("payload");
    assertThat(payload.get("summary").asText())
        .isEqualTo("Rolling back: payments-api 2.4.1 → production");
    assertThat(payload.get("source").asText()).isEqualTo("countersign");
    assertThat(payload.get("severity").asText()).isEqualTo("error");
    assertThat(payload.get("timestamp").asText()).isEqualTo(TIME.toString());
    assertThat(Instant.parse(payload.get("timestamp").asText())).isEqualTo(TIME);
    assertThat(payload.get("component").asText()).isEqualTo("payments-api");
    assertThat(payload.get("group").asText()).isEqualTo("production");
    assertThat(payload.get("class").asText()).isEqualTo(Notifications.ROLLBACK_STARTED);
    JsonNode details = payload.get("custom_details");
    assertThat(fieldNames(details))
        .containsExactly("Release", "Application", "Version", "Environment", "Reason");
    assertThat(details.get("Release").asText()).isEqualTo(RELEASE);
    assertThat(details.get("Reason").asText()).isEqualTo("error rate above 2%");

    JsonNode links = body.get("links");
    assertThat(links).hasSize(2);
    assertThat(links.get(0).get("href").asText()).isEqualTo(BASE + "/console/releases/" + RELEASE);
    assertThat(links.get(0).get("text").asText()).isEqualTo("Release");
    assertThat(links.get(1).get("href").asText())
        .isEqualTo(BASE + "/api/releases/" + RELEASE + "/evidence");
    assertThat(body.get("client").asText()).isEqualTo("Countersign");
    assertThat(body.get("client_url").asText()).isEqualTo(BASE + "/console/releases/" + RELEASE);
  }

  @Test
  void aRestoringRollbackResolvesTheAlertAndAFailedOneTriggersItAgainAsCritical()
      throws IOException {
    JsonNode resolve =
        sent(
            event(
                Notifications.ROLLBACK_FINISHED,
                Map.of("restored", true, "status", "rolled-back")));
    assertThat(fieldNames(resolve)).containsExactly("routing_key", "event_action", "dedup_key");
    assertThat(resolve.get("routing_key").asText()).isEqualTo(KEY);
    assertThat(resolve.get("event_action").asText()).isEqualTo("resolve");
    assertThat(resolve.get("dedup_key").asText()).isEqualTo("countersign/" + RELEASE + "/rollback");

    JsonNode again =
        sent(
            event(
                Notifications.ROLLBACK_FINISHED,
                Map.of("restored", false, "status", "failed", "reason", "restore step failed")));
    assertThat(again.get("event_action").asText()).isEqualTo("trigger");
    assertThat(again.get("dedup_key").asText()).isEqualTo("countersign/" + RELEASE + "/rollback");
    assertThat(again.get("payload").get("severity").asText()).isEqualTo("critical");
    assertThat(again.get("payload").get("summary").asText())
        .startsWith("Rollback did not restore: ");
  }

  @Test
  void aFailedReleasePagesAndOtherStatusesSendNothing() throws IOException {
    JsonNode failed =
        sent(event(Notifications.STATUS_CHANGED, Map.of("status", "failed", "reason", "boom")));
    assertThat(failed.get("event_action").asText()).isEqualTo("trigger");
    assertThat(failed.get("dedup_key").asText()).isEqualTo("countersign/" + RELEASE + "/failed");
    assertThat(failed.get("payload").get("severity").asText()).isEqualTo("critical");
    assertThat(failed.get("payload").get("class").asText()).isEqualTo(Notifications.STATUS_CHANGED);

    answer(202, SUCCESS);
    Channel.Outcome released =
        channel()
            .send(event(Notifications.STATUS_CHANGED, Map.of("status", "released")), Instant.now());
    assertThat(released)
        .isEqualTo(Channel.Outcome.skipped("pagerduty: nothing to page for status released"));
    assertThat(SERVER.getAllServeEvents()).isEmpty();
  }

  @Test
  void anIncidentTriggersAndItsResolutionResolvesTheSameAlert() throws IOException {
    JsonNode opened =
        sent(
            event(
                Notifications.INCIDENT_OPENED,
                Map.of("incidentId", "inc-9f8e", "activity", "Deploy", "message", "timeout")));
    assertThat(opened.get("event_action").asText()).isEqualTo("trigger");
    assertThat(opened.get("dedup_key").asText()).isEqualTo("countersign/incident/inc-9f8e");
    assertThat(opened.get("payload").get("severity").asText()).isEqualTo("error");
    // The message is no fact: it comes along as the summary.
    assertThat(opened.get("payload").get("custom_details").get("Summary").asText())
        .isEqualTo("timeout");
    assertThat(opened.get("payload").get("custom_details").get("Step").asText())
        .isEqualTo("Deploy");

    JsonNode resolved =
        sent(event(Notifications.INCIDENT_RESOLVED, Map.of("incidentId", "inc-9f8e")));
    assertThat(fieldNames(resolved)).containsExactly("routing_key", "event_action", "dedup_key");
    assertThat(resolved.get("event_action").asText()).isEqualTo("resolve");
    assertThat(resolved.get("dedup_key").asText()).isEqualTo("countersign/incident/inc-9f8e");
  }

  @Test
  void eventsThatPageNobodyMakeNoRequest() {
    answer(202, SUCCESS);
    for (String type :
        List.of(
            Notifications.SIGN_OFF_WAITING,
            Notifications.OVERRIDE_REQUESTED,
            Notifications.DECISION_WAITING)) {
      Channel.Outcome outcome = channel().send(event(type, Map.of("taskId", "t-1")), Instant.now());
      assertThat(outcome.delivered()).isTrue();
      assertThat(outcome.statusCode()).isZero();
      assertThat(outcome.note()).startsWith("pagerduty: nothing to page");
    }
    assertThat(channel().send(event(Notifications.INCIDENT_OPENED, Map.of()), Instant.now()))
        .isEqualTo(Channel.Outcome.skipped("pagerduty: the incident event names no incidentId"));
    assertThat(SERVER.getAllServeEvents()).isEmpty();
  }

  @Test
  void aLongTitleIsCutToPagerDutysLimit() throws IOException {
    JsonNode body =
        sent(event(Notifications.ROLLBACK_STARTED, Map.of("application", "a".repeat(2000))));
    assertThat(body.get("payload").get("summary").asText())
        .hasSize(PagerDutyChannel.SUMMARY_MAX)
        .endsWith("…");
  }

  @Test
  void refusalsAndThrottlingAreFailedAttemptsThatNeverQuoteTheKey() {
    Event event = event(Notifications.ROLLBACK_STARTED, Map.of());
    answer(
        400,
        "{\"status\":\"invalid event\",\"message\":\"Event object is invalid\","
            + "\"errors\":[\"Length of 'routing_key' is incorrect (should be 32 characters)\"]}");
    Channel.Outcome invalid = channel().send(event, Instant.now());
    assertThat(invalid.delivered()).isFalse();
    assertThat(invalid.statusCode()).isEqualTo(400);
    assertThat(invalid.error())
        .startsWith("pagerduty on-call answered 400")
        .doesNotContain(KEY)
        .doesNotContain(SERVER.baseUrl())
        .doesNotContain("routing_key");

    answer(
        429,
        "{\"status\":\"throttle event\",\"message\":\"Requests for this service are throttled.\"}");
    Channel.Outcome throttled = channel().send(event, Instant.now());
    assertThat(throttled.delivered()).isFalse();
    assertThat(throttled.statusCode()).isEqualTo(429);
    assertThat(throttled.error()).contains("429").doesNotContain(KEY);

    answer(503, "");
    Channel.Outcome down = channel().send(event, Instant.now());
    assertThat(down).isEqualTo(Channel.Outcome.failed(503, "pagerduty on-call answered 503"));
  }

  @Test
  void theConfigurationsDescriptionHidesTheKey() {
    NotificationProperties.PagerDuty config =
        new NotificationProperties.PagerDuty(KEY, null, null, null, null);
    assertThat(config.url()).isEqualTo(NotificationProperties.PAGERDUTY_EVENTS);
    assertThat(config.events()).isEqualTo(PagerDutyChannel.TYPES);
    assertThat(config.toString()).contains("events.pagerduty.com").doesNotContain(KEY);
    assertThat(
            new NotificationProperties(null, null, null, null, Map.of("on-call", config), null)
                .problems())
        .isEmpty();
  }
}
