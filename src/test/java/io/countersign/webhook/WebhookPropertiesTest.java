package io.countersign.webhook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.countersign.process.TargetMode;
import io.countersign.webhook.WebhookProperties.Endpoint;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The configured endpoints are the allow-list: anything a server should not post to stops the
 * start.
 */
class WebhookPropertiesTest {
  private static final String PREFIX = "countersign.targets.webhooks.endpoints.";

  @Test
  void aWellFormedConfigurationHasNoProblems() {
    WebhookProperties properties =
        new WebhookProperties(
            "live",
            Map.of(
                "change-board",
                    new Endpoint(
                        URI.create("https://change.example/hooks/countersign"),
                        HttpWebhookTargetTest.SECRET),
                "ops-chat", new Endpoint(URI.create("https://chat.example/hooks/T0KEN"), null)),
            null);

    assertThat(properties.problems()).isEmpty();
    assertThat(properties.timeout()).isEqualTo(WebhookProperties.DEFAULT_TIMEOUT);
    assertThat(properties.targetMode()).isEqualTo(TargetMode.LIVE);
  }

  @Test
  void everyProblemNamesItsProperty() {
    WebhookProperties properties =
        new WebhookProperties(
            "live",
            Map.of(
                "file", new Endpoint(URI.create("file:///etc/passwd"), null),
                "no-url", new Endpoint(null, null),
                "basic", new Endpoint(URI.create("https://user:pass@change.example/hook"), null),
                "weak", new Endpoint(URI.create("https://change.example/hook"), "whsec_c2hvcnQ="),
                "plain",
                    new Endpoint(
                        URI.create("https://change.example/hook"), "not-a-standard-secret"),
                "Change_Board", new Endpoint(URI.create("https://change.example/hook"), null)),
            Duration.ofMinutes(5));

    assertThat(properties.problems())
        .containsExactly(
            "countersign.targets.webhooks.timeout must be between PT0.1S and PT20S",
            PREFIX
                + "Change_Board: a manifest could not name it; names must be lower-case letters, digits and '-' (1-63 characters)",
            PREFIX
                + "basic.url must not carry credentials; set a secret to sign the notices instead",
            PREFIX + "file.url must be an http(s) URL with a host",
            PREFIX + "no-url.url must be an http(s) URL with a host",
            PREFIX + "plain.secret must have the form whsec_<base64>",
            PREFIX + "weak.secret must hold at least 24 bytes of key");
  }

  @Test
  void aMisconfiguredTargetRefusesToStartWithoutQuotingTheSecret() {
    WebhookProperties properties =
        new WebhookProperties(
            "live",
            Map.of(
                "change-board",
                new Endpoint(URI.create("https://change.example/hook"), "whsec_!!not-base64!!")),
            null);

    assertThatThrownBy(() -> new WebhookTargets().webhookTarget(properties))
        .hasMessage(
            "webhook endpoints misconfigured: "
                + PREFIX
                + "change-board.secret must have the form whsec_<base64>");
    assertThat(properties.endpoints().get("change-board").toString())
        .isEqualTo("Endpoint[host=change.example, signed=true]");
  }

  @Test
  void theModeMayBeLeftOutOnlyWhileNoEndpointIsConfigured() {
    assertThat(new WebhookTargets().webhookTarget(new WebhookProperties(null, null, null)))
        .isInstanceOf(DryRunWebhookTarget.class);
    WebhookProperties configured =
        new WebhookProperties(
            null,
            Map.of("change-board", new Endpoint(URI.create("https://change.example/hook"), null)),
            null);

    assertThatThrownBy(() -> new WebhookTargets().webhookTarget(configured))
        .hasMessage("countersign.targets.webhooks.mode must be live or dry-run, not 'null'");
    assertThat(
            new WebhookTargets()
                .webhookTarget(new WebhookProperties("dry-run", configured.endpoints(), null)))
        .isInstanceOf(DryRunWebhookTarget.class);
    assertThat(
            new WebhookTargets()
                .webhookTarget(new WebhookProperties("live", configured.endpoints(), null)))
        .isInstanceOf(HttpWebhookTarget.class);
  }
}
