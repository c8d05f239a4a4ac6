package io.countersign.kubernetes;

import com.fasterxml.jackson.databind.JsonNode;
import io.countersign.aws.TargetRefusedException;
import io.countersign.kubernetes.ClusterSteps.ObjectRef;
import io.countersign.kubernetes.KubernetesSteps.CanarySpec;
import io.countersign.kubernetes.KubernetesTarget.RolloutStatus;
import io.countersign.kubernetes.KubernetesTarget.State;
import io.countersign.lambda.TrafficGate;
import io.countersign.manifest.ReleaseManifest.Container;
import io.countersign.process.StepOutcome;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.camunda.bpm.engine.impl.util.ClockUtil;
import org.springframework.stereotype.Component;

/**
 * A canary of a Deployment: a second Deployment with the new images and a share of the replicas,
 * its pods behind the same Service (same labels, plus {@value #TRACK_LABEL}); the metric gates that
 * gate Lambda traffic watch it for the analysis time; then the Deployment gets the images and the
 * canary goes. A failed gate or rollout fails the release, whose undo deletes the canary and puts
 * the Deployment back.
 */
@Component
class CanaryStep implements StepType {
  static final String TRACK_LABEL = "countersign.io/track";
  static final String ANALYSIS = "analysis";
  static final String PROMOTING = "promoting";

  /** How often the gates look during the analysis. */
  static final Duration GATE_EVERY = Duration.ofMinutes(1);

  private final StepJournal journal;
  private final List<TrafficGate> gates;

  CanaryStep(StepJournal journal, List<TrafficGate> gates) {
    this.journal = journal;
    this.gates = List.copyOf(gates);
  }

  @Override
  public String type() {
    return "canary";
  }

  @Override
  public String plan(StepRun run) {
    CanarySpec canary = run.spec.canary();
    return "Canary of Deployment "
        + run.namespace()
        + "/"
        + canary.deployment()
        + " with "
        + images(canary.containers())
        + " on "
        + canary.percent()
        + " % of its replicas, metric gates for "
        + canary.analysis()
        + ", then promoted";
  }

  @Override
  public Map<String, Object> start(StepRun run) {
    CanarySpec spec = run.spec.canary();
    ObjectRef main = main(run);
    StepRun.Previous previous = run.touch(main);
    if (Boolean.FALSE.equals(previous.existed())) {
      throw new TargetRefusedException(main.key() + " does not exist: nothing to run a canary of");
    }
    List<String> unknown = unknownContainers(previous.object(), spec.containers());
    if (!unknown.isEmpty()) {
      throw new TargetRefusedException(
          main.key() + " has no container " + String.join(", ", unknown));
    }
    ObjectRef canaryRef = new ObjectRef("apps/v1", "Deployment", run.namespace(), canaryName(spec));
    StepRun.Previous before = run.touch(canaryRef);
    if (Boolean.TRUE.equals(before.existed())) {
      throw new TargetRefusedException(
          canaryRef.key() + " already exists: delete the canary an earlier release left first");
    }
    GenericKubernetesResource canary = canary(previous.object(), spec, canaryRef);
    run.cluster().apply(run.target(), canary);
    return Map.of("canary", canaryRef.name());
  }

  @Override
  public StepOutcome check(StepRun run, JsonNode started) {
    CanarySpec spec = run.spec.canary();
    Optional<JsonNode> phase = journal.latest(run.releaseId, StepJournal.PROGRESS, run.spec.name());
    ObjectRef canaryRef = new ObjectRef("apps/v1", "Deployment", run.namespace(), canaryName(spec));
    Instant now = ClockUtil.getCurrentTime().toInstant();
    if (phase.isEmpty()) {
      RolloutStatus status = run.cluster().rolloutStatus(run.target(), canaryRef, run.deadline);
      if (status.state() == State.FAILED) {
        return StepOutcome.failed(
            "canary " + canaryRef.key() + " did not roll out: " + status.message());
      }
      if (status.state() == State.PROGRESSING) {
        return StepOutcome.running(CheckKubernetesStepDelegate.POLL);
      }
      Instant until = now.plus(Duration.parse(spec.analysis()));
      journal.record(
          run.releaseId,
          StepJournal.PROGRESS,
          run.spec.name(),
          "phase",
          ANALYSIS,
          "until",
          until.toString());
      return StepOutcome.running(GATE_EVERY);
    }
    if (ANALYSIS.equals(phase.get().path("phase").asText())) {
      List<String> verdicts = new ArrayList<>();
      for (TrafficGate gate : gates) {
        TrafficGate.Result result =
            gate.check(run.releaseId, run.manifest, spec.deployment(), spec.percent());
        if (!result.passed()) {
          return StepOutcome.failed(
              "canary of "
                  + main(run).key()
                  + " failed gate "
                  + gate.name()
                  + ": "
                  + result.detail());
        }
        verdicts.add(gate.name() + ": " + result.detail());
      }
      run.findings.put("gates", verdicts);
      Instant until = Instant.parse(phase.get().path("until").asText());
      if (now.isBefore(until)) {
        Duration left = Duration.between(now, until);
        return StepOutcome.running(left.compareTo(GATE_EVERY) < 0 ? left : GATE_EVERY);
      }
      run.cluster().apply(run.target(), promoted(run, started, spec));
      journal.record(
          run.releaseId,
          StepJournal.PROGRESS,
          run.spec.name(),
          "phase",
          PROMOTING,
          "gates",
          verdicts);
      return StepOutcome.running(CheckKubernetesStepDelegate.POLL);
    }
    RolloutStatus status = run.cluster().rolloutStatus(run.target(), main(run), run.deadline);
    if (status.state() == State.FAILED) {
      return StepOutcome.failed(
          main(run).key() + " did not roll out the promoted images: " + status.message());
    }
    if (status.state() == State.PROGRESSING) {
      return StepOutcome.running(CheckKubernetesStepDelegate.POLL);
    }
    run.cluster().delete(run.target(), canaryRef);
    run.findings.put("promoted", main(run).key());
    return StepOutcome.done();
  }

