package io.countersign.resilience;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.countersign.CountersignNode;
import io.countersign.DemoApprovers;
import io.countersign.HttpSupport;
import io.countersign.HttpSupport.Response;
import io.countersign.ManifestFixture;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import org.assertj.core.api.SoftAssertions;

/**
 * Drives releases through the nodes' HTTP API as users do (submit as the requester, sign off as the
 * approvers through the engine REST API), kills nodes at random points, restarts them, measures how
 * long the releases that were in flight take to move again, and checks at the end that nothing was
 * lost, duplicated or left unverifiable. One instance per test; everything random comes from one
 * seed, printed.
 */
final class CrashRun {
  private static final Map<String, String> APPROVERS = DemoApprovers.BY_ROLE;
  private static final Map<String, Object> APPROVE = DemoApprovers.APPROVE;

  /** Main deploy steps a drill fails at: early (after the real migration), middle, last. */
  private static final List<String> DRILL_STEPS =
      List.of("migrateDatabase", "publishFrontend", "watchMetrics");

  /**
   * Where a release stays (released is final for this test, though its rollback window keeps the
   * instance open).
   */
  static final Set<String> TERMINAL =
      Set.of("released", "rolled-back", "failed", "rejected", "expired", "cancelled");

  /** In flight: the engine, not a person, moves the release on (requested, deploying, …). */
  private static boolean inFlight(String status) {
    return !TERMINAL.contains(status) && !status.equals("awaiting-sign-off");
  }

  /** Evidence a release records once, however often its jobs ran. */
  private static final List<String> ONCE =
      List.of(
          "release-requested",
          "policy-applied",
          "checkpoint-pre-deployment",
          "deployment-started",
          "database-backup",
          "database-migrated",
          "release-released",
          "rollback-started",
          "database-restore");

  private static final Duration TICK = Duration.ofMillis(150);

  /** One planned release: its target database, the drill step (null: it should deploy). */
  record Planned(int n, String drillAt, String id) {
    String expected() {
      return drillAt == null ? "released" : "rolled-back";
    }
  }

  /** One kill: which node, when, how, which releases were in flight then, and their resumes. */
  static final class Kill {
    final int number;
    final String node;
    final String trigger;
    final Instant at;
    final Map<String, Long> sequencesAtKill;
    final Set<String> inFlight;

    /** Jobs locked at the kill: job id → {release id, lock owner}. */
    final Map<String, String[]> lockedAtKill;

    /** Lock owners seen taking new jobs while the killed node was down. */
    final Set<String> survivorOwners = new HashSet<>();

    final Map<String, Duration> resumed = new LinkedHashMap<>();
    Instant restartedReady;

    /**
     * Releases with a job the killed node held at its death: those wait for its lease to end (or
     * for the node to release it on restart). A lock owner named after the node is its own;
     * otherwise every owner at the kill that no survivor was seen using (all of them for a single
     * node).
     */
    Set<String> heldByKilledNode() {
      Set<String> held = new TreeSet<>();
      lockedAtKill
          .values()
          .forEach(
              job -> {
                if (node.equals(job[1]) || !survivorOwners.contains(job[1])) {
                  held.add(job[0]);
                }
              });
      return held;
    }

    /** Set at the next kill: resumes after it would measure that kill too. */
    boolean closed;

    Kill(
        int number,
        String node,
        String trigger,
        Instant at,
        Map<String, Long> sequences,
        Set<String> inFlight,
        Map<String, String[]> lockedAtKill) {
      this.number = number;
      this.lockedAtKill = lockedAtKill;
      this.node = node;
      this.trigger = trigger;
      this.at = at;
      this.sequencesAtKill = sequences;
      this.inFlight = inFlight;
    }
  }

  private final CrashCluster cluster;
  private final List<CountersignNode> nodes;
  private final Random random;
  private final long seed;
  private final boolean measureFromKill;
  private final List<Planned> planned = new ArrayList<>();
  private final List<Kill> kills = new ArrayList<>();
  private final Map<CountersignNode, Boolean> restarting = new HashMap<>();
  private final Instant began = Instant.now();
  private int submitted;

  /**
   * @param measureFromKill resume times from the kill (another node carries on) rather than from
   *     the restarted node's readiness (a single node)
   */
  CrashRun(CrashCluster cluster, List<CountersignNode> nodes, long seed, boolean measureFromKill) {
    this.cluster = cluster;
    this.nodes = List.copyOf(nodes);
    this.seed = seed;
    this.random = new Random(seed);
    this.measureFromKill = measureFromKill;
  }

