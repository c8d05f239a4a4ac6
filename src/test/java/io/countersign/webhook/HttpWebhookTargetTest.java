package io.countersign.webhook;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.absent;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.equalToJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import io.countersign.webhook.WebhookProperties.Endpoint;
import io.countersign.webhook.WebhookTarget.Delivery;
import io.countersign.webhook.WebhookTarget.Notice;
import io.countersign.webhook.WebhookTarget.Unavailable;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The live adapter over real HTTP against WireMock on a free port: what it sends, and how it reads
 * each answer.
 */
class HttpWebhookTargetTest {
  /** Standard Webhooks form of the 32-byte key "change-board-signing-key-32-byte". */
  static final String SECRET = "whsec_Y2hhbmdlLWJvYXJkLXNpZ25pbmcta2V5LTMyLWJ5dGU=";

  private static final byte[] KEY =
      "change-board-signing-key-32-byte".getBytes(StandardCharsets.US_ASCII);

  /** A chat-style URL whose path is itself the credential: it must never show in a message. */
  private static final String TOKEN_PATH = "/hooks/ops-chat/T0KEN-s3cr3t";

  private static final WireMockServer SERVER = new WireMockServer(options().dynamicPort());
  private static final Notice NOTICE =
      new Notice(
          "change-board",
          "rel-1.deployed.change-board",
          "release.deployed",
          "{\"releaseId\":\"rel-1\",\"type\":\"release.deployed\",\"version\":\"2.4.0\"}");

  static {
    SERVER.start();
  }

  private HttpWebhookTarget target = target(Duration.ofSeconds(2));

  @AfterAll
  static void stop() {
    SERVER.stop();
  }

  @BeforeEach
  void reset() {
    SERVER.resetAll();
  }

