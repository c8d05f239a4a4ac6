package io.countersign.evidence;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * What keyed evidence costs per append: N appends, each in its own transaction as a step records
 * them, unkeyed (as before: no signature, no checkpoint) against keyed and keyed with checkpoints
 * to a file, on in-memory H2 and on the embedded PostgreSQL; plus the bare Ed25519 costs and a
 * chain's verification. Reports wall time and the appending thread's CPU time (for PostgreSQL the
 * server's work is not in the latter). Not a test (prints figures, asserts nothing). Run after
 * {@code ./mvnw test-compile}:
 *
 * <pre>
 * ./mvnw -q dependency:build-classpath -Dmdep.outputFile=/tmp/cp.txt -Dmdep.includeScope=test
 * java -cp target/test-classes:target/classes:$(cat /tmp/cp.txt) io.countersign.evidence.EvidenceAppendBenchmark [N] [runs]
 * </pre>
 */
final class EvidenceAppendBenchmark {
  // Wall time suffers from whatever else the machine runs; the appending thread's CPU time much
  // less.
  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

  private EvidenceAppendBenchmark() {}

  public static void main(String[] args) throws Exception {
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 2000;
    int runs = args.length > 1 ? Integer.parseInt(args[1]) : 3;
    Path dir = Files.createTempDirectory("evidence-benchmark");
    EvidenceSigner signer = EvidenceDatabase.signer(dir);
    EvidenceSigner unkeyed =
        new EvidenceSigner("", "", dir.resolve("signing.key").toString()) {
          @Override
          String signEntry(String chain, long seq, String hash) {
            return null; // the log before keyed evidence: nothing signed
          }
        };
    List<String> lines = new ArrayList<>();
    lines.add(crypto(signer));
    for (String name : List.of("H2 (in-memory)", "PostgreSQL (embedded)")) {
      Supplier<EvidenceDatabase> open =
          name.startsWith("H2") ? EvidenceDatabase::new : EvidenceDatabase::postgres;
      try (EvidenceDatabase db = open.get()) {
        Map<String, EvidenceLog> modes = new java.util.LinkedHashMap<>();
        modes.put(
            "unkeyed (before)",
            new EvidenceLog(db.jdbc, unkeyed, new Checkpoints(unkeyed, 10, List.of())));
        modes.put(
            "keyed", new EvidenceLog(db.jdbc, signer, new Checkpoints(signer, 10, List.of())));
        modes.put(
            "keyed + checkpoint file every 10",
            new EvidenceLog(
                db.jdbc,
                signer,
                new Checkpoints(
                    signer,
                    10,
                    List.of(
                        new FileCheckpointSink(
                            dir.resolve(name.substring(0, 2) + "-checkpoints.jsonl"),
                            signer.publicKey())))));
        modes.forEach((mode, log) -> append(log, "warm-" + mode.hashCode(), 500));
        Map<String, double[]> micros = new java.util.LinkedHashMap<>();
        Map<String, double[]> cpu = new java.util.LinkedHashMap<>();
        for (int run = 0; run < runs; run++) {
          for (Map.Entry<String, EvidenceLog> mode : modes.entrySet()) {
            long start = System.nanoTime();
            long startCpu = THREADS.getCurrentThreadCpuTime();
            append(mode.getValue(), "run-" + run + "-" + Math.abs(mode.getKey().hashCode()), n);
            cpu.computeIfAbsent(mode.getKey(), k -> new double[runs])[run] =
                (THREADS.getCurrentThreadCpuTime() - startCpu) / 1000.0 / n;
            micros.computeIfAbsent(mode.getKey(), k -> new double[runs])[run] =
                (System.nanoTime() - start) / 1000.0 / n;
          }
        }
        double base = median(micros.get("unkeyed (before)"));
        double baseCpu = median(cpu.get("unkeyed (before)"));
        micros.forEach(
            (mode, values) ->
                lines.add(
                    "%-22s %-34s %7.0f µs/append x%.2f | appending thread's CPU %5.0f µs x%.2f | runs %s"
                        .formatted(
                            name,
                            mode,
                            median(values),
                            median(values) / base,
                            median(cpu.get(mode)),
                            median(cpu.get(mode)) / baseCpu,
                            Arrays.toString(
                                Arrays.stream(values).mapToLong(Math::round).toArray()))));
        EvidenceLog keyed = modes.get("keyed");
        String keyedChain = "run-0-" + Math.abs("keyed".hashCode());
        String unkeyedChain = "run-0-" + Math.abs("unkeyed (before)".hashCode());
        keyed.verify(keyedChain); // warm
        long start = System.nanoTime();
        keyed.verify(keyedChain);
        double keyedMs = (System.nanoTime() - start) / 1e6;
        start = System.nanoTime();
        keyed.verify(unkeyedChain); // unsigned entries: no signature to check, the old cost
        double unkeyedMs = (System.nanoTime() - start) / 1e6;
        lines.add(
            "%-22s verify a chain of %d entries: %.0f ms keyed, %.0f ms without signatures to check"
                .formatted(name, n, keyedMs, unkeyedMs));
      }
    }
    System.out.println();
    System.out.println(
        "Evidence append cost: "
            + n
            + " appends per run, each in its own transaction; median of "
            + runs
            + " runs; "
            + Runtime.getRuntime().availableProcessors()
            + " CPUs, Java "
            + System.getProperty("java.version"));
    lines.forEach(System.out::println);
  }

  private static void append(EvidenceLog log, String chain, int count) {
    for (int i = 1; i <= count; i++) {
      log.record(
          chain,
          "step-done",
          "countersign",
          Map.of("step", "deployLambda", "n", i, "changed", true));
    }
  }

  private static String crypto(EvidenceSigner signer) {
    int rounds = 5000;
    String text = EvidenceSigner.entryText("rel-20261122-k3m9qx", 12, "ab".repeat(32));
    String signature = null;
    for (int i = 0; i < rounds; i++) {
      signature = signer.sign(text);
      EvidenceSigner.verifies(signer.publicKey(), text, signature);
    }
    long start = System.nanoTime();
    for (int i = 0; i < rounds; i++) {
      signature = signer.sign(text);
    }
    double sign = (System.nanoTime() - start) / 1000.0 / rounds;
    start = System.nanoTime();
    for (int i = 0; i < rounds; i++) {
      EvidenceSigner.verifies(signer.publicKey(), text, signature);
    }
    double verify = (System.nanoTime() - start) / 1000.0 / rounds;
    return "Ed25519 (JDK): sign %.0f µs, verify %.0f µs per entry".formatted(sign, verify);
  }

  private static double median(double[] values) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    return sorted.length % 2 == 1
        ? sorted[sorted.length / 2]
        : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
  }
}
