package io.countersign.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class TargetModeTest {

  @Test
  void readsLiveAndDryRunAndNothingElse() {
    assertThat(TargetMode.of("countersign.targets.webhook.mode", "live"))
        .isEqualTo(TargetMode.LIVE);
    assertThat(TargetMode.of("countersign.targets.webhook.mode", "dry-run"))
        .isEqualTo(TargetMode.DRY_RUN);
    assertThatThrownBy(() -> TargetMode.of("countersign.targets.webhook.mode", null))
        .hasMessage("countersign.targets.webhook.mode must be live or dry-run, not 'null'");
    assertThatThrownBy(() -> TargetMode.of("countersign.targets.webhook.mode", "LIVE"))
        .hasMessage("countersign.targets.webhook.mode must be live or dry-run, not 'LIVE'");
  }

  @Test
  void createsOnlyTheChosenAdapter() {
    assertThat(
            TargetMode.LIVE.<String>choose(
                () -> "live",
                () -> {
                  throw new AssertionError("the dry-run adapter was created");
                }))
        .isEqualTo("live");
    assertThat(
            TargetMode.DRY_RUN.<String>choose(
                () -> {
                  throw new AssertionError("the live adapter was created");
                },
                () -> "dry-run"))
        .isEqualTo("dry-run");
    assertThat(TargetMode.DRY_RUN.id()).isEqualTo("dry-run");
  }
}
