package io.countersign.notify;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/** Events as the outbox stores them, for the channel tests: links as {@link Notifications} adds. */
final class ChannelTestEvents {
  static final String BASE = "https://countersign.example.org";
  static final String RELEASE = "5f0c3a1e-8d7b-4c2a-9e61-0a1b2c3d4e5f";
  static final String EVENT_ID = "0b6c9f0e-1d2e-4f3a-8b5c-6d7e8f9a0b1c";
  static final Instant TIME = Instant.parse("2026-12-01T10:15:30.123Z");

  private ChannelTestEvents() {}

  /** The event with the release's facts, {@code extra} and the links. */
  static Event event(String type, Map<String, ?> extra) {
    Map<String, Object> data = new LinkedHashMap<>();
    data.put("releaseId", RELEASE);
    data.put("application", "payments-api");
    data.put("version", "2.4.1");
    data.put("environment", "production");
    data.putAll(extra);
    Map<String, String> links = new LinkedHashMap<>();
    if (data.get("taskId") != null) {
      links.put("task", BASE + "/camunda/app/tasklist/default/#/?task=" + data.get("taskId"));
    }
    links.put("release", BASE + "/api/releases/" + RELEASE);
    links.put("console", BASE + "/console/releases/" + RELEASE);
    links.put("evidence", BASE + "/api/releases/" + RELEASE + "/evidence");
    data.put("links", links);
    return Event.parse(Notifications.cloudEvent(EVENT_ID, RELEASE, type, TIME, data));
  }

  /** Every fact {@link Message} shows (17), for the limits. */
  static Map<String, Object> allFacts() {
    Map<String, Object> data = new LinkedHashMap<>();
    data.put("status", "awaiting-sign-off");
    data.put("role", "qa");
    data.put("openRoles", java.util.List.of("qa", "security"));
    data.put("taskName", "Sign off (qa)");
    data.put("taskId", "task-42");
    data.put("requestedBy", "alice");
    data.put("followUp", "2026-12-02T10:00:00Z");
    data.put("due", "2026-12-03T10:00:00Z");
    data.put("decision", "approved");
    data.put("decidedBy", "bob");
    data.put("incidentReference", "INC-7");
    data.put("activity", "Deploy");
    data.put("reason", "routine");
    data.put("comment", "looks fine");
    return data;
  }
}
