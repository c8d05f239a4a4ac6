package io.countersign.notify;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Posts one CloudEvent to an outgoing webhook, signed: {@code Countersign-Signature: t=<unix
 * seconds>,v1=<hex HMAC-SHA256 of "t.body">}. Connect and the whole answer are bounded by the
 * timeout; redirects are not followed (the configured URL is the allow-list). Messages name the
 * channel, never its URL (which may carry a token) or its secret.
 */
class WebhookSender {
  static final String SIGNATURE_HEADER = "Countersign-Signature";
  static final String CONTENT_TYPE = "application/cloudevents+json";

  /** What one attempt came to: the HTTP status (0 when none came) and, when it failed, why. */
  record Outcome(boolean delivered, int statusCode, String error) {}

  private final Duration timeout;
  private final HttpClient client;

  WebhookSender(Duration timeout) {
    this.timeout = timeout;
    this.client =
        HttpClient.newBuilder()
            .connectTimeout(timeout)
            .followRedirects(HttpClient.Redirect.NEVER)
            .build();
  }

  Outcome send(String channel, NotificationProperties.Webhook webhook, String body, Instant now) {
    long t = now.getEpochSecond();
    HttpRequest request =
        HttpRequest.newBuilder(webhook.url())
            .timeout(timeout)
            .header("Content-Type", CONTENT_TYPE)
            .header("User-Agent", "Countersign")
            .header(SIGNATURE_HEADER, "t=" + t + ",v1=" + hmac(webhook.key(), t, body))
            .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8))
            .build();
    CompletableFuture<HttpResponse<Void>> call =
        client.sendAsync(request, HttpResponse.BodyHandlers.discarding());
    try {
      int status = call.get(timeout.toMillis(), TimeUnit.MILLISECONDS).statusCode();
      if (status >= 200 && status < 300) {
        return new Outcome(true, status, null);
      }
      return new Outcome(false, status, "webhook " + channel + " answered " + status);
    } catch (TimeoutException e) {
      call.cancel(true);
      return new Outcome(false, 0, "webhook " + channel + " did not answer within " + timeout);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      String reason = cause == null ? "unknown" : cause.getClass().getSimpleName();
      // The cause's message may quote the URL: only its kind is kept.
      return new Outcome(false, 0, "webhook " + channel + " could not be reached: " + reason);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      call.cancel(true);
      return new Outcome(false, 0, "interrupted while posting to webhook " + channel);
    }
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
