package io.countersign.metrics;

import io.countersign.identity.Groups;
import io.countersign.manifest.Environments;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.camunda.bpm.engine.ManagementService;
import org.camunda.bpm.engine.RuntimeService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.core.task.TaskExecutor;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.scheduling.concurrent.ThreadPoolTaskExecutor;
import org.springframework.stereotype.Component;

/**
 * Gauges of state: releases per status and environment and the oldest per status (from the release
 * read model, cs_release), open and overdue sign-off tasks per role, open incidents and the job
 * queue (from the engine). A scrape reads a snapshot that a few grouped queries refresh every
 * {@code countersign.metrics.refresh} (15 s), so scrapes never reach the database. Every node
 * reports the same installation-wide numbers: aggregate them with max, not sum.
 */
@Component
class StateGauges {
  private static final Logger LOG = LoggerFactory.getLogger(StateGauges.class);

  /** Every status a release can have (ReleaseStatus and the models); others found are added. */
  static final List<String> STATUSES =
      List.of(
          "requested",
          "checking-evidence",
          "awaiting-sign-off",
          "awaiting-window",
          "deploying",
          "verifying",
          "awaiting-evidence",
          "released",
          "rolling-back",
          "rolled-back",
          "failed",
          "rejected",
          "expired",
          "cancelled");

  /** Statuses a release leaves by itself or by a decision: the ones a release can be stuck in. */
  static final List<String> TERMINAL =
      List.of("released", "rolled-back", "failed", "rejected", "expired", "cancelled");

  /** The sign-off task of sign-off.bpmn (cs_task.task_key). */
  private static final String SIGN_OFF_TASK = "approveRelease";

  private final JdbcTemplate jdbc;
  private final RuntimeService runtime;
  private final ManagementService management;
  private final List<String> environments;
  private final Clock clock;
  private final MultiGauge releases;
  private final MultiGauge oldest;
  private final MultiGauge signOffsOpen;
  private final MultiGauge signOffsOverdue;
  private final MultiGauge signOffsOldest;
  private final AtomicLong incidents = new AtomicLong();
  private final AtomicLong queued = new AtomicLong();

  StateGauges(
      MeterRegistry meters,
      JdbcTemplate jdbc,
      RuntimeService runtime,
      ManagementService management,
      Environments environments,
      @Qualifier("camundaTaskExecutor") ObjectProvider<TaskExecutor> jobThreads) {
    this.jdbc = jdbc;
    this.runtime = runtime;
    this.management = management;
    this.environments = environments.ids();
    this.clock = Clock.systemUTC();
    releases =
        MultiGauge.builder("countersign.releases")
            .description("Releases per status and environment (release read model)")
            .register(meters);
    oldest =
        MultiGauge.builder("countersign.releases.oldest.age")
            .description("Seconds since the oldest release in a non-final status entered it")
            .baseUnit("seconds")
            .register(meters);
    signOffsOpen =
        MultiGauge.builder("countersign.signoffs.open")
            .description("Open sign-off tasks per role")
            .register(meters);
    signOffsOverdue =
        MultiGauge.builder("countersign.signoffs.overdue")
            .description("Open sign-off tasks past their escalation (follow-up) date, per role")
            .register(meters);
    signOffsOldest =
        MultiGauge.builder("countersign.signoffs.oldest.age")
            .description("Seconds the oldest open sign-off task per role has waited")
            .baseUnit("seconds")
            .register(meters);
    Gauge.builder("countersign.incidents.open", incidents, AtomicLong::get)
        .description("Open incidents in the engine (failed jobs out of retries and the like)")
        .register(meters);
    Gauge.builder("countersign.jobs.queue", queued, AtomicLong::get)
        .description("Executable jobs that no job executor has locked yet")
        .register(meters);
    TaskExecutor executor = jobThreads.getIfAvailable();
    if (executor instanceof ThreadPoolTaskExecutor pool) {
      Gauge.builder("countersign.jobs.executor.busy", pool, ThreadPoolTaskExecutor::getActiveCount)
          .description("Job executor threads of this node running a job")
          .baseUnit("threads")
          .register(meters);
      Gauge.builder("countersign.jobs.executor.max", pool, ThreadPoolTaskExecutor::getMaxPoolSize)
          .description("Job executor threads this node may run")
          .baseUnit("threads")
          .register(meters);
    }
    refresh();
  }

