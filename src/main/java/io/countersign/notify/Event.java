package io.countersign.notify;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Instant;

/**
 * One event as the outbox keeps it: the CloudEvents 1.0 JSON ({@code json}, sent as is to webhooks)
 * and its parts, which the other channels render.
 */
record Event(String id, String type, String releaseId, Instant time, JsonNode data, String json) {
  private static final ObjectMapper JSON = new ObjectMapper();

  static Event parse(String json) {
    try {
      JsonNode event = JSON.readTree(json);
      return new Event(
          event.path("id").asText(),
          event.path("type").asText(),
          event.path("subject").asText(),
          Instant.parse(event.path("time").asText()),
          event.path("data"),
          json);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("an outbox row that is not a CloudEvent", e);
    }
  }

  /** A text field of {@code data}, or null. */
  String text(String field) {
    JsonNode value = data.get(field);
    return value == null || value.isNull() ? null : value.asText();
  }

  /** A link from {@code data.links}, or null. */
  String link(String name) {
    JsonNode value = data.path("links").get(name);
    return value == null || value.isNull() ? null : value.asText();
  }
}
