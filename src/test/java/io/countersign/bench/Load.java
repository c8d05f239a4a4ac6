package io.countersign.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;

/**
 * Closed-loop clients, the users' own load-test shape: each client sends a request, waits for the
 * answer, thinks, and sends the next. Clients start spread over one think time; only answers to
 * requests sent after that ramp count. Requests are asynchronous, so a thousand clients need no
 * thousand threads in the harness, which shares the machine with Countersign.
 */
final class Load {
  /** One kind of request: its share of the mix and how to build the n-th one. */
  record Operation(String name, int weight, int okStatus, IntFunction<HttpRequest> request) {}

  private final HttpClient client =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(10))
          .build();
  private static final long STRIDE =
      7_919; // a prime: coprime to any total weight it does not divide
  private final List<Operation> operations;
  private final int totalWeight;
  private final Map<String, Latencies> results = new LinkedHashMap<>();

  Load(List<Operation> operations) {
    this.operations = List.copyOf(operations);
    this.totalWeight = operations.stream().mapToInt(Operation::weight).sum();
    if (totalWeight % STRIDE == 0) {
      throw new IllegalArgumentException("total weight must not be a multiple of " + STRIDE);
    }
    operations.forEach(o -> results.put(o.name(), new Latencies()));
  }

  static HttpRequest.Builder request(int port, String path, String user, String password) {
    String token =
        Base64.getEncoder()
            .encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    return HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
        .timeout(Duration.ofSeconds(60))
        .header("Accept", "application/json")
        .header("Authorization", "Basic " + token);
  }

  /**
   * Runs {@code clients} clients for the ramp plus {@code window}; returns latencies per operation.
   */
  Map<String, Latencies> run(int clients, Duration think, Duration window)
      throws InterruptedException {
    ScheduledExecutorService scheduler = Executors.newScheduledThreadPool(2);
    long rampEnds = System.nanoTime() + think.toNanos();
    long ends = rampEnds + window.toNanos();
    CountDownLatch finished = new CountDownLatch(clients);
    AtomicInteger sequence = new AtomicInteger();
    for (int c = 0; c < clients; c++) {
      long delay = think.toNanos() * c / clients;
      scheduler.schedule(
          () -> cycle(scheduler, think, rampEnds, ends, finished, sequence),
          delay,
          TimeUnit.NANOSECONDS);
    }
    // Every client stops after its answer past the window; a stuck server fails the run.
    if (!finished.await(window.toSeconds() + think.toSeconds() + 120, TimeUnit.SECONDS)) {
      scheduler.shutdownNow();
      throw new IllegalStateException("clients still waiting 2 minutes after the window");
    }
    scheduler.shutdownNow();
    return results;
  }

  private void cycle(
      ScheduledExecutorService scheduler,
      Duration think,
      long rampEnds,
      long ends,
      CountDownLatch finished,
      AtomicInteger sequence) {
    long start = System.nanoTime();
    if (start >= ends) {
      finished.countDown();
      return;
    }
    int n = sequence.incrementAndGet();
    Operation operation = pick(n);
    HttpRequest request = operation.request().apply(n);
    client
        .sendAsync(request, HttpResponse.BodyHandlers.discarding())
        .whenComplete(
            (response, failure) -> {
              long nanos = System.nanoTime() - start;
              if (start >= rampEnds) {
                Latencies latencies = results.get(operation.name());
                latencies.addNanos(nanos);
                if (failure != null || response.statusCode() != operation.okStatus()) {
                  latencies.error();
                }
              }
              scheduler.schedule(
                  () -> cycle(scheduler, think, rampEnds, ends, finished, sequence),
                  think.toNanos(),
                  TimeUnit.NANOSECONDS);
            });
  }

  /**
   * The n-th request's kind: n times a number coprime to the total weight walks every residue once
   * per total weight requests, so each kind gets exactly its share of any run of that many, spread
   * out, and a short run still sends every kind.
   */
  private Operation pick(int n) {
    int r = Math.floorMod((long) n * STRIDE, totalWeight);
    for (Operation operation : operations) {
      r -= operation.weight();
      if (r < 0) {
        return operation;
      }
    }
    return operations.get(operations.size() - 1);
  }
}
