package io.countersign.notify;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * An outgoing webhook: the CloudEvent as stored, signed: {@code Countersign-Signature: t=<unix
 * seconds>,v1=<hex HMAC-SHA256 of "t.body">}.
 */
class WebhookChannel implements Channel {
  static final String SIGNATURE_HEADER = "Countersign-Signature";
  static final String CONTENT_TYPE = "application/cloudevents+json";

  private final String name;
  private final NotificationProperties.Webhook webhook;
  private final HttpPost http;

  WebhookChannel(String name, NotificationProperties.Webhook webhook, HttpPost http) {
    this.name = name;
    this.webhook = webhook;
    this.http = http;
  }

  @Override
  public Outcome send(Event event, Instant now) {
    long t = now.getEpochSecond();
    return http.post(
        "webhook " + name,
        webhook.url(),
        Map.of(
            "Content-Type",
            CONTENT_TYPE,
            SIGNATURE_HEADER,
            "t=" + t + ",v1=" + hmac(webhook.key(), t, event.json())),
        event.json());
  }

  /** The hex HMAC-SHA256, with the key, of {@code "<t>.<body>"}. */
  static String hmac(byte[] key, long t, String body) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      return HexFormat.of()
          .formatHex(mac.doFinal((t + "." + body).getBytes(StandardCharsets.UTF_8)));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HMAC-SHA256 is part of every Java runtime", e);
    }
  }
}
