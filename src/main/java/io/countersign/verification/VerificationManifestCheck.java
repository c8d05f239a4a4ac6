package io.countersign.verification;

import io.countersign.manifest.FieldErrors;
import io.countersign.manifest.ManifestCheck;
import io.countersign.manifest.ReleaseManifest;
import io.countersign.manifest.ReleaseManifest.DataCheck;
import io.countersign.manifest.ReleaseManifest.HttpCheck;
import io.countersign.manifest.ReleaseManifest.LambdaFunction;
import io.countersign.manifest.ReleaseManifest.MetricRule;
import io.countersign.manifest.ReleaseManifest.VerificationPlan;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import org.springframework.stereotype.Component;

/**
 * The manifest's verification plan against the server: hosts on the allow-list, checks that fit in
 * one job, metric rules the server can ask and that can fail, data checks that only read the
 * release's database.
 */
@Component
class VerificationManifestCheck implements ManifestCheck {
  static final Duration MIN_INTERVAL = Duration.ofSeconds(10);
  static final Duration MIN_TIMEOUT = Duration.ofMillis(100);
  static final Duration MAX_TIMEOUT = Duration.ofSeconds(30);

  /**
   * Every check of one step running into every timeout must still end far inside the job's lock (5
   * min).
   */
  static final Duration CHECKS_BUDGET = Duration.ofMinutes(2);

  private final VerificationProperties properties;

  VerificationManifestCheck(VerificationProperties properties) {
    this.properties = properties;
  }

  @Override
  public void check(ReleaseManifest manifest, FieldErrors errors) {
    VerificationPlan plan = manifest.verification();
    if (plan == null) {
      return;
    }
    if (manifest.environment() != null) {
      urls(plan.healthChecks(), "$.verification.healthChecks", manifest.environment(), errors);
      urls(plan.smokeTests(), "$.verification.smokeTests", manifest.environment(), errors);
    }
    checks(plan.healthChecks(), "$.verification.healthChecks", errors);
    checks(plan.smokeTests(), "$.verification.smokeTests", errors);
    budget(plan, errors);
    // Thresholds (max/min present, min <= max) are checked once, by ManifestRules. The model's
    // timer waits this long between evaluations; a shorter one would spin the job executor.
    if (plan.interval() != null && shorterThan(plan.interval(), MIN_INTERVAL)) {
      errors.add("$.verification.interval", "must be at least " + MIN_INTERVAL);
    }
    metrics(manifest, plan.metrics(), errors);
    alarms(manifest, plan.alarms(), errors);
    dataChecks(manifest, plan.dataChecks(), errors);
  }

  private void urls(List<HttpCheck> checks, String path, String environment, FieldErrors errors) {
    for (int i = 0; i < checks.size(); i++) {
      HttpCheck check = checks.get(i);
      String refusal =
          check == null || check.url() == null
              ? null
              : properties.refusal(check.url(), environment);
      if (refusal != null) {
        errors.add(path + "[" + i + "].url", refusal);
      }
    }
  }

  private static void checks(List<HttpCheck> checks, String path, FieldErrors errors) {
    for (int i = 0; i < checks.size(); i++) {
      HttpCheck check = checks.get(i);
      String at = path + "[" + i + "]";
      if (check == null) {
        continue;
      }
      Duration timeout = duration(check.timeout());
      if (timeout != null
          && (timeout.compareTo(MIN_TIMEOUT) < 0 || timeout.compareTo(MAX_TIMEOUT) > 0)) {
        errors.add(at + ".timeout", "must be between PT0.1S and PT30S");
      }
      if (check.jsonField() != null && check.jsonValue() == null) {
        errors.add(at + ".jsonValue", "is required with jsonField");
      }
      if (check.jsonValue() != null && check.jsonField() == null) {
        errors.add(at + ".jsonField", "is required with jsonValue");
      }
      if ("HEAD".equals(check.method())
          && (check.bodyContains() != null || check.jsonField() != null)) {
        errors.add(at + ".method", "HEAD has no body to check; use GET");
      }
    }
  }

  private static void budget(VerificationPlan plan, FieldErrors errors) {
    Duration total = Duration.ZERO;
    for (List<HttpCheck> list : List.of(plan.healthChecks(), plan.smokeTests())) {
      for (HttpCheck check : list) {
        if (check != null && validTimeout(check)) {
          total = total.plus(HttpProbe.worstCase(check));
        }
      }
    }
    if (total.compareTo(CHECKS_BUDGET) > 0) {
      errors.add(
          "$.verification",
          "health checks and smoke tests could take "
              + total.toSeconds()
              + " s when every attempt times out; at most "
              + CHECKS_BUDGET.toSeconds()
              + " s are allowed (fewer checks, retries or a shorter timeout)");
    }
  }

