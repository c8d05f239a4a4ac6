package io.countersign;

import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.Mockito.doAnswer;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.countersign.evidence.EvidenceLog;
import io.countersign.process.Attempts;
import io.countersign.process.ManifestStore;
import io.countersign.process.StepStart;
import io.countersign.process.Variables;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Supplier;
import org.camunda.bpm.engine.delegate.DelegateExecution;
import org.camunda.bpm.engine.variable.value.ObjectValue;
import org.camunda.bpm.engine.variable.value.TypedValue;

/**
 * A mocked execution backed by a map, for delegate tests without an engine; object values make the
 * JSON round trip.
 */
public final class FakeExecution {
  private static final ObjectMapper JSON = new ObjectMapper();

  public final Map<String, Object> variables = new HashMap<>();
  public final DelegateExecution execution = mock(DelegateExecution.class);

  /** Release {@code rel-1} with the given manifest. */
  public FakeExecution(String manifestJson) {
    this("rel-1", manifestJson);
  }

  /** The given release; with a null manifest, the test puts one in itself. */
  public FakeExecution(String releaseId, String manifestJson) {
    if (manifestJson != null) {
      variables.put(Variables.MANIFEST, manifestJson);
    }
    when(execution.getProcessBusinessKey()).thenReturn(releaseId);
    when(execution.getVariable(anyString()))
        .thenAnswer(call -> variables.get(call.<String>getArgument(0)));
    doAnswer(call -> variables.put(call.getArgument(0), stored(call.getArgument(1))))
        .when(execution)
        .setVariable(anyString(), any());
  }

  private static Object stored(Object value) throws Exception {
    if (value instanceof ObjectValue object) {
      return JSON.readValue(JSON.writeValueAsString(object.getValue()), Object.class);
    }
    return value instanceof TypedValue typed ? typed.getValue() : value;
  }

  /**
   * A manifest store that hands a step the manifest in the execution's {@code manifest} variable,
   * for delegate tests without Countersign's tables; the store's own digest and authorization
   * checks are tested on their own.
   */
  public static ManifestStore variableManifests() {
    ManifestStore store = mock(ManifestStore.class);
    when(store.forStep(any()))
        .thenAnswer(call -> TestManifests.from(call.<DelegateExecution>getArgument(0)));
    return store;
  }

  /**
   * The start of a step over {@link #variableManifests()}; skips are recorded in the given
   * evidence.
   */
  public static StepStart variableStart(EvidenceLog evidence) {
    return new StepStart(variableManifests(), evidence);
  }

  /**
   * Attempts that always act, for delegate tests without Countersign's tables: what a re-run does
   * with a recorded attempt is tested through the engine (the crash tests) and in AttemptsTest.
   */
  public static Attempts actingAttempts() {
    Attempts attempts = mock(Attempts.class);
    when(attempts.once(any(), any(), any(), any()))
        .thenAnswer(call -> call.<Supplier<?>>getArgument(2).get());
    return attempts;
  }

  /** A staging manifest with the given extra sections (JSON members, without braces). */
  public static String manifest(String sections) {
    return "{\"application\":\"medication-tracker\",\"version\":\"2.4.0\",\"environment\":\"staging\","
        + "\"changeReference\":\"CHG-1\""
        + (sections.isEmpty() ? "" : "," + sections)
        + "}";
  }
}