  // ---- sizes and bounds, from system properties so a larger run needs no edit ----

  static int intProperty(String name, int fallback) {
    return Integer.parseInt(System.getProperty(name, String.valueOf(fallback)).trim());
  }

  static long seedProperty() {
    String given = System.getProperty("crash.seed", "");
    return given.isBlank() ? System.nanoTime() : Long.parseLong(given.trim());
  }

  /**
   * The job lease the nodes run with: the application's own (15 s, renewed by the holder) unless
   * {@code -Dcrash.lock-time-millis} sets another, to compare.
   */
  static String lockTimeProperty() {
    return System.getProperty("crash.lock-time-millis", DEFAULT_LOCK_TIME_MILLIS);
  }

  /** How long a release in flight may take to move again after a kill; asserted. */
  static Duration resumeBound() {
    return Duration.parse(System.getProperty("crash.resume-bound", "PT30S"));
  }

  /** How long the last releases may take to end after the last kill. */
  static Duration settleWithin() {
    String given = System.getProperty("crash.settle-within", "");
    if (!given.isBlank()) {
      return Duration.parse(given.trim());
    }
    return Duration.ofMinutes(3);
  }

  /** Blank: the application's own lease. */
  static final String DEFAULT_LOCK_TIME_MILLIS = "";

  boolean oneIn(int n) {
    return random.nextInt(n) == 0;
  }

  int nextInt(int bound) {
    return random.nextInt(bound);
  }

  void log(String format, Object... args) {
    long s = Duration.between(began, Instant.now()).toMillis();
    System.out.printf(
        "[crash %s +%d.%03ds] %s%n", cluster.name(), s / 1000, s % 1000, format.formatted(args));
  }

  // ---- releases ----

  /** Submits {@code count} releases (the first a drill when asked), spread over the live nodes. */
  void submit(int count, boolean firstIsDrill) {
    for (int i = 0; i < count; i++) {
      int n = ++submitted;
      boolean drill = i == 0 && firstIsDrill || random.nextInt(3) == 0;
      String drillAt = drill ? DRILL_STEPS.get(random.nextInt(DRILL_STEPS.size())) : null;
      ObjectNode manifest = ManifestFixture.staging();
      manifest.put("version", "2.4." + n + "-crash." + seed % 100_000);
      ((ObjectNode) manifest.path("database")).put("target", CrashCluster.TARGET_PREFIX + n);
      // The server's short bake window and interval apply (the manifest's minimum is 10 s).
      ObjectNode verification = (ObjectNode) manifest.path("verification");
      verification.remove("bakeWindow");
      verification.remove("interval");
      if (drillAt != null) {
        manifest.putObject("drill").put("failAt", drillAt);
      }
      String id = submitWithRetry(manifest, n);
      planned.add(new Planned(n, drillAt, id));
      log("submitted %s (#%d, %s)", id, n, drillAt == null ? "deploys" : "drill at " + drillAt);
    }
  }

  /** A submission the node died under is sent again: the same manifest returns the same release. */
  private String submitWithRetry(ObjectNode manifest, int n) {
    Instant deadline = Instant.now().plus(Duration.ofMinutes(3));
    while (Instant.now().isBefore(deadline)) {
      CountersignNode node = liveNode(n);
      if (node != null) {
        try {
          Response response =
              node.http()
                  .post(
                      "requester",
                      "/api/releases",
                      "application/json",
                      ManifestFixture.json(manifest),
                      Map.of());
          if (response.status() == 201 || response.status() == 200) {
            return response.json().path("id").asText();
          }
          throw new AssertionError("submission refused: " + response);
        } catch (UncheckedIOException ignored) {
          // the node went away; try again on a live one
        }
      }
      tick();
    }
    throw new AssertionError("release #" + n + " could not be submitted within 3 minutes");
  }

  /** A node that answers, preferring the n-th (so work is spread); null when none does. */
  private CountersignNode liveNode(int n) {
    for (int i = 0; i < nodes.size(); i++) {
      CountersignNode node = nodes.get((n + i) % nodes.size());
      if (node.alive() && !restarting.containsKey(node) && node.readyAt() != null) {
        return node;
      }
    }
    return null;
  }

