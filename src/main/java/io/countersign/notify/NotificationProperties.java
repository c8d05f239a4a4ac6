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
 * {@code countersign.notifications}: the channels events go to (outgoing webhooks, Slack and Teams
 * incoming webhooks, e-mail routes, PagerDuty services), each with the event types and environments
 * it wants, and how they are delivered. Secrets (signing keys, webhook URLs, routing keys) come
 * from the environment (a {@code ${...}} placeholder) or a file ({@code ...-file}), never from a
 * manifest or a process variable. Channel names are unique across kinds: the outbox keeps the name.
 */
@ConfigurationProperties(NotificationProperties.PREFIX)
record NotificationProperties(
    Map<String, Webhook> webhooks,
    Map<String, IncomingWebhook> slack,
    Map<String, IncomingWebhook> teams,
    Map<String, Email> email,
    Map<String, PagerDuty> pagerduty,
    Delivery delivery) {
  static final String PREFIX = "countersign.notifications";

  /** PagerDuty's Events API v2 endpoint, unless a service names another (a proxy, a test). */
  static final URI PAGERDUTY_EVENTS = URI.create("https://events.pagerduty.com/v2/enqueue");

  NotificationProperties {
    webhooks = webhooks == null ? Map.of() : Map.copyOf(webhooks);
    slack = slack == null ? Map.of() : Map.copyOf(slack);
    teams = teams == null ? Map.of() : Map.copyOf(teams);
    email = email == null ? Map.of() : Map.copyOf(email);
    pagerduty = pagerduty == null ? Map.of() : Map.copyOf(pagerduty);
    delivery = delivery == null ? new Delivery(null, null, null, null, null) : delivery;
  }

  /** Only outgoing webhooks (tests). */
  static NotificationProperties webhooksOnly(Map<String, Webhook> webhooks, Delivery delivery) {
    return new NotificationProperties(webhooks, null, null, null, null, delivery);
  }

  /** Which events a channel wants: by type (exact, or a prefix ending in ".*") and environment. */
  interface Routed {
    List<String> events();

    List<String> environments();

    default boolean wants(String type, String environment) {
      return (events().isEmpty() || events().stream().anyMatch(e -> matches(e, type)))
          && (environments().isEmpty() || environments().contains(environment));
    }

    static boolean matches(String pattern, String type) {
      return pattern.endsWith(".*")
          ? type.startsWith(pattern.substring(0, pattern.length() - 1))
          : pattern.equals(type);
    }
  }

  /**
   * One outgoing webhook: where events go, the key they are signed with, and which events (by type)
   * and environments it wants (empty: all).
   */
  record Webhook(
      URI url, String secret, Path secretFile, List<String> events, List<String> environments)
      implements Routed {
    Webhook {
      events = events == null ? List.of() : List.copyOf(events);
      environments = environments == null ? List.of() : List.copyOf(environments);
    }

    /** The signing key: {@code secret}, or the content of {@code secret-file} (trimmed). */
    byte[] key() {
      return NotificationProperties.secret(secret, secretFile).getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public String toString() { // the URL may carry a token and the secret is one
      return "Webhook[host=" + (url == null ? null : url.getHost()) + "]";
    }
  }

  /**
   * A Slack or Microsoft Teams incoming webhook (for Teams, a Workflows "post to a channel when a
   * webhook request is received" URL, or a legacy connector's): its URL is the secret ({@code url},
   * from the environment, or {@code url-file}).
   */
  record IncomingWebhook(String url, Path urlFile, List<String> events, List<String> environments)
      implements Routed {
    IncomingWebhook {
      events = events == null ? List.of() : List.copyOf(events);
      environments = environments == null ? List.of() : List.copyOf(environments);
    }

    URI target() {
      return URI.create(secret(url, urlFile));
    }

    @Override
    public String toString() {
      return "IncomingWebhook[events=" + events + ", environments=" + environments + "]";
    }
  }

  /**
   * An e-mail route over the SMTP server {@code spring.mail.*} configures: from {@code from} to the
   * fixed addresses {@code to} and, with {@code to-group-members}, to the members of the group the
   * event addresses (the role a sign-off waits for, release managers after an escalation...) who
   * may act on it.
   */
  record Email(
      String from,
      List<String> to,
      Boolean toGroupMembers,
      List<String> events,
      List<String> environments)
      implements Routed {
    Email {
      to = to == null ? List.of() : List.copyOf(to);
      toGroupMembers = toGroupMembers != null && toGroupMembers;
      events = events == null ? List.of() : List.copyOf(events);
      environments = environments == null ? List.of() : List.copyOf(environments);
    }
  }

  /**
   * A PagerDuty service, by its Events API v2 integration (routing) key, which is a secret ({@code
   * routing-key} from the environment, or {@code routing-key-file}). It gets the events that page
   * and resolve (see {@link PagerDutyChannel}); {@code events} may narrow them.
   */
  record PagerDuty(
      String routingKey,
      Path routingKeyFile,
      URI url,
      List<String> events,
      List<String> environments)
      implements Routed {
    PagerDuty {
      url = url == null ? PAGERDUTY_EVENTS : url;
      events = events == null || events.isEmpty() ? PagerDutyChannel.TYPES : List.copyOf(events);
      environments = environments == null ? List.of() : List.copyOf(environments);
    }

    String key() {
      return secret(routingKey, routingKeyFile);
    }

    @Override
    public String toString() {
      return "PagerDuty[host=" + url.getHost() + ", events=" + events + "]";
    }
  }

  /** {@code inline} if set, else the content of {@code file} (trimmed). */
  static String secret(String inline, Path file) {
    if (inline != null && !inline.isBlank()) {
      return inline.strip();
    }
    try {
      return Files.readString(file, StandardCharsets.UTF_8).strip();
    } catch (IOException e) {
      // The path, not the content.
      throw new UncheckedIOException("cannot read the secret file " + file, e);
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
    Map<String, String> kinds = new TreeMap<>();
    for (Map.Entry<String, Webhook> e : new TreeMap<>(webhooks).entrySet()) {
      String where = channel(problems, kinds, "webhooks", e.getKey(), e.getValue());
      Webhook webhook = e.getValue();
      url(problems, where + ".url", webhook.url());
      if (secretProblem(problems, where, "secret", webhook.secret(), webhook.secretFile())) {
        continue;
      }
      if (webhook.key().length < 16) {
        problems.add(where + ": the secret must hold at least 16 bytes");
      }
    }
    for (String kind : List.of("slack", "teams")) {
      Map<String, IncomingWebhook> hooks = kind.equals("slack") ? slack : teams;
      for (Map.Entry<String, IncomingWebhook> e : new TreeMap<>(hooks).entrySet()) {
        String where = channel(problems, kinds, kind, e.getKey(), e.getValue());
        IncomingWebhook hook = e.getValue();
        if (!secretProblem(problems, where, "url", hook.url(), hook.urlFile())) {
          url(problems, where + ".url", uri(secret(hook.url(), hook.urlFile())));
        }
      }
    }
    for (Map.Entry<String, Email> e : new TreeMap<>(email).entrySet()) {
      String where = channel(problems, kinds, "email", e.getKey(), e.getValue());
      Email channel = e.getValue();
      if (channel.from() == null || !address(channel.from())) {
        problems.add(where + ".from must be an e-mail address");
      }
      for (int i = 0; i < channel.to().size(); i++) {
        if (!address(channel.to().get(i))) {
          problems.add(where + ".to[" + i + "] must be an e-mail address");
        }
      }
      if (channel.to().isEmpty() && !channel.toGroupMembers()) {
        problems.add(where + ": set to, or to-group-members: true, or both");
      }
    }
    for (Map.Entry<String, PagerDuty> e : new TreeMap<>(pagerduty).entrySet()) {
      String where = channel(problems, kinds, "pagerduty", e.getKey(), e.getValue());
      PagerDuty channel = e.getValue();
      url(problems, where + ".url", channel.url());
      if (!secretProblem(
              problems, where, "routing-key", channel.routingKey(), channel.routingKeyFile())
          && !channel.key().matches("[A-Za-z0-9]{32}")) {
        problems.add(where + ": a routing key is 32 letters and digits");
      }
      for (int i = 0; i < channel.events().size(); i++) {
        String pattern = channel.events().get(i);
        if (PagerDutyChannel.TYPES.stream().noneMatch(t -> Routed.matches(pattern, t))) {
          problems.add(
              where
                  + ".events["
                  + i
                  + "]: PagerDuty takes only "
                  + String.join(", ", PagerDutyChannel.TYPES));
        }
      }
    }
    return problems;
  }

  /** Every channel's routing, by name. */
  Map<String, Routed> routes() {
    Map<String, Routed> routes = new TreeMap<>();
    routes.putAll(webhooks);
    routes.putAll(slack);
    routes.putAll(teams);
    routes.putAll(email);
    routes.putAll(pagerduty);
    return routes;
  }

  /** Every channel's name, and its kind. */
  Map<String, String> channelKinds() {
    Map<String, String> kinds = new TreeMap<>();
    webhooks.keySet().forEach(n -> kinds.put(n, "webhooks"));
    slack.keySet().forEach(n -> kinds.put(n, "slack"));
    teams.keySet().forEach(n -> kinds.put(n, "teams"));
    email.keySet().forEach(n -> kinds.put(n, "email"));
    pagerduty.keySet().forEach(n -> kinds.put(n, "pagerduty"));
    return kinds;
  }

  /** The checks every channel shares: its name, unique across kinds, and its routing. */
  private static String channel(
      List<String> problems, Map<String, String> kinds, String kind, String name, Routed routed) {
    String where = PREFIX + "." + kind + "." + name;
    if (!name.matches("[a-z0-9][a-z0-9-]{0,63}")) {
      problems.add(where + ": names are lower-case letters, digits and '-', up to 64");
    }
    String other = kinds.putIfAbsent(name, kind);
    if (other != null) {
      problems.add(where + ": the name is taken by " + PREFIX + "." + other + "." + name);
    }
    for (int i = 0; i < routed.events().size(); i++) {
      String pattern = routed.events().get(i);
      if (Notifications.TYPES.stream().noneMatch(t -> Routed.matches(pattern, t))) {
        problems.add(
            where + ".events[" + i + "]: no event type is " + pattern + " (see README, Events)");
      }
    }
    return where;
  }

  /** Adds the problem when not exactly one of the two is set or the file cannot be read. */
  private static boolean secretProblem(
      List<String> problems, String where, String property, String inline, Path file) {
    boolean set = inline != null && !inline.isBlank();
    if (set == (file != null)) {
      problems.add(where + ": set exactly one of " + property + " and " + property + "-file");
      return true;
    }
    if (!set && !Files.isReadable(file)) {
      problems.add(where + "." + property + "-file cannot be read: " + file);
      return true;
    }
    return false;
  }

  private static void url(List<String> problems, String where, URI url) {
    String scheme =
        url == null || url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
    if (!(scheme.equals("https") || scheme.equals("http")) || url.getHost() == null) {
      problems.add(where + " must be an http(s) URL with a host");
    } else if (url.getRawUserInfo() != null) {
      problems.add(where + " must not carry credentials");
    }
  }

  /** The URI, or null when it is not one (the text is a secret: never quoted). */
  private static URI uri(String text) {
    try {
      return URI.create(text);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  private static boolean address(String text) {
    return text != null && text.matches("[^@\\s<>]+@[^@\\s<>]+\\.[^@\\s<>]+");
  }
}
