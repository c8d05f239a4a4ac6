package io.countersign.notify;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.HealthIndicator;
import org.springframework.boot.actuate.health.Status;
import org.springframework.stereotype.Component;

/**
 * {@code /actuator/health} component "notifications": DEGRADED, naming them, while channels failed
 * their last {@code down-after} attempts (as this node saw them); UP again after a success. Not
 * DOWN: a receiver that is down is no reason for an orchestrator to restart Countersign; releases
 * go on, their events wait in the outbox. Reads no database: a health check must answer at once
 * while the database is down (the "cluster" component reports that); dead events are counted in the
 * outbox table (see README).
 */
@Component("notificationsHealthIndicator")
class NotificationsHealthIndicator implements HealthIndicator {
  static final Status DEGRADED = new Status("DEGRADED");

  private final OutboxDeliverer deliverer;
  private final NotificationProperties properties;
  private final Channels channels;

  NotificationsHealthIndicator(
      OutboxDeliverer deliverer, NotificationProperties properties, Channels channels) {
    this.deliverer = deliverer;
    this.properties = properties;
    this.channels = channels;
  }

  @Override
  public Health health() {
    int downAfter = properties.delivery().downAfter();
    List<String> down =
        new TreeMap<>(deliverer.failuresInARow())
            .entrySet().stream()
                .filter(e -> e.getValue() >= downAfter)
                .map(Map.Entry::getKey)
                .toList();
    Health.Builder health = down.isEmpty() ? Health.up() : Health.status(DEGRADED);
    health.withDetail("channels", channels.names());
    if (!down.isEmpty()) {
      health.withDetail("failing", down);
    }
    return health.build();
  }
}
