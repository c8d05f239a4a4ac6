package io.countersign.kubernetes;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.countersign.aws.TargetRefusedException;
import io.countersign.kubernetes.RolloutPredicate.Observation;
import io.countersign.manifest.ReleaseManifest.Workload;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSetUpdateStrategy;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.camunda.bpm.engine.impl.util.ClockUtil;

/**
 * The fabric8 adapter. Changes only container images, with a JSON patch under the field manager
 * "countersign"; records what it replaced in an annotation on the workload, so a job that runs
 * again (its transaction lost) reports the same previous images instead of its own. Every call is
 * one or two requests, each bounded by the configured request timeout: waiting is the model's
 * timer, never a thread here.
 */
final class LiveKubernetesTarget implements KubernetesTarget, AutoCloseable {
  static final String FIELD_MANAGER = "countersign";
  static final String ROLLOUT_ANNOTATION = "countersign.io/rollout";
  static final String REVISION_ANNOTATION = "deployment.kubernetes.io/revision";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final PatchContext JSON_PATCH =
      new PatchContext.Builder()
          .withPatchType(PatchType.JSON)
          .withFieldManager(FIELD_MANAGER)
          .build();

  private final KubernetesClients clients;

  LiveKubernetesTarget(KubernetesClients clients) {
    this.clients = clients;
  }

