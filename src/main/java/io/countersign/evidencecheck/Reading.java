package io.countersign.evidencecheck;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The outcome of reading one evidence file against its thresholds.
 *
 * @param passed whether every threshold was met; true exactly when {@code failures} is empty
 * @param figures what was measured, in a stable order, as JSON-friendly values (Number, String,
 *     Boolean, List, Map)
 * @param failures one human sentence per threshold missed, or the reason the file could not be read
 */
public record Reading(boolean passed, Map<String, Object> figures, List<String> failures) {

  public Reading {
    // A verdict without a reason (or a reason without a verdict) would reach the sign-off form
    // and the evidence log unexplained.
    if (passed != failures.isEmpty()) {
      throw new IllegalArgumentException(
          "a reading passes exactly when it has no failures: passed="
              + passed
              + ", failures="
              + failures);
    }
    figures = Collections.unmodifiableMap(new LinkedHashMap<>(Objects.requireNonNull(figures)));
    failures = List.copyOf(failures);
  }

  /** A file that could not be read as its format: failed, no figures, the reason as its failure. */
  public static Reading unreadable(String reason) {
    return new Reading(false, Map.of(), List.of(reason));
  }

  /** Passed when there are no failures. */
  static Reading of(Map<String, Object> figures, List<String> failures) {
    return new Reading(failures.isEmpty(), figures, failures);
  }
}
