package io.countersign.bench;

import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.countersign.CountersignNode;
import io.countersign.DemoApprovers;
import io.countersign.HttpSupport;
import io.countersign.HttpSupport.Response;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.CookieManager;
import java.net.CookiePolicy;
import java.net.HttpCookie;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * The release console's page loads with many releases in the list (issue 17), on the embedded
 * default as users first run it: the packaged jar with no profile, in a fresh temporary working
 * directory (H2 under its {@code ./var}), demo users, dry-run targets.
 *
 * <p>Run with {@code ./mvnw -Pbench verify -Dbench.args="bench.phase=console"} (README
 * "Performance"). It seeds {@code bench.console-releases} (1,000) releases through the public API
 * as users do (most released, some awaiting sign-off, some cancelled), then drives Chromium with
 * {@code e2e/console-load.mjs}: one login on the console's page, then {@code bench.console-loads}
 * (30) timed loads of each page after {@code bench.console-warmup} (3), navigation start to {@code
 * body[data-loaded=true]}. Beside them, the JSON calls behind each page are timed from here with
 * the same kind of session (form login, cookie). Prints p50, p95 and max and writes {@code
 * report.md} next to Countersign's log.
 */
final class ConsoleLoad {
  private static final String REQUESTER = CountersignUnderTest.REQUESTER;
  private static final Set<String> FAILED =
      Set.of("rejected", "expired", "failed", "rolled-back", "rollback-failed");
  private static final Duration RELEASE_DEADLINE = Duration.ofMinutes(20);
  // Each poll is a release's detail (not cheap): often enough, not so often it competes with the
  // work.
  private static final Duration POLL = Duration.ofMillis(250);
  private static final Duration BROWSER_DEADLINE = Duration.ofMinutes(30);
  private static final int PAGE_SIZE = 20;
  private static final String WAITING = "awaiting-sign-off";

  private final Path work;
  private final PrintStream out;
  private final int releases = Integer.getInteger("bench.console-releases", 1_000);
  private final int loads = Integer.getInteger("bench.console-loads", 30);
  private final int warmup = Integer.getInteger("bench.console-warmup", 3);
  private final int workers = Integer.getInteger("bench.seed-workers", 4);
  private final ObjectNode manifest = consoleManifest();
  private final StringBuilder report = new StringBuilder();
  private final List<String> approved = Collections.synchronizedList(new ArrayList<>());

  ConsoleLoad(Path work, PrintStream out) {
    this.work = work;
    this.out = out;
  }

  /** The staging example without its database section and with no bake window. */
  static ObjectNode consoleManifest() {
    ObjectNode m = CountersignUnderTest.benchManifest();
    m.remove("database");
    return m;
  }

  /** Runs it; returns the report (Markdown). */
  String run() throws Exception {
    Files.createDirectories(work);
    Path jar = CountersignUnderTest.jarIfBuilt(System.getProperty("bench.jar"));
    if (jar == null) {
      throw new IllegalStateException(
          "bench.phase=console runs the packaged jar: run it with ./mvnw -Pbench verify");
    }
    Path directory = Files.createTempDirectory("countersign-console-");
    List<String> jvm = List.of(System.getProperty("bench.jvm", "-Xmx1g").trim().split("\\s+"));
    List<String> arguments = new ArrayList<>();
    String extra = System.getProperty("bench.countersign-args", "").trim();
    if (!extra.isEmpty()) {
      arguments.addAll(List.of(extra.split("\\s+")));
    }
    // No profile, no database settings: the embedded default, in a working directory of its own.
    CountersignNode node =
        new CountersignNode("console", work.resolve("countersign.log"), arguments, Map.of())
            .jar(jar)
            .jvmOptions(jvm)
            .directory(directory);
    try {
      note(
          "Countersign %s, embedded default (H2), %s; %d CPUs; Java %s"
              .formatted(
                  jar.getFileName(),
                  jvm,
                  Runtime.getRuntime().availableProcessors(),
                  System.getProperty("java.version")));
      log("starting Countersign in " + directory);
      node.start();
      node.awaitReady();
      HttpSupport http = node.http();
      seed(http);
      measure(node.port(), http);
    } finally {
      node.close();
      deleteQuietly(directory);
    }
    return report.toString();
  }

  // ---- seeding, through the API as users do ----

  enum Kind {
    RELEASED,
    AWAITING,
    CANCELLED
  }

  /**
   * The n-th release's fate: every twentieth is cancelled while it awaits sign-off, the newest
   * tenth is left awaiting sign-off, the rest are signed off and released.
   */
  Kind kind(int n) {
    if (n % 20 == 7) {
      return Kind.CANCELLED;
    }
    return n >= releases - releases / 10 ? Kind.AWAITING : Kind.RELEASED;
  }

