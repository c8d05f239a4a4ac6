package io.countersign.frontend;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

@Configuration
class StaticSiteTargets {

  /** Refuses to start rather than fall back: a release must never run in a mode nobody chose. */
  @Bean
  StaticSiteTarget staticSiteTarget(FrontendProperties properties) {
    if ("dry-run".equals(properties.mode())) {
      return new DryRunStaticSiteTarget(properties);
    }
    if ("live".equals(properties.mode())) {
      throw new IllegalStateException("live front-end target is not available in this build; use mode: dry-run");
    }
    throw new IllegalStateException(
        "countersign.targets.frontend.mode must be live or dry-run, not '" + properties.mode() + "'");
  }
}
