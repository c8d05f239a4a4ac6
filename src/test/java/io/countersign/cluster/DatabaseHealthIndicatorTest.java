package io.countersign.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.springframework.boot.actuate.health.Status;

/** The readiness component "database" follows the heartbeat's last look at the database. */
class DatabaseHealthIndicatorTest {
  private final NodeHeartbeat heartbeat = mock(NodeHeartbeat.class);
  private final DatabaseHealthIndicator indicator = new DatabaseHealthIndicator(heartbeat);

  @Test
  void outOfServiceWhileTheHeartbeatFindsTheDatabaseUnreachable() {
    Instant since = Instant.parse("2026-01-01T00:00:00Z");
    when(heartbeat.database())
        .thenReturn(new NodeHeartbeat.DatabaseStatus(false, since, "connection refused"));
    assertThat(indicator.health().getStatus()).isEqualTo(Status.OUT_OF_SERVICE);
    assertThat(indicator.health().getDetails()).containsEntry("unreachableSince", since.toString());

    when(heartbeat.database()).thenReturn(new NodeHeartbeat.DatabaseStatus(true, since, null));
    assertThat(indicator.health().getStatus()).isEqualTo(Status.UP);
  }
}
