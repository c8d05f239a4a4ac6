package io.countersign.cluster;

import java.time.Duration;
import java.util.regex.Pattern;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * {@code countersign.cluster}: the node's identity and how often it renews its job leases and
 * reports itself alive. The lease itself is the job executor's lock time ({@code
 * camunda.bpm.job-execution.lock-time-in-millis}).
 *
 * @param nodeId the job executor's lock owner; stable across restarts where the platform gives a
 *     stable name (a StatefulSet's pod name), so a restarted node releases at once what it held
 *     when it died. Blank: the host name.
 * @param heartbeat how often the node renews its leases, records that it is alive and checks the
 *     database
 */
@ConfigurationProperties("countersign.cluster")
public record ClusterProperties(String nodeId, Duration heartbeat) {
  static final Pattern NODE_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

  public ClusterProperties {
    heartbeat = heartbeat == null ? Duration.ofSeconds(3) : heartbeat;
    if (heartbeat.isNegative() || heartbeat.isZero()) {
      throw new IllegalArgumentException("countersign.cluster.heartbeat must be positive");
    }
    if (nodeId != null && !nodeId.isBlank() && !NODE_ID.matcher(nodeId).matches()) {
      throw new IllegalArgumentException(
          "countersign.cluster.node-id must be 1 to 64 letters, digits, '.', '_' or '-', not '"
              + nodeId
              + "'");
    }
  }
}
