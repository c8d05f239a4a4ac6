package io.countersign.kubernetes;

import com.fasterxml.jackson.databind.JsonNode;
import io.countersign.kubernetes.ClusterSteps.ObjectRef;
import io.countersign.kubernetes.KubernetesTarget.RolloutStatus;
import io.countersign.kubernetes.KubernetesTarget.State;
import io.countersign.process.StepOutcome;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.springframework.stereotype.Component;

/**
 * Applies a manifest set in order, each object's previous state recorded first; waits for its
 * Deployments and StatefulSets to roll out. With prune, deletes what an earlier release of the same
 * application in the same environment applied under the same step, in any namespace the target
 * allows, that the set no longer has (recorded, so undo recreates it).
 */
@Component
class ManifestSetStep implements StepType {
  /** The API version of each kind pruning looks for. */
  static final Map<String, String> API_VERSIONS =
      Map.of(
          "ConfigMap", "v1",
          "Service", "v1",
          "ServiceAccount", "v1",
          "PersistentVolumeClaim", "v1",
          "Deployment", "apps/v1",
          "StatefulSet", "apps/v1",
          "DaemonSet", "apps/v1",
          "Ingress", "networking.k8s.io/v1",
          "HorizontalPodAutoscaler", "autoscaling/v2",
          "PodDisruptionBudget", "policy/v1");

  private static final Set<String> WORKLOADS = Set.of("Deployment", "StatefulSet");

  private final ManifestSets sets;
  private final KubernetesProperties properties;

  ManifestSetStep(ManifestSets sets, KubernetesProperties properties) {
    this.sets = sets;
    this.properties = properties;
  }

  @Override
  public String type() {
    return "apply";
  }

  @Override
  public String plan(StepRun run) {
    KubernetesSteps.ManifestSet set = run.spec.apply();
    String source =
        set.artifact() != null
            ? "s3://"
                + set.artifact().bucket()
                + "/"
                + set.artifact().key()
                + " (sha256 "
                + set.artifact().sha256()
                + ")"
            : set.objects().size() + " object(s) in the release";
    return "Apply manifest set "
        + run.spec.name()
        + ": "
        + source
        + (set.pruning() ? ", pruning what the set no longer has" : "");
  }

  @Override
  public Map<String, Object> start(StepRun run) {
    List<GenericKubernetesResource> objects =
        sets.objects(run.target(), run.namespace(), run.spec.apply());
    List<String> applied = new ArrayList<>();
    for (GenericKubernetesResource object : objects) {
      run.apply(object);
      applied.add(ObjectRef.of(object).key());
    }
    List<String> pruned = run.spec.apply().pruning() ? prune(run, objects) : List.of();
    Map<String, Object> said = new LinkedHashMap<>();
    said.put("applied", applied);
    said.put("pruned", pruned);
    return said;
  }

  private List<String> prune(StepRun run, List<GenericKubernetesResource> objects) {
    Set<String> kept = new LinkedHashSet<>();
    for (GenericKubernetesResource object : objects) {
      kept.add(ObjectRef.of(object).key());
    }
    KubernetesProperties.Target target = properties.targets().get(run.target());
    List<String> pruned = new ArrayList<>();
    Map<String, String> labels =
        Map.of(
            StepRun.APPLICATION_LABEL,
            run.manifest.application(),
            StepRun.ENVIRONMENT_LABEL,
            run.manifest.environment(),
            ClusterSteps.STEP_LABEL,
            run.spec.name());
    for (String kind : target.kinds()) {
      String apiVersion = API_VERSIONS.get(kind);
      if (apiVersion == null) {
        continue; // a kind Countersign does not know the version of cannot have been applied by it
      }
      // Every namespace the target allows: an earlier release may have used one this set no longer
      // names. The environment label keeps another environment's objects out.
      for (String namespace : target.namespaces()) {
        for (ObjectRef ref :
            run.cluster().find(run.target(), namespace, apiVersion, kind, labels)) {
          if (!kept.contains(ref.key())) {
            run.touch(ref);
            run.cluster().delete(run.target(), ref);
            pruned.add(ref.key());
          }
        }
      }
    }
    return pruned;
  }

  @Override
  public StepOutcome check(StepRun run, JsonNode started) {
    List<String> waiting = new ArrayList<>();
    Set<String> applied = StepObjects.texts(started.path("applied"));
    for (JsonNode object : started.path("objects")) {
      ObjectRef ref = StepObjects.ref(object);
      if (!WORKLOADS.contains(ref.kind()) || !applied.contains(ref.key())) {
        continue; // pruned, or not a workload
      }
      RolloutStatus status = run.cluster().rolloutStatus(run.target(), ref, run.deadline);
      if (status.state() == State.FAILED) {
        return StepOutcome.failed(ref.key() + " did not roll out: " + status.message());
      }
      if (status.state() != State.COMPLETE) {
        waiting.add(ref.key() + " " + status.updated() + "/" + status.desired() + " updated");
      }
    }
    return waiting.isEmpty()
        ? StepOutcome.done()
        : StepOutcome.running(CheckKubernetesStepDelegate.POLL);
  }
}
