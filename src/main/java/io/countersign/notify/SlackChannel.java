package io.countersign.notify;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.Map;

/**
 * A Slack incoming webhook: the {@link Message} as Block Kit (header, summary, facts as fields,
 * links as buttons, severity and event id as context), with the title as the notification's
 * fallback text. Slack answers 200 {@code ok}; anything else is a failed attempt the outbox
 * retries.
 */
class SlackChannel implements Channel {
  static final String CONTENT_TYPE = "application/json; charset=utf-8";

  // Block Kit's limits: longer texts or more elements make Slack refuse the whole message.
  static final int HEADER_MAX = 150;
  static final int SECTION_MAX = 3000;
  static final int FIELD_MAX = 2000;
  static final int FIELDS_MAX = 10;
  static final int BUTTON_TEXT_MAX = 75;
  static final int BUTTONS_MAX = 5;
  static final int URL_MAX = 3000;

  private static final ObjectMapper JSON = new ObjectMapper();

  private final String name;
  private final NotificationProperties.IncomingWebhook config;
  private final HttpPost http;

  SlackChannel(String name, NotificationProperties.IncomingWebhook config, HttpPost http) {
    this.name = name;
    this.config = config;
    this.http = http;
  }

  @Override
  public Outcome send(Event event, Instant now) {
    return http.post(
        "slack " + name,
        config.target(),
        Map.of("Content-Type", CONTENT_TYPE),
        payload(event, Message.of(event)));
  }

  static String payload(Event event, Message message) {
    ObjectNode root = JSON.createObjectNode();
    root.put("text", escape(message.title(), SECTION_MAX));
    ArrayNode blocks = root.putArray("blocks");

    ObjectNode header = blocks.addObject().put("type", "header");
    plain(header.putObject("text"), escape(message.title(), HEADER_MAX));

    if (message.summary() != null && !message.summary().isBlank()) {
      ObjectNode summary = blocks.addObject().put("type", "section");
      mrkdwn(summary.putObject("text"), escape(message.summary(), SECTION_MAX));
    }

    if (!message.facts().isEmpty()) {
      ArrayNode fields = blocks.addObject().put("type", "section").putArray("fields");
      for (Map.Entry<String, String> fact : message.facts().entrySet()) {
        if (fields.size() == FIELDS_MAX) {
          break; // the facts are in order of importance: the last ones go
        }
        String label = "*" + escape(fact.getKey(), 100) + "*\n";
        mrkdwn(fields.addObject(), label + escape(fact.getValue(), FIELD_MAX - label.length()));
      }
    }

    ArrayNode buttons = JSON.createArrayNode();
    for (Map.Entry<String, String> link : message.links().entrySet()) {
      // A cut URL leads nowhere: a link too long for Slack is left out.
      if (buttons.size() < BUTTONS_MAX && link.getValue().length() <= URL_MAX) {
        ObjectNode button = buttons.addObject().put("type", "button");
        plain(button.putObject("text"), escape(link.getKey(), BUTTON_TEXT_MAX));
        button.put("url", link.getValue());
      }
    }
    if (!buttons.isEmpty()) {
      blocks.addObject().put("type", "actions").set("elements", buttons);
    }

    ObjectNode context = blocks.addObject().put("type", "context");
    mrkdwn(
        context.putArray("elements").addObject(),
        escape("Severity: " + message.severity().value() + " · Event " + event.id(), SECTION_MAX));

    try {
      return JSON.writeValueAsString(root);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a Slack message is plain JSON", e);
    }
  }

  private static void plain(ObjectNode text, String value) {
    text.put("type", "plain_text").put("text", value).put("emoji", true);
  }

  private static void mrkdwn(ObjectNode text, String value) {
    text.put("type", "mrkdwn").put("text", value);
  }

  /**
   * The text with Slack's control characters escaped (so an event cannot mention {@code <!channel>}
   * or forge a link), cut to {@code max} characters after escaping without splitting an entity.
   */
  static String escape(String text, int max) {
    String escaped = escape(text);
    if (escaped.length() <= max) {
      return escaped;
    }
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < text.length(); ) {
      int codePoint = text.codePointAt(i);
      String piece = escape(new String(Character.toChars(codePoint)));
      if (out.length() + piece.length() > max - 1) {
        break;
      }
      out.append(piece);
      i += Character.charCount(codePoint);
    }
    return out.append('…').toString();
  }

  private static String escape(String text) {
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
  }
}
