package io.countersign.verification;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.countersign.manifest.ReleaseManifest.HttpCheck;
import io.countersign.verification.VerificationTarget.CheckResult;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodySubscriber;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Health checks and smoke tests over HTTP. Each attempt has the check's timeout for everything
 * (redirects and body included); transport errors, timeouts and 5xx answers are tried again at
 * once, a wrong status, body or JSON field is not (asking again would not change it). Waiting
 * longer is the engine's job retry, not a sleep here. Redirects are followed only within the same
 * scheme, host and port, so a check never reaches a host the allow-list did not approve. No
 * credentials are sent, and response headers are neither kept nor logged.
 */
final class HttpProbe {
  static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);
  static final int DEFAULT_RETRIES = 2;
  static final int MAX_BODY = 64 * 1024;
  static final int MAX_REDIRECTS = 3;
  private static final ObjectMapper JSON = new ObjectMapper();

  private final HttpClient client;

  HttpProbe(HttpClient client) {
    this.client = client;
  }

  static Duration timeout(HttpCheck check) {
    return check.timeout() == null ? DEFAULT_TIMEOUT : Duration.parse(check.timeout());
  }

  static int retries(HttpCheck check) {
    return check.retries() == null ? DEFAULT_RETRIES : check.retries();
  }

  /** The longest one check can take: every attempt running into its timeout. */
  static Duration worstCase(HttpCheck check) {
    return timeout(check).multipliedBy(1L + retries(check));
  }

  CheckResult check(HttpCheck check) {
    int attempts = 1 + retries(check);
    Outcome outcome = null;
    int attempt = 0;
    while (attempt < attempts) {
      attempt++;
      outcome = once(check);
      if (!outcome.retryable()) {
        break;
      }
    }
    Objects.requireNonNull(outcome);
    String detail =
        attempt > 1
            ? outcome.detail() + " (attempt " + attempt + " of " + attempts + ")"
            : outcome.detail();
    return new CheckResult(
        check.name(),
        check.url(),
        outcome.passed(),
        outcome.status(),
        outcome.latencyMs(),
        detail,
        outcome.excerpt(),
        attempt);
  }

  private Outcome once(HttpCheck check) {
    Duration timeout = timeout(check);
    long started = System.nanoTime();
    long deadline = started + timeout.toNanos();
    URI uri = URI.create(check.url());
    String method = check.method() == null ? "GET" : check.method();
    for (int hop = 0; ; hop++) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        return timedOut(timeout, started);
      }
      HttpRequest request =
          HttpRequest.newBuilder(uri)
              .timeout(Duration.ofNanos(left))
              .header("User-Agent", "countersign-verification")
              .method(method, HttpRequest.BodyPublishers.noBody())
              .build();
      CompletableFuture<HttpResponse<byte[]>> call =
          client.sendAsync(request, info -> new CappedBody(MAX_BODY));
      HttpResponse<byte[]> response;
      try {
        response = call.get(left, TimeUnit.NANOSECONDS);
      } catch (TimeoutException e) {
        call.cancel(true);
        return timedOut(timeout, started);
      } catch (InterruptedException e) {
        call.cancel(true);
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while checking " + check.name(), e);
      } catch (ExecutionException e) {
        Throwable cause = e.getCause() == null ? e : e.getCause();
        if (cause instanceof HttpTimeoutException) {
          return timedOut(timeout, started);
        }
        return new Outcome(
            false, null, millisSince(started), "no response: " + describe(cause), null, true);
      }
      int status = response.statusCode();
      String location = response.headers().firstValue("Location").orElse(null);
      if (status >= 300 && status < 400 && location != null && !expectsRedirect(check)) {
        URI next;
        try {
          next = uri.resolve(location);
        } catch (IllegalArgumentException e) {
          return new Outcome(
              false, status, millisSince(started), "redirect to an invalid location", null, false);
        }
        if (!sameOrigin(uri, next)) {
          return new Outcome(
              false,
              status,
              millisSince(started),
              "redirected to "
                  + next.getScheme()
                  + "://"
                  + next.getHost()
                  + "; not followed (other host)",
              null,
              false);
        }
        if (hop >= MAX_REDIRECTS) {
          return new Outcome(
              false,
              status,
              millisSince(started),
              "more than " + MAX_REDIRECTS + " redirects",
              null,
              false);
        }
        if (status == 303 && !method.equals("HEAD")) {
          method = "GET";
        }
        uri = next;
        continue;
      }
      return judge(check, status, response.body(), millisSince(started));
    }
  }

  static Outcome judge(HttpCheck check, int status, byte[] body, long latencyMs) {
    String text = new String(body, StandardCharsets.UTF_8);
    String excerpt =
        text.isEmpty()
            ? null
            : text.length() <= CheckResult.EXCERPT ? text : text.substring(0, CheckResult.EXCERPT);
    boolean statusOk =
        check.expectStatus() == null
            ? status >= 200 && status < 300
            : status == check.expectStatus();
    if (!statusOk) {
      String expected = check.expectStatus() == null ? "2xx" : check.expectStatus().toString();
      return new Outcome(
          false,
          status,
          latencyMs,
          "expected " + expected + ", got " + status,
          excerpt,
          status >= 500);
    }
    if (check.bodyContains() != null && !text.contains(check.bodyContains())) {
      return new Outcome(
          false,
          status,
          latencyMs,
          "body does not contain '"
              + check.bodyContains()
              + "'"
              + (body.length >= MAX_BODY ? " (in its first " + MAX_BODY / 1024 + " KiB)" : ""),
          excerpt,
          false);
    }
    if (check.jsonField() != null) {
      String problem = jsonProblem(check, text);
      if (problem != null) {
        return new Outcome(false, status, latencyMs, problem, excerpt, false);
      }
    }
    return new Outcome(
        true, status, latencyMs, status + " in " + latencyMs + " ms", excerpt, false);
  }

  private static String jsonProblem(HttpCheck check, String text) {
    JsonNode root;
    try {
      root = JSON.readTree(text);
    } catch (JsonProcessingException e) {
      return "body is not JSON, so " + check.jsonField() + " cannot be read";
    }
    JsonNode field = root == null ? null : JsonField.at(root, check.jsonField());
    if (field == null) {
      return check.jsonField() + " is missing";
    }
    String actual = JsonField.text(field);
    if (check.jsonValue() != null && !check.jsonValue().equals(actual)) {
      return check.jsonField()
          + " is '"
          + shorten(actual)
          + "', expected '"
          + check.jsonValue()
          + "'";
    }
    return null;
  }

  private static boolean expectsRedirect(HttpCheck check) {
    return check.expectStatus() != null
        && check.expectStatus() >= 300
        && check.expectStatus() < 400;
  }

  private static boolean sameOrigin(URI a, URI b) {
    return a.getScheme().equalsIgnoreCase(String.valueOf(b.getScheme()))
        && b.getHost() != null
        && a.getHost().toLowerCase(Locale.ROOT).equals(b.getHost().toLowerCase(Locale.ROOT))
        && port(a) == port(b)
        && b.getRawUserInfo() == null;
  }

  private static int port(URI uri) {
    return uri.getPort() != -1
        ? uri.getPort()
        : "https".equalsIgnoreCase(uri.getScheme()) ? 443 : 80;
  }

  private static Outcome timedOut(Duration timeout, long started) {
    return new Outcome(
        false,
        null,
        millisSince(started),
        "no response within " + timeout.toMillis() + " ms",
        null,
        true);
  }

  private static long millisSince(long started) {
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
  }

  private static String describe(Throwable error) {
    String message = error.getMessage();
    return error.getClass().getSimpleName()
        + (message == null || message.isBlank() ? "" : ": " + shorten(message));
  }

  private static String shorten(String text) {
    return text.length() <= 200 ? text : text.substring(0, 200) + "...";
  }

  /**
   * One attempt: retryable when asking again could answer differently (no answer, or a server
   * error).
   */
  record Outcome(
      boolean passed,
      Integer status,
      long latencyMs,
      String detail,
      String excerpt,
      boolean retryable) {}

  /**
   * Keeps the first {@code limit} bytes and stops reading: a check never needs more, whatever the
   * server sends.
   */
  static final class CappedBody implements BodySubscriber<byte[]> {
    private final int limit;
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final CompletableFuture<byte[]> result = new CompletableFuture<>();
    private Flow.Subscription subscription;

    CappedBody(int limit) {
      this.limit = limit;
    }

    @Override
    public CompletableFuture<byte[]> getBody() {
      return result;
    }

    @Override
    public void onSubscribe(Flow.Subscription subscription) {
      this.subscription = subscription;
      subscription.request(Long.MAX_VALUE);
    }

    @Override
    public void onNext(List<ByteBuffer> buffers) {
      for (ByteBuffer buffer : buffers) {
        int take = Math.min(buffer.remaining(), limit - out.size());
        byte[] bytes = new byte[take];
        buffer.get(bytes);
        out.write(bytes, 0, take);
      }
      if (out.size() >= limit && !result.isDone()) {
        subscription.cancel();
        result.complete(out.toByteArray());
      }
    }

    @Override
    public void onError(Throwable error) {
      if (!result.isDone()) {
        result.completeExceptionally(error instanceof IOException ? error : new IOException(error));
      }
    }

    @Override
    public void onComplete() {
      result.complete(out.toByteArray());
    }
  }
}
