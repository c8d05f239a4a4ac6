package io.countersign.cluster;

import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.HealthIndicator;
import org.springframework.boot.actuate.health.Status;
import org.springframework.stereotype.Component;

/**
 * {@code /actuator/health} component "cluster": DEGRADED while the database is unreachable or jobs
 * sit under locks nobody renews, DOWN when another process holds this node's id. Degraded answers
 * 200: the node resumes on its own when the database is back or the locks lapse, so a restart would
 * not help (and an orchestrator should not kill it for that).
 */
@Component
class ClusterHealthIndicator implements HealthIndicator {
  static final Status DEGRADED = new Status("DEGRADED");

  private final NodeHeartbeat heartbeat;
  private final NodeIdentity node;
  private final WaitingJobs jobs;

  ClusterHealthIndicator(NodeHeartbeat heartbeat, NodeIdentity node, WaitingJobs jobs) {
    this.heartbeat = heartbeat;
    this.node = node;
    this.jobs = jobs;
  }

  @Override
  public Health health() {
    Map<String, Object> details = new LinkedHashMap<>();
    details.put("node", node.nodeId());
    details.put("lease", heartbeat.lease().toString());
    details.put("heldJobs", heartbeat.heldJobs().size());
    NodeHeartbeat.DatabaseStatus database = heartbeat.database();
    if (heartbeat.idInUse()) {
      return Health.down()
          .withDetails(details)
          .withDetail("reason", "another running process holds this node id")
          .build();
    }
    if (!database.reachable()) {
      return Health.status(DEGRADED)
          .withDetails(details)
          .withDetail("database", "unreachable since " + database.since())
          .withDetail("error", String.valueOf(database.error()))
          .build();
    }
    details.put("database", "reachable");
    int stalled;
    try {
      stalled = jobs.stalledCount();
    } catch (RuntimeException e) {
      return Health.status(DEGRADED)
          .withDetails(details)
          .withDetail("error", e.getMessage())
          .build();
    }
    details.put("stalledJobs", stalled);
    return (stalled > 0 ? Health.status(DEGRADED) : Health.up()).withDetails(details).build();
  }
}
