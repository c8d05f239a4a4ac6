package io.countersign.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import io.countersign.kubernetes.KubernetesTarget.RolloutStatus;
import io.countersign.kubernetes.KubernetesTarget.State;
import io.countersign.kubernetes.RolloutPredicate.Observation;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentConditionBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatusBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSetBuilder;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * The rollout-complete predicate on Deployment and StatefulSet status fixtures, as a cluster
 * reports them.
 */
class RolloutPredicateTest {
  private static final Instant NOW = Instant.parse("2025-01-10T10:00:00Z");
  private static final Instant DEADLINE = NOW.plusSeconds(600);

  @Test
  void stable() {
    RolloutStatus status = evaluate(deployment(3, 4, 4, 3, 3, 3));

    assertThat(status).isEqualTo(new RolloutStatus(State.COMPLETE, 3, 3, 3, null));
  }

  @Test
  void progressingWhileReplicasAreUpdated() {
    assertThat(evaluate(deployment(3, 4, 4, 4, 2, 3)))
        .isEqualTo(new RolloutStatus(State.PROGRESSING, 2, 3, 3, "2 of 3 replicas updated"));
  }

  @Test
  void notCompleteWhileOldReplicasAreLeftEvenWhenAllUpdatedAreAvailable() {
    // What waitUntilReady would pass: three available, but one old pod still terminating.
    assertThat(evaluate(deployment(3, 4, 4, 4, 3, 3)))
        .isEqualTo(
            new RolloutStatus(State.PROGRESSING, 3, 3, 3, "1 old replica still terminating"));
  }

  @Test
  void notCompleteUntilTheUpdatedReplicasAreAvailable() {
    assertThat(evaluate(deployment(3, 4, 4, 3, 3, 2)))
        .isEqualTo(
            new RolloutStatus(State.PROGRESSING, 3, 2, 3, "2 of 3 updated replicas available"));
  }

  @Test
  void notCompleteWhileTheObservedGenerationIsBehindEvenIfTheOldStatusLooksStable() {
    // The spec was just changed: the counts still describe the previous generation.
    assertThat(evaluate(deployment(3, 5, 4, 3, 3, 3)))
        .isEqualTo(
            new RolloutStatus(
                State.PROGRESSING,
                3,
                3,
                3,
                "waiting for the controller to observe generation 5 (observed 4)"));
  }

  @Test
  void failsWhenTheProgressDeadlineIsExceeded() {
    Deployment failed = deployment(3, 4, 4, 4, 1, 3);
    failed
        .getStatus()
        .getConditions()
        .add(
            new DeploymentConditionBuilder()
                .withType("Progressing")
                .withStatus("False")
                .withReason("ProgressDeadlineExceeded")
                .withMessage("ReplicaSet \"backend-7d9f\" has timed out progressing.")
                .build());

    assertThat(evaluate(failed))
        .isEqualTo(
            new RolloutStatus(
                State.FAILED,
                1,
                3,
                3,
                "ProgressDeadlineExceeded: ReplicaSet \"backend-7d9f\" has timed out progressing."));
  }

  @Test
  void anOrdinaryProgressingConditionIsNotAFailure() {
    Deployment progressing = deployment(3, 4, 4, 4, 1, 3);
    progressing
        .getStatus()
        .getConditions()
        .add(
            new DeploymentConditionBuilder()
                .withType("Progressing")
                .withStatus("True")
                .withReason("ReplicaSetUpdated")
                .build());

    assertThat(evaluate(progressing).state()).isEqualTo(State.PROGRESSING);
  }

  @Test
  void failsOnceItsOwnDeadlineHasPassed() {
    RolloutStatus late =
        RolloutPredicate.evaluate(
            Observation.of(deployment(3, 4, 4, 4, 2, 3)), DEADLINE.plusSeconds(1), DEADLINE);

    assertThat(late)
        .isEqualTo(
            new RolloutStatus(
                State.FAILED,
                2,
                3,
                3,
                "not complete by its deadline 2025-01-10T10:10:00Z: 2 of 3 replicas updated"));
    assertThat(
            RolloutPredicate.evaluate(
                    Observation.of(deployment(3, 4, 4, 3, 3, 3)), DEADLINE.plusSeconds(1), DEADLINE)
                .state())
        .as("complete wins over a passed deadline")
        .isEqualTo(State.COMPLETE);
  }

