package io.countersign.notify;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static io.countersign.notify.ChannelTestEvents.BASE;
import static io.countersign.notify.ChannelTestEvents.EVENT_ID;
import static io.countersign.notify.ChannelTestEvents.RELEASE;
import static io.countersign.notify.ChannelTestEvents.event;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The Slack channel against WireMock answering as Slack's incoming webhooks do. */
class SlackChannelTest {
  private static final String PATH = "/services/T0123ABCD/B0456EFGH/xQ9tokenPART7secretZ1";
  private static final String TOKEN = "xQ9tokenPART7secretZ1";
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

  private static String url() {
    return SERVER.baseUrl() + PATH;
  }

  private static SlackChannel channel(String url) {
    return new SlackChannel(
        "ops",
        new NotificationProperties.IncomingWebhook(url, null, null, null),
        new HttpPost(Duration.ofSeconds(2)));
  }

  private static void answer(int status, String body) {
    SERVER.stubFor(
        post(urlEqualTo(PATH)).willReturn(aResponse().withStatus(status).withBody(body)));
  }

  private static JsonNode received() throws IOException {
    List<LoggedRequest> requests = SERVER.findAll(postRequestedFor(urlEqualTo(PATH)));
    assertThat(requests).hasSize(1);
    assertThat(requests.get(0).getHeader("Content-Type"))
        .isEqualToIgnoringCase(
            "application/json; charset=utf-8"); // the receiving server may write UTF-8
    return JSON.readTree(requests.get(0).getBodyAsString());
  }

  private static List<String> types(JsonNode blocks) {
    List<String> types = new ArrayList<>();
    blocks.forEach(b -> types.add(b.get("type").asText()));
    return types;
  }

  @Test
  void aFailedReleaseArrivesAsBlockKitWithTheEventsTextEscaped() throws IOException {
    answer(200, "ok");
    Event event =
        event(
            Notifications.STATUS_CHANGED,
            Map.of("status", "failed", "reason", "<script>alert(1)</script> & <!channel> ran"));

    Channel.Outcome outcome = channel(url()).send(event, Instant.now());

    assertThat(outcome).isEqualTo(Channel.Outcome.delivered(200));
    JsonNode body = received();
    String title = "payments-api 2.4.1 → production: failed";
    assertThat(body.get("text").asText()).isEqualTo(title);
    JsonNode blocks = body.get("blocks");
    assertThat(types(blocks)).containsExactly("header", "section", "section", "actions", "context");

    JsonNode header = blocks.get(0).get("text");
    assertThat(header.get("type").asText()).isEqualTo("plain_text");
    assertThat(header.get("text").asText()).isEqualTo(title);

    JsonNode summary = blocks.get(1).get("text");
    assertThat(summary.get("type").asText()).isEqualTo("mrkdwn");
    assertThat(summary.get("text").asText())
        .isEqualTo("&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;!channel&gt; ran");

    JsonNode fields = blocks.get(2).get("fields");
    List<String> texts = new ArrayList<>();
    fields.forEach(
        f -> {
          assertThat(f.get("type").asText()).isEqualTo("mrkdwn");
          texts.add(f.get("text").asText());
        });
    assertThat(texts)
        .containsExactly(
            "*Release*\n" + RELEASE,
            "*Application*\npayments-api",
            "*Version*\n2.4.1",
            "*Environment*\nproduction",
            "*Status*\nfailed",
            "*Reason*\n&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;!channel&gt; ran");
    assertThat(body.toString()).doesNotContain("<script>").doesNotContain("<!channel>");

    JsonNode buttons = blocks.get(3).get("elements");
    assertThat(buttons).hasSize(2);
    assertThat(buttons.get(0).get("type").asText()).isEqualTo("button");
    assertThat(buttons.get(0).get("text").get("type").asText()).isEqualTo("plain_text");
    assertThat(buttons.get(0).get("text").get("text").asText()).isEqualTo("Release");
    assertThat(buttons.get(0).get("url").asText()).isEqualTo(BASE + "/console/releases/" + RELEASE);
    assertThat(buttons.get(1).get("text").get("text").asText()).isEqualTo("Evidence");
    assertThat(buttons.get(1).get("url").asText())
        .isEqualTo(BASE + "/api/releases/" + RELEASE + "/evidence");

    JsonNode context = blocks.get(4).get("elements");
    assertThat(context).hasSize(1);
    assertThat(context.get(0).get("type").asText()).isEqualTo("mrkdwn");
    assertThat(context.get(0).get("text").asText()).contains("critical").contains(EVENT_ID);
  }

