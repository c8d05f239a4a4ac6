package io.countersign.evidencecheck;

import io.countersign.aws.AwsSettings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.util.unit.DataSize;

/**
 * {@code countersign.targets.evidence}: the mode; the largest file read ({@code max-bytes}, default
 * 20 MB); how long one HTTPS fetch may take ({@code timeout}, default 30 s); the hosts evidence may
 * be fetched from over HTTPS ({@code https-hosts}, exact names: a manifest can only point at them)
 * and the headers some of them need ({@code https-credentials}); and how S3 is reached ({@code s3}:
 * region, role-arn, endpoints, as for the other AWS targets).
 */
@ConfigurationProperties(EvidenceSourceProperties.PREFIX)
record EvidenceSourceProperties(
    String mode,
    DataSize maxBytes,
    Duration timeout,
    List<String> httpsHosts,
    List<Credential> httpsCredentials,
    AwsSettings s3) {
  static final String PREFIX = "countersign.targets.evidence";
  static final DataSize DEFAULT_MAX_BYTES = DataSize.ofMegabytes(20);
  static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);

  EvidenceSourceProperties {
    maxBytes = maxBytes == null ? DEFAULT_MAX_BYTES : maxBytes;
    timeout = timeout == null ? DEFAULT_TIMEOUT : timeout;
    httpsHosts = httpsHosts == null ? List.of() : List.copyOf(httpsHosts);
    httpsCredentials = httpsCredentials == null ? List.of() : List.copyOf(httpsCredentials);
  }

  /**
   * A header sent with every fetch from one allowed host, and only to it (CI artifact stores ask
   * for a token): {@code value} is usually a {@code ${...}} placeholder, so the secret lives in the
   * environment or a mounted file, never in a manifest; it appears in no log, message or evidence.
   */
  record Credential(String host, String header, String value) {}

  /** The headers to send per host (lower-case host names). */
  Map<String, Map<String, String>> headersByHost() {
    Map<String, Map<String, String>> headers = new TreeMap<>();
    for (Credential c : httpsCredentials) {
      headers
          .computeIfAbsent(c.host().toLowerCase(Locale.ROOT), h -> new TreeMap<>())
          .put(c.header(), c.value());
    }
    return headers;
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
    for (int i = 0; i < httpsCredentials.size(); i++) {
      Credential c = httpsCredentials.get(i);
      String where = PREFIX + ".https-credentials[" + i + "]";
      if (c.host() == null || !allowedHosts().contains(c.host().toLowerCase(Locale.ROOT))) {
        problems.add(where + ".host must be one of https-hosts, not '" + c.host() + "'");
      }
      if (c.header() == null || !c.header().matches("[A-Za-z0-9-]+")) {
        problems.add(where + ".header must be a header name such as Authorization");
      }
      if (c.value() == null || c.value().isBlank()) {
        // Never echo the value: it is a secret.
        problems.add(where + ".value is empty");
      }
    }
    if (s3 != null) {
      problems.addAll(s3.problems(PREFIX + ".s3"));
    }
    return problems;
  }
}