  /** Completes the open sign-off tasks of a release as the role's demo users. */
  private void signOff(CountersignNode node, String id) {
    HttpSupport http = node.http();
    JsonNode release = http.get("requester", "/api/releases/" + id).json();
    for (JsonNode group : release.path("pendingSignOffs")) {
      String user = APPROVERS.get(group.asText());
      Response tasks =
          http.get(
              user,
              "/engine-rest/task?processInstanceBusinessKey="
                  + id
                  + "&candidateGroup="
                  + group.asText()
                  + "&maxResults=10");
      if (tasks.status() != 200) {
        continue;
      }
      for (JsonNode task : tasks.json()) {
        Response done =
            http.postJson(
                user, "/engine-rest/task/" + task.path("id").asText() + "/complete", APPROVE);
        log("%s signs %s as %s: %d", user, id, group.asText(), done.status());
      }
    }
  }

  // ---- the loop ----

  /**
   * One round of the driver: sign off what waits for it, notice restarted nodes becoming ready,
   * record resumes of the releases in flight at earlier kills; then a short pause (this is polling
   * with the deadlines of the callers).
   */
  void tick() {
    for (CountersignNode node : List.copyOf(restarting.keySet())) {
      if (node.pollReady()) {
        restarting.remove(node);
        log("%s ready again after %s", node.id(), sinceLastKillOf(node));
        for (Kill kill : kills) {
          if (kill.node.equals(node.id()) && kill.restartedReady == null) {
            kill.restartedReady = node.readyAt();
          }
        }
      }
    }
    Map<String, String> statuses = cluster.statuses();
    statuses.forEach(
        (id, status) -> {
          if (status.equals("awaiting-sign-off")) {
            CountersignNode node = liveNode(id.hashCode() & 0xff);
            if (node != null) {
              try {
                signOff(node, id);
              } catch (UncheckedIOException ignored) {
                // killed meanwhile; the next tick tries again
              }
            }
          }
        });
    learnSurvivorOwners();
    recordResumes();
    LockSupport.parkNanos(TICK.toNanos());
  }

  private String sinceLastKillOf(CountersignNode node) {
    for (int i = kills.size() - 1; i >= 0; i--) {
      if (kills.get(i).node.equals(node.id())) {
        return Duration.between(kills.get(i).at, Instant.now()).toMillis() + " ms";
      }
    }
    return "?";
  }

  /**
   * For each release in flight at a kill: the time from the restarted node's readiness (or from the
   * kill, when another node carries on) to the first evidence recorded after the kill, by the
   * entry's own timestamp. Zero when it moved before the node answered its health probe.
   */
  private void recordResumes() {
    Map<String, Long> last = null;
    for (Kill kill : kills) {
      Instant from = measureFromKill ? kill.at : kill.restartedReady;
      if (kill.closed || from == null || kill.resumed.size() == kill.inFlight.size()) {
        continue;
      }
      if (last == null) {
        last = cluster.lastSequences();
      }
      for (String id : kill.inFlight) {
        long atKill = kill.sequencesAtKill.getOrDefault(id, 0L);
        if (!kill.resumed.containsKey(id) && last.getOrDefault(id, 0L) > atKill) {
          Duration resume = Duration.between(from, cluster.firstRecordedAfter(id, atKill));
          kill.resumed.put(id, resume.isNegative() ? Duration.ZERO : resume);
          log("kill %d: %s moved again after %d ms", kill.number, id, resume.toMillis());
        }
      }
    }
  }

  /** Ticks until the condition holds; false at the deadline. */
  boolean tickUntil(BooleanSupplier condition, Duration within) {
    Instant deadline = Instant.now().plus(within);
    while (Instant.now().isBefore(deadline)) {
      if (condition.getAsBoolean()) {
        return true;
      }
      tick();
    }
    return condition.getAsBoolean();
  }

