package io.countersign.lambda;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.countersign.lambda.TrafficPlan.Routing;
import io.countersign.lambda.TrafficPlan.Step;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class TrafficPlanTest {

  @Test
  void allAtOnceIsOneStepToTheNewVersion() {
    TrafficPlan plan = TrafficPlan.parse("all-at-once");

    assertThat(plan.steps()).containsExactly(new Step(100, Duration.ZERO));
    assertThat(plan.routing(0, "7", "8")).isEqualTo(new Routing("8", Map.of()));
    assertThat(TrafficPlan.parse(null).spec()).isEqualTo("all-at-once");
  }

  @Test
  void canaryHoldsItsShareThenMovesEverything() {
    TrafficPlan plan = TrafficPlan.parse("canary10-5");

    assertThat(plan.steps())
        .containsExactly(new Step(10, Duration.ofMinutes(5)), new Step(100, Duration.ZERO));
    assertThat(routings(plan))
        .containsExactly(new Routing("7", Map.of("8", 0.10)), new Routing("8", Map.of()));
  }

  @Test
  void linearAddsItsShareEveryIntervalUntilAll() {
    TrafficPlan plan = TrafficPlan.parse("linear30-2");

    assertThat(plan.steps()).extracting(Step::percent).containsExactly(30, 60, 90, 100);
    assertThat(plan.steps())
        .extracting(Step::hold)
        .containsExactly(
            Duration.ofMinutes(2), Duration.ofMinutes(2), Duration.ofMinutes(2), Duration.ZERO);
    assertThat(routings(plan))
        .containsExactly(
            new Routing("7", Map.of("8", 0.30)),
            new Routing("7", Map.of("8", 0.60)),
            new Routing("7", Map.of("8", 0.90)),
            new Routing("8", Map.of()));
    assertThat(TrafficPlan.parse("linear10-10").steps())
        .extracting(Step::percent)
        .containsExactly(10, 20, 30, 40, 50, 60, 70, 80, 90, 100);
    assertThat(TrafficPlan.parse("linear50-1").steps())
        .extracting(Step::percent)
        .containsExactly(50, 100);
  }

  @Test
  void theSameVersionOnBothSidesNeverGetsWeights() {
    TrafficPlan plan = TrafficPlan.parse("canary10-5");

    assertThat(plan.routing(0, "7", "7")).isEqualTo(new Routing("7", Map.of()));
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = ';',
      value = {
        "canary;traffic 'canary' is not all-at-once, canary<percent>-<minutes> or linear<percent>-<minutes> (e.g. canary10-5, linear20-3)",
        "canary10;traffic 'canary10' is not all-at-once",
        "linear-10-5;traffic 'linear-10-5' is not all-at-once",
        "canary100-5;traffic 'canary100-5' is not all-at-once",
        "Canary10-5;traffic 'Canary10-5' is not all-at-once",
        "canary0-5;traffic 'canary0-5': the percentage must be 1-99",
        "linear00-5;traffic 'linear00-5': the percentage must be 1-99",
        "linear10-0;traffic 'linear10-0': the minutes must be 1-999"
      })
  void specsThatDoNotParseSayWhatTheyShouldLookLike(String spec, String message) {
    assertThatThrownBy(() -> TrafficPlan.parse(spec))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith(message);
  }

  private static List<Routing> routings(TrafficPlan plan) {
    List<Routing> routings = new ArrayList<>();
    for (int i = 0; i < plan.size(); i++) {
      routings.add(plan.routing(i, "7", "8"));
    }
    return routings;
  }
}
