package io.countersign.manifest;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * {@code countersign.environments}: the environments a manifest may name, in their configured
 * order, each with its production flag and the environment it promotes from. Checked when the
 * server starts; a list that fails a check stops the start with the reason.
 */
@ConfigurationProperties("countersign")
public final class Environments {
  /** 1-16 characters: {@code cs_release.environment} holds 16. */
  static final Pattern SLUG = Pattern.compile("[a-z]([a-z0-9-]{0,14}[a-z0-9])?");

  /** What runs when nothing is configured: the three environments of the users' plans. */
  public static final List<Environment> DEFAULTS =
      List.of(
          new Environment("development", false, null),
          new Environment("staging", false, null),
          new Environment("production", true, "staging"));

  private final Map<String, Environment> byId = new LinkedHashMap<>();

  public Environments(List<Environment> environments) {
    List<Environment> list = environments == null ? DEFAULTS : environments;
    if (list.isEmpty()) {
      throw refused("at least one environment is needed");
    }
    for (int i = 0; i < list.size(); i++) {
      Environment environment = list.get(i);
      String id = environment == null ? null : environment.id();
      if (id == null || !SLUG.matcher(id).matches()) {
        throw refused(
            "["
                + i
                + "].id '"
                + id
                + "' must be lower-case letters, digits and '-', starting with a letter (1-16"
                + " characters)");
      }
      if (byId.putIfAbsent(id, environment) != null) {
        throw refused("'" + id + "' is listed twice");
      }
    }
    for (Environment environment : byId.values()) {
      String from = environment.promotesFrom();
      if (from != null && !byId.containsKey(from)) {
        throw refused(
            "'"
                + environment.id()
                + "' promotes from '"
                + from
                + "', which is not a configured environment ("
                + String.join(", ", ids())
                + ")");
      }
    }
    for (Environment environment : byId.values()) {
      cycleFrom(environment);
    }
  }

  /** Follows promotes-from from one environment; coming back to one already seen is a cycle. */
  private void cycleFrom(Environment start) {
    List<String> path = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    for (Environment at = start; at != null; at = byId.get(at.promotesFrom())) {
      path.add(at.id());
      if (!seen.add(at.id())) {
        throw refused("promotes-from goes round in a cycle: " + String.join(" <- ", path));
      }
      if (at.promotesFrom() == null) {
        return;
      }
    }
  }

  private static IllegalArgumentException refused(String reason) {
    return new IllegalArgumentException("countersign.environments: " + reason);
  }

  /**
   * How a refusal names production: "production", or for another production environment "production
   * ('dr' is a production environment)".
   */
  public static String asProduction(String id) {
    return "production"
        + ("production".equals(id) ? "" : " ('" + id + "' is a production environment)");
  }

  /** The defaults: development, staging, production. */
  public static Environments defaults() {
    return new Environments(null);
  }

  /** The configured environments, in their configured order. */
  public List<Environment> all() {
    return List.copyOf(byId.values());
  }

  /** Their ids, in order. */
  public List<String> ids() {
    return List.copyOf(byId.keySet());
  }

  public Optional<Environment> find(String id) {
    return Optional.ofNullable(id == null ? null : byId.get(id));
  }

  /**
   * Whether releases to {@code id} get production's rules. An id no longer configured (a release
   * submitted before the configuration changed) is taken for production: the stricter rules.
   */
  public boolean production(String id) {
    return find(id).map(Environment::production).orElse(true);
  }
}
