package io.countersign.verification;

import io.countersign.manifest.ReleaseManifest.MetricRule;
import io.countersign.verification.VerificationProperties.Prometheus;
import io.countersign.verification.VerificationTarget.MetricVerdict;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Instant queries over Prometheus' HTTP API. Whatever keeps a rule from being measured (Prometheus
 * down, a query error, no data, NaN) is an INCONCLUSIVE verdict with its reason, never an
 * exception: what happens then is the bake window's decision (pause for a person or fail), not a
 * job retry.
 */
final class PrometheusMetrics {
  static final int MAX_BODY = 1024 * 1024;

  private final HttpClient client;
  private final Prometheus prometheus;

  PrometheusMetrics(HttpClient client, Prometheus prometheus) {
    this.client = client;
    this.prometheus = prometheus;
  }

  MetricVerdict evaluate(MetricRule rule) {
    if (!prometheus.configured()) {
      return MetricRules.inconclusive(
          rule, "no Prometheus is configured (countersign.targets.verification.prometheus.url)");
    }
    PrometheusResponse response = query(rule.query());
    if (response.problem() != null) {
      return MetricRules.inconclusive(rule, response.problem());
    }
    return MetricRules.judge(rule, response.samples());
  }

  URI queryUri(String query) {
    String base = prometheus.url().toString().replaceAll("/+$", "");
    // %20 rather than '+' for spaces: both mean a space to Prometheus, %20 to every other reader
    // too.
    return URI.create(
        base
            + "/api/v1/query?query="
            + URLEncoder.encode(query, StandardCharsets.UTF_8).replace("+", "%20"));
  }

  private PrometheusResponse query(String query) {
    HttpRequest request =
        HttpRequest.newBuilder(queryUri(query))
            .timeout(prometheus.timeout())
            .header("Accept", "application/json")
            .GET()
            .build();
    CompletableFuture<HttpResponse<byte[]>> call =
        client.sendAsync(request, info -> new HttpProbe.CappedBody(MAX_BODY));
    try {
      HttpResponse<byte[]> response =
          call.get(prometheus.timeout().toMillis(), TimeUnit.MILLISECONDS);
      return PrometheusResponse.parse(
          response.statusCode(), new String(response.body(), StandardCharsets.UTF_8));
    } catch (TimeoutException e) {
      call.cancel(true);
      return noAnswer();
    } catch (InterruptedException e) {
      call.cancel(true);
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while querying Prometheus", e);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause() == null ? e : e.getCause();
      if (cause instanceof HttpTimeoutException) {
        // The request's own timeout can fire before the wait above does (a busy machine): the same
        // verdict.
        return noAnswer();
      }
      return PrometheusResponse.problem(
          "Prometheus unreachable: "
              + cause.getClass().getSimpleName()
              + (cause.getMessage() == null ? "" : ": " + cause.getMessage()));
    }
  }

  private PrometheusResponse noAnswer() {
    return PrometheusResponse.problem(
        "Prometheus did not answer within " + prometheus.timeout().toMillis() + " ms");
  }
}
