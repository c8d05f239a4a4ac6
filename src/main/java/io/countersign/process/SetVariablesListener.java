package io.countersign.process;

import java.util.Map;
import org.camunda.bpm.engine.delegate.DelegateExecution;
import org.camunda.bpm.engine.delegate.ExecutionListener;
import org.springframework.stereotype.Component;

/**
 * Sets the element's extension properties as process variables, literally ("true" and "false" as
 * booleans), when the element starts: how an end event says how a sign-off or an approval ended
 * (e.g. {@code signOffOutcome = approved}) without an expression that could call Java. Steps say
 * how they went in Java ({@link StepOutcome}), never here. The {@code releaseStatus} property
 * belongs to the status listener and is not a variable.
 */
@Component("setVariables")
class SetVariablesListener implements ExecutionListener {
  @Override
  public void notify(DelegateExecution execution) {
    for (Map.Entry<String, String> property :
        StepSupport.extensionProperties(execution).entrySet()) {
      if (property.getKey().equals("releaseStatus")) {
        continue;
      }
      String value = property.getValue();
      execution.setVariable(
          property.getKey(),
          "true".equals(value)
              ? Boolean.TRUE
              : "false".equals(value) ? (Object) Boolean.FALSE : value);
    }
  }
}
