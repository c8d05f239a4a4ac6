package io.countersign.notify;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.Map;

/**
 * A Microsoft Teams incoming webhook: the {@link Message} as an Adaptive Card 1.4 (title coloured
 * by severity, summary, facts, a button per link) in a message attachment. Workflows webhooks
 * answer 202, legacy connectors 200 {@code 1}: both 2xx, both deliveries.
 */
class TeamsChannel implements Channel {
  static final String CONTENT_TYPE = "application/json";
  static final String CARD_TYPE = "application/vnd.microsoft.card.adaptive";
  static final String SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json";
  static final String VERSION = "1.4"; // what Teams renders everywhere, mobile included

  // Teams refuses messages over about 28 KB: texts are cut well before that.
  static final int TITLE_MAX = 250;
  static final int SUMMARY_MAX = 2000;
  static final int FACT_MAX = 1000;

  private static final ObjectMapper JSON = new ObjectMapper();

  private final String name;
  private final NotificationProperties.IncomingWebhook config;
  private final HttpPost http;

  TeamsChannel(String name, NotificationProperties.IncomingWebhook config, HttpPost http) {
    this.name = name;
    this.config = config;
    this.http = http;
  }

  @Override
  public Outcome send(Event event, Instant now) {
    return http.post(
        "teams " + name,
        config.target(),
        Map.of("Content-Type", CONTENT_TYPE),
        payload(Message.of(event)));
  }

  static String payload(Message message) {
    ObjectNode card = JSON.createObjectNode();
    card.put("$schema", SCHEMA).put("type", "AdaptiveCard").put("version", VERSION);
    ArrayNode body = card.putArray("body");
    body.addObject()
        .put("type", "TextBlock")
        .put("text", Texts.cut(message.title(), TITLE_MAX))
        .put("size", "Large")
        .put("weight", "Bolder")
        .put("wrap", true)
        .put("color", color(message.severity()));
    if (message.summary() != null && !message.summary().isBlank()) {
      body.addObject()
          .put("type", "TextBlock")
          .put("text", Texts.cut(message.summary(), SUMMARY_MAX))
          .put("wrap", true);
    }
    if (!message.facts().isEmpty()) {
      ArrayNode facts = body.addObject().put("type", "FactSet").putArray("facts");
      message
          .facts()
          .forEach(
              (label, value) ->
                  facts.addObject().put("title", label).put("value", Texts.cut(value, FACT_MAX)));
    }
    ArrayNode actions = card.putArray("actions");
    message
        .links()
        .forEach(
            (label, url) ->
                actions
                    .addObject()
                    .put("type", "Action.OpenUrl")
                    .put("title", label)
                    .put("url", url));

    ObjectNode root = JSON.createObjectNode().put("type", "message");
    ObjectNode attachment = root.putArray("attachments").addObject();
    attachment.put("contentType", CARD_TYPE).putNull("contentUrl");
    attachment.set("content", card);
    try {
      return JSON.writeValueAsString(root);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("an Adaptive Card is plain JSON", e);
    }
  }

  static String color(Message.Severity severity) {
    return switch (severity) {
      case ERROR, CRITICAL -> "attention";
      case WARNING -> "warning";
      case INFO -> "default";
    };
  }
}
