package io.countersign.database;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.countersign.database.DatabaseTarget.Backup;
import io.countersign.engine.Variables;
import io.countersign.evidence.EvidenceLog;
import io.countersign.release.Manifests;
import io.countersign.release.ReleaseManifest;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.camunda.bpm.engine.delegate.BpmnError;
import org.camunda.bpm.engine.delegate.DelegateExecution;
import org.camunda.spin.Spin;
import org.camunda.spin.json.SpinJsonNode;

/** What the database delegates share: release id, JSON variables, evidence payloads, skip and drill. */
final class DatabaseSteps {
  static final String ACTOR = "countersign";
  private static final ObjectMapper JSON =
      JsonMapper.builder().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).build();

  private DatabaseSteps() {}

  static String releaseId(DelegateExecution execution) {
    String key = execution.getProcessBusinessKey();
    return key != null ? key : (String) execution.getVariable(Variables.RELEASE_ID);
  }

  /** Records that a step had nothing to do; returns true when the manifest has no database change. */
  static boolean skipped(ReleaseManifest manifest, EvidenceLog evidence, String releaseId, String step) {
    if (manifest.hasDatabase()) {
      return false;
    }
    evidence.record(releaseId, "step-skipped", ACTOR, Map.of("step", step, "reason", "the manifest has no database change"));
    return true;
  }

  static void failIfDrill(DelegateExecution execution, ReleaseManifest manifest, String step) {
    try {
      Manifests.failIfDrill(manifest, step);
    } catch (BpmnError e) {
      execution.setVariable(Variables.FAILED_STEP, step);
      execution.setVariable(Variables.FAILURE_REASON, e.getMessage());
      throw e;
    }
  }

  static boolean isDrill(ReleaseManifest manifest, String step) {
    return manifest.drill() != null && step.equals(manifest.drill().failAt());
  }

  /** Evidence payload from key/value pairs; unlike Map.of it keeps null values (e.g. no version before). */
  static Map<String, Object> payload(Object... keysAndValues) {
    Map<String, Object> payload = new LinkedHashMap<>();
    for (int i = 0; i < keysAndValues.length; i += 2) {
      payload.put((String) keysAndValues[i], keysAndValues[i + 1]);
    }
    return payload;
  }

  static SpinJsonNode toJson(Backup backup) {
    try {
      return Spin.JSON(JSON.writeValueAsString(backup));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  static Backup backup(Object variable) {
    return variable == null ? null : read(variable, new TypeReference<Backup>() {});
  }

  /** The applied versions as the engine hands them back (a list), or as JSON text. */
  static List<String> strings(Object variable) {
    if (variable == null) {
      return List.of();
    }
    if (variable instanceof Collection<?> values) {
      return values.stream().map(String::valueOf).toList();
    }
    return read(variable, new TypeReference<List<String>>() {});
  }

  /** True/false when both fingerprints are known; null when a dry run or a resumed migration lacks one. */
  static Boolean sameSchema(Object before, String now) {
    return before == null || now == null ? null : Objects.equals(before.toString(), now);
  }

  private static <T> T read(Object variable, TypeReference<T> type) {
    try {
      return JSON.readValue(variable.toString(), type);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("variable is not the expected JSON: " + e.getOriginalMessage(), e);
    }
  }
}