  @Test
  void atMostTenFieldsTheFirstInOrderAndTheTaskButtonFirst() throws IOException {
    answer(200, "ok");
    Event event = event(Notifications.SIGN_OFF_WAITING, ChannelTestEvents.allFacts());
    assertThat(Message.of(event).facts()).hasSizeGreaterThan(10);

    assertThat(channel(url()).send(event, Instant.now()).delivered()).isTrue();

    JsonNode blocks = received().get("blocks");
    // No summary without a message: a "reason" is one, here "routine".
    assertThat(types(blocks)).containsExactly("header", "section", "section", "actions", "context");
    JsonNode fields = blocks.get(2).get("fields");
    assertThat(fields).hasSize(SlackChannel.FIELDS_MAX);
    assertThat(fields.get(0).get("text").asText()).startsWith("*Release*\n");
    assertThat(fields.get(9).get("text").asText()).startsWith("*Escalates at*\n");
    JsonNode buttons = blocks.get(3).get("elements");
    assertThat(buttons).hasSize(3);
    assertThat(buttons.get(0).get("text").get("text").asText()).isEqualTo("Open the task");
    assertThat(buttons.get(0).get("url").asText())
        .isEqualTo(BASE + "/camunda/app/tasklist/default/#/?task=task-42");
    assertThat(blocks.get(4).get("elements").get(0).get("text").asText()).contains("info");
  }

  @Test
  void longTextsAreCutToSlacksLimitsAndAnOverlongLinkIsLeftOut() throws IOException {
    answer(200, "ok");
    Event event =
        event(
            Notifications.ROLLBACK_STARTED,
            Map.of(
                "application",
                "a&".repeat(200),
                "reason",
                "<".repeat(4000),
                "taskId",
                "t".repeat(3001)));

    assertThat(channel(url()).send(event, Instant.now()).delivered()).isTrue();

    JsonNode blocks = received().get("blocks");
    String header = blocks.get(0).get("text").get("text").asText();
    assertThat(header).hasSizeLessThanOrEqualTo(SlackChannel.HEADER_MAX).endsWith("…");
    assertThat(header).startsWith("Rolling back: a&amp;a&amp;");
    assertThat(header.replace("&amp;", "")).doesNotContain("&"); // no entity cut in half
    String summary = blocks.get(1).get("text").get("text").asText();
    assertThat(summary).hasSizeLessThanOrEqualTo(SlackChannel.SECTION_MAX).endsWith("&lt;…");
    blocks
        .get(2)
        .get("fields")
        .forEach(f -> assertThat(f.get("text").asText()).hasSizeLessThanOrEqualTo(2000));
    JsonNode buttons = blocks.get(3).get("elements");
    assertThat(buttons).hasSize(2); // the task link is over 3000 characters
    buttons.forEach(b -> assertThat(b.get("url").asText()).doesNotContain("/tasklist/"));
  }

  @Test
  void slacksRefusalsAreFailedAttemptsThatNameTheChannelButNeverTheUrl() {
    Event event = event(Notifications.ROLLBACK_STARTED, Map.of("reason", "smoke tests failed"));
    SlackChannel channel = channel(url());
    for (int status : new int[] {400, 403, 404, 410}) {
      String body =
          switch (status) {
            case 400 -> "invalid_blocks";
            case 403 -> "action_prohibited";
            case 404 -> "no_service";
            default -> "channel_is_archived";
          };
      answer(status, body);
      Channel.Outcome outcome = channel.send(event, Instant.now());
      assertThat(outcome.delivered()).isFalse();
      assertThat(outcome.statusCode()).isEqualTo(status);
      assertThat(outcome.error())
          .isEqualTo("slack ops answered " + status)
          .doesNotContain(SERVER.baseUrl())
          .doesNotContain(TOKEN)
          .doesNotContain(body);
    }
    SERVER.stubFor(
        post(urlEqualTo(PATH))
            .willReturn(
                aResponse()
                    .withStatus(429)
                    .withHeader("Retry-After", "30")
                    .withBody("rate_limited")));
    Channel.Outcome throttled = channel.send(event, Instant.now());
    assertThat(throttled.delivered()).isFalse();
    assertThat(throttled.statusCode()).isEqualTo(429);
    assertThat(throttled.error()).doesNotContain(TOKEN).doesNotContain(SERVER.baseUrl());
  }

  @Test
  void anUnreachableWebhookIsAFailedAttemptWithoutTheUrl() throws IOException {
    int port;
    try (ServerSocket free = new ServerSocket(0)) {
      port = free.getLocalPort();
    }
    String url = "http://127.0.0.1:" + port + PATH;

    Channel.Outcome outcome =
        channel(url).send(event(Notifications.ROLLBACK_STARTED, Map.of()), Instant.now());

    assertThat(outcome.delivered()).isFalse();
    assertThat(outcome.statusCode()).isZero();
    assertThat(outcome.error())
        .startsWith("slack ops could not be reached")
        .doesNotContain(TOKEN)
        .doesNotContain(String.valueOf(port));
  }

  @Test
  void theConfigurationsDescriptionHidesTheUrl() {
    NotificationProperties.IncomingWebhook config =
        new NotificationProperties.IncomingWebhook(
            url(), null, List.of(Notifications.ROLLBACK_STARTED), null);
    assertThat(config.toString())
        .contains(Notifications.ROLLBACK_STARTED)
        .doesNotContain(TOKEN)
        .doesNotContain("/services/")
        .doesNotContain(SERVER.baseUrl());
  }
}