  private void metrics(ReleaseManifest manifest, List<MetricRule> rules, FieldErrors errors) {
    if (rules.stream().anyMatch(r -> r != null && r.query() != null)
        && properties.live()
        && !properties.prometheus().configured()) {
      errors.add(
          "$.verification.metrics",
          "this server has no Prometheus configured to ask "
              + "(countersign.targets.verification.prometheus.url)");
    }
    if (rules.stream().anyMatch(r -> r != null && r.cloudwatch() != null)
        && properties.live()
        && !properties.cloudwatch().configured()) {
      errors.add(
          "$.verification.metrics",
          "this server has no CloudWatch configured to ask "
              + "(countersign.targets.verification.cloudwatch.region)");
    }
    for (int i = 0; i < rules.size(); i++) {
      MetricRule rule = rules.get(i);
      String at = "$.verification.metrics[" + i + "]";
      if (rule == null) {
        continue;
      }
      if (rule.query() == null && rule.cloudwatch() == null) {
        errors.add(at, "needs a query (Prometheus) or cloudwatch (a CloudWatch metric)");
      } else if (rule.query() != null && rule.cloudwatch() != null) {
        errors.add(at + ".cloudwatch", "give either query (Prometheus) or cloudwatch, not both");
      } else if (rule.cloudwatch() != null) {
        CloudWatchRules.check(rule.cloudwatch(), at + ".cloudwatch", errors);
      }
      if (MetricRules.scoped(rule) && !manifest.hasLambda()) {
        errors.add(
            at + (rule.query() != null ? ".query" : ".cloudwatch"),
            "uses "
                + MetricRules.FUNCTION
                + " but the manifest has no Lambda functions to put there");
      }
    }
  }

  /**
   * Alarms need CloudWatch and, named per function, the release's functions; all of them, expanded,
   * must fit in one DescribeAlarms call.
   */
  private void alarms(ReleaseManifest manifest, List<String> alarms, FieldErrors errors) {
    if (alarms.isEmpty()) {
      return;
    }
    if (properties.live() && !properties.cloudwatch().configured()) {
      errors.add(
          "$.verification.alarms",
          "this server has no CloudWatch configured to ask "
              + "(countersign.targets.verification.cloudwatch.region)");
    }
    Set<String> seen = new HashSet<>();
    List<String> functions =
        manifest.hasLambda()
            ? manifest.lambda().functions().stream()
                .filter(f -> f != null && f.name() != null)
                .map(LambdaFunction::name)
                .toList()
            : List.of();
    for (int i = 0; i < alarms.size(); i++) {
      String name = alarms.get(i);
      String at = "$.verification.alarms[" + i + "]";
      if (name == null) {
        continue;
      }
      if (!seen.add(name)) {
        errors.add(at, "duplicate alarm '" + name + "'");
      }
      if (Alarms.scoped(name) && functions.isEmpty()) {
        errors.add(
            at,
            "uses "
                + MetricRules.FUNCTION
                + " but the manifest has no Lambda functions to put there");
      }
      // The name itself is at most 255 characters (@Size); a function's name can make it longer.
      for (String function : Alarms.scoped(name) ? functions : List.<String>of()) {
        if (name.replace(MetricRules.FUNCTION, function).length() > 255) {
          errors.add(at, "is longer than 255 characters for function " + function);
        }
      }
    }
    int expanded =
        Alarms.expand(alarms.stream().filter(Objects::nonNull).toList(), functions).size();
    if (expanded > Alarms.MAX_NAMES) {
      errors.add(
          "$.verification.alarms",
          "name "
              + expanded
              + " alarms once {function} is expanded; at most "
              + Alarms.MAX_NAMES
              + " (one DescribeAlarms call)");
    }
  }

  private static void dataChecks(
      ReleaseManifest manifest, List<DataCheck> checks, FieldErrors errors) {
    if (!checks.isEmpty() && manifest.database() == null) {
      errors.add(
          "$.verification.dataChecks", "need the database section: they run against its target");
    }
    Set<String> names = new HashSet<>();
    for (int i = 0; i < checks.size(); i++) {
      DataCheck check = checks.get(i);
      String at = "$.verification.dataChecks[" + i + "]";
      if (check == null) {
        continue;
      }
      if (check.name() != null && !names.add(check.name())) {
        errors.add(at + ".name", "duplicate data check '" + check.name() + "'");
      }
      String refusal = DataCheckSql.refusal(check.sql());
      if (refusal != null) {
        errors.add(at + ".sql", refusal);
      }
      if (!check.expectsNoRows() && check.value() == null) {
        errors.add(at + ".value", "is required with expect: value");
      }
      if (check.expectsNoRows() && check.value() != null) {
        errors.add(at + ".value", "is only for expect: value (this check expects no rows)");
      }
    }
  }

  private static boolean validTimeout(HttpCheck check) {
    Duration timeout = duration(check.timeout());
    boolean timeoutOk =
        check.timeout() == null || timeout != null && timeout.compareTo(MAX_TIMEOUT) <= 0;
    boolean retriesOk = check.retries() == null || check.retries() >= 0 && check.retries() <= 5;
    return timeoutOk && retriesOk; // invalid ones are reported on their own fields
  }

  private static Duration duration(String text) {
    if (text == null) {
      return null;
    }
    try {
      return Duration.parse(text);
    } catch (DateTimeParseException e) {
      return null; // the shape check reports it
    }
  }

  private static boolean shorterThan(String duration, Duration minimum) {
    Duration parsed = duration(duration);
    return parsed != null && parsed.compareTo(minimum) < 0;
  }
}
