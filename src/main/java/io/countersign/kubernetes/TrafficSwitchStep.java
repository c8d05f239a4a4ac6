package io.countersign.kubernetes;

import com.fasterxml.jackson.databind.JsonNode;
import io.countersign.aws.TargetRefusedException;
import io.countersign.kubernetes.ClusterSteps.ObjectRef;
import io.countersign.kubernetes.KubernetesSteps.Backend;
import io.countersign.kubernetes.KubernetesSteps.TrafficSwitch;
import io.countersign.process.StepOutcome;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.stereotype.Component;

/**
 * Sends traffic elsewhere: every backend of an Ingress to one Service, or a Service's selector to
 * other pods. Undone first in a rollback (it is the last step to act): the previous Ingress or
 * selector comes back, or, with {@code rollbackTo}, the Ingress goes to the backup backend.
 */
@Component
class TrafficSwitchStep implements StepType {
  static final String INGRESS_API = "networking.k8s.io/v1";

  @Override
  public String type() {
    return "switchTraffic";
  }

  @Override
  public String plan(StepRun run) {
    TrafficSwitch change = run.spec.switchTraffic();
    if (change.ingress() != null) {
      return "Switch Ingress "
          + run.namespace()
          + "/"
          + change.ingress()
          + " to "
          + backend(change.to())
          + (change.rollbackTo() == null
              ? "; on rollback: its previous backends"
              : "; on rollback: " + backend(change.rollbackTo()));
    }
    return "Switch Service "
        + run.namespace()
        + "/"
        + change.service()
        + " to pods "
        + change.selector()
        + "; on rollback: its previous selector";
  }

  @Override
  public Map<String, Object> start(StepRun run) {
    TrafficSwitch change = run.spec.switchTraffic();
    ObjectRef ref = ref(run, change);
    StepRun.Previous previous = run.touch(ref);
    if (Boolean.FALSE.equals(previous.existed())) {
      throw new TargetRefusedException(
          ref.key() + " does not exist: there is no traffic to switch");
    }
    GenericKubernetesResource switched = current(ref, previous);
    if (change.ingress() != null) {
      route(switched, change.to());
    } else {
      spec(switched).put("selector", new LinkedHashMap<>(change.selector()));
    }
    run.cluster().apply(run.target(), switched);
    return Map.of();
  }

  @Override
  public StepOutcome check(StepRun run, JsonNode started) {
    return StepOutcome.done(); // the Ingress controller or kube-proxy takes it from here
  }

  @Override
  public List<String> undoObjects(StepRun run, JsonNode started) {
    TrafficSwitch change = run.spec.switchTraffic();
    ObjectRef ref = ref(run, change);
    JsonNode existed = started.path("objects").path(0).path("existed");
    if (existed.isBoolean() && !existed.booleanValue()) {
      // Refused before switching: nothing to put back, and nothing of ours to delete.
      return List.of(ref.key() + ": never switched (it did not exist)");
    }
    if (change.rollbackTo() == null) {
      return StepType.super.undoObjects(run, started);
    }
    GenericKubernetesResource ingress =
        run.cluster().read(run.target(), ref).orElseGet(() -> stub(ref));
    route(ingress, change.rollbackTo());
    run.cluster().apply(run.target(), ingress);
    return List.of(ref.key() + ": switched to the backup " + backend(change.rollbackTo()));
  }

  private static ObjectRef ref(StepRun run, TrafficSwitch change) {
    return change.ingress() != null
        ? new ObjectRef(INGRESS_API, "Ingress", run.namespace(), change.ingress())
        : new ObjectRef("v1", "Service", run.namespace(), change.service());
  }

  /** The object as it was read, or (dry-run: nothing read) its name alone. */
  private static GenericKubernetesResource current(ObjectRef ref, StepRun.Previous previous) {
    return previous.object() == null
        ? stub(ref)
        : StepRun.JSON.convertValue(previous.object(), GenericKubernetesResource.class);
  }

  private static GenericKubernetesResource stub(ObjectRef ref) {
    GenericKubernetesResource object = new GenericKubernetesResource();
    object.setApiVersion(ref.apiVersion());
    object.setKind(ref.kind());
    object.setMetadata(
        new ObjectMetaBuilder().withNamespace(ref.namespace()).withName(ref.name()).build());
    return object;
  }

  /** Every path of every rule, and the default backend if it has one, to {@code to}. */
  @SuppressWarnings("unchecked")
  static void route(GenericKubernetesResource ingress, Backend to) {
    Map<String, Object> spec = spec(ingress);
    Map<String, Object> service =
        Map.of("service", Map.of("name", to.service(), "port", Map.of("number", to.port())));
    List<Map<String, Object>> rules =
        (List<Map<String, Object>>) spec.getOrDefault("rules", new ArrayList<>());
    for (Map<String, Object> rule : rules) {
      Map<String, Object> http = (Map<String, Object>) rule.get("http");
      if (http == null) {
        continue;
      }
      for (Map<String, Object> path :
          (List<Map<String, Object>>) http.getOrDefault("paths", List.of())) {
        path.put("backend", new LinkedHashMap<>(service));
      }
    }
    if (spec.containsKey("defaultBackend") || rules.isEmpty()) {
      spec.put("defaultBackend", new LinkedHashMap<>(service));
    }
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> spec(GenericKubernetesResource object) {
    return (Map<String, Object>)
        object.getAdditionalProperties().computeIfAbsent("spec", key -> new LinkedHashMap<>());
  }

  private static String backend(Backend backend) {
    return "Service " + backend.service() + ":" + backend.port();
  }
}
