package io.countersign.kubernetes;

import com.fasterxml.jackson.databind.JsonNode;
import io.countersign.kubernetes.ClusterSteps.ObjectRef;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** Reading the objects a started entry recorded, and putting them back as they were. */
final class StepObjects {
  private StepObjects() {}

  static ObjectRef ref(JsonNode object) {
    return new ObjectRef(
        object.path("apiVersion").asText(),
        object.path("kind").asText(),
        object.path("namespace").asText(),
        object.path("name").asText());
  }

  static Set<String> texts(JsonNode array) {
    Set<String> texts = new LinkedHashSet<>();
    array.forEach(value -> texts.add(value.asText()));
    return texts;
  }

  /**
   * Puts back every object the started entry recorded, last touched first: the previous version
   * where there was one, a delete where the release created it. Returns one line per object.
   */
  static List<String> restore(ClusterSteps cluster, String target, JsonNode started) {
    List<JsonNode> objects = new ArrayList<>();
    started.path("objects").forEach(objects::add);
    List<String> lines = new ArrayList<>();
    for (int i = objects.size() - 1; i >= 0; i--) {
      JsonNode object = objects.get(i);
      ObjectRef ref = ref(object);
      JsonNode existed = object.path("existed");
      if (existed.isNull() || existed.isMissingNode()) {
        lines.add(ref.key() + ": previous state unknown (dry-run), left");
      } else if (existed.asBoolean()) {
        cluster.restore(
            target,
            StepRun.JSON.convertValue(object.path("previous"), GenericKubernetesResource.class));
        lines.add(ref.key() + ": previous version restored");
      } else {
        boolean deleted = cluster.delete(target, ref);
        lines.add(ref.key() + (deleted ? ": deleted (the release created it)" : ": already gone"));
      }
    }
    return lines;
  }
}
