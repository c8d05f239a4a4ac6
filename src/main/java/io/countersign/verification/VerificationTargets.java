package io.countersign.verification;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

@Configuration
class VerificationTargets {

  /** Refuses to start rather than fall back: a release must never run in a mode nobody chose. */
  @Bean
  VerificationTarget verificationTarget(VerificationProperties properties) {
    if ("dry-run".equals(properties.mode())) {
      return new DryRunVerificationTarget();
    }
    if (properties.live()) {
      return new LiveVerificationTarget(properties);
    }
    throw new IllegalStateException(
        "countersign.targets.verification.mode must be live or dry-run, not '" + properties.mode() + "'");
  }
}
