package io.countersign.kubernetes;

import io.countersign.kubernetes.KubernetesTarget.RolloutStatus;
import io.countersign.kubernetes.KubernetesTarget.State;
import io.countersign.kubernetes.RolloutPredicate.Observation;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceList;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.NonDeletingOperation;
import io.fabric8.kubernetes.client.dsl.NonNamespaceOperation;
import io.fabric8.kubernetes.client.dsl.Resource;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.camunda.bpm.engine.impl.util.ClockUtil;

/**
 * The fabric8 adapter for the objects of manifest sets, traffic switches and canaries; Jobs are
 * {@link LiveJobs}'. Objects are read and written as generic resources, so any namespaced kind the
 * target allows works the same way. Every call is one to three requests, each bounded by the
 * configured request timeout.
 */
final class LiveClusterSteps implements ClusterSteps, AutoCloseable {
  private final KubernetesClients clients;
  private final LiveJobs jobs;

  LiveClusterSteps(KubernetesClients clients) {
    this.clients = clients;
    this.jobs = new LiveJobs(clients);
  }

  @Override
  public boolean dryRun() {
    return false;
  }

  @Override
  public Optional<GenericKubernetesResource> read(String target, ObjectRef ref) {
    GenericKubernetesResource current = call(() -> named(target, ref).get(), "read", target, ref);
    if (current == null) {
      return Optional.empty();
    }
    current.getAdditionalProperties().remove("status");
    ObjectMeta metadata = current.getMetadata();
    metadata.setResourceVersion(null);
    metadata.setUid(null);
    metadata.setCreationTimestamp(null);
    metadata.setGeneration(null);
    metadata.setManagedFields(null);
    metadata.setSelfLink(null);
    return Optional.of(current);
  }

  @Override
  public void apply(String target, GenericKubernetesResource object) {
    ObjectRef ref = ObjectRef.of(object);
    try {
      objects(target, ref)
          .resource(object)
          .fieldManager(LiveKubernetesTarget.FIELD_MANAGER)
          .forceConflicts()
          .serverSideApply();
    } catch (KubernetesClientException failure) {
      if (!cannotApply(failure)) {
        throw ApiErrors.translate(failure, "apply", where(target, ref), ref.namespace());
      }
      // fabric8's mock server has no server-side apply: a create, or a replace of the whole object.
      call(
          () -> objects(target, ref).resource(object).createOr(NonDeletingOperation::update),
          "create or replace",
          target,
          ref);
    }
  }

  @Override
  public void restore(String target, GenericKubernetesResource previous) {
    ObjectRef ref = ObjectRef.of(previous);
    GenericKubernetesResource current = call(() -> named(target, ref).get(), "read", target, ref);
    GenericKubernetesResource copy =
        clients.get(target).getKubernetesSerialization().clone(previous);
    if (current == null) {
      call(() -> objects(target, ref).resource(copy).create(), "re-create", target, ref);
      return;
    }
    // A full replace at the version just read: whatever the release added is gone, and a change
    // made meanwhile fails with 409 (retried from the read) instead of being overwritten unseen.
    copy.getMetadata().setResourceVersion(current.getMetadata().getResourceVersion());
    call(() -> objects(target, ref).resource(copy).update(), "replace", target, ref);
  }

  @Override
  public boolean delete(String target, ObjectRef ref) {
    return !call(() -> named(target, ref).delete(), "delete", target, ref).isEmpty();
  }

  @Override
  public List<ObjectRef> find(
      String target, String namespace, String apiVersion, String kind, Map<String, String> labels) {
    ObjectRef all = new ObjectRef(apiVersion, kind, namespace, "*");
    GenericKubernetesResourceList found =
        call(() -> objects(target, all).withLabels(labels).list(), "list", target, all);
    // Items of a list carry no apiVersion and kind on a real API server.
    return found.getItems().stream()
        .map(o -> new ObjectRef(apiVersion, kind, namespace, o.getMetadata().getName()))
        .toList();
  }

  @Override
  public RolloutStatus rolloutStatus(String target, ObjectRef workload, Instant deadline) {
    KubernetesClient client = clients.get(target);
    String namespace = workload.namespace();
    Observation observation;
    switch (workload.kind()) {
      case "Deployment" -> {
        Deployment deployment =
            call(
                () ->
                    client
                        .apps()
                        .deployments()
                        .inNamespace(namespace)
                        .withName(workload.name())
                        .get(),
                "read",
                target,
                workload);
        observation = deployment == null ? null : Observation.of(deployment);
      }
      case "StatefulSet" -> {
        StatefulSet statefulSet =
            call(
                () ->
                    client
                        .apps()
                        .statefulSets()
                        .inNamespace(namespace)
                        .withName(workload.name())
                        .get(),
                "read",
                target,
                workload);
        observation = statefulSet == null ? null : Observation.of(statefulSet);
      }
      default -> {
        boolean exists =
            call(() -> named(target, workload).get(), "read", target, workload) != null;
        return exists
            ? new RolloutStatus(State.COMPLETE, 0, 0, 0, where(target, workload) + " exists")
            : missing(target, workload);
      }
    }
    return observation == null
        ? missing(target, workload)
        : RolloutPredicate.evaluate(observation, ClockUtil.getCurrentTime().toInstant(), deadline);
  }

  @Override
  public void startJob(String target, String namespace, JobRun run) {
    jobs.start(target, namespace, run);
  }

  @Override
  public JobStatus job(String target, String namespace, String name, int logLimit) {
    return jobs.status(target, namespace, name, logLimit);
  }

  @Override
  public boolean deleteJob(String target, String namespace, String name) {
    return jobs.delete(target, namespace, name);
  }

  @Override
  public void close() {
    clients.close();
  }

  /**
   * The API server cannot take an apply patch. fabric8's mock server answers 415 when the object
   * exists and a bare 404 (no Status of its own) when it does not; a real API server creates the
   * object, and its 404 (a missing namespace) is a Status with a reason, so that one is refused.
   */
  private static boolean cannotApply(KubernetesClientException failure) {
    return failure.getCode() == 415
        || (failure.getCode() == 404
            && (failure.getStatus() == null || failure.getStatus().getReason() == null));
  }

  private NonNamespaceOperation<
          GenericKubernetesResource,
          GenericKubernetesResourceList,
          Resource<GenericKubernetesResource>>
      objects(String target, ObjectRef ref) {
    return clients
        .get(target)
        .genericKubernetesResources(ref.apiVersion(), ref.kind())
        .inNamespace(ref.namespace());
  }

  private Resource<GenericKubernetesResource> named(String target, ObjectRef ref) {
    return objects(target, ref).withName(ref.name());
  }

  private static RolloutStatus missing(String target, ObjectRef ref) {
    return new RolloutStatus(State.FAILED, 0, 0, 0, where(target, ref) + " does not exist");
  }

  private static <T> T call(Supplier<T> request, String action, String target, ObjectRef ref) {
    try {
      return request.get();
    } catch (KubernetesClientException failure) {
      throw ApiErrors.translate(failure, action, where(target, ref), ref.namespace());
    }
  }

  /** "ConfigMap/settings in namespace medication on target medication-cluster". */
  private static String where(String target, ObjectRef ref) {
    return ref.kind()
        + "/"
        + ref.name()
        + " in namespace "
        + ref.namespace()
        + " on target "
        + target;
  }
}
