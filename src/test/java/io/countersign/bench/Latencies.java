package io.countersign.bench;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/** Latency samples of one figure, in milliseconds, and the errors seen beside them. */
final class Latencies {
  private final List<Double> millis = Collections.synchronizedList(new ArrayList<>());
  private final AtomicInteger errors = new AtomicInteger();

  void add(double value) {
    millis.add(value);
  }

  void addNanos(long nanos) {
    millis.add(nanos / 1e6);
  }

  void error() {
    errors.incrementAndGet();
  }

  int count() {
    return millis.size();
  }

  int errors() {
    return errors.get();
  }

  /** The nearest-rank percentile (p in 0..100), or NaN without samples. */
  double percentile(double p) {
    List<Double> sorted;
    synchronized (millis) {
      sorted = new ArrayList<>(millis);
    }
    if (sorted.isEmpty()) {
      return Double.NaN;
    }
    Collections.sort(sorted);
    int rank = (int) Math.ceil(p / 100 * sorted.size());
    return sorted.get(Math.max(0, Math.min(sorted.size() - 1, rank - 1)));
  }

  double p50() {
    return percentile(50);
  }

  double p95() {
    return percentile(95);
  }
}
