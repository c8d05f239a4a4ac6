package io.countersign.notify;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * Publishes events about releases: one outbox row per channel routed to the event, written with the
 * caller's transaction (the engine's job transaction joins it), so a rolled-back job publishes
 * nothing and a committed one never loses its events. Nothing is sent here; {@link OutboxDeliverer}
 * sends after the commit.
 */
@Component
public class Notifications {
  /** A release's status changed (data: status, reason). */
  public static final String STATUS_CHANGED = "io.countersign.release.status-changed";

  /** A sign-off task waits for a role (data: role, taskId, taskName, due, followUp). */
  public static final String SIGN_OFF_WAITING = "io.countersign.sign-off.waiting";

  /** Sign-offs open past the escalation time; release managers may sign (data: openRoles). */
  public static final String SIGN_OFF_ESCALATED = "io.countersign.sign-off.escalated";

  /** Sign-offs open past the deadline: the release expired (data: openRoles, reason). */
  public static final String SIGN_OFF_EXPIRED = "io.countersign.sign-off.expired";

  /** An emergency override waits for a release manager (data: taskId, reason, incident...). */
  public static final String OVERRIDE_REQUESTED = "io.countersign.override.requested";

  /** An override was approved or rejected (data: decision, decidedBy, comment). */
  public static final String OVERRIDE_DECIDED = "io.countersign.override.decided";

  /** The post-override review waits for compliance officers (data: taskId, due). */
  public static final String OVERRIDE_REVIEW_DUE = "io.countersign.override.review-due";

  /** A decision during deployment waits for operations leads (data: taskId, taskName). */
  public static final String DECISION_WAITING = "io.countersign.decision.waiting";

  /** A rollback started (data: reason). */
  public static final String ROLLBACK_STARTED = "io.countersign.rollback.started";

  /** A rollback ended (data: restored true/false, status, reason). */
  public static final String ROLLBACK_FINISHED = "io.countersign.rollback.finished";

  /** A step failed past its retries and stopped the release (data: incidentId, activity...). */
  public static final String INCIDENT_OPENED = "io.countersign.incident.opened";

  /** The incident was resolved, or went with its release (data: incidentId, how). */
  public static final String INCIDENT_RESOLVED = "io.countersign.incident.resolved";

  /** Every type, in the README's order. */
  static final List<String> TYPES =
      List.of(
          STATUS_CHANGED,
          SIGN_OFF_WAITING,
          SIGN_OFF_ESCALATED,
          SIGN_OFF_EXPIRED,
          OVERRIDE_REQUESTED,
          OVERRIDE_DECIDED,
          OVERRIDE_REVIEW_DUE,
          DECISION_WAITING,
          ROLLBACK_STARTED,
          ROLLBACK_FINISHED,
          INCIDENT_OPENED,
          INCIDENT_RESOLVED);

  static final String SOURCE = "countersign";

  private static final ObjectMapper JSON = new ObjectMapper();

  private final JdbcTemplate jdbc;
  private final NotificationProperties properties;
  private final String baseUrl;

  Notifications(
      JdbcTemplate jdbc,
      NotificationProperties properties,
      @Value("${countersign.base-url:}") String baseUrl) {
    List<String> problems = properties.problems();
    if (!problems.isEmpty()) {
      throw new IllegalStateException(
          "notifications misconfigured: " + String.join("; ", problems));
    }
    this.jdbc = jdbc;
    this.properties = properties;
    this.baseUrl = baseUrl;
  }

  /**
   * Writes the event for every channel that wants its type and the environment in {@code data}
   * ({@code environment}); returns the event ids written (one per channel). Without an {@code
   * environment} in {@code given}, the release's application, version, environment and requester
   * come first from its read model. Adds {@code links}: the release in the API and in the console
   * and, when {@code data} names a {@code taskId}, the task in Tasklist.
   */
  public List<String> publish(String releaseId, String type, Map<String, ?> given) {
    if (properties.routes().isEmpty()) {
      return List.of(); // nothing configured: not even the read below
    }
    Map<String, Object> data = new LinkedHashMap<>();
    if (!given.containsKey("environment")) {
      // What every reader of an event needs first, from the release's read model.
      jdbc.query(
          "SELECT id, application, version, environment, requester FROM cs_release WHERE id = ?",
          rs -> {
            data.put("releaseId", rs.getString("id"));
            data.put("application", rs.getString("application"));
            data.put("version", rs.getString("version"));
            data.put("environment", rs.getString("environment"));
            data.put("requestedBy", rs.getString("requester"));
          },
          releaseId);
    }
    data.putAll(given);
    Map<String, String> links = new LinkedHashMap<>();
    Object taskId = data.get("taskId");
    if (taskId != null) {
      links.put("task", baseUrl + "/camunda/app/tasklist/default/#/?task=" + taskId);
    }
    links.put("release", baseUrl + "/api/releases/" + releaseId);
    links.put("console", baseUrl + "/console/releases/" + releaseId);
    links.put("evidence", baseUrl + "/api/releases/" + releaseId + "/evidence");
    data.put("links", links);
    Object environment = data.get("environment");
    Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
    List<String> ids = new ArrayList<>();
    for (Map.Entry<String, NotificationProperties.Routed> channel :
        properties.routes().entrySet()) {
      if (!channel.getValue().wants(type, environment == null ? null : environment.toString())) {
        continue;
      }
      String id = UUID.randomUUID().toString();
      jdbc.update(
          """
          INSERT INTO cs_notification_outbox (id, release_id, type, channel, payload, created_at,
            attempts, next_attempt_at)
          VALUES (?, ?, ?, ?, ?, ?, 0, ?)""",
          id,
          releaseId,
          type,
          channel.getKey(),
          cloudEvent(id, releaseId, type, now, data),
          Timestamp.from(now),
          Timestamp.from(now));
      ids.add(id);
    }
    return ids;
  }

  /** The CloudEvents 1.0 structured-mode JSON, as every attempt sends it. */
  static String cloudEvent(
      String id, String releaseId, String type, Instant time, Map<String, ?> data) {
    ObjectNode event = JSON.createObjectNode();
    event.put("specversion", "1.0");
    event.put("id", id);
    event.put("source", SOURCE);
    event.put("type", type);
    event.put("subject", releaseId);
    event.put("time", time.toString());
    event.put("datacontenttype", "application/json");
    event.set("data", JSON.valueToTree(data));
    try {
      return JSON.writeValueAsString(event);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("event data cannot be written as JSON", e);
    }
  }
}
