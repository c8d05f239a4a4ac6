package io.countersign.process;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.countersign.evidence.EvidenceLog;
import io.countersign.manifest.ReleaseManifest;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.camunda.bpm.engine.delegate.BpmnError;
import org.camunda.bpm.engine.delegate.DelegateExecution;
import org.camunda.bpm.engine.variable.Variables.SerializationDataFormats;
import org.camunda.bpm.engine.variable.value.ObjectValue;
import org.camunda.bpm.model.bpmn.instance.FlowElement;
import org.camunda.bpm.model.bpmn.instance.camunda.CamundaProperties;
import org.camunda.bpm.model.bpmn.instance.camunda.CamundaProperty;
import org.camunda.spin.json.SpinJsonNode;

/**
 * What every deploy and rollback step does the same way (release id, skip, drill, failure, JSON
 * variables, evidence payloads), in one place so the delegates of each capability read as what they
 * do.
 */
public final class StepSupport {
  /** The evidence actor of automatic steps. */
  public static final String ACTOR = "countersign";

  /** BPMN error code of every deterministic step failure; the deploy model rolls back on it. */
  public static final String STEP_FAILED = "stepFailed";

  private static final ObjectMapper JSON = new ObjectMapper();

  private StepSupport() {}

  /** The process business key, or the release id variable where there is none. */
  public static String releaseId(DelegateExecution execution) {
    String key = execution.getProcessBusinessKey();
    return key != null ? key : (String) execution.getVariable(Variables.RELEASE_ID);
  }

  /**
   * Records that the step had nothing to do when {@code nothingToDo}, so the evidence shows it was
   * considered; returns {@code nothingToDo}, for the delegate to return on.
   */
  public static boolean skipIf(
      boolean nothingToDo, EvidenceLog evidence, String releaseId, String step, String reason) {
    if (nothingToDo) {
      evidence.record(releaseId, "step-skipped", ACTOR, Map.of("step", step, "reason", reason));
    }
    return nothingToDo;
  }

  /** Whether the manifest's rollback drill names this step. */
  public static boolean isDrill(ReleaseManifest manifest, String step) {
    return manifest.drill() != null && step.equals(manifest.drill().failAt());
  }

  /**
   * A rollback drill makes the named step fail before it changes anything, so teams rehearse the
   * rollback path; it fails like a real failure, so the rollback path sees the same variables.
   * Validation refuses drills for production.
   */
  public static void failIfDrill(
      DelegateExecution execution, ReleaseManifest manifest, String step) {
    if (isDrill(manifest, step)) {
      throw fail(execution, step, "Rollback drill: step " + step + " failed as the manifest asked");
    }
  }

  /**
   * A deterministic failure: records it as the step's outcome, and returns the error the deploy
   * model rolls back on.
   */
  public static BpmnError fail(DelegateExecution execution, String step, String reason) {
    return StepOutcome.failed(reason).raise(execution, step);
  }

  /**
   * The extension properties (camunda:properties) of the element the execution is at: how a model
   * passes literal settings to a listener without expressions.
   */
  public static Map<String, String> extensionProperties(DelegateExecution execution) {
    Map<String, String> properties = new LinkedHashMap<>();
    FlowElement element = execution.getBpmnModelElementInstance();
    if (element != null && element.getExtensionElements() != null) {
      for (CamundaProperties list :
          element
              .getExtensionElements()
              .getElementsQuery()
              .filterByType(CamundaProperties.class)
              .list()) {
        for (CamundaProperty property : list.getCamundaProperties()) {
          properties.put(property.getCamundaName(), property.getCamundaValue());
        }
      }
    }
    return properties;
  }

  /** A mutable copy of a JSON map variable (empty when absent). */
  public static Map<String, Object> readMap(DelegateExecution execution, String name) {
    return new LinkedHashMap<>(
        read(execution, name, new TypeReference<Map<String, Object>>() {}, Map.of()));
  }

  /** A mutable copy of a JSON list variable (empty when absent). */
  public static List<String> readList(DelegateExecution execution, String name) {
    return new ArrayList<>(read(execution, name, new TypeReference<List<String>>() {}, List.of()));
  }

  /** Lists and maps go into variables as JSON, never Java serialization. */
  public static ObjectValue json(Object value) {
    return org.camunda.bpm.engine.variable.Variables.objectValue(value)
        .serializationDataFormat(SerializationDataFormats.JSON)
        .create();
  }

  /** An evidence payload from key/value pairs; null values are left out. */
  public static Map<String, Object> payload(Object... keysAndValues) {
    Map<String, Object> payload = new LinkedHashMap<>();
    for (int i = 0; i < keysAndValues.length; i += 2) {
      if (keysAndValues[i + 1] != null) {
        payload.put((String) keysAndValues[i], keysAndValues[i + 1]);
      }
    }
    return payload;
  }

  // The engine hands back our own values deserialized; JSON text or Spin nodes from other writers
  // are parsed.
  private static <T> T read(
      DelegateExecution execution, String name, TypeReference<T> type, T empty) {
    Object value = execution.getVariable(name);
    if (value == null) {
      return empty;
    }
    try {
      return value instanceof String || value instanceof SpinJsonNode
          ? JSON.readValue(value.toString(), type)
          : JSON.convertValue(value, type);
    } catch (JsonProcessingException | IllegalArgumentException e) {
      throw new IllegalStateException(
          "variable '" + name + "' is not the JSON it should be: " + e.getMessage(), e);
    }
  }
}
