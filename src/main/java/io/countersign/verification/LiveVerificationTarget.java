package io.countersign.verification;

import io.countersign.aws.AwsClients;
import io.countersign.manifest.ReleaseManifest.HttpCheck;
import io.countersign.manifest.ReleaseManifest.MetricRule;
import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;

/**
 * Calls the release's services over HTTP and asks Prometheus and CloudWatch; see {@link HttpProbe},
 * {@link PrometheusMetrics} and {@link CloudWatchMetrics}.
 */
class LiveVerificationTarget implements VerificationTarget {
  private final HttpProbe probe;
  private final PrometheusMetrics metrics;
  private final CloudWatchMetrics cloudWatch;

  LiveVerificationTarget(VerificationProperties properties) {
    this(properties, DefaultCredentialsProvider.builder().build(), Clock.systemUTC());
  }

  LiveVerificationTarget(
      VerificationProperties properties, AwsCredentialsProvider credentials, Clock clock) {
    // Redirects are followed by HttpProbe itself, and only to the same host.
    HttpClient client =
        HttpClient.newBuilder()
            .followRedirects(HttpClient.Redirect.NEVER)
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    this.probe = new HttpProbe(client);
    this.metrics = new PrometheusMetrics(client, properties.prometheus());
    AwsClients clients = new AwsClients(credentials);
    this.cloudWatch =
        new CloudWatchMetrics(
            properties.cloudwatch(),
            () -> clients.cloudWatch(properties.cloudwatch().aws()),
            clock);
  }

  @Override
  public CheckResult check(HttpCheck check) {
    return probe.check(check);
  }

  @Override
  public MetricVerdict evaluate(MetricRule rule) {
    return rule.cloudwatch() != null ? cloudWatch.evaluate(rule) : metrics.evaluate(rule);
  }

  @Override
  public AlarmReading alarms(List<String> names) {
    return cloudWatch.alarms(names);
  }
}
