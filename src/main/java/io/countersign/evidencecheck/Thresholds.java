package io.countersign.evidencecheck;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What the release policy demands of one evidence type; a null field is not checked.
 *
 * @param format how to read the file: {@code "k6-summary"}, {@code "junit"}, {@code "sarif"},
 *     {@code "flyway-info"}, or {@code "none"} (the digest only, no parsing)
 * @param p95MaxMs k6: {@code http_req_duration} p(95) must be at most this, in milliseconds
 * @param errorRateMax k6: the {@code http_req_failed} rate must be at most this (0.001 = 0.1 %)
 * @param checksMinRate k6: the {@code checks} pass rate must be at least this (1.0 = all)
 * @param minVus k6: {@code vus_max} must be at least this (the concurrent virtual users)
 * @param minTests JUnit: at least this many tests must have run; failures and errors must always be
 *     0
 * @param failAtSeverity SARIF: {@code "critical"}, {@code "high"}, {@code "medium"} or {@code
 *     "low"}: any counted finding at or above it fails
 * @param minSchemaVersion Flyway info: the schema version must be at least this, compared as Flyway
 *     compares versions (1.10 is after 1.9)
 */
public record Thresholds(
    String format,
    Double p95MaxMs,
    Double errorRateMax,
    Double checksMinRate,
    Integer minVus,
    Integer minTests,
    String failAtSeverity,
    String minSchemaVersion) {

  /** Hash only: the file is not parsed and nothing is checked beyond its digest. */
  public static final Thresholds NONE =
      new Thresholds("none", null, null, null, null, null, null, null);

  /**
   * The thresholds as a map for the evidence log: only the non-null ones, keyed by the field names,
   * in declaration order.
   */
  public Map<String, Object> asMap() {
    Map<String, Object> map = new LinkedHashMap<>();
    put(map, "format", format);
    put(map, "p95MaxMs", p95MaxMs);
    put(map, "errorRateMax", errorRateMax);
    put(map, "checksMinRate", checksMinRate);
    put(map, "minVus", minVus);
    put(map, "minTests", minTests);
    put(map, "failAtSeverity", failAtSeverity);
    put(map, "minSchemaVersion", minSchemaVersion);
    return Collections.unmodifiableMap(map);
  }

  private static void put(Map<String, Object> map, String name, Object value) {
    if (value != null) {
      map.put(name, value);
    }
  }
}
