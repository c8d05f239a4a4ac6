package io.countersign.notify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.countersign.notify.NotificationProperties.Webhook;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.mail.javamail.JavaMailSender;

class NotificationPropertiesTest {
  private static final String SECRET = "a-secret-of-enough-bytes-42";
  private static final URI URL = URI.create("https://hooks.example.org/countersign");

  @TempDir Path dir;

  private static List<String> problems(String name, Webhook webhook) {
    return NotificationProperties.webhooksOnly(Map.of(name, webhook), null).problems();
  }

  @Test
  void aWebhookWithAnHttpsUrlAndASecretIsFineAndWantsEverythingByDefault() {
    Webhook webhook = new Webhook(URL, SECRET, null, null, null);
    assertThat(problems("audit", webhook)).isEmpty();
    assertThat(webhook.wants("any.type", "staging")).isTrue();
    assertThat(webhook.wants("any.type", null)).isTrue();
  }

  @Test
  void routingByTypeAndEnvironment() {
    Webhook webhook = new Webhook(URL, SECRET, null, List.of("a.b.changed"), List.of("production"));
    assertThat(webhook.wants("a.b.changed", "production")).isTrue();
    assertThat(webhook.wants("a.b.changed", "staging")).isFalse();
    assertThat(webhook.wants("a.b.other", "production")).isFalse();
  }

  @Test
  void theSecretComesFromExactlyOneOfSecretAndSecretFile() throws IOException {
    Path file = Files.writeString(dir.resolve("secret"), "  " + SECRET + "\n");
    Webhook fromFile = new Webhook(URL, null, file, null, null);
    assertThat(problems("audit", fromFile)).isEmpty();
    assertThat(new String(fromFile.key(), java.nio.charset.StandardCharsets.UTF_8))
        .isEqualTo(SECRET);

    assertThat(problems("audit", new Webhook(URL, " ", null, null, null)))
        .containsExactly(
            "countersign.notifications.webhooks.audit: set exactly one of secret and secret-file");
    assertThat(problems("audit", new Webhook(URL, SECRET, file, null, null)))
        .containsExactly(
            "countersign.notifications.webhooks.audit: set exactly one of secret and secret-file");
    assertThat(problems("audit", new Webhook(URL, null, dir.resolve("missing"), null, null)))
        .singleElement()
        .asString()
        .startsWith("countersign.notifications.webhooks.audit.secret-file cannot be read");
    assertThat(problems("audit", new Webhook(URL, "short-secret", null, null, null)))
        .containsExactly(
            "countersign.notifications.webhooks.audit: the secret must hold at least 16 bytes");
  }

  @Test
  void urlsAndNamesAreChecked() {
    assertThat(
            problems(
                "audit",
                new Webhook(URI.create("ftp://hooks.example.org/"), SECRET, null, null, null)))
        .containsExactly(
            "countersign.notifications.webhooks.audit.url must be an http(s) URL with a host");
    assertThat(
            problems(
                "audit",
                new Webhook(
                    URI.create("https://user:pw@hooks.example.org/"), SECRET, null, null, null)))
        .containsExactly("countersign.notifications.webhooks.audit.url must not carry credentials");
    assertThat(problems("Audit_Trail", new Webhook(URL, SECRET, null, null, null)))
        .singleElement()
        .asString()
        .contains("names are lower-case letters");
  }

  @Test
  void problemsAndDescriptionsNeverQuoteTheSecret() {
    Webhook webhook = new Webhook(URI.create("ftp://x/"), SECRET, null, null, null);
    assertThat(String.join(";", problems("audit", webhook)) + webhook)
        .isNotEmpty()
        .doesNotContain(SECRET);
  }

  @Test
  void deliveryDefaultsAndLimits() {
    NotificationProperties.Delivery delivery =
        NotificationProperties.webhooksOnly(null, null).delivery();
    assertThat(delivery.enabled()).isTrue();
    assertThat(delivery.timeout()).isEqualTo(Duration.ofSeconds(5));
    assertThat(delivery.maxAttempts()).isEqualTo(20);
    assertThat(
            NotificationProperties.webhooksOnly(
                    null,
                    new NotificationProperties.Delivery(null, null, 0, Duration.ofMinutes(1), 0))
                .problems())
        .containsExactly(
            "countersign.notifications.delivery.timeout must be between PT0.1S and PT30S",
            "countersign.notifications.delivery.max-attempts must be at least 1",
            "countersign.notifications.delivery.down-after must be at least 1");
  }

  @Test
  void backOffDoublesFromTenSecondsAndStopsAtTenMinutes() {
    assertThat(OutboxDeliverer.backoff(1)).isEqualTo(Duration.ofSeconds(10));
    assertThat(OutboxDeliverer.backoff(2)).isEqualTo(Duration.ofSeconds(20));
    assertThat(OutboxDeliverer.backoff(6)).isEqualTo(Duration.ofSeconds(320));
    assertThat(OutboxDeliverer.backoff(7)).isEqualTo(Duration.ofMinutes(10));
    assertThat(OutboxDeliverer.backoff(100)).isEqualTo(Duration.ofMinutes(10));
  }

