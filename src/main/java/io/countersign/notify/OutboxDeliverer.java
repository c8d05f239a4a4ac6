package io.countersign.notify;

import io.countersign.evidence.EvidenceLog;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * Sends what {@link Notifications} published, after its transaction committed and outside any
 * other: every node calls {@link #deliverDue} now and then (scheduled by {@link
 * NotificationScheduling}). A node claims a due row with a conditional UPDATE that moves its next
 * attempt a lease ahead, so two nodes never send the same row at once; the claim and every outcome
 * commit on their own. A failed send is retried with exponential back-off (10 s doubling, capped at
 * 10 min) until the maximum of attempts, after which the row is dead (kept, never sent again).
 * Delivery is at least once: a node that dies between the send and marking it delivered leaves the
 * row to be sent again after the lease, under the same event id.
 */
@Component
public class OutboxDeliverer {
  static final Duration FIRST_BACKOFF = Duration.ofSeconds(10);
  static final Duration MAX_BACKOFF = Duration.ofMinutes(10);

  /** How long a claim holds a row: far longer than one send (bounded by the timeout). */
  static final Duration LEASE = Duration.ofMinutes(2);

  /** Rows read per round. */
  private static final int BATCH = 50;

  /** Sends per call at most (about): the rest wait for the next call. */
  private static final int MAX_PER_CALL = 500;

  private static final Logger LOG = LoggerFactory.getLogger(OutboxDeliverer.class);

  private final JdbcTemplate jdbc;
  private final EvidenceLog evidence;
  private final NotificationProperties properties;
  private final Channels channels;
  private final MeterRegistry meters;

  /** Failures in a row per channel, as this node saw them (a success resets it). */
  private final Map<String, Integer> failuresInARow = new ConcurrentHashMap<>();

  OutboxDeliverer(
      JdbcTemplate jdbc,
      EvidenceLog evidence,
      NotificationProperties properties,
      Channels channels,
      MeterRegistry meters) {
    this.jdbc = jdbc;
    this.evidence = evidence;
    this.properties = properties;
    this.channels = channels;
    this.meters = meters;
    for (String channel : channels.names()) {
      failuresInARow.put(channel, 0);
      Gauge.builder(
              "countersign.notifications.failures.in.a.row",
              failuresInARow,
              f -> f.getOrDefault(channel, 0))
          .description("Failed attempts in a row, as this node saw them")
          .tag("channel", channel)
          .register(meters);
      // Registered at start with zero (README "Metrics and alerts"): an alert on a rate needs the
      // series before the first failure.
      for (String outcome : List.of("delivered", "skipped", "failed", "dead")) {
        count(channel, outcome, 0);
      }
    }
  }

  private record Due(String id, String releaseId, String channel, String payload, int attempts) {}

  /**
   * Sends every row due at {@code now} that this node can claim, oldest first; returns how many it
   * sent. Per release and channel, events go in the order they were published: a row waits while an
   * older one of its release and channel is undelivered (and not dead), so each round sends the
   * head of every such queue, and rounds go on while they send something (a failed head stops its
   * queue until its retry).
   */
  public int deliverDue(Instant at) {
    // As stored: a column that rounds finer digits could otherwise put a row just after "now".
    Instant now = at.truncatedTo(ChronoUnit.MILLIS);
    // Only the channels this node knows: during a configuration change another node may know more,
    // and an event for a channel that is gone everywhere waits (undelivered) rather than failing.
    List<String> names = channels.names();
    if (names.isEmpty()) {
      return 0;
    }
    int total = 0;
    int sent;
    do {
      sent = 0;
      for (Due row : due(names, now)) {
        if (claim(row, now)) {
          deliver(row, row.attempts() + 1, now);
          sent++;
        }
      }
      total += sent;
    } while (sent > 0 && total < MAX_PER_CALL);
    return total;
  }

  /**
   * The heads of the queues due now: no older undelivered, live row of their release and channel.
   */
  private List<Due> due(List<String> names, Instant now) {
    List<Object> arguments = new ArrayList<>(names);
    arguments.add(properties.delivery().maxAttempts());
    arguments.add(Timestamp.from(now));
    arguments.add(properties.delivery().maxAttempts());
    return jdbc.query(
        "SELECT id, release_id, channel, payload, attempts FROM cs_notification_outbox r"
            + " WHERE channel IN ("
            + String.join(", ", Collections.nCopies(names.size(), "?"))
            + ") AND delivered_at IS NULL AND attempts < ? AND next_attempt_at <= ?"
            + " AND NOT EXISTS (SELECT 1 FROM cs_notification_outbox o"
            + " WHERE o.release_id = r.release_id AND o.channel = r.channel AND o.seq < r.seq"
            + " AND o.delivered_at IS NULL AND o.attempts < ?)"
            + " ORDER BY seq FETCH FIRST "
            + BATCH
            + " ROWS ONLY",
        (rs, row) ->
            new Due(
                rs.getString("id"),
                rs.getString("release_id"),
                rs.getString("channel"),
                rs.getString("payload"),
                rs.getInt("attempts")),
        arguments.toArray());
  }