  @Test
  void aPausedDeploymentThatIsNotCompleteFailsAtOnce() {
    Deployment paused = deployment(3, 4, 4, 3, 0, 3);
    paused.getSpec().setPaused(true);

    RolloutStatus status = evaluate(paused);
    assertThat(status.state()).isEqualTo(State.FAILED);
    assertThat(status.message()).startsWith("the Deployment is paused (spec.paused)");
  }

  @Test
  void aPausedDeploymentWhoseRolloutIsAlreadyCompleteIsComplete() {
    Deployment paused = deployment(3, 4, 4, 3, 3, 3);
    paused.getSpec().setPaused(true);

    assertThat(evaluate(paused).state()).isEqualTo(State.COMPLETE);
  }

  @Test
  void scaledToZeroIsCompleteOnceNoPodIsLeft() {
    Deployment zero =
        new DeploymentBuilder(deployment(0, 4, 4, 0, 0, 0))
            .withStatus(new DeploymentStatusBuilder().withObservedGeneration(4L).build())
            .build(); // zeros omitted
    assertThat(evaluate(zero))
        .isEqualTo(
            new RolloutStatus(State.COMPLETE, 0, 0, 0, "scaled to zero: no pod to wait for"));

    assertThat(evaluate(deployment(0, 4, 4, 1, 0, 0)))
        .isEqualTo(
            new RolloutStatus(State.PROGRESSING, 0, 0, 0, "1 old replica still terminating"));
  }

  @Test
  void aDeploymentWithoutStatusYetIsProgressing() {
    Deployment fresh = new DeploymentBuilder(deployment(2, 1, 0, 0, 0, 0)).withStatus(null).build();

    assertThat(evaluate(fresh))
        .isEqualTo(
            new RolloutStatus(
                State.PROGRESSING,
                0,
                0,
                2,
                "waiting for the controller to observe generation 1 (observed 0)"));
  }

  @Test
  void aStatefulSetIsCompleteWhenItsCurrentRevisionIsTheUpdateRevision() {
    assertThat(evaluate(statefulSet(2, 2, 2, "db-2", "db-2")).state()).isEqualTo(State.COMPLETE);
    assertThat(evaluate(statefulSet(2, 1, 2, "db-1", "db-2")))
        .isEqualTo(new RolloutStatus(State.PROGRESSING, 1, 2, 2, "1 of 2 replicas updated"));
    assertThat(evaluate(statefulSet(2, 2, 2, "db-1", "db-2")).message())
        .isEqualTo("waiting for the controller to finish (revision not yet current)");
  }

  private static RolloutStatus evaluate(Deployment deployment) {
    return RolloutPredicate.evaluate(Observation.of(deployment), NOW, DEADLINE);
  }

  private static RolloutStatus evaluate(StatefulSet statefulSet) {
    return RolloutPredicate.evaluate(Observation.of(statefulSet), NOW, DEADLINE);
  }

  /**
   * spec.replicas, metadata.generation, then the status fields as the Deployment controller writes
   * them.
   */
  static Deployment deployment(
      int desired,
      long generation,
      long observedGeneration,
      int replicas,
      int updated,
      int available) {
    return new DeploymentBuilder()
        .withNewMetadata()
        .withName("backend")
        .withNamespace("medication")
        .withGeneration(generation)
        .endMetadata()
        .withNewSpec()
        .withReplicas(desired)
        .endSpec()
        .withNewStatus()
        .withObservedGeneration(observedGeneration)
        .withReplicas(replicas)
        .withUpdatedReplicas(updated)
        .withAvailableReplicas(available)
        .withReadyReplicas(available)
        .endStatus()
        .build();
  }

  private static StatefulSet statefulSet(
      int desired, int updated, int available, String current, String update) {
    return new StatefulSetBuilder()
        .withNewMetadata()
        .withName("db")
        .withGeneration(2L)
        .endMetadata()
        .withNewSpec()
        .withReplicas(desired)
        .endSpec()
        .withNewStatus()
        .withObservedGeneration(2L)
        .withReplicas(desired)
        .withUpdatedReplicas(updated)
        .withAvailableReplicas(available)
        .withReadyReplicas(available)
        .withCurrentRevision(current)
        .withUpdateRevision(update)
        .endStatus()
        .build();
  }
}