  private static ObjectRef main(StepRun run) {
    return new ObjectRef("apps/v1", "Deployment", run.namespace(), run.spec.canary().deployment());
  }

  static String canaryName(CanarySpec spec) {
    return spec.deployment() + "-canary";
  }

  /**
   * The Deployment as it was, renamed, with the new images, {@code percent} of its replicas (at
   * least one), and the track label on its selector and pods so it never selects the Deployment's
   * own pods.
   */
  @SuppressWarnings("unchecked")
  static GenericKubernetesResource canary(
      Map<String, Object> main, CanarySpec spec, ObjectRef ref) {
    GenericKubernetesResource canary =
        main == null
            ? new GenericKubernetesResource()
            : StepRun.JSON.convertValue(main, GenericKubernetesResource.class);
    canary.setApiVersion("apps/v1");
    canary.setKind("Deployment");
    Map<String, String> labels = new LinkedHashMap<>();
    if (canary.getMetadata() != null && canary.getMetadata().getLabels() != null) {
      labels.putAll(canary.getMetadata().getLabels());
    }
    labels.put(TRACK_LABEL, "canary");
    canary.setMetadata(
        new ObjectMetaBuilder()
            .withNamespace(ref.namespace())
            .withName(ref.name())
            .withLabels(labels)
            .build());
    Map<String, Object> deployment =
        (Map<String, Object>)
            canary.getAdditionalProperties().computeIfAbsent("spec", key -> new LinkedHashMap<>());
    int replicas = deployment.get("replicas") instanceof Number number ? number.intValue() : 1;
    deployment.put("replicas", Math.max(1, (int) Math.ceil(replicas * spec.percent() / 100.0)));
    Map<String, Object> selector =
        (Map<String, Object>) deployment.computeIfAbsent("selector", key -> new LinkedHashMap<>());
    ((Map<String, Object>) selector.computeIfAbsent("matchLabels", key -> new LinkedHashMap<>()))
        .put(TRACK_LABEL, "canary");
    Map<String, Object> template =
        (Map<String, Object>) deployment.computeIfAbsent("template", key -> new LinkedHashMap<>());
    Map<String, Object> podMeta =
        (Map<String, Object>) template.computeIfAbsent("metadata", key -> new LinkedHashMap<>());
    ((Map<String, Object>) podMeta.computeIfAbsent("labels", key -> new LinkedHashMap<>()))
        .put(TRACK_LABEL, "canary");
    setImages(template, spec.containers());
    return canary;
  }

  /** The Deployment as it was before the release, with the canary's images. */
  @SuppressWarnings("unchecked")
  private static GenericKubernetesResource promoted(
      StepRun run, JsonNode started, CanarySpec spec) {
    JsonNode previous = started.path("objects").path(0).path("previous");
    GenericKubernetesResource main =
        previous.isObject()
            ? StepRun.JSON.convertValue(previous, GenericKubernetesResource.class)
            : new GenericKubernetesResource();
    ObjectRef ref = main(run);
    main.setApiVersion(ref.apiVersion());
    main.setKind(ref.kind());
    if (main.getMetadata() == null) {
      main.setMetadata(
          new ObjectMetaBuilder().withNamespace(ref.namespace()).withName(ref.name()).build());
    }
    Map<String, Object> deployment =
        (Map<String, Object>)
            main.getAdditionalProperties().computeIfAbsent("spec", key -> new LinkedHashMap<>());
    setImages(
        (Map<String, Object>) deployment.computeIfAbsent("template", key -> new LinkedHashMap<>()),
        spec.containers());
    return main;
  }

  @SuppressWarnings("unchecked")
  private static void setImages(Map<String, Object> template, List<Container> containers) {
    Map<String, Object> podSpec =
        (Map<String, Object>) template.computeIfAbsent("spec", key -> new LinkedHashMap<>());
    List<Map<String, Object>> running =
        (List<Map<String, Object>>) podSpec.computeIfAbsent("containers", key -> new ArrayList<>());
    for (Container container : containers) {
      Map<String, Object> found =
          running.stream()
              .filter(c -> container.name().equals(c.get("name")))
              .findFirst()
              .orElse(null);
      if (found == null) {
        found = new LinkedHashMap<>();
        found.put("name", container.name());
        running.add(found);
      }
      found.put("image", container.image());
    }
  }

  /** The containers the manifest names that the Deployment does not have (none in dry-run). */
  @SuppressWarnings("unchecked")
  private static List<String> unknownContainers(
      Map<String, Object> main, List<Container> containers) {
    if (main == null) {
      return List.of();
    }
    Object podSpec =
        ((Map<String, Object>)
                ((Map<String, Object>) main.getOrDefault("spec", Map.of()))
                    .getOrDefault("template", Map.of()))
            .getOrDefault("spec", Map.of());
    List<Map<String, Object>> running =
        (List<Map<String, Object>>)
            ((Map<String, Object>) podSpec).getOrDefault("containers", List.of());
    return containers.stream()
        .map(Container::name)
        .filter(name -> running.stream().noneMatch(c -> name.equals(c.get("name"))))
        .toList();
  }

  private static String images(List<Container> containers) {
    return String.join(", ", containers.stream().map(c -> c.name() + "=" + c.image()).toList());
  }
}