  @Test
  void postsTheNoticeAsJsonSignedAsStandardWebhooksSpecifies() throws Exception {
    SERVER.stubFor(
        post("/hooks/change-board").willReturn(aResponse().withStatus(202).withBody("queued")));

    Delivery delivery = target.post(NOTICE);

    assertThat(delivery)
        .isEqualTo(new Delivery(202, true, false, "endpoint change-board answered 202: queued"));
    LoggedRequest request =
        SERVER.findAll(postRequestedFor(urlEqualTo("/hooks/change-board"))).get(0);
    assertThat(request.getBodyAsString()).isEqualTo(NOTICE.body());
    assertThat(request.getHeader("Content-Type")).startsWith("application/json");
    assertThat(request.getHeader("webhook-id")).isEqualTo(NOTICE.id());
    long timestamp = Long.parseLong(request.getHeader("webhook-timestamp"));
    assertThat(timestamp)
        .isBetween(Instant.now().getEpochSecond() - 60, Instant.now().getEpochSecond());
    // What a receiver checks: HMAC-SHA256 over "id.timestamp.body" with the shared key.
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(KEY, "HmacSHA256"));
    String expected =
        Base64.getEncoder()
            .encodeToString(
                mac.doFinal(
                    (NOTICE.id() + "." + timestamp + "." + NOTICE.body())
                        .getBytes(StandardCharsets.UTF_8)));
    assertThat(request.getHeader("webhook-signature")).isEqualTo("v1," + expected);
  }

  @Test
  void anEndpointWithoutSecretGetsTheNoticeUnsigned() {
    SERVER.stubFor(
        post(TOKEN_PATH)
            .withHeader("webhook-signature", absent())
            .withRequestBody(equalToJson(NOTICE.body()))
            .willReturn(aResponse().withStatus(200)));

    Delivery delivery =
        target.post(
            new Notice("ops-chat", "rel-1.deployed.ops-chat", NOTICE.type(), NOTICE.body()));

    assertThat(delivery.accepted()).isTrue();
    assertThat(delivery.detail())
        .isEqualTo("endpoint ops-chat answered 200")
        .doesNotContain("T0KEN");
    SERVER.verify(
        1,
        postRequestedFor(urlEqualTo(TOKEN_PATH))
            .withHeader("webhook-id", equalTo("rel-1.deployed.ops-chat")));
  }

  @Test
  void aClientErrorIsARefusalWithTheStatusAndAnExcerptOfTheAnswer() {
    SERVER.stubFor(
        post("/hooks/change-board")
            .willReturn(
                aResponse()
                    .withStatus(422)
                    .withBody("{\n  \"error\": \"unknown change reference\"\n}")));

    Delivery delivery = target.post(NOTICE);

    assertThat(delivery)
        .isEqualTo(
            new Delivery(
                422,
                false,
                false,
                "endpoint change-board answered 422: { \"error\": \"unknown change reference\" }"));
  }

  @Test
  void aRedirectIsNotFollowed() {
    SERVER.stubFor(
        post("/hooks/change-board")
            .willReturn(
                aResponse()
                    .withStatus(307)
                    .withHeader("Location", SERVER.baseUrl() + "/elsewhere")));

    Delivery delivery = target.post(NOTICE);

    assertThat(delivery.accepted()).isFalse();
    assertThat(delivery.detail())
        .isEqualTo("endpoint change-board answered 307 (redirects are not followed)");
    SERVER.verify(0, postRequestedFor(urlEqualTo("/elsewhere")));
  }

  @Test
  void serverErrorsAndThrottlingAreThrownForTheJobToRetry() {
    for (int status : new int[] {500, 503, 429, 408}) {
      SERVER.stubFor(
          post("/hooks/change-board").willReturn(aResponse().withStatus(status).withBody("busy")));

      assertThatThrownBy(() -> target.post(NOTICE))
          .isInstanceOf(Unavailable.class)
          .hasMessage("webhook endpoint change-board answered " + status + ": busy");
    }
  }

  @Test
  void anAnswerSlowerThanTheTimeoutIsThrown() {
    target = target(Duration.ofMillis(300));
    SERVER.stubFor(
        post("/hooks/change-board").willReturn(aResponse().withStatus(200).withFixedDelay(3000)));

    assertThatThrownBy(() -> target.post(NOTICE))
        .isInstanceOf(Unavailable.class)
        .hasMessage("webhook endpoint change-board did not answer within PT0.3S");
  }

  @Test
  void anEndpointOutOfReachIsThrownWithoutItsUrl() throws IOException {
    int closed;
    try (ServerSocket socket = new ServerSocket(0)) {
      closed = socket.getLocalPort(); // free once closed: nothing listens there
    }
    HttpWebhookTarget unreachable =
        new HttpWebhookTarget(
            new WebhookProperties(
                "live",
                Map.of(
                    "ops-chat",
                    new Endpoint(URI.create("http://localhost:" + closed + TOKEN_PATH), null)),
                Duration.ofSeconds(2)));

    assertThatThrownBy(
            () -> unreachable.post(new Notice("ops-chat", "id", NOTICE.type(), NOTICE.body())))
        .isInstanceOf(Unavailable.class)
        .hasMessageStartingWith("webhook endpoint ops-chat could not be reached: ")
        .hasNoCause()
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("T0KEN"));
  }

  @Test
  void anEndpointNoLongerConfiguredIsThrownAndNothingIsSent() {
    assertThatThrownBy(
            () -> target.post(new Notice("retired-board", "id", NOTICE.type(), NOTICE.body())))
        .isInstanceOf(Unavailable.class)
        .hasMessage("webhook endpoint retired-board is not configured (any more)");
    assertThat(SERVER.getAllServeEvents()).isEmpty();
  }

  private static HttpWebhookTarget target(Duration timeout) {
    return new HttpWebhookTarget(
        new WebhookProperties(
            "live",
            Map.of(
                "change-board",
                    new Endpoint(URI.create(SERVER.baseUrl() + "/hooks/change-board"), SECRET),
                "ops-chat", new Endpoint(URI.create(SERVER.baseUrl() + TOKEN_PATH), null)),
            timeout));
  }
}
