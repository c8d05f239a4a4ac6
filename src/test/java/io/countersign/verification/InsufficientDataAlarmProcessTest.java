package io.countersign.verification;

import static org.assertj.core.api.Assertions.assertThat;

import io.countersign.aws.FakeLambdaApi.AliasState;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.context.annotation.Import;
import org.springframework.test.context.TestPropertySource;

/**
 * An alarm in INSUFFICIENT_DATA through the bake window with {@code insufficient-data: alarm}: the
 * release rolls back as if the alarm fired.
 */
@Import(CloudWatchProcessSupport.Credentials.class)
@TestPropertySource(properties = "countersign.targets.verification.alarms.insufficient-data=alarm")
class InsufficientDataAlarmProcessTest extends CloudWatchProcessSupport {
  @Test
  void theBakeWindowRollsBack() {
    String id = submit(alarms(release("all-at-once"), "{function}-errors"));
    approveAll(id);
    cloudWatch.alarm("api_handler-errors", "INSUFFICIENT_DATA", "no data", START);
    advanceClock(Duration.ofSeconds(30));
    fireTimer(id, "nextEvaluation");

    assertThat(status(id)).isEqualTo("rolled-back");
    assertThat(statusReason(id))
        .contains("alarm api_handler-errors INSUFFICIENT_DATA FAIL")
        .contains("counted as alarm");
    assertThat(lambda.alias("api_handler", "live"))
        .extracting(AliasState::version, AliasState::weights)
        .containsExactly("7", Map.of());
  }
}
