package io.countersign.verification;

import io.countersign.aws.AwsSettings;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.ConstructorBinding;

/**
 * {@code countersign.targets.verification}: the mode, the hosts health checks and smoke tests may
 * call per environment (the server never fetches a URL outside this list), the default bake window
 * and interval, what an inconclusive metric does (pause for a person, or fail), the Prometheus
 * server and the CloudWatch API metric rules are asked, and what an alarm without enough data
 * counts as.
 */
@ConfigurationProperties("countersign.targets.verification")
record VerificationProperties(
    String mode,
    Map<String, List<String>> allowedHosts,
    Duration bakeWindow,
    Duration interval,
    Inconclusive inconclusive,
    Prometheus prometheus,
    BakeGaps gaps,
    CloudWatch cloudwatch,
    AlarmPolicy alarms) {

  @ConstructorBinding
  VerificationProperties {
    Map<String, List<String>> hosts = new HashMap<>();
    if (allowedHosts != null) {
      allowedHosts.forEach(
          (environment, names) ->
              hosts.put(
                  environment,
                  names == null
                      ? List.of()
                      : names.stream().map(n -> n.toLowerCase(Locale.ROOT)).toList()));
    }
    allowedHosts = Map.copyOf(hosts);
    bakeWindow = bakeWindow == null ? Duration.ofMinutes(10) : bakeWindow;
    interval = interval == null ? Duration.ofMinutes(1) : interval;
    inconclusive = inconclusive == null ? Inconclusive.PAUSE : inconclusive;
    prometheus = prometheus == null ? new Prometheus(null, null) : prometheus;
    gaps = gaps == null ? new BakeGaps(null, null) : gaps;
    cloudwatch =
        cloudwatch == null ? new CloudWatch(null, null, null, null, null, null) : cloudwatch;
    alarms = alarms == null ? new AlarmPolicy(null) : alarms;
  }

  /** Without CloudWatch: its metrics and alarms are not configured, the alarm policy default. */
  VerificationProperties(
      String mode,
      Map<String, List<String>> allowedHosts,
      Duration bakeWindow,
      Duration interval,
      Inconclusive inconclusive,
      Prometheus prometheus,
      BakeGaps gaps) {
    this(mode, allowedHosts, bakeWindow, interval, inconclusive, prometheus, gaps, null, null);
  }

  /** The given mode and allow-list, everything else by default. */
  static VerificationProperties of(String mode, Map<String, List<String>> allowedHosts) {
    return new VerificationProperties(mode, allowedHosts, null, null, null, null, null, null, null);
  }

  /**
   * What a metric rule that cannot be measured (query error, no data, NaN) does to the bake window.
   */
  enum Inconclusive {
    /**
     * The bake window pauses (step outcome 'paused') and an operations lead decides: continue or
     * roll back.
     */
    PAUSE,
    /** Keep watching; still inconclusive when the window ends fails the step (rollback). */
    FAIL
  }

  /**
   * A bake window counts observed time only: two evaluations further apart than {@code tolerance}
   * intervals (a node that was down, a database outage, a long pause for a person) leave a gap that
   * nobody watched, and the {@code policy} says what it does to the window.
   */
  record BakeGaps(Integer tolerance, GapPolicy policy) {
    BakeGaps {
      tolerance = tolerance == null ? 3 : tolerance;
      policy = policy == null ? GapPolicy.RESTART : policy;
      if (tolerance < 2) {
        throw new IllegalArgumentException(
            "countersign.targets.verification.gaps.tolerance must be at least 2 intervals, not "
                + tolerance
                + " (one interval is the gap between two evaluations on time)");
      }
    }
  }

  /** What an unwatched gap does to the bake window. */
  enum GapPolicy {
    /** The window starts again at the evaluation after the gap: it must be watched whole. */
    RESTART,
    /** The window ends later by the unwatched part of the gap. */
    EXTEND
  }

  /**
   * The Prometheus HTTP API ({@code url} is its base, e.g. http://prometheus.monitoring:9090):
   * server configuration, never from a manifest. Credentials in the URL are refused, so none end up
   * in logs or evidence.
   */
  record Prometheus(URI url, Duration timeout) {
    Prometheus {
      timeout = timeout == null ? Duration.ofSeconds(10) : timeout;
      if (url != null) {
        String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https") || url.getHost() == null) {
          throw new IllegalArgumentException(
              "countersign.targets.verification.prometheus.url must be an http(s) URL");
        }
        if (url.getRawUserInfo() != null) {
          throw new IllegalArgumentException(
              "countersign.targets.verification.prometheus.url must not carry credentials");
        }
      }
    }

    boolean configured() {
      return url != null;
    }
  }

  /**
   * The CloudWatch API that CloudWatch metric rules and alarm gates ask ({@code GetMetricData},
   * {@code DescribeAlarms}): one account and region, reached like every AWS target ({@link
   * AwsSettings}: the default credential chain or an assumed role, endpoint overrides, call timeout
   * and attempts). Not configured while {@code region} is unset.
   */
  record CloudWatch(
      String region,
      String roleArn,
      String externalId,
      Map<String, URI> endpoints,
      Duration callTimeout,
      Integer maxAttempts) {
    static final String PREFIX = "countersign.targets.verification.cloudwatch";

    boolean configured() {
      return region != null;
    }

    AwsSettings aws() {
      return new AwsSettings(region, roleArn, externalId, endpoints, callTimeout, maxAttempts);
    }

    /** What keeps a configured CloudWatch from being used; nothing when it is not configured. */
    List<String> problems() {
      return configured() || endpoints != null || roleArn != null
          ? aws().problems(PREFIX)
          : List.of();
    }
  }

  /**
   * How the alarm gates read an alarm in INSUFFICIENT_DATA (not enough data to tell): as
   * inconclusive (the default: the bake window pauses for a person or fails as {@code inconclusive}
   * says, a traffic gate stops the shift), as OK, or as ALARM (roll back).
   */
  record AlarmPolicy(InsufficientData insufficientData) {
    AlarmPolicy {
      insufficientData =
          insufficientData == null ? InsufficientData.INCONCLUSIVE : insufficientData;
    }
  }

  /** What an alarm in INSUFFICIENT_DATA counts as. */
  enum InsufficientData {
    INCONCLUSIVE,
    OK,
    ALARM
  }

  boolean live() {
    return "live".equals(mode);
  }

  /**
   * Why the server must not call {@code url} for a release to {@code environment}; null when it
   * may.
   */
  String refusal(String url, String environment) {
    URI uri;
    try {
      uri = new URI(url);
    } catch (URISyntaxException e) {
      return "is not a valid URL";
    }
    return refusal(uri, environment);
  }

  String refusal(URI uri, String environment) {
    if (!"http".equalsIgnoreCase(uri.getScheme()) && !"https".equalsIgnoreCase(uri.getScheme())) {
      return "must be an http(s) URL";
    }
    if (uri.getRawUserInfo() != null) {
      return "must not carry credentials";
    }
    if (uri.getHost() == null) {
      return "has no host name";
    }
    List<String> allowed = allowedHosts.getOrDefault(environment, List.of());
    if (!allowed.contains(uri.getHost().toLowerCase(Locale.ROOT))) {
      return "host '"
          + uri.getHost()
          + "' is not allowed for "
          + environment
          + " (allowed: "
          + (allowed.isEmpty() ? "none" : String.join(", ", allowed))
          + ")";
    }
    return null;
  }
}
