package io.countersign.notify;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
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
  /** A release's status changed (data: releaseId, application, version, environment, status...). */
  public static final String STATUS_CHANGED = "io.countersign.release.status-changed";

  static final String SOURCE = "countersign";

  private static final ObjectMapper JSON = new ObjectMapper();

  private final JdbcTemplate jdbc;
  private final NotificationProperties properties;

  Notifications(JdbcTemplate jdbc, NotificationProperties properties) {
    List<String> problems = properties.problems();
    if (!problems.isEmpty()) {
      throw new IllegalStateException(
          "notifications misconfigured: " + String.join("; ", problems));
    }
    this.jdbc = jdbc;
    this.properties = properties;
  }

  /**
   * Writes the event for every channel that wants its type and the environment in {@code data}
   * ({@code environment}); returns the event ids written (one per channel).
   */
  public List<String> publish(String releaseId, String type, Map<String, ?> data) {
    Object environment = data.get("environment");
    Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
    List<String> ids = new ArrayList<>();
    for (Map.Entry<String, NotificationProperties.Webhook> channel :
        new TreeMap<>(properties.webhooks()).entrySet()) {
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