  /** What this release replaced, kept on the workload: {@code countersign.io/rollout}. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  record RolloutRecord(
      String release,
      Map<String, String> previousImages,
      String previousRevision,
      Map<String, String> undoneImages) {}

  @Override
  public Rollout rollout(String releaseId, String target, String namespace, Workload workload) {
    String what = where(target, namespace, workload);
    Resource<? extends HasMetadata> resource = resource(target, namespace, workload);
    HasMetadata current = read(resource, what, namespace);
    refuseUnsupportedStrategy(current, what);
    Map<String, String> images = images(workload);
    Map<String, String> running =
        images(current, images.keySet(), what, TargetRefusedException::new);

    RolloutRecord recorded = recorded(current);
    RolloutRecord mine =
        recorded != null && releaseId.equals(recorded.release())
            ? recorded
            : new RolloutRecord(releaseId, running, revision(current), null);
    ArrayNode ops = imageOps(current, running, images);
    if (!mine.equals(recorded)) {
      ops.add(annotationOp(current, mine));
    }
    if (!ops.isEmpty()) {
      call(() -> resource.patch(JSON_PATCH, ops.toString()), "patch", what, namespace);
    }
    return new Rollout(
        mine.previousImages(),
        false,
        "set images "
            + describe(images)
            + " on "
            + what
            + "; replaced "
            + describe(mine.previousImages())
            + (mine.previousRevision() == null ? "" : " at revision " + mine.previousRevision()));
  }

  @Override
  public RolloutStatus status(
      String target, String namespace, Workload workload, Instant deadline) {
    String what = where(target, namespace, workload);
    Map<String, String> expected = images(workload);
    HasMetadata current;
    Map<String, String> running;
    try {
      current = read(resource(target, namespace, workload), what, namespace);
      running = images(current, expected.keySet(), what, TargetRefusedException::new);
    } catch (TargetRefusedException e) {
      return new RolloutStatus(State.FAILED, 0, 0, 0, e.getMessage());
    }
    if (!expected.entrySet().stream()
        .allMatch(e -> sameImage(running.get(e.getKey()), e.getValue()))) {
      // Someone else changed the template meanwhile: whatever completes now is not this release.
      return new RolloutStatus(
          State.FAILED,
          0,
          0,
          0,
          "the images of "
              + what
              + " were changed during the rollout: "
              + describe(running)
              + " instead of "
              + describe(expected));
    }
    Observation observation =
        current instanceof Deployment d ? Observation.of(d) : Observation.of((StatefulSet) current);
    return RolloutPredicate.evaluate(observation, ClockUtil.getCurrentTime().toInstant(), deadline);
  }

  @Override
  public Rollout undo(
      String releaseId,
      String target,
      String namespace,
      Workload workload,
      Map<String, String> previousImages) {
    String what = where(target, namespace, workload);
    if (previousImages.containsValue(DryRunKubernetesTarget.UNKNOWN)) {
      return new Rollout(
          Map.of(), false, "nothing to undo on " + what + ": the rollout ran in dry-run mode");
    }
    Resource<? extends HasMetadata> resource = resource(target, namespace, workload);
    HasMetadata current;
    try {
      current = read(resource, what, namespace);
    } catch (TargetRefusedException e) {
      // Rollback does not branch: an incident with the reason, for an operator to restore by hand.
      throw new IllegalStateException(
          "cannot restore " + describe(previousImages) + ": " + e.getMessage(), e);
    }
    Map<String, String> running =
        images(current, previousImages.keySet(), what, IllegalStateException::new);
    RolloutRecord recorded = recorded(current);
    boolean ours = recorded != null && releaseId.equals(recorded.release());
    Map<String, String> replaced =
        ours && recorded.undoneImages() != null ? recorded.undoneImages() : running;
    ArrayNode ops = imageOps(current, running, previousImages);
    if (ours && recorded.undoneImages() == null) {
      ops.add(
          annotationOp(
              current,
              new RolloutRecord(
                  releaseId, recorded.previousImages(), recorded.previousRevision(), replaced)));
    }
    HasMetadata after =
        ops.isEmpty()
            ? current
            : call(() -> resource.patch(JSON_PATCH, ops.toString()), "patch", what, namespace);
    // The model has no wait after an undo: check at least that the spec now asks for the previous
    // images.
    Map<String, String> restored =
        images(after, previousImages.keySet(), what, IllegalStateException::new);
    if (!restored.equals(previousImages)) {
      throw new IllegalStateException(
          "undo of "
              + what
              + " did not take: the spec has "
              + describe(restored)
              + ", expected "
              + describe(previousImages));
    }
    return new Rollout(
        replaced,
        false,
        "set images back to "
            + describe(previousImages)
            + " on "
            + what
            + ", replacing "
            + describe(replaced)
            + "; verified in the spec; the rollback does not wait for the pods");
  }

  @Override
  public void close() {
    clients.close();
  }

  private Resource<? extends HasMetadata> resource(
      String target, String namespace, Workload workload) {
    KubernetesClient client = clients.get(target);
    return switch (workload.kind()) {
      case "Deployment" ->
          client.apps().deployments().inNamespace(namespace).withName(workload.name());
      case "StatefulSet" ->
          client.apps().statefulSets().inNamespace(namespace).withName(workload.name());
      default ->
          throw new TargetRefusedException(
              "workload kind " + workload.kind() + " is not supported");
    };
  }

  private static HasMetadata read(
      Resource<? extends HasMetadata> resource, String what, String namespace) {
    HasMetadata current = call(resource::get, "read", what, namespace);
    if (current == null) {
      throw new TargetRefusedException(what + " does not exist");
    }
    return current;
  }

  private static <T> T call(Supplier<T> request, String action, String what, String namespace) {
    try {
      return request.get();
    } catch (KubernetesClientException e) {
      throw ApiErrors.translate(e, action, what, namespace);
    }
  }

  private static void refuseUnsupportedStrategy(HasMetadata current, String what) {
    if (!(current instanceof StatefulSet statefulSet)) {
      return;
    }
    StatefulSetUpdateStrategy strategy = statefulSet.getSpec().getUpdateStrategy();
    if (strategy != null && "OnDelete".equals(strategy.getType())) {
      throw new TargetRefusedException(
          what
              + " uses updateStrategy OnDelete: its pods change only when deleted, "
              + "so the rollout could never complete; use RollingUpdate");
    }
    Integer partition =
        strategy == null || strategy.getRollingUpdate() == null
            ? null
            : strategy.getRollingUpdate().getPartition();
    if (partition != null && partition > 0) {
      throw new TargetRefusedException(
          what
              + " has rollingUpdate.partition "
              + partition
              + ": staged StatefulSet rollouts are not supported; set the partition to 0");
    }
  }

  /**
   * The images of the named containers; a name the workload lacks is {@code missing}'s exception.
   */
  private static Map<String, String> images(
      HasMetadata workload,
      Iterable<String> names,
      String what,
      Function<String, RuntimeException> missing) {
    List<Container> containers = podSpec(workload).getContainers();
    Map<String, String> images = new LinkedHashMap<>();
    for (String name : names) {
      String image =
          containers.stream()
              .filter(c -> name.equals(c.getName()))
              .findFirst()
              .map(Container::getImage)
              .orElseThrow(
                  () ->
                      missing.apply(
                          what
                              + " has no container '"
                              + name
                              + "' (containers: "
                              + containers.stream()
                                  .map(Container::getName)
                                  .collect(Collectors.joining(", "))
                              + ")"));
      images.put(name, image);
    }
    return images;
  }

