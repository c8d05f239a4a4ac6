package io.countersign.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Keeps the benchmark working: its smallest run, in the build, against the test class path. The
 * figures of a smoke run mean nothing (seconds of load on a busy machine); that every phase runs
 * and yields a number does.
 */
class BenchmarkSmokeTest {
  @Test
  void aSmokeRunMeasuresEveryFigureOnBothEnginesWithoutErrors() throws Exception {
    Path work =
        Path.of(System.getProperty("countersign.test-work", "target/test-work"), "bench")
            .toAbsolutePath();
    ByteArrayOutputStream log = new ByteArrayOutputStream();
    Report report =
        new Benchmark(
                Scale.named("smoke"), work, new PrintStream(log, true, StandardCharsets.UTF_8))
            .run();

    List<Report.Row> rows = report.rows();
    assertThat(rows)
        .extracting(Report.Row::figure)
        .anyMatch(f -> f.startsWith("full releases/s"))
        .anyMatch(f -> f.startsWith("last sign-off → released, p95"))
        .anyMatch(f -> f.startsWith("last sign-off → first deploy step"))
        .anyMatch(f -> f.startsWith("rows per release"))
        .anyMatch(f -> f.startsWith("role's filter list"))
        .anyMatch(f -> f.startsWith("GET /api/releases/{id} p95"))
        .anyMatch(f -> f.startsWith("POST /api/releases p95"))
        .anyMatch(f -> f.startsWith("Tasklist filter list p95"))
        .anyMatch(f -> f.startsWith("heap after GC"));
    // Both engines finished releases, so each ratio has both sides.
    assertThat(rows)
        .filteredOn(r -> r.figure().startsWith("full releases/s"))
        .singleElement()
        .satisfies(
            r -> {
              assertThat(r.countersign()).isPositive();
              assertThat(r.bare()).isPositive();
              assertThat(r.ratio()).endsWith("×");
            });
    // The closed-loop clients got only successful answers.
    assertThat(rows)
        .filteredOn(r -> r.figure().endsWith(" errors"))
        .hasSize(3)
        .allSatisfy(r -> assertThat(r.countersign()).as(r.figure()).isZero());
    // Bytes per release may be 0 when PostgreSQL fills pages it already had; every other figure is
    // a
    // positive number.
    assertThat(rows)
        .filteredOn(r -> !r.figure().endsWith(" errors") && !r.figure().startsWith("bytes"))
        .allSatisfy(r -> assertThat(r.countersign()).as(r.figure()).isFinite().isPositive());
    assertThat(report.markdown()).contains("| figure | Countersign | bare engine | ratio |");
  }
}
