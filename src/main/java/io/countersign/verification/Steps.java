package io.countersign.verification;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.countersign.engine.Variables;
import io.countersign.evidence.EvidenceLog;
import io.countersign.release.Manifests;
import io.countersign.release.ReleaseManifest;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import org.camunda.bpm.engine.delegate.BpmnError;
import org.camunda.bpm.engine.delegate.DelegateExecution;
import org.camunda.spin.json.SpinJsonNode;

/** What every verification step does the same way, so the delegates read as what they do. */
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
      throw fail(execution, step, e.getMessage());
    }
  }

  /** A deterministic failure: the deploy model rolls back on the returned error. */
  static BpmnError fail(DelegateExecution execution, String step, String reason) {
    execution.setVariable(Variables.FAILED_STEP, step);
    execution.setVariable(Variables.FAILURE_REASON, reason);
    return new BpmnError(Manifests.STEP_FAILED, reason);
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

  /** A variable's value as plain JSON-ready data for evidence, whoever wrote it and however. */
  static Object plain(Object value) {
    if (value == null || value instanceof String || value instanceof Number || value instanceof Boolean
        || value instanceof Map || value instanceof Collection) {
      return value;
    }
    if (value instanceof SpinJsonNode) {
      try {
        return JSON.readTree(value.toString());
      } catch (JsonProcessingException e) {
        throw new IllegalStateException("a JSON variable does not parse: " + e.getOriginalMessage(), e);
      }
    }
    return value.toString();
  }
}
