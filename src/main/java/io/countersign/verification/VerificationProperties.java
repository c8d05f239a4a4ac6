package io.countersign.verification;

import io.countersign.release.Environment;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * {@code countersign.targets.verification}: the mode, the hosts health checks and smoke tests may call per
 * environment (the server never fetches a URL outside this list), and the default bake window and interval.
 */
@ConfigurationProperties("countersign.targets.verification")
record VerificationProperties(
    String mode, Map<String, List<String>> allowedHosts, Duration bakeWindow, Duration interval) {

  VerificationProperties {
    Map<String, List<String>> hosts = new HashMap<>();
    if (allowedHosts != null) {
      allowedHosts.forEach((environment, names) -> hosts.put(environment,
          names == null ? List.of() : names.stream().map(n -> n.toLowerCase(Locale.ROOT)).toList()));
    }
    allowedHosts = Map.copyOf(hosts);
    bakeWindow = bakeWindow == null ? Duration.ofMinutes(10) : bakeWindow;
    interval = interval == null ? Duration.ofMinutes(1) : interval;
  }

  /** Why the server must not call {@code url} for a release to {@code environment}; null when it may. */
  String refusal(String url, Environment environment) {
    URI uri;
    try {
      uri = new URI(url);
    } catch (URISyntaxException e) {
      return "is not a valid URL";
    }
    if (!"http".equalsIgnoreCase(uri.getScheme()) && !"https".equalsIgnoreCase(uri.getScheme())) {
      return "must be an http(s) URL";
    }
    if (uri.getRawUserInfo() != null) {
      return "must not carry credentials";
    }
    if (uri.getHost() == null) {
      return "has no host name";
    }
    List<String> allowed = allowedHosts.getOrDefault(environment.id(), List.of());
    if (!allowed.contains(uri.getHost().toLowerCase(Locale.ROOT))) {
      return "host '" + uri.getHost() + "' is not allowed for " + environment.id() + " (allowed: "
          + (allowed.isEmpty() ? "none" : String.join(", ", allowed)) + ")";
    }
    return null;
  }
}
