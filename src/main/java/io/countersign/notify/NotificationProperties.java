package io.countersign.notify;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * {@code countersign.notifications}: the outgoing webhooks events go to, and how they are
 * delivered. Secrets come from the environment (a {@code ${...}} placeholder in {@code secret}) or
 * a file ({@code secret-file}), never from a manifest or a process variable.
 */
@ConfigurationProperties(NotificationProperties.PREFIX)
record NotificationProperties(Map<String, Webhook> webhooks, Delivery delivery) {
  static final String PREFIX = "countersign.notifications";

  NotificationProperties {
    webhooks = webhooks == null ? Map.of() : Map.copyOf(webhooks);
    delivery = delivery == null ? new Delivery(null, null, null, null, null) : delivery;
  }

  /**
   * One outgoing webhook: where events go, the key they are signed with, and which events (by type)
   * and environments it wants (empty: all).
   */
  record Webhook(
      URI url, String secret, Path secretFile, List<String> events, List<String> environments) {
    Webhook {
      events = events == null ? List.of() : List.copyOf(events);
      environments = environments == null ? List.of() : List.copyOf(environments);
    }

    boolean wants(String type, String environment) {
      return (events.isEmpty() || events.contains(type))
          && (environments.isEmpty() || environments.contains(environment));
    }

    /** The signing key: {@code secret}, or the content of {@code secret-file} (trimmed). */
    byte[] key() {
      if (secret != null && !secret.isBlank()) {
        return secret.getBytes(StandardCharsets.UTF_8);
      }
      try {
        return Files.readString(secretFile, StandardCharsets.UTF_8)
            .strip()
            .getBytes(StandardCharsets.UTF_8);
      } catch (IOException e) {
        // The path, not the content.
        throw new UncheckedIOException("cannot read the secret file " + secretFile, e);
      }
    }

    @Override
    public String toString() { // the URL may carry a token and the secret is one
      return "Webhook[host=" + (url == null ? null : url.getHost()) + "]";
    }
  }

  /**
   * How the outbox is delivered: by a scheduled task on every node ({@code enabled}, every {@code
   * interval}), at most {@code max-attempts} sends per event (then it is dead), each bounded by
   * {@code timeout}; a channel is reported down after {@code down-after} failures in a row.
   */
  record Delivery(
      Boolean enabled,
      Duration interval,
      Integer maxAttempts,
      Duration timeout,
      Integer downAfter) {
    Delivery {
      enabled = enabled == null || enabled;
      interval = interval == null ? Duration.ofSeconds(5) : interval;
      maxAttempts = maxAttempts == null ? 20 : maxAttempts;
      timeout = timeout == null ? Duration.ofSeconds(5) : timeout;
      downAfter = downAfter == null ? 3 : downAfter;
    }
  }

  /** What keeps notifications from starting, each with its property. */
  List<String> problems() {
    List<String> problems = new ArrayList<>();
    if (delivery.timeout().compareTo(Duration.ofMillis(100)) < 0
        || delivery.timeout().compareTo(Duration.ofSeconds(30)) > 0) {
      problems.add(PREFIX + ".delivery.timeout must be between PT0.1S and PT30S");
    }
    if (delivery.maxAttempts() < 1) {
      problems.add(PREFIX + ".delivery.max-attempts must be at least 1");
    }
    if (delivery.downAfter() < 1) {
      problems.add(PREFIX + ".delivery.down-after must be at least 1");
    }
    for (Map.Entry<String, Webhook> e : new TreeMap<>(webhooks).entrySet()) {
      String where = PREFIX + ".webhooks." + e.getKey();
      if (!e.getKey().matches("[a-z0-9][a-z0-9-]{0,63}")) {
        problems.add(where + ": names are lower-case letters, digits and '-', up to 64");
      }
      Webhook webhook = e.getValue();
      URI url = webhook.url();
      String scheme =
          url == null || url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
      if (!(scheme.equals("https") || scheme.equals("http")) || url.getHost() == null) {
        problems.add(where + ".url must be an http(s) URL with a host");
      } else if (url.getRawUserInfo() != null) {
        problems.add(where + ".url must not carry credentials");
      }
      boolean inline = webhook.secret() != null && !webhook.secret().isBlank();
      if (inline == (webhook.secretFile() != null)) {
        problems.add(where + ": set exactly one of secret and secret-file");
      } else if (!inline && !Files.isReadable(webhook.secretFile())) {
        problems.add(where + ".secret-file cannot be read: " + webhook.secretFile());
      } else if (webhook.key().length < 16) {
        problems.add(where + ": the secret must hold at least 16 bytes");
      }
    }
    return problems;
  }
}
