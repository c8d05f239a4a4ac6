package io.countersign.release;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.countersign.engine.Variables;
import org.camunda.bpm.engine.delegate.VariableScope;
import org.camunda.spin.json.SpinJsonNode;

/** Reads the manifest a release carries as its one JSON variable. */
public final class Manifests {
  /** BPMN error code of every deterministic step failure; the deploy model rolls back on it. */
  public static final String STEP_FAILED = "stepFailed";

  private static final ObjectMapper JSON =
      JsonMapper.builder().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).findAndAddModules().build();

  private Manifests() {}

  public static ReleaseManifest from(VariableScope scope) {
    Object value = scope.getVariable(Variables.MANIFEST);
    if (value == null) {
      throw new IllegalStateException("process variable '" + Variables.MANIFEST + "' is missing");
    }
    String json = value instanceof SpinJsonNode node ? node.toString() : value.toString();
    try {
      return JSON.readValue(json, ReleaseManifest.class);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("manifest variable is not a valid manifest: " + e.getOriginalMessage(), e);
    }
  }

  public static String toJson(ReleaseManifest manifest) {
    try {
      return JSON.writeValueAsString(manifest);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