  /**
   * Kills {@code node} at a random point: for a rollback kill, once a release is rolling back (up
   * to 60 s), else between 1 and 10 s from now; then starts it again under the same node id (with
   * other nodes, once they have taken its jobs over).
   */
  void killAndRestart(CountersignNode node, boolean duringRollback) {
    String trigger;
    Moment moment;
    recordResumes();
    kills.forEach(k -> k.closed = true);
    if (duringRollback) {
      // A rollback can be over within one round of sign-offs on a busy machine: a thread of its own
      // watches the statuses closely and kills the node the moment one is rolling back.
      AtomicReference<Moment> atKill = new AtomicReference<>();
      Thread watcher =
          new Thread(
              () -> {
                Instant deadline = Instant.now().plus(Duration.ofSeconds(60));
                while (Instant.now().isBefore(deadline)) {
                  Map<String, String> now = cluster.statuses();
                  if (now.containsValue("rolling-back")) {
                    atKill.set(kill(node, now));
                    return;
                  }
                  LockSupport.parkNanos(Duration.ofMillis(50).toNanos());
                }
              },
              "crash-rollback-watcher");
      watcher.setDaemon(true);
      watcher.start();
      tickUntil(() -> !watcher.isAlive(), Duration.ofSeconds(70));
      moment = atKill.get();
      trigger = moment != null ? "during rollback" : "rollback awaited in vain, killed anyway";
      if (moment == null) {
        moment = kill(node, cluster.statuses());
      }
    } else {
      Duration after = Duration.ofMillis(1000 + random.nextInt(9000));
      Instant at = Instant.now().plus(after);
      tickUntil(() -> !Instant.now().isBefore(at), after.plusSeconds(1));
      trigger = "after " + after.toMillis() + " ms";
      moment = kill(node, cluster.statuses());
    }
    Map<String, String> statuses = moment.statuses();
    Map<String, String[]> locked = moment.locked();
    // Also a release awaiting sign-off with a job held (the sign-off's own start is a job).
    Set<String> withJobs = new HashSet<>();
    locked.values().forEach(job -> withJobs.add(job[0]));
    Set<String> inFlight =
        statuses.entrySet().stream()
            .filter(
                e ->
                    inFlight(e.getValue())
                        || e.getValue().equals("awaiting-sign-off")
                            && withJobs.contains(e.getKey()))
            .map(Map.Entry::getKey)
            .collect(Collectors.toCollection(TreeSet::new));
    Kill kill =
        new Kill(
            kills.size() + 1,
            node.id(),
            trigger,
            moment.at(),
            moment.sequences(),
            inFlight,
            locked);
    kills.add(kill);
    log(
        "KILL %d: SIGKILL %s (%s); statuses %s; jobs locked then (release, owner): %s",
        kill.number,
        node.id(),
        trigger,
        statusSummary(statuses),
        locked.values().stream().map(j -> j[0] + " " + j[1]).toList());
    if (measureFromKill) {
      // Gone for a while, as a node that does not come back: the survivors must take its jobs over
      // when their leases lapse. It comes back once they have (or the resume bound has passed,
      // which
      // the checks then report).
      Set<String> waitFor = new TreeSet<>(kill.heldByKilledNode());
      waitFor.retainAll(kill.inFlight);
      tickUntil(() -> kill.resumed.keySet().containsAll(waitFor), resumeBound().plusSeconds(5));
      log("%s stays down until its jobs were taken over: %s", node.id(), kill.resumed);
    }
    node.start();
    restarting.put(node, true);
  }

  /** The state at a kill: statuses just before, the rest just after. */
  private record Moment(
      Instant at,
      Map<String, String> statuses,
      Map<String, Long> sequences,
      Map<String, String[]> locked) {}

  private Moment kill(CountersignNode node, Map<String, String> statuses) {
    node.kill();
    Instant at = Instant.now();
    return new Moment(at, statuses, cluster.lastSequences(), lockedJobs());
  }

  /** Jobs whose lock has not expired: job id → {release id, lock owner}. */
  private Map<String, String[]> lockedJobs() {
    Map<String, String[]> jobs = new HashMap<>();
    cluster.query(
        "SELECT j.id_, p.business_key_, j.lock_owner_ FROM act_ru_job j"
            + " JOIN act_ru_execution p ON p.id_ = j.process_instance_id_"
            + " WHERE j.lock_exp_time_ > now()",
        rs -> jobs.put(rs.getString(1), new String[] {rs.getString(2), rs.getString(3)}));
    return jobs;
  }

  /**
   * While a killed node is down, a lock that was not there at the kill is the survivors': learns
   * their lock owners (their node ids), so the killed node's held jobs can be told apart.
   */
  private void learnSurvivorOwners() {
    Map<String, String[]> now = null;
    for (Kill kill : kills) {
      if (!measureFromKill || kill.closed || kill.restartedReady != null) {
        continue;
      }
      if (now == null) {
        now = lockedJobs();
      }
      now.forEach(
          (job, held) -> {
            String[] before = kill.lockedAtKill.get(job);
            if (before == null || !Objects.equals(before[1], held[1])) {
              kill.survivorOwners.add(held[1]);
            }
          });
    }
  }

