package io.countersign.kubernetes;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.countersign.kubernetes.ClusterSteps.ObjectRef;
import io.countersign.kubernetes.KubernetesSteps.StepSpec;
import io.countersign.manifest.ReleaseManifest;
import io.countersign.process.Attempts;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.camunda.bpm.engine.impl.util.ClockUtil;

/**
 * One step of one release as it acts: where, what the manifest says, and the objects it has touched
 * so far with the state each had before (for the started entry, which the undo reads).
 */
final class StepRun {
  static final ObjectMapper JSON =
      JsonMapper.builder().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).build();

  /**
   * Labels on every object a step applies: pruning finds the objects of an application's step in an
   * environment by them, and never another environment's sharing the cluster.
   */
  static final String APPLICATION_LABEL = "countersign.io/application";

  static final String ENVIRONMENT_LABEL = "countersign.io/environment";

  /** A Job started late in its step still gets this long before Kubernetes stops it. */
  static final Duration MINIMUM_JOB_TIME = Duration.ofMinutes(1);

  final String releaseId;
  final ReleaseManifest manifest;
  final KubernetesSteps section;
  final StepSpec spec;
  final Instant deadline;
  private final ClusterSteps cluster;
  private final Attempts attempts;
  private final String delegate;
  private final List<Map<String, Object>> touched = new ArrayList<>();

  /** What a look found that the finished entry should say (a Job's exit code and log). */
  final Map<String, Object> findings = new LinkedHashMap<>();

  StepRun(
      String releaseId,
      ReleaseManifest manifest,
      KubernetesSteps section,
      StepSpec spec,
      Instant deadline,
      ClusterSteps cluster,
      Attempts attempts,
      String delegate) {
    this.releaseId = releaseId;
    this.manifest = manifest;
    this.section = section;
    this.spec = spec;
    this.deadline = deadline;
    this.cluster = cluster;
    this.attempts = attempts;
    this.delegate = delegate;
  }

  String target() {
    return section.target();
  }

  String namespace() {
    return section.namespace();
  }

  ClusterSteps cluster() {
    return cluster;
  }

  /** The objects touched so far, each with its previous state: the started entry's "objects". */
  List<Map<String, Object>> touched() {
    return touched;
  }

  /**
   * The object's state before this release touched it, read once: a job that runs again after a
   * crash gets the first reading back from its attempt (kept outside the job's transaction), not
   * the state it applied itself.
   */
  Previous previous(ObjectRef ref) {
    return attempts.once(
        new Attempts.Call(releaseId, delegate, target(), spec.name() + " " + ref.key(), "read"),
        Previous.class,
        () -> read(ref),
        Attempts.Interrupted.repeat(
            () -> read(ref), "read again: nothing is applied before its reading is kept"));
  }

  private Previous read(ObjectRef ref) {
    if (cluster.dryRun()) {
      return new Previous(null, null);
    }
    Optional<GenericKubernetesResource> current = cluster.read(target(), ref);
    return current
        .map(object -> new Previous(true, JSON.convertValue(object, Map.class)))
        .orElseGet(() -> new Previous(false, null));
  }

  /** Records {@code ref} as touched with its previous state, before anything changes it. */
  Previous touch(ObjectRef ref) {
    Previous previous = previous(ref);
    Map<String, Object> entry = new LinkedHashMap<>();
    entry.put("apiVersion", ref.apiVersion());
    entry.put("kind", ref.kind());
    entry.put("namespace", ref.namespace());
    entry.put("name", ref.name());
    entry.put("existed", previous.existed());
    entry.put("previous", previous.object());
    touched.add(entry);
    return previous;
  }

  /** Touches the object, labels it as this release's and applies it. */
  void apply(GenericKubernetesResource object) {
    touch(ObjectRef.of(object));
    Map<String, String> labels =
        new LinkedHashMap<>(
            object.getMetadata().getLabels() == null ? Map.of() : object.getMetadata().getLabels());
    labels.put(ClusterSteps.RELEASE_LABEL, releaseId);
    labels.put(ClusterSteps.STEP_LABEL, spec.name());
    labels.put(APPLICATION_LABEL, manifest.application());
    labels.put(ENVIRONMENT_LABEL, manifest.environment());
    object.getMetadata().setLabels(labels);
    cluster.apply(target(), object);
  }

  /**
   * @param existed null when unknown (dry-run)
   * @param object the object as it was, without server-set fields; null when it did not exist
   */
  record Previous(Boolean existed, Map<String, Object> object) {}

  /**
   * The step's Job named with {@code suffix} ("" for the step's own, "undo", "current", …), running
   * {@code command} in {@code image}; Kubernetes stops it at the step's deadline too.
   */
  ClusterSteps.JobRun job(
      String suffix,
      String image,
      List<String> command,
      List<KubernetesSteps.EnvRef> env,
      List<KubernetesSteps.EnvSource> envFrom) {
    Duration left = Duration.between(ClockUtil.getCurrentTime().toInstant(), deadline);
    return new ClusterSteps.JobRun(
        LiveJobs.jobName(releaseId, spec.name(), suffix),
        releaseId,
        spec.name(),
        image,
        command,
        env,
        envFrom,
        left.compareTo(MINIMUM_JOB_TIME) < 0 ? MINIMUM_JOB_TIME : left);
  }
}
