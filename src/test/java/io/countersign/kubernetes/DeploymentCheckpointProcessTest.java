package io.countersign.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.countersign.ProcessTestSupport;
import io.countersign.aws.TargetRefusedException;
import io.countersign.manifest.ReleaseManifest.Workload;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.camunda.bpm.engine.runtime.Job;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.context.annotation.Primary;

/**
 * The deployment checkpoint through the real models: before anything changes, each target the
 * signed manifest names is looked at. A target that refuses, or still does not answer on the last
 * attempt, ends the release failed with nothing changed (no step ran, nothing to roll back); a
 * ready environment is recorded and the deployment goes on. Failure paths first. The cluster is
 * scripted; every other target is the dry-run adapter.
 */
@Import(DeploymentCheckpointProcessTest.ScriptedClusterConfig.class)
class DeploymentCheckpointProcessTest extends ProcessTestSupport {
  @Autowired ScriptedCluster cluster;

  @BeforeEach
  void reset() {
    cluster.answer = Answer.COMPLETE;
    cluster.rolledOut.clear();
  }

  @Test
  void aWorkloadThatIsNotThereFailsTheReleaseBeforeAnythingChanges() {
    cluster.answer = Answer.REFUSED;
    String id = submit(example("staging"));
    approveAll(id);

    assertThat(status(id)).isEqualTo("failed");
    assertThat(statusReason(id))
        .startsWith("Failed at the deployment checkpoint, nothing was changed: ")
        .contains(
            "Kubernetes medication-staging/Deployment/backend: deployments \"backend\" not found");
    assertThat(activities(id, "deploy"))
        .contains("checkDeployment", "checkpointFailedEnd")
        .doesNotContain("backupDatabase", "migrateDatabase", "rolloutKubernetes", "startRollback");
    assertThat(cluster.rolledOut).isEmpty();
    assertThat(evidenceTypes(id)).doesNotContain("rollback-started", "database-backup");
    JsonNode checkpoint = lastPayload(id, "checkpoint-deployment");
    assertThat(checkpoint.path("passed").asBoolean()).isFalse();
    assertThat(findings(checkpoint))
        .contains(
            "configuration: true",
            "Kubernetes medication-staging/Deployment/backend: false",
            "Kubernetes medication-staging/Deployment/web: false");
  }

  @Test
  void aClusterThatDoesNotAnswerIsAskedAgainThenFailsTheRelease() {
    cluster.answer = Answer.SILENT;
    String id = submit(example("staging"));
    approveAll(id);

    // The first attempt failed and the job waits for its retry: nothing recorded, nothing changed.
    assertThat(status(id)).isEqualTo("deploying");
    Job job = checkpointJob(id);
    assertThat(job.getRetries()).isEqualTo(2);
    assertThat(job.getExceptionMessage()).contains("connection refused");
    assertThat(evidenceTypes(id)).doesNotContain("checkpoint-deployment");

    for (int attempt = 0; attempt < 3 && !status(id).equals("failed"); attempt++) {
      advanceClock(Duration.ofSeconds(31));
      runJobs();
    }

    assertThat(status(id)).isEqualTo("failed");
    assertThat(statusReason(id))
        .contains("kubernetes: did not answer: connection refused by the API server");
    // Ended, not left on an incident: no job of the release waits with an exception.
    assertThat(instance("deploy", id)).isNull();
    assertThat(instance("release", id)).isNull();
    assertThat(cluster.rolledOut).isEmpty();
  }

  @Test
  void aReadyEnvironmentIsRecordedAndTheDeploymentGoesOn() {
    String id = submit(example("staging"));
    approveAll(id);

    assertThat(status(id)).isEqualTo("released");
    JsonNode checkpoint = lastPayload(id, "checkpoint-deployment");
    assertThat(checkpoint.path("passed").asBoolean()).isTrue();
    assertThat(findings(checkpoint))
        .allMatch(f -> f.endsWith(": true"))
        .contains(
            "configuration: true",
            "database medication-db: true",
            "Kubernetes medication-staging/Deployment/backend: true",
            "Kubernetes medication-staging/Deployment/web: true")
        .anyMatch(f -> f.startsWith("Lambda "))
        .anyMatch(f -> f.startsWith("front end "))
        .anyMatch(f -> f.startsWith("health check "));
    assertThat(evidenceTypes(id))
        .containsSubsequence("deployment-started", "checkpoint-deployment", "database-backup");
    assertThat(cluster.rolledOut).containsExactly("backend", "web");
    fireTimer(id, "rollbackWindowOver");
  }

  private Job checkpointJob(String id) {
    return management
        .createJobQuery()
        .processInstanceId(instance("deploy", id).getId())
        .activityId("checkDeployment")
        .singleResult();
  }

  private static List<String> findings(JsonNode checkpoint) {
    List<String> lines = new ArrayList<>();
    checkpoint
        .path("findings")
        .forEach(f -> lines.add(f.path("subject").asText() + ": " + f.path("passed").asBoolean()));
    return lines;
  }

  enum Answer {
    COMPLETE,
    REFUSED,
    SILENT
  }

  @TestConfiguration
  static class ScriptedClusterConfig {
    @Bean
    @Primary
    ScriptedCluster checkpointCluster() {
      return new ScriptedCluster();
    }
  }

  /** A cluster whose workloads are there and rolled out, missing, or out of reach, as scripted. */
  static class ScriptedCluster implements KubernetesTarget {
    volatile Answer answer = Answer.COMPLETE;
    final List<String> rolledOut = new ArrayList<>();

    @Override
    public Rollout rollout(String releaseId, String target, String namespace, Workload workload) {
      rolledOut.add(workload.name());
      return new Rollout(
          Map.of(workload.containers().get(0).name(), "registry.medication.example/old:1"),
          false,
          "scripted rollout");
    }

    @Override
    public RolloutStatus status(
        String target, String namespace, Workload workload, Instant deadline) {
      return switch (answer) {
        case REFUSED ->
            throw new TargetRefusedException("deployments \"" + workload.name() + "\" not found");
        case SILENT -> throw new IllegalStateException("connection refused by the API server");
        case COMPLETE -> new RolloutStatus(State.COMPLETE, 3, 3, 3, "complete");
      };
    }

    @Override
    public Rollout undo(
        String releaseId,
        String target,
        String namespace,
        Workload workload,
        Map<String, String> previousImages) {
      return new Rollout(previousImages, false, "scripted undo");
    }
  }
}
