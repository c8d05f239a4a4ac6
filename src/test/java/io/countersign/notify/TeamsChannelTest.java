package io.countersign.notify;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static io.countersign.notify.ChannelTestEvents.BASE;
import static io.countersign.notify.ChannelTestEvents.RELEASE;
import static io.countersign.notify.ChannelTestEvents.event;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The Teams channel against WireMock answering as Workflows webhooks and legacy connectors do. */
class TeamsChannelTest {
  /** A Workflows URL's shape: the signature ({@code sig}) is the secret. */
  private static final String PATH = "/workflows/a1b2c3/triggers/manual/paths/invoke";

  private static final String SIG = "Zx9SigSECRETpart0123456789abcdefABCDEF";
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

  private static TeamsChannel channel() {
    String url = SERVER.baseUrl() + PATH + "?api-version=2016-06-01&sig=" + SIG;
    return new TeamsChannel(
        "release-room",
        new NotificationProperties.IncomingWebhook(url, null, null, null),
        new HttpPost(Duration.ofSeconds(2)));
  }

  private static void answer(int status, String body) {
    SERVER.stubFor(
        post(urlPathEqualTo(PATH)).willReturn(aResponse().withStatus(status).withBody(body)));
  }

  private static JsonNode card() throws IOException {
    List<LoggedRequest> requests = SERVER.findAll(postRequestedFor(urlPathEqualTo(PATH)));
    assertThat(requests).hasSize(1);
    assertThat(requests.get(0).getHeader("Content-Type")).isEqualTo("application/json");
    JsonNode message = JSON.readTree(requests.get(0).getBodyAsString());
    assertThat(message.get("type").asText()).isEqualTo("message");
    assertThat(message.get("attachments")).hasSize(1);
    JsonNode attachment = message.get("attachments").get(0);
    assertThat(attachment.get("contentType").asText())
        .isEqualTo("application/vnd.microsoft.card.adaptive");
    assertThat(attachment.has("contentUrl")).isTrue();
    assertThat(attachment.get("contentUrl").isNull()).isTrue();
    JsonNode card = attachment.get("content");
    assertThat(card.get("$schema").asText())
        .isEqualTo("http://adaptivecards.io/schemas/adaptive-card.json");
    assertThat(card.get("type").asText()).isEqualTo("AdaptiveCard");
    assertThat(card.get("version").asText()).isEqualTo("1.4");
    return card;
  }

  private static List<String> types(JsonNode body) {
    List<String> types = new ArrayList<>();
    body.forEach(b -> types.add(b.get("type").asText()));
    return types;
  }

  @Test
  void aRollbackArrivesAsAnAdaptiveCardAndAWorkflows202IsADelivery() throws IOException {
    answer(202, "");
    Event event =
        event(Notifications.ROLLBACK_STARTED, Map.of("reason", "error rate 7% > 2% for 5m"));

    Channel.Outcome outcome = channel().send(event, Instant.now());

    assertThat(outcome).isEqualTo(Channel.Outcome.delivered(202));
    JsonNode card = card();
    JsonNode body = card.get("body");
    assertThat(types(body)).containsExactly("TextBlock", "TextBlock", "FactSet");
    JsonNode title = body.get(0);
    assertThat(title.get("text").asText())
        .isEqualTo("Rolling back: payments-api 2.4.1 → production");
    assertThat(title.get("size").asText()).isEqualTo("Large");
    assertThat(title.get("weight").asText()).isEqualTo("Bolder");
    assertThat(title.get("wrap").asBoolean()).isTrue();
    assertThat(title.get("color").asText()).isEqualTo("attention");
    assertThat(body.get(1).get("text").asText()).isEqualTo("error rate 7% > 2% for 5m");
    assertThat(body.get(1).get("wrap").asBoolean()).isTrue();

    List<String> facts = new ArrayList<>();
    body.get(2)
        .get("facts")
        .forEach(f -> facts.add(f.get("title").asText() + "=" + f.get("value").asText()));
    assertThat(facts)
        .containsExactly(
            "Release=" + RELEASE,
            "Application=payments-api",
            "Version=2.4.1",
            "Environment=production",
            "Reason=error rate 7% > 2% for 5m");

    JsonNode actions = card.get("actions");
    assertThat(actions).hasSize(2);
    assertThat(actions.get(0).get("type").asText()).isEqualTo("Action.OpenUrl");
    assertThat(actions.get(0).get("title").asText()).isEqualTo("Release");
    assertThat(actions.get(0).get("url").asText()).isEqualTo(BASE + "/console/releases/" + RELEASE);
    assertThat(actions.get(1).get("title").asText()).isEqualTo("Evidence");
    assertThat(actions.get(1).get("url").asText())
        .isEqualTo(BASE + "/api/releases/" + RELEASE + "/evidence");
  }