  private void seed(HttpSupport http) throws Exception {
    log("seeding %,d releases with %d workers".formatted(releases, workers));
    AtomicInteger next = new AtomicInteger();
    Map<Kind, AtomicInteger> done = new ConcurrentHashMap<>();
    long start = System.nanoTime();
    ExecutorService pool = Executors.newFixedThreadPool(workers);
    List<Future<?>> running = new ArrayList<>();
    for (int w = 0; w < workers; w++) {
      running.add(
          pool.submit(
              () -> {
                for (int n = next.getAndIncrement(); n < releases; n = next.getAndIncrement()) {
                  Kind kind = kind(n);
                  oneRelease(http, n, kind);
                  int total =
                      done.computeIfAbsent(kind, k -> new AtomicInteger()).incrementAndGet();
                  if ((n + 1) % 50 == 0) {
                    log(
                        "  %,d submitted, %.0f s (%s %,d so far)"
                            .formatted(n + 1, (System.nanoTime() - start) / 1e9, kind, total));
                  }
                }
                return null;
              }));
    }
    try {
      for (Future<?> f : running) {
        f.get();
      }
    } finally {
      pool.shutdownNow();
    }
    log(
        "all submitted in %.0f s; awaiting %,d approved releases"
            .formatted((System.nanoTime() - start) / 1e9, approved.size()));
    for (String id : approved) {
      awaitStatus(http, id, "released"::equals);
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    Map<String, Long> byStatus = new LinkedHashMap<>();
    for (String status : List.of("released", WAITING, "cancelled")) {
      byStatus.put(status, total(http, "status=" + status));
    }
    long all = total(http, "");
    note(
        "seeded %,d releases through the API in %.0f s with %d workers (%.1f/s): %s; %,d in the list"
            .formatted(releases, seconds, workers, releases / seconds, byStatus, all));
  }

  private void oneRelease(HttpSupport http, int n, Kind kind) {
    ObjectNode m = manifest.deepCopy();
    m.put("version", "3." + (n / 1000) + "." + (n % 1000));
    Response submitted = http.postJson(REQUESTER, "/api/releases", m);
    if (submitted.status() != 201) {
      throw new IllegalStateException("submit " + n + ": " + submitted);
    }
    String id = submitted.json().path("id").asText();
    JsonNode detail = awaitStatus(http, id, s -> !s.equals("checking-evidence"));
    if (!WAITING.equals(detail.path("status").asText())) {
      throw new IllegalStateException(id + " is not awaiting sign-off: " + detail);
    }
    switch (kind) {
      case AWAITING -> {}
      case CANCELLED -> {
        Response r =
            http.postJson(
                REQUESTER,
                "/api/releases/" + id + "/cancel",
                Map.of("reason", "benchmark: withdrawn"));
        if (r.status() != 202) {
          throw new IllegalStateException("cancel " + id + ": " + r);
        }
        awaitStatus(http, id, "cancelled"::equals);
      }
      case RELEASED -> {
        for (JsonNode role : detail.path("pendingSignOffs")) {
          approve(http, id, role.asText());
        }
        // Not awaited here: the next submission overlaps this release's deployment.
        approved.add(id);
      }
    }
  }

  /** As HttpSupport.releaseInStaging: the role's demo approver finds the task and approves it. */
  private static void approve(HttpSupport http, String id, String role) {
    String approver = DemoApprovers.BY_ROLE.get(role);
    String query =
        "/engine-rest/task?maxResults=10&processInstanceBusinessKey="
            + id
            + "&candidateGroup="
            + role;
    JsonNode tasks =
        await(approver + "'s task of " + id)
            .atMost(Duration.ofSeconds(60))
            .pollInterval(POLL)
            .until(() -> http.get(approver, query).json(), t -> t.isArray() && !t.isEmpty());
    Response r =
        http.postJson(
            approver,
            "/engine-rest/task/" + tasks.get(0).path("id").asText() + "/complete",
            DemoApprovers.APPROVE);
    if (r.status() != 204) {
      throw new IllegalStateException(approver + " could not sign " + id + ": " + r);
    }
  }

  private static JsonNode awaitStatus(
      HttpSupport http, String id, java.util.function.Predicate<String> reached) {
    return await(id + " status")
        .atMost(RELEASE_DEADLINE)
        .pollInterval(POLL)
        .until(
            () -> {
              JsonNode d = http.get(REQUESTER, "/api/releases/" + id).json();
              String status = d.path("status").asText();
              if (FAILED.contains(status)) {
                throw new IllegalStateException(id + " ended " + status + ": " + d);
              }
              return d;
            },
            d -> reached.test(d.path("status").asText()));
  }

  private static long total(HttpSupport http, String query) {
    Response r = http.get(REQUESTER, "/api/releases?size=1&" + query);
    if (r.status() != 200) {
      throw new IllegalStateException("list: " + r);
    }
    return r.json().path("total").asLong();
  }

  // ---- measuring ----

  private void measure(int port, HttpSupport http) throws Exception {
    long all = total(http, "");
    int lastPage = (int) Math.max(0, (all - 1) / PAGE_SIZE);
    JsonNode newestReleased =
        http.get(REQUESTER, "/api/releases?size=1&status=released").json().path("items").get(0);
    String released = newestReleased.path("id").asText();
    String release = "/console/api/releases/" + released;

    // page name → its address and the JSON calls it makes (as list.js and release.js ask them)
    record Page(String name, String path, String expect, List<String> calls) {}
    List<Page> pages =
        List.of(
            new Page(
                "list, first page",
                "/console/",
                "#releases tbody tr[data-release]",
                List.of("/console/api/me", "/console/api/releases?page=0&size=" + PAGE_SIZE)),
            new Page(
                "list, status " + WAITING,
                "/console/?status=" + WAITING,
                "#releases tbody tr[data-release]",
                List.of("/console/api/releases?page=0&size=" + PAGE_SIZE + "&status=" + WAITING)),
            new Page(
                "list, last page (" + (lastPage + 1) + ")",
                "/console/?page=" + lastPage,
                "#releases tbody tr[data-release]",
                List.of("/console/api/releases?page=" + lastPage + "&size=" + PAGE_SIZE)),
            new Page(
                "release page (released " + released + ")",
                "/console/releases/" + released,
                "#canvas svg",
                List.of(release, release + "/diagram", release + "/diff", release + "/evidence")));

    log("timing the JSON calls (%d each after %d warm-up)".formatted(loads, warmup));
    Session session = Session.login(port, REQUESTER, HttpSupport.DEMO_PASSWORD);
    Map<String, Latencies> calls = new LinkedHashMap<>();
    for (Page page : pages) {
      for (String call : page.calls()) {
        calls.computeIfAbsent(call, c -> session.time(c, warmup, loads));
      }
    }

    log("timing the pages in Chromium (%d loads each after %d warm-up)".formatted(loads, warmup));
    Map<String, Object> plan = new LinkedHashMap<>();
    plan.put("baseUrl", "http://localhost:" + port);
    plan.put("user", REQUESTER);
    plan.put("password", HttpSupport.DEMO_PASSWORD);
    plan.put("warmup", warmup);
    plan.put("loads", loads);
    plan.put(
        "pages",
        pages.stream()
            .map(p -> Map.of("name", p.name(), "path", p.path(), "expect", p.expect()))
            .toList());
    JsonNode result = browser(plan);

    report.append("\n| page (Chromium, navigation start → data-loaded) | p50 | p95 | max |\n");
    report.append("|---|---|---|---|\n");
    Map<String, JsonNode> requests = new LinkedHashMap<>();
    for (JsonNode p : result.path("pages")) {
      Latencies l = new Latencies();
      p.path("millis").forEach(m -> l.add(m.asDouble()));
      Latencies dcl = new Latencies();
      p.path("domContentLoaded").forEach(m -> dcl.add(m.asDouble()));
      Latencies api = new Latencies();
      p.path("lastApiAnswer").forEach(m -> api.add(m.asDouble()));
      report.append(
          ("| %s, %d loads (p50: DOMContentLoaded %.0f ms, last JSON answer in %.0f ms)"
                  + " | %.0f ms | %.0f ms | %.0f ms |\n")
              .formatted(
                  p.path("name").asText(),
                  l.count(),
                  dcl.p50(),
                  api.p50(),
                  l.p50(),
                  l.p95(),
                  l.percentile(100)));
      requests.put(p.path("name").asText(), p.path("requests"));
    }
    report.append(
        "\n| JSON call behind the pages (java.net.http, session cookie) | p50 | p95 | max |\n");
    report.append("|---|---|---|---|\n");
    calls.forEach(
        (call, l) ->
            report.append(
                "| GET %s, %d calls | %.1f ms | %.1f ms | %.1f ms |\n"
                    .formatted(
                        call.replace(released, "{id}"),
                        l.count(),
                        l.p50(),
                        l.p95(),
                        l.percentile(100))));
    report.append("\nRequests per load, by path (first measured load):\n\n");
    requests.forEach(
        (name, r) ->
            report.append("- %s: %s%n".formatted(name, r.toString().replace(released, "{id}"))));
    report.append("\nChromium ").append(result.path("chromium").asText()).append('\n');
  }

  /** Runs e2e/console-load.mjs with the plan on its stdin; answers its JSON reply. */
  private JsonNode browser(Map<String, Object> plan) throws IOException, InterruptedException {
    Path e2e = Path.of("e2e");
    if (!Files.isDirectory(e2e.resolve("node_modules/playwright-core"))) {
      throw new IllegalStateException("run (cd e2e && npm ci) first");
    }
    Path log = work.resolve("console-load.log");
    Process p =
        new ProcessBuilder(
                "node",
                "console-load.mjs",
                "--chromium",
                System.getProperty("countersign.chromium", "/usr/bin/chromium"))
            .directory(e2e.toFile())
            .redirectError(log.toFile())
            .start();
    try (var stdin = p.getOutputStream()) {
      stdin.write(HttpSupport.JSON.writeValueAsBytes(plan));
    }
    String reply = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(BROWSER_DEADLINE.toMinutes(), TimeUnit.MINUTES)) {
      p.destroyForcibly();
      throw new IllegalStateException("console-load.mjs still running after " + BROWSER_DEADLINE);
    }
    if (p.exitValue() != 0) {
      throw new IllegalStateException(
          "console-load.mjs exited "
              + p.exitValue()
              + ": "
              + reply
              + "\n"
              + Files.readString(log, StandardCharsets.UTF_8));
    }
    return HttpSupport.JSON.readTree(reply);
  }

