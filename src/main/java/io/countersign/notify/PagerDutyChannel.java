package io.countersign.notify;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * A PagerDuty service over the Events API v2: a rollback, a failed release or an incident triggers
 * an alert, keyed so that the event ending it resolves the same alert (and a repeated trigger joins
 * it instead of paging again). Other events page nobody and send nothing.
 */
class PagerDutyChannel implements Channel {
  /** The events that trigger or resolve an alert. */
  static final List<String> TYPES =
      List.of(
          Notifications.STATUS_CHANGED,
          Notifications.ROLLBACK_STARTED,
          Notifications.ROLLBACK_FINISHED,
          Notifications.INCIDENT_OPENED,
          Notifications.INCIDENT_RESOLVED);

  static final String CONTENT_TYPE = "application/json";

  // The Events API's limits.
  static final int SUMMARY_MAX = 1024;
  static final int DEDUP_KEY_MAX = 255;

  private static final ObjectMapper JSON = new ObjectMapper();

  private final String name;
  private final NotificationProperties.PagerDuty config;
  private final HttpPost http;

  PagerDutyChannel(String name, NotificationProperties.PagerDuty config, HttpPost http) {
    this.name = name;
    this.config = config;
    this.http = http;
  }

  /**
   * What an event does to an alert: trigger or resolve the one with this key; {@code critical}
   * overrides the message's severity.
   */
  record Action(String action, String dedupKey, boolean critical) {}

  @Override
  public Outcome send(Event event, Instant now) {
    Action action = action(event);
    if (action == null) {
      return Outcome.skipped(
          switch (event.type()) {
            case Notifications.STATUS_CHANGED ->
                "pagerduty: nothing to page for status " + event.text("status");
            case Notifications.INCIDENT_OPENED, Notifications.INCIDENT_RESOLVED ->
                "pagerduty: the incident event names no incidentId";
            default -> "pagerduty: nothing to page for " + event.type();
          });
    }
    Outcome outcome =
        http.post(
            "pagerduty " + name,
            config.url(),
            Map.of("Content-Type", CONTENT_TYPE),
            payload(event, action, config.key()));
    // Both still fail (the outbox retries); the error says which kind of failure it was.
    if (outcome.statusCode() == 400) {
      return Outcome.failed(400, outcome.error() + ": PagerDuty refused the event as invalid");
    }
    if (outcome.statusCode() == 429) {
      return Outcome.failed(429, outcome.error() + ": PagerDuty is throttling this service");
    }
    return outcome;
  }

  /** The mapping from event to alert, or null when the event pages nobody. */
  static Action action(Event event) {
    String rollback = key("countersign/" + event.releaseId() + "/rollback");
    return switch (event.type()) {
      case Notifications.ROLLBACK_STARTED -> new Action("trigger", rollback, false);
      case Notifications.ROLLBACK_FINISHED ->
          // Not restored: the same alert is triggered again, critical, so it stays open and
          // escalates.
          event.data().path("restored").asBoolean(false)
              ? new Action("resolve", rollback, false)
              : new Action("trigger", rollback, true);
      case Notifications.STATUS_CHANGED ->
          "failed".equals(event.text("status"))
              ? new Action("trigger", key("countersign/" + event.releaseId() + "/failed"), true)
              : null;
      case Notifications.INCIDENT_OPENED ->
          incident(event) == null ? null : new Action("trigger", incident(event), false);
      case Notifications.INCIDENT_RESOLVED ->
          incident(event) == null ? null : new Action("resolve", incident(event), false);
      default -> null;
    };
  }

  private static String incident(Event event) {
    String id = event.text("incidentId");
    return id == null || id.isBlank() ? null : key("countersign/incident/" + id);
  }

  /** Keys are compared whole: an over-long one is shortened, never cut with an ellipsis. */
  private static String key(String key) {
    return key.length() <= DEDUP_KEY_MAX ? key : key.substring(0, DEDUP_KEY_MAX);
  }

  static String payload(Event event, Action action, String routingKey) {
    ObjectNode root = JSON.createObjectNode();
    root.put("routing_key", routingKey);
    root.put("event_action", action.action());
    root.put("dedup_key", action.dedupKey());
    if (action.action().equals("trigger")) {
      Message message = Message.of(event);
      ObjectNode payload = root.putObject("payload");
      payload.put("summary", Texts.cut(message.title(), SUMMARY_MAX));
      payload.put("source", Notifications.SOURCE);
      payload.put(
          "severity", (action.critical() ? Message.Severity.CRITICAL : message.severity()).value());
      payload.put("timestamp", event.time().toString());
      putIfSet(payload, "component", event.text("application"));
      putIfSet(payload, "group", event.text("environment"));
      payload.put("class", event.type());
      ObjectNode details = payload.putObject("custom_details");
      if (message.summary() != null && !message.facts().containsValue(message.summary())) {
        details.put("Summary", message.summary());
      }
      message.facts().forEach(details::put);
      var links = root.putArray("links");
      message
          .links()
          .forEach((text, href) -> links.addObject().put("href", href).put("text", text));
      root.put("client", "Countersign");
      putIfSet(
          root,
          "client_url",
          event.link("console") != null ? event.link("console") : event.link("release"));
    }
    try {
      return JSON.writeValueAsString(root);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a PagerDuty event is plain JSON", e);
    }
  }

  private static void putIfSet(ObjectNode node, String field, String value) {
    if (value != null && !value.isBlank()) {
      node.put(field, value);
    }
  }
}
