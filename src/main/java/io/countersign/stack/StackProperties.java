package io.countersign.stack;

import io.countersign.aws.AwsSettings;
import io.countersign.manifest.Patterns;
import io.countersign.process.TargetMode;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.ConstructorBinding;

/**
 * {@code countersign.targets.stack}: the mode, the named stack targets a manifest may use (each an
 * AWS account and region with its allow-lists), how often a change set or stack operation in
 * progress is looked at again ({@code poll-interval}) and how long one may take ({@code timeout}).
 */
@ConfigurationProperties(StackProperties.PREFIX)
record StackProperties(
    String mode, Map<String, Target> targets, Duration pollInterval, Duration timeout) {
  static final String PREFIX = "countersign.targets.stack";
  static final Duration DEFAULT_POLL_INTERVAL = Duration.ofSeconds(15);
  static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(60);

  /** What CloudFormation accepts as capabilities; a target allows a subset. */
  static final Set<String> CAPABILITIES =
      Set.of("CAPABILITY_IAM", "CAPABILITY_NAMED_IAM", "CAPABILITY_AUTO_EXPAND");

  @ConstructorBinding
  StackProperties {
    targets = targets == null ? Map.of() : Map.copyOf(targets);
  }

  Duration pollIntervalOrDefault() {
    return pollInterval == null ? DEFAULT_POLL_INTERVAL : pollInterval;
  }

  Duration timeoutOrDefault() {
    return timeout == null ? DEFAULT_TIMEOUT : timeout;
  }

  /**
   * One AWS account and region. {@code stack-names} are exact names, or prefixes written with a
   * trailing {@code *}; {@code artifact-buckets} the buckets a template may come from (and where
   * the previous template is kept for a rollback); {@code capabilities} what a manifest may
   * acknowledge; {@code cloudformation-role-arn} the service role CloudFormation acts with, if any.
   */
  record Target(
      String region,
      String roleArn,
      String externalId,
      Map<String, URI> endpoints,
      Duration callTimeout,
      Integer maxAttempts,
      List<String> artifactBuckets,
      List<String> stackNames,
      List<String> capabilities,
      String cloudformationRoleArn) {

    @ConstructorBinding
    Target {
      artifactBuckets = artifactBuckets == null ? List.of() : List.copyOf(artifactBuckets);
      stackNames = stackNames == null ? List.of() : List.copyOf(stackNames);
      capabilities = capabilities == null ? List.of() : List.copyOf(capabilities);
    }

    AwsSettings aws() {
      return new AwsSettings(region, roleArn, externalId, endpoints, callTimeout, maxAttempts);
    }

    /** Whether the stack name is one of the allowed names or starts with an allowed prefix. */
    boolean allowsStack(String name) {
      for (String allowed : stackNames) {
        if (allowed.endsWith("*")
            ? name.startsWith(allowed.substring(0, allowed.length() - 1))
            : name.equals(allowed)) {
          return true;
        }
      }
      return false;
    }
  }

  /**
   * The configured mode. With no target configured no manifest can name one, so the mode may be
   * left out; once a target exists it is chosen explicitly, as for every target kind.
   */
  TargetMode targetMode() {
    return mode == null && targets.isEmpty()
        ? TargetMode.DRY_RUN
        : TargetMode.of(PREFIX + ".mode", mode);
  }

  /** What keeps the stack target from starting, each with its property. */
  List<String> problems(boolean live) {
    List<String> problems = new ArrayList<>();
    if (pollInterval != null && pollInterval.toSeconds() < 1) {
      problems.add(PREFIX + ".poll-interval must be at least PT1S");
    }
    if (timeout != null && timeout.toMinutes() < 1) {
      problems.add(PREFIX + ".timeout must be at least PT1M");
    }
    for (Map.Entry<String, Target> e : new TreeMap<>(targets).entrySet()) {
      String where = PREFIX + ".targets." + e.getKey();
      Target target = e.getValue();
      if (!e.getKey().matches(Patterns.NAME)) {
        problems.add(where + ": a manifest could not name it; names " + Patterns.NAME_MESSAGE);
      }
      if (live) {
        problems.addAll(target.aws().problems(where));
      }
      if (target.artifactBuckets().isEmpty()) {
        problems.add(where + ".artifact-buckets: name the buckets templates may come from");
      }
      if (target.stackNames().isEmpty()) {
        problems.add(
            where + ".stack-names: name the stacks (or prefixes ending in *) it may change");
      }
      for (String name : target.stackNames()) {
        if (name.equals("*") || !name.matches("[A-Za-z][A-Za-z0-9-]{0,127}\\*?")) {
          problems.add(
              where + ".stack-names: '" + name + "' is not a stack name or a prefix ending in *");
        }
      }
      for (String capability : target.capabilities()) {
        if (!CAPABILITIES.contains(capability)) {
          problems.add(where + ".capabilities: '" + capability + "' is not one of " + CAPABILITIES);
        }
      }
      if (target.cloudformationRoleArn() != null
          && !target.cloudformationRoleArn().matches("arn:aws(-[a-z]+)*:iam::\\d{12}:role/.+")) {
        problems.add(where + ".cloudformation-role-arn is not an IAM role ARN");
      }
    }
    return problems;
  }
}
