package io.countersign.lambda;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.countersign.engine.Variables;
import io.countersign.evidence.EvidenceLog;
import io.countersign.release.Manifests;
import io.countersign.release.ReleaseManifest;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.camunda.bpm.engine.delegate.BpmnError;
import org.camunda.bpm.engine.delegate.DelegateExecution;
import org.camunda.bpm.engine.variable.Variables.SerializationDataFormats;
import org.camunda.bpm.engine.variable.value.ObjectValue;
import org.camunda.spin.json.SpinJsonNode;

/** What every Lambda step does the same way, so the delegates read as what they do. */
final class Steps {
  static final String ACTOR = "countersign";
  private static final ObjectMapper JSON = new ObjectMapper();

  private Steps() {}

  static String releaseId(DelegateExecution execution) {
    String key = execution.getProcessBusinessKey();
    return key != null ? key : (String) execution.getVariable(Variables.RELEASE_ID);
  }

  static void skipped(EvidenceLog evidence, String releaseId, String step, String reason) {
    evidence.record(releaseId, "step-skipped", ACTOR, Map.of("step", step, "reason", reason));
  }

  /** A drill fails like a real failure, so the rollback path sees the same variables. */
  static void failIfDrill(DelegateExecution execution, ReleaseManifest manifest, String step) {
    try {
      Manifests.failIfDrill(manifest, step);
    } catch (BpmnError e) {
      execution.setVariable(Variables.FAILED_STEP, step);
      execution.setVariable(Variables.FAILURE_REASON, e.getMessage());
      throw e;
    }
  }

  /** A mutable copy of a JSON map variable (empty when absent). */
  static Map<String, Object> readMap(DelegateExecution execution, String name) {
    return new LinkedHashMap<>(read(execution, name, new TypeReference<Map<String, Object>>() {}, Map.of()));
  }

  /** A mutable copy of a JSON list variable (empty when absent). */
  static List<String> readList(DelegateExecution execution, String name) {
    return new ArrayList<>(read(execution, name, new TypeReference<List<String>>() {}, List.of()));
  }

  /** Lists and maps go into variables as JSON, never Java serialization. */
  static ObjectValue json(Object value) {
    return org.camunda.bpm.engine.variable.Variables.objectValue(value)
        .serializationDataFormat(SerializationDataFormats.JSON)
        .create();
  }

  /** An evidence payload from key/value pairs; null values are left out. */
  static Map<String, Object> payload(Object... keysAndValues) {
    Map<String, Object> payload = new LinkedHashMap<>();
    for (int i = 0; i < keysAndValues.length; i += 2) {
      if (keysAndValues[i + 1] != null) {
        payload.put((String) keysAndValues[i], keysAndValues[i + 1]);
      }
    }
    return payload;
  }

  // The engine hands back our own values deserialized; JSON text or Spin nodes from other writers are parsed.
  private static <T> T read(DelegateExecution execution, String name, TypeReference<T> type, T empty) {
    Object value = execution.getVariable(name);
    if (value == null) {
      return empty;
    }
    try {
      return value instanceof String || value instanceof SpinJsonNode
          ? JSON.readValue(value.toString(), type)
          : JSON.convertValue(value, type);
    } catch (JsonProcessingException | IllegalArgumentException e) {
      throw new IllegalStateException("variable '" + name + "' is not the JSON it should be: " + e.getMessage(), e);
    }
  }
}