  /**
   * Takes the row for one attempt: only if nobody took or finished it since it was read (the
   * attempts and the due time are as read). Commits on its own.
   */
  private boolean claim(Due row, Instant now) {
    return jdbc.update(
            """
            UPDATE cs_notification_outbox SET attempts = attempts + 1, next_attempt_at = ?
            WHERE id = ? AND delivered_at IS NULL AND attempts = ? AND next_attempt_at <= ?""",
            Timestamp.from(now.plus(LEASE)),
            row.id(),
            row.attempts(),
            Timestamp.from(now))
        == 1;
  }

  private void deliver(Due row, int attempt, Instant now) {
    Channel channel = channels.get(row.channel());
    Channel.Outcome outcome = send(channel, row, now);
    Map<String, Object> payload = new LinkedHashMap<>();
    payload.put("channel", row.channel());
    payload.put("eventId", row.id());
    payload.put("statusCode", outcome.statusCode());
    payload.put("attempt", attempt);
    if (outcome.delivered()) {
      jdbc.update(
          "UPDATE cs_notification_outbox SET delivered_at = ?, last_error = NULL WHERE id = ?",
          Timestamp.from(now),
          row.id());
      failuresInARow.put(row.channel(), 0);
      if (outcome.note() != null) {
        payload.put("note", outcome.note());
      }
      count(row.channel(), outcome.note() == null ? "delivered" : "skipped");
      evidence.record(row.releaseId(), "notification-delivered", "countersign", payload);
      return;
    }
    boolean dead = attempt >= properties.delivery().maxAttempts();
    count(row.channel(), dead ? "dead" : "failed");
    jdbc.update(
        "UPDATE cs_notification_outbox SET next_attempt_at = ?, last_error = ? WHERE id = ?",
        Timestamp.from(now.plus(backoff(attempt))),
        outcome.error(),
        row.id());
    failuresInARow.merge(row.channel(), 1, Integer::sum);
    payload.put("error", outcome.error());
    payload.put("dead", dead);
    evidence.record(row.releaseId(), "notification-failed", "countersign", payload);
    LOG.warn(
        "notification {} to {} failed (attempt {}{}): {}",
        row.id(),
        row.channel(),
        attempt,
        dead ? ", the last" : "",
        outcome.error());
  }

  private static Channel.Outcome send(Channel channel, Due row, Instant now) {
    if (channel == null) {
      return Channel.Outcome.failed(
          0, "channel " + row.channel() + " is not configured (any more)");
    }
    try {
      return channel.send(Event.parse(row.payload()), now);
    } catch (RuntimeException e) {
      // A channel's own bug must not stop the others: the attempt failed, and says how.
      return Channel.Outcome.failed(
          0, "channel " + row.channel() + " failed: " + e.getClass().getSimpleName());
    }
  }

  /** {@code countersign.notifications.deliveries}: attempts by channel and outcome. */
  private void count(String channel, String outcome) {
    count(channel, outcome, 1);
  }

  private void count(String channel, String outcome, double amount) {
    meters
        .counter("countersign.notifications.deliveries", "channel", channel, "outcome", outcome)
        .increment(amount);
  }

  /** The wait after the given attempt failed: 10 s, 20 s, 40 s... up to 10 minutes. */
  static Duration backoff(int attempt) {
    int doublings = Math.min(attempt - 1, 16);
    Duration wait = FIRST_BACKOFF.multipliedBy(1L << Math.max(0, doublings));
    return wait.compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : wait;
  }

  /** Failures in a row per channel (0 after a success), as this node saw them. */
  Map<String, Integer> failuresInARow() {
    return Map.copyOf(failuresInARow);
  }

  /** Forgets the failures seen so far (tests that share this node's view start afresh). */
  void forgetFailures() {
    failuresInARow.replaceAll((channel, failures) -> 0);
  }

  /** Undelivered rows that will not be sent again, per channel. */
  Map<String, Integer> dead() {
    Map<String, Integer> dead = new LinkedHashMap<>();
    jdbc.query(
        """
        SELECT channel, COUNT(*) AS n FROM cs_notification_outbox
        WHERE delivered_at IS NULL AND attempts >= ? GROUP BY channel ORDER BY channel""",
        rs -> {
          dead.put(rs.getString("channel"), rs.getInt("n"));
        },
        properties.delivery().maxAttempts());
    return dead;
  }
}
