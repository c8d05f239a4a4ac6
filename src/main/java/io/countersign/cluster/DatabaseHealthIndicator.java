package io.countersign.cluster;

import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.HealthIndicator;
import org.springframework.boot.actuate.health.Status;
import org.springframework.stereotype.Component;

/**
 * {@code /actuator/health} component "database", part of the readiness group: OUT_OF_SERVICE while
 * the heartbeat finds the database unreachable, so a load balancer sends no requests that could
 * only fail. It reads the heartbeat's last look (every {@code countersign.cluster.heartbeat}) and
 * opens no connection itself: during an outage a probe would otherwise wait for the pool's
 * connection timeout. Liveness does not include it (restarting a node does not bring a database
 * back), and the root status ranks the "cluster" component's DEGRADED above it (application.yaml).
 */
@Component
class DatabaseHealthIndicator implements HealthIndicator {
  private final NodeHeartbeat heartbeat;

  DatabaseHealthIndicator(NodeHeartbeat heartbeat) {
    this.heartbeat = heartbeat;
  }

  @Override
  public Health health() {
    NodeHeartbeat.DatabaseStatus database = heartbeat.database();
    if (database.reachable()) {
      return Health.up().build();
    }
    return Health.status(Status.OUT_OF_SERVICE)
        .withDetail("unreachableSince", String.valueOf(database.since()))
        .build();
  }
}
