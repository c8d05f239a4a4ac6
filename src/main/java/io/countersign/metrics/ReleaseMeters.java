package io.countersign.metrics;

import io.countersign.evidence.ChainVerification;
import io.countersign.evidence.EvidenceEntry;
import io.countersign.evidence.EvidenceObserver;
import io.countersign.identity.Groups;
import io.countersign.manifest.Environments;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.sql.Timestamp;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * The meters that evidence moves, counted once the entry is committed: a release's duration when it
 * reaches an outcome, each sign-off's wait, override decisions, rollbacks by cause, webhook
 * notices, and chains that fail verification. Tags are bounded (environment, status, role, kind,
 * cause), never a release id. Everything is registered at start with zero, so alerts never wait for
 * a first event.
 */
@Component
class ReleaseMeters implements EvidenceObserver {
  static final List<String> OUTCOMES =
      List.of("released", "rolled-back", "failed", "rejected", "expired", "cancelled");
  static final List<String> CAUSES =
      List.of("requested", "drill", "verification", "deadline", "step-failed", "other");
  static final List<String> WEBHOOK_OUTCOMES =
      List.of("accepted", "refused", "unreachable", "dry-run", "other");

  private final MeterRegistry meters;
  private final JdbcTemplate jdbc;
  private final Counter verificationFailures;
  private final List<String> environments;

  ReleaseMeters(MeterRegistry meters, JdbcTemplate jdbc, Environments environments) {
    this.meters = meters;
    this.jdbc = jdbc;
    this.environments = environments.ids();
    for (String environment : this.environments) {
      for (String outcome : OUTCOMES) {
        releaseDuration(environment, outcome);
      }
    }
    for (String role : Groups.SIGN_OFF_ROLES) {
      signOffWait(role);
    }
    for (String kind : List.of("quick", "extended")) {
      for (String decision : List.of("approve", "deny")) {
        override(kind, decision);
      }
    }
    for (String cause : CAUSES) {
      rollback(cause);
    }
    for (String outcome : WEBHOOK_OUTCOMES) {
      webhookNotice(outcome);
    }
    this.verificationFailures =
        Counter.builder("countersign.evidence.verification.failures")
            .description("Evidence chains that failed verification (hash, signature or checkpoint)")
            .register(meters);
  }

  @Override
  public void committed(EvidenceEntry entry) {
    switch (entry.type()) {
      case "status-changed" -> {
        // Entering an outcome: "released" comes before the release closes (it stays open for
        // the rollback window), and closing it later repeats "released", which is not counted.
        String to = text(entry, "to", "");
        if (OUTCOMES.contains(to) && !to.equals(text(entry, "from", ""))) {
          ended(entry, to);
        }
      }
      case "sign-off" -> signedOff(entry);
      case "override-decision" ->
          override(
                  text(entry, "kind", "unknown"),
                  "approve".equals(text(entry, "decision", "")) ? "approve" : "deny")
              .increment();
      case "rollback-started" -> rollback(cause(entry)).increment();
      case "webhook-notice" ->
          webhookNotice(bounded(text(entry, "outcome", "other"), WEBHOOK_OUTCOMES)).increment();
      default -> {
        // Not metered.
      }
    }
  }

  @Override
  public void verified(String chain, ChainVerification verification) {
    if (!verification.valid()) {
      verificationFailures.increment();
    }
  }

  private void ended(EvidenceEntry entry, String outcome) {
    List<Release> rows =
        jdbc.query(
            "SELECT environment, created_at FROM cs_release WHERE id = ?",
            (rs, n) -> new Release(rs.getString(1), rs.getTimestamp(2)),
            entry.releaseId());
    if (rows.isEmpty()) {
      return;
    }
    Duration took = Duration.between(rows.get(0).createdAt().toInstant(), entry.recordedAt());
    releaseDuration(bounded(rows.get(0).environment(), environments), outcome)
        .record(positive(took));
  }

  private record Release(String environment, Timestamp createdAt) {}

  private void signedOff(EvidenceEntry entry) {
    String taskId = text(entry, "taskId", null);
    if (taskId == null) {
      return;
    }
    List<Timestamp> created =
        jdbc.queryForList(
            "SELECT created_at FROM cs_task WHERE task_id = ?", Timestamp.class, taskId);
    if (!created.isEmpty()) {
      Duration waited = Duration.between(created.get(0).toInstant(), entry.recordedAt());
      signOffWait(bounded(text(entry, "role", "other"), Groups.SIGN_OFF_ROLES))
          .record(positive(waited));
    }
  }

  /**
   * Rollback reasons are free text; the cause is one of a few words: asked for by a person, a
   * rehearsal (the manifest's drill), a verification (health, smoke, metrics, alarms, checks) that
   * failed, a deadline that passed, any other failed step, or other.
   */
  static String cause(EvidenceEntry entry) {
    if (!entry.payload().path("requestedBy").isMissingNode()
        && !entry.payload().path("requestedBy").isNull()) {
      return "requested";
    }
    String step = text(entry, "failedStep", "").toLowerCase(Locale.ROOT);
    String reason = text(entry, "reason", "").toLowerCase(Locale.ROOT);
    if (reason.startsWith("rollback drill")) {
      return "drill";
    }
    if (reason.contains("deadline") || reason.contains("timed out") || reason.contains("timeout")) {
      return "deadline";
    }
    if (step.startsWith("verify")
        || step.contains("check")
        || step.contains("watch")
        || step.contains("gate")
        || reason.contains("verification")) {
      return "verification";
    }
    return step.isEmpty() ? "other" : "step-failed";
  }

  private Timer releaseDuration(String environment, String outcome) {
    return Timer.builder("countersign.release.duration")
        .description("From submission to the end of a release, by environment and final status")
        .tags("environment", environment, "outcome", outcome)
        .publishPercentileHistogram()
        .minimumExpectedValue(Duration.ofMinutes(1))
        .maximumExpectedValue(Duration.ofDays(14))
        .register(meters);
  }

  private Timer signOffWait(String role) {
    return Timer.builder("countersign.signoff.wait")
        .description("From a sign-off task's creation to its decision, by role")
        .tags("role", role)
        .publishPercentileHistogram()
        .minimumExpectedValue(Duration.ofMinutes(1))
        .maximumExpectedValue(Duration.ofDays(14))
        .register(meters);
  }

  private Counter override(String kind, String decision) {
    return Counter.builder("countersign.overrides")
        .description("Emergency override decisions, by kind and decision")
        .tags("kind", bounded(kind, List.of("quick", "extended")), "decision", decision)
        .register(meters);
  }

  /** The deployment webhooks' notices (webhook package): channel "webhook" beside notify's. */
  private Counter webhookNotice(String outcome) {
    return meters.counter(
        "countersign.notifications.deliveries", "channel", "webhook", "outcome", outcome);
  }

  private Counter rollback(String cause) {
    return Counter.builder("countersign.rollbacks")
        .description("Rollbacks started, by cause")
        .tags("cause", cause)
        .register(meters);
  }

  private static Duration positive(Duration d) {
    return d.isNegative() ? Duration.ZERO : d;
  }

  /** A tag value from a known set, else "other": cardinality stays bounded whatever is stored. */
  static String bounded(String value, List<String> known) {
    return known.contains(value) ? value : "other";
  }

  private static String text(EvidenceEntry entry, String field, String otherwise) {
    return entry.payload().path(field).asText(otherwise);
  }
}