  /** Failures are logged: the gauges keep their last values until the next refresh works. */
  @Scheduled(
      fixedDelayString = "${countersign.metrics.refresh:PT15S}",
      initialDelayString = "${countersign.metrics.refresh:PT15S}")
  void refresh() {
    try {
      refreshReleases();
      refreshSignOffs();
      incidents.set(runtime.createIncidentQuery().count());
      long executable = management.createJobQuery().executable().count();
      long locked = management.createJobQuery().executable().acquired().count();
      queued.set(Math.max(0, executable - locked));
    } catch (RuntimeException e) {
      LOG.warn("metrics refresh failed: {}", e.toString());
    }
  }

  private void refreshReleases() {
    Instant now = clock.instant();
    Map<List<String>, Long> counts = new HashMap<>();
    Map<List<String>, Double> ages = new HashMap<>();
    for (String environment : environments) {
      for (String status : STATUSES) {
        counts.put(List.of(status, environment), 0L);
        if (!TERMINAL.contains(status)) {
          ages.put(List.of(status, environment), 0.0);
        }
      }
    }
    // One grouped query over the read model; updated_at is when the status last changed.
    jdbc.query(
        "SELECT status, environment, COUNT(*), MIN(updated_at) FROM cs_release"
            + " GROUP BY status, environment",
        rs -> {
          List<String> key = List.of(rs.getString(1), rs.getString(2));
          counts.put(key, rs.getLong(3));
          Timestamp since = rs.getTimestamp(4);
          if (!TERMINAL.contains(key.get(0)) && since != null) {
            ages.put(key, seconds(since, now));
          }
        });
    releases.register(byStatus(counts), true);
    oldest.register(byStatus(ages), true);
  }

  private void refreshSignOffs() {
    Instant now = clock.instant();
    Map<String, Long> open = new HashMap<>();
    Map<String, Long> overdue = new HashMap<>();
    Map<String, Double> age = new HashMap<>();
    for (String role : Groups.SIGN_OFF_ROLES) {
      open.put(role, 0L);
      overdue.put(role, 0L);
      age.put(role, 0.0);
    }
    // Open sign-off tasks: Countersign's record of each (role, creation) joined to the engine's
    // open tasks; the follow-up date is the escalation the release policy set.
    jdbc.query(
        "SELECT t.role, COUNT(*), MIN(t.created_at),"
            + " SUM(CASE WHEN r.FOLLOW_UP_DATE_ < ? THEN 1 ELSE 0 END)"
            + " FROM cs_task t JOIN ACT_RU_TASK r ON r.ID_ = t.task_id"
            + " WHERE t.task_key = ? GROUP BY t.role",
        rs -> {
          String role = ReleaseMeters.bounded(rs.getString(1), Groups.SIGN_OFF_ROLES);
          open.merge(role, rs.getLong(2), Long::sum);
          overdue.merge(role, rs.getLong(4), Long::sum);
          Timestamp since = rs.getTimestamp(3);
          if (since != null) {
            age.merge(role, seconds(since, now), Math::max);
          }
        },
        Timestamp.from(now),
        SIGN_OFF_TASK);
    signOffsOpen.register(rows(open), true);
    signOffsOverdue.register(rows(overdue), true);
    signOffsOldest.register(rows(age), true);
  }

  /** Rows keyed by (status, environment). */
  private static List<MultiGauge.Row<?>> byStatus(Map<List<String>, ? extends Number> values) {
    List<MultiGauge.Row<?>> rows = new ArrayList<>();
    values.forEach(
        (key, value) ->
            rows.add(
                MultiGauge.Row.of(
                    Tags.of("status", key.get(0), "environment", key.get(1)), value)));
    return rows;
  }

  private static List<MultiGauge.Row<?>> rows(Map<String, ? extends Number> byRole) {
    List<MultiGauge.Row<?>> rows = new ArrayList<>();
    byRole.forEach((role, value) -> rows.add(MultiGauge.Row.of(Tags.of("role", role), value)));
    return rows;
  }

  private static double seconds(Timestamp since, Instant now) {
    return Math.max(0, Duration.between(since.toInstant(), now).toMillis() / 1000.0);
  }
}
