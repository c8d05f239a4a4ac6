package io.countersign.verification;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.context.annotation.Import;
import org.springframework.test.context.TestPropertySource;

/**
 * An alarm in INSUFFICIENT_DATA through the bake window with {@code insufficient-data: ok}: the
 * window passes without asking anyone, and the evidence says how the state was counted.
 */
@Import(CloudWatchProcessSupport.Credentials.class)
@TestPropertySource(properties = "countersign.targets.verification.alarms.insufficient-data=ok")
class InsufficientDataOkProcessTest extends CloudWatchProcessSupport {
  @Test
  void theBakeWindowPassesAndTheEvidenceSaysSo() {
    String id = submit(alarms(release("all-at-once"), "{function}-errors"));
    approveAll(id);
    cloudWatch.alarm("api_handler-errors", "INSUFFICIENT_DATA", "no data", START);
    advanceClock(Duration.ofSeconds(30));
    fireTimer(id, "nextEvaluation");
    advanceClock(Duration.ofSeconds(30));
    fireTimer(id, "nextEvaluation");

    assertThat(status(id)).isEqualTo("released");
    assertThat(lastPayload(id, "alarm-verdict").get("verdict").asText()).isEqualTo("PASS");
    assertThat(lastPayload(id, "alarm-verdict").get("detail").asText())
        .startsWith("alarm api_handler-errors is in INSUFFICIENT_DATA, counted as ok");
    assertThat(openTasks(id, "decideInconclusiveMetrics")).isEmpty();
  }
}
