package io.countersign.evidencecheck;

import io.countersign.aws.AwsSettings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.util.unit.DataSize;

/**
 * {@code countersign.targets.evidence}: the mode; the largest file read ({@code max-bytes}, default
 * 20 MB); how long one HTTPS fetch may take ({@code timeout}, default 30 s); the hosts evidence may
 * be fetched from over HTTPS ({@code https-hosts}, exact names: a manifest can only point at them);
 * and how S3 is reached ({@code s3}: region, role-arn, endpoints, as for the other AWS targets).
 */
@ConfigurationProperties(EvidenceSourceProperties.PREFIX)
record EvidenceSourceProperties(
    String mode, DataSize maxBytes, Duration timeout, List<String> httpsHosts, AwsSettings s3) {
  static final String PREFIX = "countersign.targets.evidence";
  static final DataSize DEFAULT_MAX_BYTES = DataSize.ofMegabytes(20);
  static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);

  EvidenceSourceProperties {
    maxBytes = maxBytes == null ? DEFAULT_MAX_BYTES : maxBytes;
    timeout = timeout == null ? DEFAULT_TIMEOUT : timeout;
    httpsHosts = httpsHosts == null ? List.of() : List.copyOf(httpsHosts);
  }

  /** Host names as compared: lower case. */
  Set<String> allowedHosts() {
    Set<String> hosts = new TreeSet<>();
    httpsHosts.forEach(h -> hosts.add(h.toLowerCase(Locale.ROOT)));
    return hosts;
  }

  /** What a live source must not start with. */
  List<String> problems() {
    List<String> problems = new ArrayList<>();
    if (maxBytes.toBytes() <= 0) {
      problems.add(PREFIX + ".max-bytes must be positive");
    }
    if (timeout.isNegative() || timeout.isZero()) {
      problems.add(PREFIX + ".timeout must be positive");
    }
    for (String host : httpsHosts) {
      if (host == null
          || !host.matches(
              "[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*")) {
        problems.add(PREFIX + ".https-hosts: '" + host + "' is not a host name");
      }
    }
    if (s3 != null) {
      problems.addAll(s3.problems(PREFIX + ".s3"));
    }
    return problems;
  }
}
