package io.countersign.verification;

import io.countersign.process.TargetMode;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

@Configuration
class VerificationTargets {

  /** Refuses to start rather than fall back: a release must never run in a mode nobody chose. */
  @Bean
  VerificationTarget verificationTarget(VerificationProperties properties) {
    return TargetMode.of("countersign.targets.verification.mode", properties.mode())
        .choose(() -> new LiveVerificationTarget(properties), DryRunVerificationTarget::new);
  }
}
