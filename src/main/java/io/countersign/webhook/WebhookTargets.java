package io.countersign.webhook;

import java.util.List;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

@Configuration
class WebhookTargets {

  /**
   * Refuses to start rather than fall back: a release must never run in a mode nobody chose, nor
   * post to a bad URL.
   */
  @Bean
  WebhookTarget webhookTarget(WebhookProperties properties) {
    List<String> problems = properties.problems();
    if (!problems.isEmpty()) {
      throw new IllegalStateException(
          "webhook endpoints misconfigured: " + String.join("; ", problems));
    }
    return properties
        .targetMode()
        .choose(() -> new HttpWebhookTarget(properties), DryRunWebhookTarget::new);
  }
}