  /**
   * Test-and-replace per container whose image differs, so a container list reordered meanwhile
   * fails the patch.
   */
  private static ArrayNode imageOps(
      HasMetadata workload, Map<String, String> running, Map<String, String> wanted) {
    List<Container> containers = podSpec(workload).getContainers();
    ArrayNode ops = JsonNodeFactory.instance.arrayNode();
    for (int i = 0; i < containers.size(); i++) {
      String name = containers.get(i).getName();
      if (wanted.containsKey(name) && !wanted.get(name).equals(running.get(name))) {
        String path = "/spec/template/spec/containers/" + i;
        ops.addObject().put("op", "test").put("path", path + "/name").put("value", name);
        ops.addObject()
            .put("op", "replace")
            .put("path", path + "/image")
            .put("value", wanted.get(name));
      }
    }
    return ops;
  }

  private static ObjectNode annotationOp(HasMetadata workload, RolloutRecord record) {
    String value;
    try {
      value = JSON.writeValueAsString(record);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
    Map<String, String> annotations = workload.getMetadata().getAnnotations();
    ObjectNode op = JsonNodeFactory.instance.objectNode().put("op", "add");
    if (annotations == null || annotations.isEmpty()) {
      op.put("path", "/metadata/annotations").putObject("value").put(ROLLOUT_ANNOTATION, value);
    } else {
      op.put(
              "path",
              "/metadata/annotations/" + ROLLOUT_ANNOTATION.replace("~", "~0").replace("/", "~1"))
          .put("value", value);
    }
    return op;
  }

  private static RolloutRecord recorded(HasMetadata workload) {
    Map<String, String> annotations = workload.getMetadata().getAnnotations();
    String value = annotations == null ? null : annotations.get(ROLLOUT_ANNOTATION);
    if (value == null) {
      return null;
    }
    try {
      return JSON.readValue(value, RolloutRecord.class);
    } catch (JsonProcessingException e) {
      return null; // edited by hand: not ours to trust
    }
  }

  private static String revision(HasMetadata workload) {
    if (workload instanceof StatefulSet statefulSet) {
      return statefulSet.getStatus() == null ? null : statefulSet.getStatus().getCurrentRevision();
    }
    Map<String, String> annotations = workload.getMetadata().getAnnotations();
    return annotations == null ? null : annotations.get(REVISION_ANNOTATION);
  }

  private static PodSpec podSpec(HasMetadata workload) {
    return workload instanceof Deployment deployment
        ? deployment.getSpec().getTemplate().getSpec()
        : ((StatefulSet) workload).getSpec().getTemplate().getSpec();
  }

  /**
   * An admission webhook may pin the tag to its digest ("app:2.4.0@sha256:…"); that is still the
   * image we set.
   */
  private static boolean sameImage(String running, String expected) {
    return expected.equals(running)
        || (running != null && running.startsWith(expected + "@sha256:"));
  }

  private static String where(String target, String namespace, Workload workload) {
    return Workloads.key(workload) + " in namespace " + namespace + " on target " + target;
  }

  private static String describe(Map<String, String> images) {
    return images.entrySet().stream()
        .map(e -> e.getKey() + "=" + e.getValue())
        .collect(Collectors.joining(", "));
  }

  /** The manifest's images of the workload, container name to image. */
  private static Map<String, String> images(Workload workload) {
    Map<String, String> images = new LinkedHashMap<>();
    workload.containers().forEach(c -> images.put(c.name(), c.image()));
    return images;
  }
}