  /** Ticks until no node is restarting (fails with the node's log when one does not come up). */
  void awaitRestarts() {
    if (!tickUntil(restarting::isEmpty, Duration.ofMinutes(3))) {
      CountersignNode node = restarting.keySet().iterator().next();
      throw new AssertionError(node.id() + " did not restart:\n" + node.tail(80));
    }
  }

  /** Ticks until every planned release is in a terminal status. */
  void awaitAllTerminal(Duration within) {
    boolean done =
        tickUntil(
            () -> {
              Map<String, String> statuses = cluster.statuses();
              return planned.stream()
                  .allMatch(p -> TERMINAL.contains(statuses.getOrDefault(p.id(), "")));
            },
            within);
    // Let the last releases' resumes and end evidence settle in.
    recordResumes();
    if (!done) {
      Map<String, String> statuses = cluster.statuses();
      StringBuilder stuck = new StringBuilder();
      for (Planned p : planned) {
        String status = statuses.get(p.id());
        if (!TERMINAL.contains(String.valueOf(status))) {
          stuck.append("\n  ").append(p.id()).append(' ').append(status).append(jobs(p.id()));
        }
      }
      throw new AssertionError(
          "releases not terminal within "
              + within
              + " (seed "
              + seed
              + "):"
              + stuck
              + "\n"
              + nodes.get(0).tail(60));
    }
  }

  private String jobs(String releaseId) {
    List<String> jobs =
        cluster.strings(
            "SELECT j.type_ || ':' || coalesce(e.act_id_, '?') || ' owner=' || coalesce(j.lock_owner_, '-')"
                + " || ' lockUntil=' || coalesce(j.lock_exp_time_::text, '-') || ' retries=' || j.retries_"
                + " || ' due=' || coalesce(j.duedate_::text, '-')"
                + " FROM act_ru_job j JOIN act_ru_execution p ON p.id_ = j.process_instance_id_"
                + " LEFT JOIN act_ru_execution e ON e.id_ = j.execution_id_"
                + " WHERE p.business_key_ = ?",
            releaseId);
    return " jobs " + jobs;
  }

  private static String statusSummary(Map<String, String> statuses) {
    return statuses.values().stream()
        .collect(Collectors.groupingBy(s -> s, TreeMap::new, Collectors.counting()))
        .toString();
  }

  // ---- checks and figures ----

  List<Planned> planned() {
    return planned;
  }

  List<Kill> kills() {
    return kills;
  }

  /**
   * None lost, none duplicated, every chain valid, every version applied once; all findings at
   * once.
   */
  void checkEverything(CountersignNode via) {
    SoftAssertions soft = new SoftAssertions();
    Map<String, String> statuses = cluster.statuses();
    soft.assertThat(statuses.keySet())
        .as("releases in the read model (none lost, none twice)")
        .containsExactlyInAnyOrderElementsOf(planned.stream().map(Planned::id).toList());
    HttpSupport http = via.http();
    for (Planned p : planned) {
      JsonNode release = http.get("requester", "/api/releases/" + p.id()).json();
      soft.assertThat(release.path("status").asText())
          .as("%s (#%d, drill %s) over the API: %s", p.id(), p.n(), p.drillAt(), release)
          .isEqualTo(p.expected());
      JsonNode verification =
          http.get("compliance-officer", "/api/releases/" + p.id() + "/evidence/verify").json();
      soft.assertThat(verification.path("valid").asBoolean())
          .as("%s chain verifies: %s", p.id(), verification)
          .isTrue();
      checkEvidenceOnce(soft, p);
      List<String> history = cluster.targetHistory(p.n());
      soft.assertThat(history)
          .as("Flyway history of %s's target %s", p.id(), cluster.targetDatabase(p.n()))
          .doesNotHaveDuplicates()
          .isEqualTo(p.drillAt() == null ? List.of("1", "2", "3") : List.of());
    }
    JsonNode installation = http.get("admin", "/api/evidence/verify").json();
    soft.assertThat(installation.path("valid").asBoolean())
        .as("the installation's evidence verifies: %s", installation)
        .isTrue();
    soft.assertThat(
            cluster.strings(
                "SELECT version FROM cs_schema_history WHERE version IS NOT NULL"
                    + " GROUP BY version HAVING COUNT(*) > 1"))
        .as("Countersign's own migrations, each once")
        .isEmpty();
    soft.assertThat(
            cluster.strings(
                "SELECT incident_type_ || ': ' || coalesce(incident_msg_, '') FROM act_ru_incident"))
        .as("open incidents")
        .isEmpty();
    soft.assertAll();
  }

