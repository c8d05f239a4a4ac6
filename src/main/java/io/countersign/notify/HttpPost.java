package io.countersign.notify;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One POST for the HTTP channels: connect and the whole answer bounded by the timeout, redirects
 * not followed (the configured URL is the allow-list), a 2xx answer a delivery. Errors name the
 * channel ({@code what}, e.g. "slack ops"), never the URL, which may carry a token.
 */
class HttpPost {
  private final Duration timeout;
  private final HttpClient client;

  HttpPost(Duration timeout) {
    this.timeout = timeout;
    this.client =
        HttpClient.newBuilder()
            .connectTimeout(timeout)
            .followRedirects(HttpClient.Redirect.NEVER)
            .build();
  }

  Channel.Outcome post(String what, URI url, Map<String, String> headers, String body) {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(url)
            .timeout(timeout)
            .header("User-Agent", "Countersign")
            .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
    headers.forEach(request::header);
    CompletableFuture<HttpResponse<Void>> call =
        client.sendAsync(request.build(), HttpResponse.BodyHandlers.discarding());
    try {
      int status = call.get(timeout.toMillis(), TimeUnit.MILLISECONDS).statusCode();
      if (status >= 200 && status < 300) {
        return Channel.Outcome.delivered(status);
      }
      return Channel.Outcome.failed(status, what + " answered " + status);
    } catch (TimeoutException e) {
      call.cancel(true);
      return Channel.Outcome.failed(0, what + " did not answer within " + timeout);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof HttpTimeoutException) {
        // The client's own timeout (connect, or the request's) may fire before ours: the same.
        return Channel.Outcome.failed(0, what + " did not answer within " + timeout);
      }
      String reason = cause == null ? "unknown" : cause.getClass().getSimpleName();
      // The cause's message may quote the URL: only its kind is kept.
      return Channel.Outcome.failed(0, what + " could not be reached: " + reason);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      call.cancel(true);
      return Channel.Outcome.failed(0, "interrupted while posting to " + what);
    }
  }
}
