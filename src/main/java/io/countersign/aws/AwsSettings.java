package io.countersign.aws;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * How Countersign reaches one AWS account and region: never credentials, only where they come from
 * (the default chain, optionally exchanged for an assumed role). {@code endpoints} override a
 * service's endpoint (tests, S3-compatible stores); {@code callTimeout} bounds one attempt of a
 * call and {@code maxAttempts} the SDK's standard retries, so a step never hangs on AWS.
 */
public record AwsSettings(
    String region,
    String roleArn,
    String externalId,
    Map<String, URI> endpoints,
    Duration callTimeout,
    Integer maxAttempts) {
  public static final Duration DEFAULT_CALL_TIMEOUT = Duration.ofSeconds(5);
  public static final int DEFAULT_MAX_ATTEMPTS = 3;

  /** The services whose endpoint may be overridden. */
  public static final Set<String> SERVICES =
      Set.of(
          "lambda",
          "s3",
          "cloudfront",
          "sts",
          "cloudwatch",
          "cloudformation",
          "secretsmanager",
          "ssm");

  private static final Pattern REGION = Pattern.compile("[a-z]{2}(-[a-z]+)+-\\d{1,2}");
  private static final Pattern ROLE_ARN =
      Pattern.compile("arn:aws(-[a-z]+)*:iam::\\d{12}:role/[A-Za-z0-9+=,.@_/-]{1,512}");
  private static final Pattern EXTERNAL_ID = Pattern.compile("[A-Za-z0-9+=,.@:/_-]{2,1224}");

  public AwsSettings {
    endpoints = endpoints == null ? Map.of() : Map.copyOf(endpoints);
  }

  public Duration callTimeoutOrDefault() {
    return callTimeout == null ? DEFAULT_CALL_TIMEOUT : callTimeout;
  }

  public int maxAttemptsOrDefault() {
    return maxAttempts == null ? DEFAULT_MAX_ATTEMPTS : maxAttempts;
  }

  /** The overridden endpoint of a service, or null for AWS's own. */
  public URI endpoint(String service) {
    return endpoints.get(service);
  }

  /**
   * Problems a live adapter must refuse to start with; {@code where} is the property prefix, for
   * the messages.
   */
  public List<String> problems(String where) {
    List<String> problems = new ArrayList<>();
    if (region == null || region.isBlank()) {
      problems.add(where + ".region is required (e.g. eu-west-1)");
    } else if (!REGION.matcher(region).matches()) {
      problems.add(where + ".region '" + region + "' is not an AWS region (e.g. eu-west-1)");
    }
    if (roleArn != null && !ROLE_ARN.matcher(roleArn).matches()) {
      problems.add(
          where
              + ".role-arn '"
              + roleArn
              + "' is not an IAM role ARN (arn:aws:iam::<account>:role/<name>)");
    }
    if (externalId != null && (roleArn == null || !EXTERNAL_ID.matcher(externalId).matches())) {
      problems.add(
          where + ".external-id needs a role-arn and 2-1224 characters of [A-Za-z0-9+=,.@:/_-]");
    }
    endpoints.forEach(
        (service, uri) -> {
          if (!SERVICES.contains(service)) {
            problems.add(
                where
                    + ".endpoints."
                    + service
                    + ": unknown service; expected one of "
                    + String.join(", ", SERVICES.stream().sorted().toList()));
          } else if (uri == null
              || !uri.isAbsolute()
              || !("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()))
              || uri.getHost() == null) {
            problems.add(
                where
                    + ".endpoints."
                    + service
                    + " must be an absolute http(s) URL, not '"
                    + uri
                    + "'");
          }
        });
    if (callTimeout != null
        && (callTimeout.isNegative()
            || callTimeout.isZero()
            || callTimeout.compareTo(Duration.ofMinutes(1)) > 0)) {
      problems.add(
          where + ".call-timeout must be between 1 ms and PT1M (a step never waits long on AWS)");
    }
    if (maxAttempts != null && (maxAttempts < 1 || maxAttempts > 10)) {
      problems.add(where + ".max-attempts must be between 1 and 10");
    }
    return problems;
  }
}
