package io.countersign.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import io.countersign.ProcessTestSupport;
import io.countersign.manifest.ReleaseManifest.Workload;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.context.annotation.Primary;

/**
 * The rollout wait of deploy.bpmn: check → gateway → timer → check, and the deadline. A scripted
 * cluster stands in for the Kubernetes port (the fabric8 adapter is tested against its mock
 * server).
 */
@Import(RolloutWaitProcessTest.ScriptedClusterConfig.class)
class RolloutWaitProcessTest extends ProcessTestSupport {
  @Autowired ScriptedCluster cluster;

  @BeforeEach
  void reset() {
    cluster.progressingChecks = 0;
    cluster.rolledOut = false;
    cluster.undone.clear();
  }

  @Test
  void aRolloutPastItsDeadlineRollsBackEveryWorkloadInReverseOrder() {
    cluster.progressingChecks = Integer.MAX_VALUE;
    String id = submit(example("staging"));
    approveAll(id);
    assertThat(hasTimer(id, "rolloutPoll")).isTrue();
    assertThat(runtime.getVariable(instance("deploy", id).getId(), "k8s.progress").toString())
        .contains("1/3 updated");

    fireTimer(id, "rolloutDeadline");
    assertThat(status(id)).isEqualTo("rolled-back");
    assertThat(statusReason(id)).contains("deadline");
    assertThat(cluster.undone).containsExactly("web", "backend");
  }

  @Test
  void aProgressingRolloutIsCheckedAgainOnATimerUntilComplete() {
    cluster.progressingChecks = 2;
    String id = submit(example("staging"));
    approveAll(id);
    fireTimer(id, "rolloutPoll");
    assertThat(status(id)).isEqualTo("deploying");
    fireTimer(id, "rolloutPoll");

    assertThat(status(id)).isEqualTo("released");
    assertThat(cluster.undone).isEmpty();
    assertThat(evidenceTypes(id)).contains("kubernetes-rollout-status");
  }

  @TestConfiguration
  static class ScriptedClusterConfig {
    @Bean
    @Primary
    ScriptedCluster scriptedCluster() {
      return new ScriptedCluster();
    }
  }

  /**
   * Plays the Deployment controller: progressing for N checks once rolled out, then complete.
   * Before the rollout (the deployment checkpoint's look) it is complete.
   */
  static class ScriptedCluster implements KubernetesTarget {
    volatile int progressingChecks;
    volatile boolean rolledOut;
    final List<String> undone = new ArrayList<>();

    @Override
    public Rollout rollout(String releaseId, String target, String namespace, Workload workload) {
      rolledOut = true;
      return new Rollout(
          Map.of(workload.containers().get(0).name(), "registry.medication.example/old:1"),
          false,
          "scripted rollout");
    }

    @Override
    public RolloutStatus status(
        String target, String namespace, Workload workload, Instant deadline) {
      if (rolledOut && progressingChecks > 0) {
        if (workload.name().equals("web")) {
          progressingChecks--;
        }
        return new RolloutStatus(State.PROGRESSING, 1, 1, 3, "1 of 3 updated");
      }
      return new RolloutStatus(State.COMPLETE, 3, 3, 3, "complete");
    }

    @Override
    public Rollout undo(
        String releaseId,
        String target,
        String namespace,
        Workload workload,
        Map<String, String> previousImages) {
      undone.add(workload.name());
      return new Rollout(previousImages, false, "scripted undo");
    }
  }
}
