package io.countersign.bench;

import io.countersign.DemoApprovers;
import io.countersign.EmbeddedPostgresSupport;
import io.countersign.HttpSupport;
import io.countersign.HttpSupport.Response;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The performance benchmark (README "Performance"): Countersign and a bare Camunda engine on the
 * same embedded PostgreSQL server in one run, and a table of figures with the ratio between them.
 *
 * <p>Run it with {@code ./mvnw -Pbench verify} ({@code -Dbench.scale=full} for the figures that
 * count). Phases: releases end to end with a few client workers (throughput, tail latency, approval
 * to first deploy step, rows and bytes per release); then releases left waiting for sign-off at
 * each level, with a role's task queries and the heap; then many closed-loop clients on the API and
 * the Tasklist filter. With {@code bench.phase=console} it runs {@link ConsoleLoad} alone instead:
 * the release console's page loads on the embedded default.
 */
public final class Benchmark {
  private static final Duration RELEASE_DEADLINE = Duration.ofMinutes(3);
  private static final Duration POLL = Duration.ofMillis(20);
  private static final Duration QUERY_BUDGET = Duration.ofSeconds(90);
  private static final int MIN_QUERY_SAMPLES = 5;

  private final Scale scale;
  private final Path work;
  private final PrintStream out;
  private final Report report = new Report();
  private final AtomicInteger sequence = new AtomicInteger();

  Benchmark(Scale scale, Path work, PrintStream out) {
    this.scale = scale;
    this.work = work;
    this.out = out;
  }

