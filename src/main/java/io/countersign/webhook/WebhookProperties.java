package io.countersign.webhook;

import io.countersign.manifest.Patterns;
import io.countersign.process.TargetMode;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * {@code countersign.targets.webhooks}: the mode, the named endpoints a manifest may notify (the
 * allow-list: a manifest names an endpoint, never a URL) and how long one POST may take.
 */
@ConfigurationProperties(WebhookProperties.PREFIX)
record WebhookProperties(String mode, Map<String, Endpoint> endpoints, Duration timeout) {
  static final String PREFIX = "countersign.targets.webhooks";
  static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);

  /**
   * One POST. A step posts to at most five endpoints (and, when one refuses, tells those before it
   * of the rollback): at this bound a step still ends in a few minutes (its lease is renewed
   * meanwhile).
   */
  static final Duration MAX_TIMEOUT = Duration.ofSeconds(20);

  private static final String SECRET_PREFIX = "whsec_";

  WebhookProperties {
    endpoints = endpoints == null ? Map.of() : Map.copyOf(endpoints);
    timeout = timeout == null ? DEFAULT_TIMEOUT : timeout;
  }

  /**
   * Where notices go and, optionally, the key they are signed with: {@code secret} in the Standard
   * Webhooks form {@code whsec_<base64>}, usually a {@code ${...}} placeholder. The URL may carry a
   * token (chat webhooks do), so neither it nor the secret appears in logs, messages or evidence:
   * those name the endpoint.
   */
  record Endpoint(URI url, String secret) {

    boolean signed() {
      return secret != null && !secret.isBlank();
    }

    /** The signing key. */
    byte[] key() {
      byte[] key = null;
      if (secret.startsWith(SECRET_PREFIX)) {
        try {
          key =
              Base64.getDecoder()
                  .decode(
                      secret.substring(SECRET_PREFIX.length()).getBytes(StandardCharsets.US_ASCII));
        } catch (IllegalArgumentException ignored) {
          // reported below without the decoder's message, which could quote the secret
        }
      }
      if (key == null) {
        throw new IllegalArgumentException("secret must have the form whsec_<base64>");
      }
      if (key.length < 24) {
        throw new IllegalArgumentException("secret must hold at least 24 bytes of key");
      }
      return key;
    }

    @Override
    public String toString() { // the URL may carry a token and the secret is one
      return "Endpoint[host=" + (url == null ? null : url.getHost()) + ", signed=" + signed() + "]";
    }
  }

  /**
   * The configured mode. With no endpoint configured no manifest can name one (submission refuses
   * it), so nothing can be posted anywhere and the mode may be left out; once an endpoint exists,
   * the mode is chosen explicitly, as for every target kind.
   */
  TargetMode targetMode() {
    return mode == null && endpoints.isEmpty()
        ? TargetMode.DRY_RUN
        : TargetMode.of(PREFIX + ".mode", mode);
  }

  /** What keeps the webhook target from starting, each with its property. */
  List<String> problems() {
    List<String> problems = new ArrayList<>();
    if (timeout.compareTo(Duration.ofMillis(100)) < 0 || timeout.compareTo(MAX_TIMEOUT) > 0) {
      problems.add(PREFIX + ".timeout must be between PT0.1S and " + MAX_TIMEOUT);
    }
    for (Map.Entry<String, Endpoint> e : new TreeMap<>(endpoints).entrySet()) {
      String where = PREFIX + ".endpoints." + e.getKey();
      if (!e.getKey().matches(Patterns.NAME)) {
        problems.add(where + ": a manifest could not name it; names " + Patterns.NAME_MESSAGE);
      }
      URI url = e.getValue().url();
      String scheme =
          url == null || url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
      if (!(scheme.equals("https") || scheme.equals("http")) || url.getHost() == null) {
        problems.add(where + ".url must be an http(s) URL with a host");
      } else if (url.getRawUserInfo() != null) {
        problems.add(
            where + ".url must not carry credentials; set a secret to sign the notices instead");
      }
      if (e.getValue().signed()) {
        try {
          e.getValue().key();
        } catch (IllegalArgumentException invalid) {
          problems.add(where + "." + invalid.getMessage());
        }
      }
    }
    return problems;
  }
}
