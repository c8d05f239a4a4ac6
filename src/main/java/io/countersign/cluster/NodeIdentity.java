package io.countersign.cluster;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Instant;
import java.util.Locale;
import java.util.UUID;
import org.springframework.stereotype.Component;

/**
 * Who this node is: a stable id (the job executor's lock owner) and the id of this run of it, which
 * tells a restart from the node still running.
 */
@Component
public class NodeIdentity {
  private final String nodeId;
  private final String instanceId = UUID.randomUUID().toString();
  private final Instant startedAt = Instant.now();

  NodeIdentity(ClusterProperties properties) {
    this.nodeId =
        properties.nodeId() != null && !properties.nodeId().isBlank()
            ? properties.nodeId()
            : fromHostName();
  }

  public String nodeId() {
    return nodeId;
  }

  public String instanceId() {
    return instanceId;
  }

  public Instant startedAt() {
    return startedAt;
  }

  // A pod's host name is its pod name; a host name that is not a valid id is cleaned, not refused,
  // so that the default always starts.
  private static String fromHostName() {
    String host = System.getenv("HOSTNAME");
    if (host == null || host.isBlank()) {
      try {
        host = InetAddress.getLocalHost().getHostName();
      } catch (UnknownHostException e) {
        host = "node";
      }
    }
    String cleaned = host.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9._-]", "-");
    cleaned = cleaned.replaceAll("^[^a-z0-9]+", "");
    if (cleaned.length() > 64) {
      cleaned = cleaned.substring(0, 64);
    }
    return ClusterProperties.NODE_ID.matcher(cleaned).matches() ? cleaned : "node";
  }
}
