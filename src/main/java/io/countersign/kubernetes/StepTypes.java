package io.countersign.kubernetes;

import io.countersign.kubernetes.KubernetesSteps.StepSpec;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.stereotype.Component;

/** The step types by the manifest field that selects them. */
@Component
class StepTypes {
  private final Map<String, StepType> byType = new LinkedHashMap<>();

  StepTypes(List<StepType> types) {
    types.forEach(type -> byType.put(type.type(), type));
  }

  StepType of(StepSpec spec) {
    StepType type = byType.get(spec.type());
    if (type == null) {
      // The manifest check refuses such a step at submission.
      throw new IllegalStateException(
          "Kubernetes step " + spec.name() + " has no single type: " + spec.types());
    }
    return type;
  }
}