  /**
   * @param args settings as {@code name=value} (system properties, e.g. {@code bench.clients=200});
   *     blank ones are ignored
   */
  public static void main(String[] args) throws Exception {
    for (String arg : String.join(" ", args).trim().split("\\s+")) {
      int eq = arg.indexOf('=');
      if (eq > 0) {
        System.setProperty(arg.substring(0, eq), arg.substring(eq + 1));
      } else if (!arg.isBlank()) {
        throw new IllegalArgumentException("not name=value: " + arg);
      }
    }
    if ("console".equals(System.getProperty("bench.phase"))) {
      console();
      return;
    }
    Scale scale = Scale.named(System.getProperty("bench.scale", "smoke"));
    Path work =
        Path.of(System.getProperty("bench.work", "target/bench"))
            .resolve(
                scale.name()
                    + "-"
                    + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")))
            .toAbsolutePath();
    Report report = new Benchmark(scale, work, System.out).run();
    Path table = work.resolve("report.md");
    Files.writeString(table, report.markdown(), StandardCharsets.UTF_8);
    System.out.println();
    System.out.println(report.markdown());
    System.out.println("Written to " + table);
    // The embedded server and any child JVM stop in shutdown hooks.
    System.exit(0);
  }

  /** {@code bench.phase=console}: the console's page loads on the embedded default, alone. */
  private static void console() throws Exception {
    Path work =
        Path.of(System.getProperty("bench.work", "target/bench"))
            .resolve(
                "console-"
                    + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")))
            .toAbsolutePath();
    String report = new ConsoleLoad(work, System.out).run();
    Path table = work.resolve("report.md");
    Files.writeString(table, report, StandardCharsets.UTF_8);
    System.out.println();
    System.out.println(report);
    System.out.println("Written to " + table);
    System.exit(0);
  }

  Report run() throws Exception {
    Files.createDirectories(work);
    var server = EmbeddedPostgresSupport.server();
    String version;
    try (var c = server.getPostgresDatabase().getConnection();
        var s = c.createStatement();
        var rs = s.executeQuery("SHOW server_version")) {
      rs.next();
      version = rs.getString(1);
    }
    report.note(
        "scale %s; %d CPUs; Java %s; PostgreSQL %s (embedded); %d client workers"
            .formatted(
                scale.name(),
                Runtime.getRuntime().availableProcessors(),
                System.getProperty("java.version"),
                version,
                scale.workers()));

    Path jar = CountersignUnderTest.jarIfBuilt(System.getProperty("bench.jar"));
    List<String> jvm = List.of(System.getProperty("bench.jvm", "-Xmx1g").trim().split("\\s+"));
    try (CountersignUnderTest countersign = new CountersignUnderTest(work, jar, jvm)) {
      log("starting Countersign (" + (jar == null ? "test class path" : jar.getFileName()) + ")");
      countersign.start();
      report.note("Countersign: " + (jar == null ? "class path" : jar.getFileName()) + ", " + jvm);
      // The reference needs as many approvals as Countersign's staging release.
      String probe = countersign.submit(sequence.incrementAndGet());
      List<String> roles = countersign.pendingRoles(probe);
      for (String role : roles) {
        countersign.approve(probe, role);
      }
      awaitFinished(countersign, probe);

      log("bare engine: " + roles.size() + " approvals, " + BareEngine.STEPS + " async steps");
      Throughput bare;
      try (BareEngine engine =
          new BareEngine(EmbeddedPostgresSupport.newDatabase("bench_bare"), roles)) {
        bare = throughput(engine);
      }
      log("Countersign releases");
      Throughput cs = throughput(countersign);
      row("full releases/s", cs.perSecond(), bare.perSecond(), "/s");
      row("submit → released, p50", cs.total().p50(), bare.total().p50(), "ms");
      row("last sign-off → released, p50", cs.tail().p50(), bare.tail().p50(), "ms");
      row("last sign-off → released, p95", cs.tail().p95(), bare.tail().p95(), "ms");
      row(
          "last sign-off → first deploy step, p95",
          cs.toFirstStep().p95(),
          bare.toFirstStep().p95(),
          "ms");
      row("CPU per release, the subject's JVM", cs.jvmCpuMillis(), bare.jvmCpuMillis(), "ms");
      row("CPU per release, PostgreSQL", cs.postgresCpuMillis(), bare.postgresCpuMillis(), "ms");
      row("rows per release", cs.rows(), bare.rows(), "");
      row("bytes per release", cs.bytes(), bare.bytes(), "B");

      waitingAndLoad(countersign, roles.get(0));
    }
    return report;
  }

  /** Figures of the end-to-end phase. */
  record Throughput(
      double perSecond,
      Latencies total,
      Latencies tail,
      Latencies toFirstStep,
      double rows,
      double bytes,
      double jvmCpuMillis,
      double postgresCpuMillis) {}

  private Throughput throughput(Subject subject) throws Exception {
    Latencies total = new Latencies();
    Latencies tail = new Latencies();
    Latencies toFirstStep = new Latencies();
    // Warm-up: the JIT, the pools and the caches, not counted.
    runWorkers(subject, scale.warmupReleases(), null, new Latencies(), new Latencies(), null);
    long rowsBefore = subject.database().rows();
    long bytesBefore = subject.database().bytes();
    List<ProcessHandle> jvm = List.of(subject.process());
    List<ProcessHandle> postgres = CpuTime.postgres(subject.database());
    Duration jvmBefore = CpuTime.of(jvm);
    Duration postgresBefore = CpuTime.of(postgres);
    long start = System.nanoTime();
    int done =
        runWorkers(
            subject,
            Integer.MAX_VALUE,
            Instant.now().plus(scale.throughputWindow()),
            total,
            tail,
            toFirstStep);
    double seconds = (System.nanoTime() - start) / 1e9;
    Duration jvmCpu = CpuTime.of(jvm).minus(jvmBefore);
    Duration postgresCpu = CpuTime.of(postgres).minus(postgresBefore);
    long rows = subject.database().rows() - rowsBefore;
    long bytes = subject.database().bytes() - bytesBefore;
    log(
        "%s: %d releases in %.1f s, %d errors"
            .formatted(subject.name(), done, seconds, total.errors()));
    if (total.errors() > 0) {
      throw new IllegalStateException(subject.name() + ": " + total.errors() + " releases failed");
    }
    return new Throughput(
        done / seconds,
        total,
        tail,
        toFirstStep,
        (double) rows / done,
        (double) bytes / done,
        jvmCpu.toNanos() / 1e6 / done,
        postgresCpu.toNanos() / 1e6 / done);
  }

  /**
   * Workers each run one release after another, until {@code count} releases ran or the deadline
   * passed; returns how many finished.
   */
  private int runWorkers(
      Subject subject,
      int count,
      Instant until,
      Latencies total,
      Latencies tail,
      Latencies toFirstStep)
      throws Exception {
    AtomicInteger started = new AtomicInteger();
    AtomicInteger finished = new AtomicInteger();
    ExecutorService workers = Executors.newFixedThreadPool(scale.workers());
    List<Future<?>> running = new ArrayList<>();
    for (int w = 0; w < scale.workers(); w++) {
      running.add(
          workers.submit(
              () -> {
                while (started.incrementAndGet() <= count
                    && (until == null || Instant.now().isBefore(until))) {
                  try {
                    oneRelease(subject, total, tail, toFirstStep);
                    finished.incrementAndGet();
                  } catch (RuntimeException e) {
                    total.error();
                    log(subject.name() + ": " + e.getMessage());
                  }
                }
                return null;
              }));
    }
    for (Future<?> f : running) {
      f.get();
    }
    workers.shutdown();
    return finished.get();
  }

  private void oneRelease(Subject subject, Latencies total, Latencies tail, Latencies toFirstStep) {
    long start = System.nanoTime();
    String id = subject.submit(sequence.incrementAndGet());
    for (String role : subject.pendingRoles(id)) {
      subject.approve(id, role);
    }
    Instant finished = awaitFinished(subject, id);
    total.addNanos(System.nanoTime() - start);
    if (toFirstStep == null) {
      return;
    }
    String byKey = " JOIN act_hi_procinst p ON %s.proc_inst_id_ = p.id_ WHERE p.business_key_ = ?";
    Instant lastSignOff =
        subject
            .database()
            .instant("SELECT MAX(t.end_time_) FROM act_hi_taskinst t" + byKey.formatted("t"), id)
            .orElseThrow();
    Optional<Instant> firstStep =
        subject
            .database()
            .instant(
                "SELECT MIN(a.start_time_) FROM act_hi_actinst a"
                    + byKey.formatted("a")
                    + " AND "
                    + subject.deployStepCondition(),
                id);
    tail.add(Duration.between(lastSignOff, finished).toNanos() / 1e6);
    firstStep.ifPresent(
        step -> toFirstStep.add(Duration.between(lastSignOff, step).toNanos() / 1e6));
  }

  private static Instant awaitFinished(Subject subject, String id) {
    Instant deadline = Instant.now().plus(RELEASE_DEADLINE);
    while (Instant.now().isBefore(deadline)) {
      Optional<Instant> finished = subject.finishedAt(id);
      if (finished.isPresent()) {
        return finished.get();
      }
      LockSupport.parkNanos(POLL.toNanos());
    }
    throw new IllegalStateException(subject.name() + ": " + id + " not finished in time");
  }

  // ---- releases waiting for sign-off ----

  private void waitingAndLoad(CountersignUnderTest countersign, String role) throws Exception {
    String user = DemoApprovers.BY_ROLE.get(role);
    HttpSupport http = countersign.http();
    String filter = filterId(http, user, role);
    List<String> ids = Collections.synchronizedList(new ArrayList<>());
    for (int i = 0; i < scale.waitingLevels().size(); i++) {
      int level = scale.waitingLevels().get(i);
      seed(countersign, level, ids);
      String at = "at %,d waiting".formatted(waiting(countersign));
      Latencies list = new Latencies();
      Latencies byGroup = new Latencies();
      Latencies count = new Latencies();
      // A slow query (seconds each at 10,000 waiting) gets a time budget, not all its samples.
      long budgetEnds = System.nanoTime() + QUERY_BUDGET.toNanos();
      for (int s = 0;
          s < scale.querySamples() && (s < MIN_QUERY_SAMPLES || System.nanoTime() < budgetEnds);
          s++) {
        timed(
            list,
            () ->
                http.postJson(
                    user,
                    "/engine-rest/filter/" + filter + "/list" + "?firstResult=0&maxResults=15",
                    Map.of()));
        timed(
            byGroup,
            () ->
                http.get(
                    user,
                    "/engine-rest/task?candidateGroup=" + role + "&firstResult=0&maxResults=15"));
        timed(count, () -> http.get(user, "/engine-rest/filter/" + filter + "/count"));
      }
      at += ", %d samples".formatted(list.count());
      row("role's filter list (" + role + ") p95, " + at, list.p95(), Double.NaN, "ms");
      row("task?candidateGroup p95, " + at, byGroup.p95(), Double.NaN, "ms");
      row("filter count p95, " + at, count.p95(), Double.NaN, "ms");
      if (i == 0) {
        load(countersign, user, filter, ids);
      }
    }
    String at = "at %,d waiting".formatted(waiting(countersign));
    Jvm jvm = Jvm.of(countersign.pid());
    row("heap after GC, " + at, jvm.heapAfterGcMb(), Double.NaN, "MB");
    row(
        "JVM threads / busy job threads, " + at,
        jvm.threads(),
        Double.NaN,
        "(" + jvm.busyJobThreads() + " busy)");
  }

  private static String filterId(HttpSupport http, String user, String role) {
    Response filters = http.get(user, "/engine-rest/filter?resourceType=Task&maxResults=100");
    for (var f : filters.json()) {
      if (f.path("query").path("candidateGroup").asText().equals(role)) {
        return f.path("id").asText();
      }
    }
    throw new IllegalStateException("no filter for " + role + ": " + filters);
  }

  private static long waiting(CountersignUnderTest countersign) {
    return countersign
        .database()
        .number("SELECT COUNT(*) FROM cs_release WHERE status = 'awaiting-sign-off'");
  }

  /** Submits releases until {@code level} wait for sign-off. */
  private void seed(CountersignUnderTest countersign, int level, List<String> ids)
      throws Exception {
    long missing = level - waiting(countersign);
    if (missing <= 0) {
      return;
    }
    log("submitting %,d releases to reach %,d waiting".formatted(missing, level));
    long start = System.nanoTime();
    AtomicInteger left = new AtomicInteger((int) missing);
    ExecutorService workers = Executors.newFixedThreadPool(scale.seedWorkers());
    List<Future<?>> running = new ArrayList<>();
    for (int w = 0; w < scale.seedWorkers(); w++) {
      running.add(
          workers.submit(
              () -> {
                while (left.getAndDecrement() > 0) {
                  ids.add(countersign.submit(sequence.incrementAndGet()));
                }
                return null;
              }));
    }
    for (Future<?> f : running) {
      f.get();
    }
    workers.shutdown();
    double seconds = (System.nanoTime() - start) / 1e9;
    log("  %.0f submissions/s".formatted(missing / seconds));
  }

  private static void timed(Latencies latencies, Supplier<Response> call) {
    long start = System.nanoTime();
    Response r = call.get();
    latencies.addNanos(System.nanoTime() - start);
    if (r.status() != 200) {
      throw new IllegalStateException("query: " + r);
    }
  }

  // ---- many clients ----

  private void load(CountersignUnderTest countersign, String user, String filter, List<String> ids)
      throws InterruptedException {
    int port = countersign.port();
    List<String> known = List.copyOf(ids);
    String password = HttpSupport.DEMO_PASSWORD;
    Load load =
        new Load(
            List.of(
                new Load.Operation(
                    "GET /api/releases/{id}",
                    90,
                    200,
                    n ->
                        Load.request(
                                port,
                                "/api/releases/" + known.get(n % known.size()),
                                CountersignUnderTest.REQUESTER,
                                password)
                            .GET()
                            .build()),
                new Load.Operation(
                    "Tasklist filter list",
                    8,
                    200,
                    n ->
                        Load.request(
                                port,
                                "/engine-rest/filter/"
                                    + filter
                                    + "/list?firstResult=0&maxResults=15",
                                user,
                                password)
                            .header("Content-Type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofString("{}"))
                            .build()),
                new Load.Operation(
                    "POST /api/releases",
                    2,
                    201,
                    n ->
                        Load.request(
                                port, "/api/releases", CountersignUnderTest.REQUESTER, password)
                            .header("Content-Type", "application/json")
                            .POST(
                                HttpRequest.BodyPublishers.ofByteArray(
                                    countersign.manifest(sequence.incrementAndGet())))
                            .build())));
    long before = waiting(countersign);
    log(
        "%d clients, think %s, window %s"
            .formatted(scale.clients(), scale.thinkTime(), scale.loadWindow()));
    Map<String, Latencies> results =
        load.run(scale.clients(), scale.thinkTime(), scale.loadWindow());
    String shape =
        "%,d clients, think %s, %,d waiting"
            .formatted(scale.clients(), scale.thinkTime().toMillis() + " ms", before);
    long requests = 0;
    for (var e : results.entrySet()) {
      Latencies l = e.getValue();
      requests += l.count();
      row(e.getKey() + " p95, " + shape, l.p95(), Double.NaN, "ms");
      row(e.getKey() + " errors", l.errors(), Double.NaN, "of " + l.count());
    }
    row(
        "requests/s under load",
        requests / (double) scale.loadWindow().toSeconds(),
        Double.NaN,
        "/s");
  }

  // ---- the JVM under test ----

  record Jvm(double heapAfterGcMb, int threads, int busyJobThreads) {
    private static final Pattern USED = Pattern.compile("used (\\d+)K");

    static Jvm of(long pid) {
      jcmd(pid, "GC.run");
      Matcher used = USED.matcher(jcmd(pid, "GC.heap_info"));
      double heap = used.find() ? Long.parseLong(used.group(1)) / 1024.0 : Double.NaN;
      String dump = jcmd(pid, "Thread.print");
      int threads = 0;
      int busy = 0;
      String[] blocks = dump.split("\n\n");
      for (String block : blocks) {
        if (block.startsWith("\"")) {
          threads++;
          if (block.contains("camundaTaskExecutor")
              && block.contains("java.lang.Thread.State: RUNNABLE")) {
            busy++;
          }
        }
      }
      return new Jvm(heap, threads, busy);
    }

    private static String jcmd(long pid, String command) {
      Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
      try {
        Process p =
            new ProcessBuilder(jcmd.toString(), Long.toString(pid), command)
                .redirectErrorStream(true)
                .start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor(60, TimeUnit.SECONDS);
        return output;
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
  }

  /** Adds a figure to the report and prints it at once: a long run shows its figures as it goes. */
  private void row(String figure, double countersign, double bare, String unit) {
    report.row(figure, countersign, bare, unit);
    log(
        "%s: %.2f %s%s"
            .formatted(
                figure,
                countersign,
                unit,
                Double.isNaN(bare) ? "" : " (bare engine %.2f)".formatted(bare)));
  }

  private void log(String line) {
    out.printf("[bench %s] %s%n", LocalDateTime.now().toLocalTime().withNano(0), line);
  }
}
