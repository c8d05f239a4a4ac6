package io.countersign.kubernetes;

import io.countersign.process.TargetMode;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

@Configuration
class KubernetesTargets {

  /**
   * Refuses to start rather than fall back: a release must never run in a mode nobody chose. The
   * live adapter's clients are closed with the context (it is AutoCloseable).
   */
  @Bean
  KubernetesTarget kubernetesTarget(KubernetesProperties properties) {
    return TargetMode.of("countersign.targets.kubernetes.mode", properties.mode())
        .choose(
            () -> new LiveKubernetesTarget(new KubernetesClients(properties)),
            () -> new DryRunKubernetesTarget(properties));
  }

  /** The port of the Kubernetes steps, in the same mode as the rollouts. */
  @Bean
  ClusterSteps clusterSteps(KubernetesProperties properties) {
    return TargetMode.of("countersign.targets.kubernetes.mode", properties.mode())
        .choose(
            () -> new LiveClusterSteps(new KubernetesClients(properties)),
            () -> new DryRunClusterSteps(properties));
  }
}
