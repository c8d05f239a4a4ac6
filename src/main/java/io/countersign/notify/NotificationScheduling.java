package io.countersign.notify;

import java.time.Instant;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Configuration;
import org.springframework.scheduling.annotation.EnableScheduling;
import org.springframework.scheduling.annotation.Scheduled;

/**
 * Delivers the outbox every {@code countersign.notifications.delivery.interval} (5 s) on every
 * node; off with {@code countersign.notifications.delivery.enabled=false} (tests that drive {@link
 * OutboxDeliverer} themselves).
 */
@Configuration
@EnableScheduling
@ConditionalOnProperty(
    name = NotificationProperties.PREFIX + ".delivery.enabled",
    havingValue = "true",
    matchIfMissing = true)
class NotificationScheduling {
  private final OutboxDeliverer deliverer;

  NotificationScheduling(OutboxDeliverer deliverer) {
    this.deliverer = deliverer;
  }

  @Scheduled(
      fixedDelayString = "${" + NotificationProperties.PREFIX + ".delivery.interval:PT5S}",
      initialDelayString = "${" + NotificationProperties.PREFIX + ".delivery.interval:PT5S}")
  void deliver() {
    deliverer.deliverDue(Instant.now());
  }
}
