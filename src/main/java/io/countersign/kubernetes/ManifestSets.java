package io.countersign.kubernetes;

import io.countersign.manifest.FieldErrors;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.springframework.stereotype.Component;

/** Placeholder until branch sets lands: inline objects only, unchecked. */
@Component
class ManifestSets {

  List<GenericKubernetesResource> objects(
      String target, String namespace, KubernetesSteps.ManifestSet set) {
    List<GenericKubernetesResource> objects = new ArrayList<>();
    for (Map<String, Object> object : set.objects()) {
      GenericKubernetesResource resource =
          StepRun.JSON.convertValue(object, GenericKubernetesResource.class);
      if (resource.getMetadata().getNamespace() == null) {
        resource.getMetadata().setNamespace(namespace);
      }
      objects.add(resource);
    }
    return objects;
  }

  void check(
      String path,
      String target,
      String namespace,
      KubernetesSteps.ManifestSet set,
      FieldErrors errors) {}
}
