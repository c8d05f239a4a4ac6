package io.countersign.kubernetes;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

@Configuration
class KubernetesTargets {

  /**
   * Refuses to start rather than fall back: a release must never run in a mode nobody chose. The live adapter's
   * clients are closed with the context (it is AutoCloseable).
   */
  @Bean
  KubernetesTarget kubernetesTarget(KubernetesProperties properties) {
    if ("dry-run".equals(properties.mode())) {
      return new DryRunKubernetesTarget(properties);
    }
    if ("live".equals(properties.mode())) {
      return new LiveKubernetesTarget(new KubernetesClients(properties));
    }
    throw new IllegalStateException(
        "countersign.targets.kubernetes.mode must be live or dry-run, not '" + properties.mode() + "'");
  }
}
