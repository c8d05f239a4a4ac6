package io.countersign.lambda;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

@Configuration
class LambdaTargets {

  /** Refuses to start rather than fall back: a release must never run in a mode nobody chose. */
  @Bean
  LambdaTarget lambdaTarget(LambdaProperties properties) {
    if ("dry-run".equals(properties.mode())) {
      return new DryRunLambdaTarget(properties);
    }
    if ("live".equals(properties.mode())) {
      throw new IllegalStateException("live Lambda target is not available in this build; use mode: dry-run");
    }
    throw new IllegalStateException(
        "countersign.targets.lambda.mode must be live or dry-run, not '" + properties.mode() + "'");
  }
}
