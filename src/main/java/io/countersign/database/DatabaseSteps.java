package io.countersign.database;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.countersign.database.DatabaseTarget.Backup;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import org.camunda.spin.Spin;
import org.camunda.spin.json.SpinJsonNode;

/**
 * What only the database delegates share (the rest is in StepSupport): null-keeping payloads, the
 * backup variable.
 */
final class DatabaseSteps {
  static final String NO_DATABASE = "the manifest has no database change";
  private static final ObjectMapper JSON =
      JsonMapper.builder().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).build();

  private DatabaseSteps() {}

  /**
   * Evidence payload from key/value pairs; unlike StepSupport.payload it keeps null values (e.g. no
   * version before).
   */
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
    if (variable == null) {
      return null;
    }
    try {
      return JSON.readValue(variable.toString(), Backup.class);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(
          "variable is not the expected JSON: " + e.getOriginalMessage(), e);
    }
  }

  /**
   * True/false when both fingerprints are known; null when a dry run or a resumed migration lacks
   * one.
   */
  static Boolean sameSchema(Object before, String now) {
    return before == null || now == null ? null : Objects.equals(before.toString(), now);
  }
}
