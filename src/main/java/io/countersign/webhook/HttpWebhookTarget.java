package io.countersign.webhook;

import io.countersign.webhook.WebhookProperties.Endpoint;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Instant;
import java.util.Base64;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Posts notices with the JDK's HttpClient. With a secret configured they are signed as Standard
 * Webhooks specifies (headers {@code webhook-id}, {@code webhook-timestamp}, {@code
 * webhook-signature: v1,<base64 HMAC-SHA256 of "id.timestamp.body">}), so a receiver can check them
 * with any Standard Webhooks library. Redirects are not followed: the configured URL is the
 * allow-list.
 */
class HttpWebhookTarget implements WebhookTarget {
  private static final int EXCERPT = 200;

  private final WebhookProperties properties;
  private final HttpClient client;

  HttpWebhookTarget(WebhookProperties properties) {
    this.properties = properties;
    this.client =
        HttpClient.newBuilder()
            .connectTimeout(properties.timeout())
            .followRedirects(HttpClient.Redirect.NEVER)
            .build();
  }

  @Override
  public Delivery post(Notice notice) {
    Endpoint endpoint = properties.endpoints().get(notice.endpoint());
    if (endpoint == null) {
      // Submission refused unknown names; one here means the configuration changed since. For an
      // operator.
      throw new Unavailable(
          "webhook endpoint " + notice.endpoint() + " is not configured (any more)", null);
    }
    long timestamp = Instant.now().getEpochSecond();
    HttpRequest.Builder request =
        HttpRequest.newBuilder(endpoint.url())
            .timeout(properties.timeout())
            .header("Content-Type", "application/json")
            .header("User-Agent", "Countersign")
            .header("webhook-id", notice.id())
            .header("webhook-timestamp", Long.toString(timestamp))
            .POST(HttpRequest.BodyPublishers.ofString(notice.body(), StandardCharsets.UTF_8));
    if (endpoint.signed()) {
      request.header(
          "webhook-signature", signature(endpoint.key(), notice.id(), timestamp, notice.body()));
    }
    HttpResponse<String> response = send(request.build(), notice.endpoint(), endpoint);
    int status = response.statusCode();
    String detail =
        "endpoint " + notice.endpoint() + " answered " + status + excerpt(response.body());
    if (status >= 200 && status < 300) {
      return new Delivery(status, true, false, detail);
    }
    if (status >= 500 || status == 408 || status == 429) {
      throw new Unavailable("webhook " + detail, null);
    }
    // 3xx and the other 4xx: the endpoint refuses this notice, and would refuse the same one again.
    return new Delivery(
        status, false, false, status < 400 ? detail + " (redirects are not followed)" : detail);
  }

  private HttpResponse<String> send(HttpRequest request, String name, Endpoint endpoint) {
    // The request's timeout ends at the answer's headers; this deadline covers reading the body
    // too.
    CompletableFuture<HttpResponse<String>> call =
        client.sendAsync(request, HttpResponse.BodyHandlers.ofString());
    try {
      return call.get(properties.timeout().toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      call.cancel(true);
      throw new Unavailable(
          "webhook endpoint " + name + " did not answer within " + properties.timeout(), e);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      String reason =
          cause instanceof HttpTimeoutException
              ? "did not answer within " + properties.timeout()
              : "could not be reached: "
                  + cause.getClass().getSimpleName()
                  + (cause.getMessage() == null
                      ? ""
                      : " " + cause.getMessage().replace(endpoint.url().toString(), "<url>"));
      // Not chained: the cause's own message and trace may quote the URL, and the engine stores the
      // trace.
      throw new Unavailable("webhook endpoint " + name + " " + reason, null);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      call.cancel(true);
      throw new Unavailable("interrupted while posting to webhook endpoint " + name, e);
    }
  }

  /**
   * {@code v1,} and the base64 HMAC-SHA256, with the endpoint's key, of {@code id.timestamp.body}.
   */
  static String signature(byte[] key, String id, long timestamp, String body) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      byte[] signed =
          mac.doFinal((id + "." + timestamp + "." + body).getBytes(StandardCharsets.UTF_8));
      return "v1," + Base64.getEncoder().encodeToString(signed);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HMAC-SHA256 is part of every Java runtime", e);
    }
  }

  private static String excerpt(String body) {
    if (body == null || body.isBlank()) {
      return "";
    }
    String line = body.strip().replaceAll("\\s+", " ");
    return ": " + (line.length() <= EXCERPT ? line : line.substring(0, EXCERPT) + "...");
  }
}
