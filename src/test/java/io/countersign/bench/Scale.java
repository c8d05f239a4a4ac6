package io.countersign.bench;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;

/**
 * How big a benchmark run is. {@code smoke} takes about a minute and runs in the build to keep the
 * harness working; {@code full} is the one whose figures count (README "Performance"). Each figure
 * can be overridden with a system property of the same name, e.g. {@code -Dbench.clients=200}.
 */
record Scale(
    String name,
    int workers,
    int warmupReleases,
    Duration throughputWindow,
    List<Integer> waitingLevels,
    int querySamples,
    int clients,
    Duration thinkTime,
    Duration loadWindow,
    int seedWorkers) {

  static Scale named(String name) {
    Scale base =
        switch (name) {
          case "smoke" ->
              new Scale(
                  "smoke",
                  2,
                  2,
                  Duration.ofSeconds(8),
                  List.of(10, 30),
                  20,
                  20,
                  Duration.ofMillis(500),
                  Duration.ofSeconds(5),
                  2);
          case "full" ->
              new Scale(
                  "full",
                  4,
                  20,
                  Duration.ofSeconds(90),
                  List.of(1_000, 10_000),
                  200,
                  1_000,
                  Duration.ofSeconds(1),
                  Duration.ofSeconds(60),
                  4);
          default -> throw new IllegalArgumentException("bench.scale is smoke or full: " + name);
        };
    return new Scale(
        base.name,
        Integer.getInteger("bench.workers", base.workers),
        Integer.getInteger("bench.warmup-releases", base.warmupReleases),
        duration("bench.throughput-window", base.throughputWindow),
        levels(base.waitingLevels),
        Integer.getInteger("bench.query-samples", base.querySamples),
        Integer.getInteger("bench.clients", base.clients),
        duration("bench.think-time", base.thinkTime),
        duration("bench.load-window", base.loadWindow),
        Integer.getInteger("bench.seed-workers", base.seedWorkers));
  }

  private static Duration duration(String property, Duration fallback) {
    String value = System.getProperty(property);
    return value == null || value.isBlank() ? fallback : Duration.parse(value.trim());
  }

  private static List<Integer> levels(List<Integer> fallback) {
    String value = System.getProperty("bench.waiting");
    return value == null || value.isBlank()
        ? fallback
        : Arrays.stream(value.split(",")).map(String::trim).map(Integer::valueOf).toList();
  }
}
