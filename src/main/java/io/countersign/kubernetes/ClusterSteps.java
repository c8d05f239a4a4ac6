package io.countersign.kubernetes;

import io.countersign.kubernetes.KubernetesSteps.EnvRef;
import io.countersign.kubernetes.KubernetesSteps.EnvSource;
import io.countersign.kubernetes.KubernetesTarget.RolloutStatus;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Port for the Kubernetes steps of a release (manifest sets, traffic switches, canaries, Jobs). The
 * adapter comes from {@code countersign.targets.kubernetes.mode}. Every call makes a bounded number
 * of requests and never waits: waiting is the model's timer. A refusal by the cluster (403, 404 of
 * a namespace, 422) is a {@link io.countersign.aws.TargetRefusedException}; a cluster that does not
 * answer is any other exception, which the job's retries handle.
 */
interface ClusterSteps {
  /** Label on every object and Job a step applied or started: the release. */
  String RELEASE_LABEL = "countersign.io/release";

  /** Label on every object a manifest-set step applied: the step's name (pruning finds by it). */
  String STEP_LABEL = "countersign.io/step";

  /** Whether this adapter changes nothing (dry-run): its plan lines are then all it does. */
  boolean dryRun();

  /**
   * The object as the cluster has it now, without the fields the server sets (status,
   * resourceVersion, uid, creationTimestamp, generation, managedFields); empty when it does not
   * exist.
   */
  Optional<GenericKubernetesResource> read(String target, ObjectRef ref);

  /**
   * Server-side apply of {@code object} under the field manager {@value
   * LiveKubernetesTarget#FIELD_MANAGER}, forcing conflicts (the release is the signed intent);
   * where the API server cannot (fabric8's mock server), a create or a replace. Idempotent.
   */
  void apply(String target, GenericKubernetesResource object);

  /**
   * Puts {@code previous} (as {@link #read} returned it) back exactly: a full replace, not a merge,
   * so fields the release added are gone; created when the object was deleted meanwhile.
   */
  void restore(String target, GenericKubernetesResource previous);

  /** Deletes the object; false when it did not exist. */
  boolean delete(String target, ObjectRef ref);

  /** The objects of {@code kind} in {@code namespace} that carry every label of {@code labels}. */
  List<ObjectRef> find(
      String target, String namespace, String apiVersion, String kind, Map<String, String> labels);

  /**
   * One look at a Deployment's or StatefulSet's rollout, with the same predicate as workload
   * rollouts; any other kind is complete once it exists.
   */
  RolloutStatus rolloutStatus(String target, ObjectRef workload, Instant deadline);

  /**
   * Creates the Job {@code run.name()} unless it exists (a re-run job finds it and does nothing).
   */
  void startJob(String target, String namespace, JobRun run);

  /**
   * One look at a Job: its state, the exit code of its container once terminated, and the last
   * {@code logLimit} bytes of its pod's log.
   */
  JobStatus job(String target, String namespace, String name, int logLimit);

  /** Deletes a Job and its pods (propagation Background); false when it did not exist. */
  boolean deleteJob(String target, String namespace, String name);

  /** A namespaced object by API version, kind, namespace and name. */
  record ObjectRef(String apiVersion, String kind, String namespace, String name) {

    static ObjectRef of(GenericKubernetesResource object) {
      return new ObjectRef(
          object.getApiVersion(),
          object.getKind(),
          object.getMetadata().getNamespace(),
          object.getMetadata().getName());
    }

    /** "Deployment hospital/backend": how evidence and reasons name it. */
    String key() {
      return kind + " " + namespace + "/" + name;
    }
  }

  /**
   * A Job to run: its deterministic name (so a re-run finds it), the release and step it belongs to
   * (labels), the container, and the deadline Kubernetes enforces too ({@code
   * activeDeadlineSeconds}). No retries ({@code backoffLimit: 0}): a failed migration is for people
   * to look at, not to run again.
   */
  record JobRun(
      String name,
      String releaseId,
      String step,
      String image,
      List<String> command,
      List<EnvRef> env,
      List<EnvSource> envFrom,
      Duration deadline) {}

  /**
   * @param exitCode the container's exit code once it terminated, else null
   * @param message why it failed or what it waits for (e.g. "ImagePullBackOff", "DeadlineExceeded")
   * @param logs the tail of the pod's log, at most the limit asked for; null when there is no pod
   * @param logsTruncated whether earlier output was cut
   */
  record JobStatus(
      JobState state, Integer exitCode, String message, String logs, boolean logsTruncated) {}

  enum JobState {
    /** Created, pod pending or running. */
    RUNNING,
    SUCCEEDED,
    FAILED,
    /** No such Job (never created, or deleted by someone). */
    MISSING
  }
}