  private static final String KEY = "R0utingKey0123456789abcdefABCDEF";

  @Test
  void eventsMustNameAKnownTypeOrAPrefixOfOne() {
    Webhook typo = new Webhook(URL, SECRET, null, List.of("io.countersign.rollback.strated"), null);
    assertThat(problems("audit", typo))
        .containsExactly(
            "countersign.notifications.webhooks.audit.events[0]: no event type is"
                + " io.countersign.rollback.strated (see README, Events)");
    Webhook prefix = new Webhook(URL, SECRET, null, List.of("io.countersign.rollback.*"), null);
    assertThat(problems("audit", prefix)).isEmpty();
    assertThat(prefix.wants(Notifications.ROLLBACK_STARTED, "production")).isTrue();
    assertThat(prefix.wants(Notifications.ROLLBACK_FINISHED, "staging")).isTrue();
    assertThat(prefix.wants(Notifications.STATUS_CHANGED, "staging")).isFalse();
    assertThat(problems("audit", new Webhook(URL, SECRET, null, List.of("io.*"), null))).isEmpty();
  }

  @Test
  void everyKindIsCheckedAndNamesAreUniqueAcrossKinds() {
    NotificationProperties properties =
        new NotificationProperties(
            Map.of("ops", new Webhook(URL, SECRET, null, null, null)),
            Map.of(
                "ops",
                new NotificationProperties.IncomingWebhook(
                    "ftp://hooks.slack.com/x", null, null, null)),
            Map.of(
                "room",
                new NotificationProperties.IncomingWebhook(
                    null, dir.resolve("missing"), null, null)),
            Map.of(
                "mail",
                new NotificationProperties.Email(
                    "not-an-address", List.of("a@b"), false, null, null),
                "nobody",
                new NotificationProperties.Email("cs@example.org", null, null, null, null)),
            Map.of(
                "pager",
                new NotificationProperties.PagerDuty(
                    "short", null, null, List.of(Notifications.SIGN_OFF_WAITING), null)),
            null);
    assertThat(properties.problems())
        .containsExactlyInAnyOrder(
            "countersign.notifications.slack.ops: the name is taken by"
                + " countersign.notifications.webhooks.ops",
            "countersign.notifications.slack.ops.url must be an http(s) URL with a host",
            "countersign.notifications.teams.room.url-file cannot be read: "
                + dir.resolve("missing"),
            "countersign.notifications.email.mail.from must be an e-mail address",
            "countersign.notifications.email.mail.to[0] must be an e-mail address",
            "countersign.notifications.email.nobody: set to, or to-group-members: true, or both",
            "countersign.notifications.pagerduty.pager: a routing key is 32 letters and digits",
            "countersign.notifications.pagerduty.pager.events[0]: PagerDuty takes only "
                + String.join(", ", PagerDutyChannel.TYPES));
  }

  @Test
  void secretUrlsAndKeysComeFromFilesAndAreNeverQuoted() throws IOException {
    Path url =
        Files.writeString(dir.resolve("slack-url"), "https://hooks.slack.com/services/T/B/tok3n\n");
    Path key = Files.writeString(dir.resolve("pd-key"), KEY + "\n");
    NotificationProperties.IncomingWebhook slack =
        new NotificationProperties.IncomingWebhook(null, url, null, null);
    NotificationProperties.PagerDuty pager =
        new NotificationProperties.PagerDuty(null, key, null, null, List.of("production"));
    NotificationProperties properties =
        new NotificationProperties(
            null, Map.of("ops", slack), null, null, Map.of("pager", pager), null);
    assertThat(properties.problems()).isEmpty();
    assertThat(slack.target().getPath()).isEqualTo("/services/T/B/tok3n");
    assertThat(pager.key()).isEqualTo(KEY);
    assertThat(pager.url()).isEqualTo(NotificationProperties.PAGERDUTY_EVENTS);
    assertThat(pager.events()).isEqualTo(PagerDutyChannel.TYPES);
    assertThat(slack + " " + pager).doesNotContain("tok3n").doesNotContain(KEY);
    assertThat(
            new NotificationProperties(
                    null,
                    Map.of(
                        "ops",
                        new NotificationProperties.IncomingWebhook(
                            "https://h/x tok3n", null, null, null)),
                    null,
                    null,
                    null,
                    null)
                .problems())
        .singleElement()
        .asString()
        .doesNotContain("tok3n");
  }

  @Test
  void anEmailRouteWithoutAnSmtpServerStopsTheStart() {
    NotificationProperties properties =
        new NotificationProperties(
            null,
            null,
            null,
            Map.of(
                "approvers",
                new NotificationProperties.Email("cs@example.org", null, true, null, null)),
            null,
            null);
    assertThatThrownBy(() -> new Channels(properties, (JavaMailSender) null, null))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("spring.mail.host");
  }
}