  @Test
  void aLegacyConnectors200OneIsADeliveryAndTheColourFollowsTheSeverity() throws IOException {
    answer(200, "1");
    Event waiting = event(Notifications.SIGN_OFF_WAITING, Map.of("role", "qa", "taskId", "t-1"));

    assertThat(channel().send(waiting, Instant.now())).isEqualTo(Channel.Outcome.delivered(200));

    JsonNode card = card();
    // No message or reason: no summary block.
    assertThat(types(card.get("body"))).containsExactly("TextBlock", "FactSet");
    assertThat(card.get("body").get(0).get("color").asText()).isEqualTo("default");
    assertThat(card.get("actions").get(0).get("title").asText()).isEqualTo("Open the task");
    assertThat(card.get("actions").get(0).get("url").asText())
        .isEqualTo(BASE + "/camunda/app/tasklist/default/#/?task=t-1");

    assertThat(TeamsChannel.color(Message.Severity.WARNING)).isEqualTo("warning");
    assertThat(TeamsChannel.color(Message.Severity.ERROR)).isEqualTo("attention");
    assertThat(TeamsChannel.color(Message.Severity.CRITICAL)).isEqualTo("attention");
    assertThat(TeamsChannel.color(Message.Severity.INFO)).isEqualTo("default");
  }

  @Test
  void everyFactIsShownAndLongTextsAreCut() throws IOException {
    answer(202, "");
    Map<String, Object> data = ChannelTestEvents.allFacts();
    data.put("reason", "x".repeat(5000));
    data.put("status", "rolled-back");
    Event event = event(Notifications.STATUS_CHANGED, data);

    assertThat(channel().send(event, Instant.now()).delivered()).isTrue();

    JsonNode card = card();
    assertThat(card.get("body").get(0).get("color").asText()).isEqualTo("warning");
    assertThat(card.get("body").get(1).get("text").asText())
        .hasSize(TeamsChannel.SUMMARY_MAX)
        .endsWith("…");
    JsonNode facts = card.get("body").get(2).get("facts");
    assertThat(facts).hasSize(Message.of(event).facts().size());
    facts.forEach(
        f -> assertThat(f.get("value").asText()).hasSizeLessThanOrEqualTo(TeamsChannel.FACT_MAX));
    assertThat(card.get("actions")).hasSize(3);
  }

  @Test
  void aRefusalIsAFailedAttemptThatNeverQuotesTheUrl() {
    Event event = event(Notifications.ROLLBACK_STARTED, Map.of());
    for (int status : new int[] {400, 401, 404, 429, 500}) {
      answer(status, "{\"error\":{\"code\":\"x\",\"message\":\"" + SIG + "\"}}");
      Channel.Outcome outcome = channel().send(event, Instant.now());
      assertThat(outcome.delivered()).isFalse();
      assertThat(outcome.statusCode()).isEqualTo(status);
      assertThat(outcome.error())
          .isEqualTo("teams release-room answered " + status)
          .doesNotContain(SIG)
          .doesNotContain(SERVER.baseUrl());
    }
  }

  @Test
  void theConfigurationsDescriptionHidesTheUrl() {
    NotificationProperties.IncomingWebhook config =
        new NotificationProperties.IncomingWebhook(
            SERVER.baseUrl() + PATH + "?sig=" + SIG, null, null, List.of("production"));
    assertThat(config.toString())
        .contains("production")
        .doesNotContain(SIG)
        .doesNotContain("/workflows/");
  }
}
