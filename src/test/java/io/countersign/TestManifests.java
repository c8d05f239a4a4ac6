package io.countersign;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.countersign.manifest.ReleaseManifest;
import io.countersign.process.ManifestStore;
import io.countersign.process.Variables;
import org.camunda.bpm.engine.delegate.VariableScope;
import org.camunda.spin.json.SpinJsonNode;

/** Manifests in process variables, for delegate tests that run without Countersign's tables. */
public final class TestManifests {
  private static final ObjectMapper JSON = JsonMapper.builder().findAndAddModules().build();

  private TestManifests() {}

  /** The manifest in the scope's {@code manifest} variable (JSON text or a Spin node). */
  public static ReleaseManifest from(VariableScope scope) {
    Object value = scope.getVariable(Variables.MANIFEST);
    String json = value instanceof SpinJsonNode node ? node.toString() : String.valueOf(value);
    try {
      return JSON.readValue(json, ReleaseManifest.class);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(
          "manifest variable is not a manifest: " + e.getOriginalMessage(), e);
    }
  }

  /** The manifest as Countersign stores it (RFC 8785 canonical JSON). */
  public static String toJson(ReleaseManifest manifest) {
    return ManifestStore.canonical(manifest);
  }
}
