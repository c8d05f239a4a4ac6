package io.countersign.frontend;

import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.Mockito.doAnswer;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.countersign.engine.Variables;
import java.util.HashMap;
import java.util.Map;
import org.camunda.bpm.engine.delegate.DelegateExecution;
import org.camunda.bpm.engine.variable.value.ObjectValue;
import org.camunda.bpm.engine.variable.value.TypedValue;

/** A mocked execution backed by a map; object values make the engine's JSON round trip. */
final class FakeExecution {
  private static final ObjectMapper JSON = new ObjectMapper();

  final Map<String, Object> variables = new HashMap<>();
  final DelegateExecution execution = mock(DelegateExecution.class);

  FakeExecution(String manifestJson) {
    variables.put(Variables.MANIFEST, manifestJson);
    when(execution.getProcessBusinessKey()).thenReturn("rel-1");
    when(execution.getVariable(anyString())).thenAnswer(call -> variables.get(call.<String>getArgument(0)));
    doAnswer(call -> variables.put(call.getArgument(0), stored(call.getArgument(1))))
        .when(execution).setVariable(anyString(), any());
  }

  private static Object stored(Object value) throws Exception {
    if (value instanceof ObjectValue object) {
      return JSON.readValue(JSON.writeValueAsString(object.getValue()), Object.class);
    }
    return value instanceof TypedValue typed ? typed.getValue() : value;
  }

  /** A staging manifest with the given extra sections (JSON members, without braces). */
  static String manifest(String sections) {
    return "{\"application\":\"medication-tracker\",\"version\":\"2.4.0\",\"environment\":\"staging\","
        + "\"changeReference\":\"CHG-1\"" + (sections.isEmpty() ? "" : "," + sections) + "}";
  }
}