  private void checkEvidenceOnce(SoftAssertions soft, Planned p) {
    List<String[]> entries = cluster.evidence(p.id());
    Map<String, Long> types =
        entries.stream()
            .collect(Collectors.groupingBy(e -> e[0], LinkedHashMap::new, Collectors.counting()));
    for (String type : ONCE) {
      soft.assertThat(types.getOrDefault(type, 0L))
          .as("%s: '%s' entries (all types: %s)", p.id(), type, types)
          .isLessThanOrEqualTo(1L);
    }
    // ...and what every release of its kind records, once.
    List<String> required =
        new ArrayList<>(List.of("release-requested", "deployment-started", "database-backup"));
    required.add(p.drillAt() == null ? "release-released" : "rollback-started");
    for (String type : required) {
      soft.assertThat(types.getOrDefault(type, 0L))
          .as("%s: '%s' entries (all types: %s)", p.id(), type, types)
          .isEqualTo(1L);
    }
    soft.assertThat(types.getOrDefault("sign-off", 0L))
        .as("%s: sign-offs (tech lead and QA lead)", p.id())
        .isEqualTo(2L);
    // The same step for the same function or workload once (a retried job rolls back its entry).
    for (String type : List.of("lambda-deployed", "kubernetes-rollout")) {
      List<String> payloads =
          entries.stream().filter(e -> e[0].equals(type)).map(e -> e[1]).toList();
      soft.assertThat(payloads).as("%s: %s entries", p.id(), type).doesNotHaveDuplicates();
    }
  }

  /** Prints the kills and the resume figures; returns every resume time measured. */
  List<Duration> report() {
    List<Duration> all = new ArrayList<>();
    List<Duration> locked = new ArrayList<>();
    for (Kill kill : kills) {
      Collection<Duration> resumed = kill.resumed.values();
      all.addAll(resumed);
      Set<String> held = kill.heldByKilledNode();
      kill.resumed.forEach(
          (id, d) -> {
            if (held.contains(id)) {
              locked.add(d);
            }
          });
      Set<String> never = new TreeSet<>(kill.inFlight);
      never.removeAll(kill.resumed.keySet());
      log(
          "kill %d of %s (%s): ready again after %s ms; %d in flight, resumed %s%s; held by it: %s",
          kill.number,
          kill.node,
          kill.trigger,
          kill.restartedReady == null
              ? "?"
              : Duration.between(kill.at, kill.restartedReady).toMillis(),
          kill.inFlight.size(),
          resumed.stream().map(d -> d.toMillis() + " ms").toList(),
          never.isEmpty() ? "" : ", not moved before the next kill or the end: " + never,
          kill.heldByKilledNode());
    }
    figures("resume times", all);
    figures("resume times of releases whose job the killed node held", locked);
    Map<String, Long> outcomes =
        cluster.statuses().values().stream()
            .collect(Collectors.groupingBy(s -> s, TreeMap::new, Collectors.counting()));
    log("outcomes %s; %d releases, %d kills", outcomes, planned.size(), kills.size());
    return all;
  }

  private void figures(String what, List<Duration> durations) {
    List<Long> millis = durations.stream().map(Duration::toMillis).sorted().toList();
    if (millis.isEmpty()) {
      log("%s: none measured", what);
      return;
    }
    log(
        "%s (%s, ms, seed %d): min %d, median %d, max %d over %d releases and %d kills",
        what,
        measureFromKill ? "from the kill" : "from the restarted node's readiness",
        seed,
        millis.get(0),
        millis.get(millis.size() / 2),
        millis.get(millis.size() - 1),
        millis.size(),
        kills.size());
  }

  static void assertResumesWithin(List<Duration> resumes, Duration bound) {
    assertThat(resumes).allSatisfy(d -> assertThat(d).isLessThanOrEqualTo(bound));
  }
}
