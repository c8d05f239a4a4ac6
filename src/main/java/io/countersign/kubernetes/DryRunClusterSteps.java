package io.countersign.kubernetes;

import io.countersign.kubernetes.KubernetesTarget.RolloutStatus;
import io.countersign.kubernetes.KubernetesTarget.State;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Changes nothing in any cluster: each call logs what a live one would do, reads find nothing (the
 * steps record the previous state as unknown), rollouts are complete and Jobs succeed at once. The
 * steps' evidence is the plan.
 */
class DryRunClusterSteps implements ClusterSteps {
  private static final Logger log = LoggerFactory.getLogger(DryRunClusterSteps.class);

  private final KubernetesProperties properties;

  DryRunClusterSteps(KubernetesProperties properties) {
    this.properties = properties;
  }

  @Override
  public boolean dryRun() {
    return true;
  }

  @Override
  public Optional<GenericKubernetesResource> read(String target, ObjectRef ref) {
    return Optional.empty();
  }

  @Override
  public void apply(String target, GenericKubernetesResource object) {
    log.info("dry-run: would apply {} on {}", ObjectRef.of(object).key(), where(target));
  }

  @Override
  public void restore(String target, GenericKubernetesResource previous) {
    log.info("dry-run: would restore {} on {}", ObjectRef.of(previous).key(), where(target));
  }

  @Override
  public boolean delete(String target, ObjectRef ref) {
    log.info("dry-run: would delete {} on {}", ref.key(), where(target));
    return false;
  }

  @Override
  public List<ObjectRef> find(
      String target, String namespace, String apiVersion, String kind, Map<String, String> labels) {
    return List.of();
  }

  @Override
  public RolloutStatus rolloutStatus(String target, ObjectRef workload, Instant deadline) {
    return new RolloutStatus(State.COMPLETE, 0, 0, 0, "dry-run: not checked");
  }

  @Override
  public void startJob(String target, String namespace, JobRun run) {
    log.info(
        "dry-run: would run Job {}/{} with {} {} on {}",
        namespace,
        run.name(),
        run.image(),
        run.command(),
        where(target));
  }

  @Override
  public JobStatus job(String target, String namespace, String name, int logLimit) {
    return new JobStatus(JobState.SUCCEEDED, 0, "dry-run: not run", "", false);
  }

  @Override
  public boolean deleteJob(String target, String namespace, String name) {
    return false;
  }

  private String where(String target) {
    KubernetesProperties.Target config = properties.targets().get(target);
    return "target "
        + target
        + (config == null || config.context() == null ? "" : " (context " + config.context() + ")");
  }
}
