package io.countersign.lambda;

import io.countersign.aws.AwsClients;
import io.countersign.process.Attempts;
import io.countersign.process.TargetMode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;

@Configuration
class LambdaTargets {
  private static final String PREFIX = "countersign.targets.lambda";

  /**
   * Refuses to start rather than fall back: a release must never run in a mode nobody chose, nor
   * live against a target configured wrongly. Credentials come from the default chain unless the
   * context has an {@link AwsCredentialsProvider} bean (tests).
   */
  @Bean
  LambdaTarget lambdaTarget(
      LambdaProperties properties, ObjectProvider<AwsCredentialsProvider> credentials) {
    return TargetMode.of(PREFIX + ".mode", properties.mode())
        .choose(
            () -> {
              List<String> problems = problems(properties);
              if (!problems.isEmpty()) {
                throw new IllegalStateException(
                    "live Lambda target misconfigured: " + String.join("; ", problems));
              }
              return new LiveLambdaTarget(
                  properties,
                  new AwsClients(
                      credentials.getIfAvailable(
                          () -> DefaultCredentialsProvider.builder().build())));
            },
            DryRunLambdaTarget::new);
  }

  @Bean
  LambdaRollout lambdaRollout(
      LambdaTarget lambdaTarget, LambdaProperties properties, Attempts attempts) {
    return new LambdaRollout(lambdaTarget, properties, attempts);
  }

  @Bean
  TrafficChecks trafficChecks(LambdaTarget lambdaTarget) {
    return new TrafficChecks(lambdaTarget);
  }

  static List<String> problems(LambdaProperties properties) {
    List<String> problems = new ArrayList<>();
    if (properties.targets().isEmpty()) {
      problems.add(PREFIX + ".targets: live mode needs at least one target");
    }
    for (Map.Entry<String, LambdaProperties.Target> e :
        new TreeMap<>(properties.targets()).entrySet()) {
      String where = PREFIX + ".targets." + e.getKey();
      problems.addAll(e.getValue().aws().problems(where));
      if (e.getValue().artifactBuckets().isEmpty()) {
        problems.add(where + ".artifact-buckets: name the buckets functions may be built from");
      }
      // A blank prefix would allow every secret the role can read.
      if (e.getValue().secretPrefixes().stream().anyMatch(p -> p == null || p.isBlank())) {
        problems.add(where + ".secret-prefixes: a prefix must not be blank");
      }
      if (e.getValue().parameterPrefixes().stream().anyMatch(p -> p == null || p.isBlank())) {
        problems.add(where + ".parameter-prefixes: a prefix must not be blank");
      }
      for (String validator : e.getValue().validationFunctions()) {
        if (!LambdaRollout.isFunctionName(validator)) {
          problems.add(
              where
                  + ".validation-functions: '"
                  + validator
                  + "' is not a function name (letters, digits, '-', '_'; no ARNs or qualifiers)");
        }
      }
    }
    if (properties.pollInterval() != null && properties.pollInterval().toSeconds() < 1) {
      problems.add(PREFIX + ".poll-interval must be at least PT1S");
    }
    if (properties.finalHold() != null && properties.finalHold().isNegative()) {
      problems.add(PREFIX + ".final-hold must be PT0S (no hold, the gates still run) or more");
    }
    if (properties.updateTimeout() != null && properties.updateTimeout().toSeconds() < 1) {
      problems.add(PREFIX + ".update-timeout must be at least PT1S");
    }
    return problems;
  }
}
