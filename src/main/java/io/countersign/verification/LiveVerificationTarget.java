package io.countersign.verification;

import io.countersign.manifest.ReleaseManifest.HttpCheck;
import io.countersign.manifest.ReleaseManifest.MetricRule;
import java.net.http.HttpClient;
import java.time.Duration;

/**
 * Calls the release's services over HTTP and asks Prometheus; see {@link HttpProbe} and {@link
 * PrometheusMetrics}.
 */
class LiveVerificationTarget implements VerificationTarget {
  private final HttpProbe probe;
  private final PrometheusMetrics metrics;

  LiveVerificationTarget(VerificationProperties properties) {
    // Redirects are followed by HttpProbe itself, and only to the same host.
    HttpClient client =
        HttpClient.newBuilder()
            .followRedirects(HttpClient.Redirect.NEVER)
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    this.probe = new HttpProbe(client);
    this.metrics = new PrometheusMetrics(client, properties.prometheus());
  }

  @Override
  public CheckResult check(HttpCheck check) {
    return probe.check(check);
  }

  @Override
  public MetricVerdict evaluate(MetricRule rule) {
    return metrics.evaluate(rule);
  }
}
