package io.countersign.process;

import java.util.Locale;
import java.util.function.Supplier;

/**
 * How a target kind runs ({@code countersign.targets.<kind>.mode}): live adapters change the
 * target, dry-run adapters change nothing and record what they would have done. The one way every
 * capability chooses its adapter.
 */
public enum TargetMode {
  LIVE,
  DRY_RUN;

  /**
   * The configured mode, read strictly: a release must never run in a mode nobody chose, so a
   * missing or misspelt value stops the start instead of falling back to either.
   *
   * @param property the property's name, for the message
   */
  public static TargetMode of(String property, String value) {
    for (TargetMode mode : values()) {
      if (mode.id().equals(value)) {
        return mode;
      }
    }
    throw new IllegalStateException(property + " must be live or dry-run, not '" + value + "'");
  }

  /** The adapter for this mode; only the chosen one is created. */
  public <T> T choose(Supplier<? extends T> live, Supplier<? extends T> dryRun) {
    return this == LIVE ? live.get() : dryRun.get();
  }

  /** As it is written in configuration and evidence: {@code live} or {@code dry-run}. */
  public String id() {
    return name().toLowerCase(Locale.ROOT).replace('_', '-');
  }
}