  /**
   * A console session as the browser has one: the login page's form (CSRF token from the XSRF-TOKEN
   * cookie), then the session cookie on every call.
   */
  private record Session(HttpClient client, String base) {
    static Session login(int port, String user, String password) {
      CookieManager cookies = new CookieManager(null, CookiePolicy.ACCEPT_ALL);
      HttpClient client =
          HttpClient.newBuilder()
              .cookieHandler(cookies)
              .followRedirects(HttpClient.Redirect.NEVER)
              .connectTimeout(Duration.ofSeconds(5))
              .build();
      Session s = new Session(client, "http://localhost:" + port);
      s.send(HttpRequest.newBuilder(URI.create(s.base + "/console/login")).GET());
      String token =
          cookies.getCookieStore().getCookies().stream()
              .filter(c -> c.getName().equals("XSRF-TOKEN"))
              .map(HttpCookie::getValue)
              .findFirst()
              .orElseThrow(() -> new IllegalStateException("no XSRF-TOKEN cookie"));
      String form =
          "username=%s&password=%s&_csrf=%s"
              .formatted(encode(user), encode(password), encode(token));
      HttpResponse<String> r =
          s.send(
              HttpRequest.newBuilder(URI.create(s.base + "/console/login"))
                  .header("Content-Type", "application/x-www-form-urlencoded")
                  .POST(HttpRequest.BodyPublishers.ofString(form)));
      String location = r.headers().firstValue("Location").orElse("");
      if (r.statusCode() != 302 || location.contains("error")) {
        throw new IllegalStateException("console login: " + r.statusCode() + " " + location);
      }
      return s;
    }

    Latencies time(String path, int warmup, int count) {
      Latencies l = new Latencies();
      for (int i = 0; i < warmup + count; i++) {
        long start = System.nanoTime();
        HttpResponse<String> r =
            send(
                HttpRequest.newBuilder(URI.create(base + path))
                    .header("Accept", "application/json, application/problem+json")
                    .GET());
        long nanos = System.nanoTime() - start;
        if (r.statusCode() != 200) {
          throw new IllegalStateException(path + ": " + r.statusCode() + " " + r.body());
        }
        if (i >= warmup) {
          l.addNanos(nanos);
        }
      }
      return l;
    }

    private HttpResponse<String> send(HttpRequest.Builder request) {
      try {
        return client.send(
            request.timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofString());
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }

    private static String encode(String value) {
      return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }
  }

  private void note(String line) {
    report.append(line).append("  \n");
    log(line);
  }

  private void log(String line) {
    out.printf("[console %s] %s%n", LocalDateTime.now().toLocalTime().withNano(0), line);
  }

  private static void deleteQuietly(Path directory) {
    try (Stream<Path> files = Files.walk(directory)) {
      files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
    } catch (IOException e) {
      // a temporary directory left behind is harmless
    }
  }
}
