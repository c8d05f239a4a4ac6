package io.countersign.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.camunda.bpm.engine.BadUserRequestException;
import org.camunda.bpm.engine.FormService;
import org.camunda.bpm.engine.TaskService;
import org.camunda.bpm.engine.impl.form.validator.FormFieldValidationException;
import org.camunda.bpm.engine.variable.value.PrimitiveValue;
import org.camunda.bpm.engine.variable.value.TypedValue;

/**
 * What completing a human task may write: the fields its deployed Camunda Form declares, each with
 * the type and values the form allows. A field the form shows read-only may be sent back only
 * unchanged (Tasklist may submit it); anything else is refused, naming the field.
 */
class TaskForms {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Set<String> TEXT = Set.of("textfield", "textarea");
  private static final Set<String> CHOICE = Set.of("radio", "select");
  private static final int MAX_TEXT = 10_000;

  private final FormService forms;
  private final TaskService tasks;

  TaskForms(FormService forms, TaskService tasks) {
    this.forms = forms;
    this.tasks = tasks;
  }

  record Field(String key, String type, boolean readOnly, List<String> values) {}

  /**
   * @throws FormFieldValidationException naming the first variable the task's form does not accept
   */
  void check(String taskId, String taskName, Map<String, Object> variables) {
    if (variables == null || variables.isEmpty()) {
      return;
    }
    Map<String, Field> fields = fields(taskId);
    for (Map.Entry<String, Object> variable : variables.entrySet()) {
      Field field = fields.get(variable.getKey());
      Object value =
          variable.getValue() instanceof TypedValue typed ? typed.getValue() : variable.getValue();
      if (field == null) {
        throw refused(
            taskName,
            variable.getKey(),
            "is not a field of its form; it accepts only "
                + String.join(
                    ", ",
                    fields.values().stream().filter(f -> !f.readOnly()).map(Field::key).toList()));
      }
      if (variable.getValue() instanceof TypedValue typed
          && !(typed instanceof PrimitiveValue<?>)
          && value != null) {
        throw refused(
            taskName, field.key(), "must be a plain value, not " + typed.getType().getName());
      }
      if (field.readOnly()) {
        if (!Objects.equals(value, tasks.getVariable(taskId, field.key()))) {
          throw refused(taskName, field.key(), "is read-only on its form");
        }
      } else if (value != null) {
        checkValue(taskName, field, value);
      }
    }
  }

  private static void checkValue(String taskName, Field field, Object value) {
    if (TEXT.contains(field.type()) && !(value instanceof String s && s.length() <= MAX_TEXT)) {
      throw refused(taskName, field.key(), "must be text of at most " + MAX_TEXT + " characters");
    }
    if (CHOICE.contains(field.type())
        && !(value instanceof String s && (s.isEmpty() || field.values().contains(s)))) {
      throw refused(taskName, field.key(), "must be one of " + String.join(", ", field.values()));
    }
    if (field.type().equals("checkbox") && !(value instanceof Boolean)) {
      throw refused(taskName, field.key(), "must be true or false");
    }
    if (field.type().equals("number") && !(value instanceof Number)) {
      throw refused(taskName, field.key(), "must be a number");
    }
  }

  // The form-validation exception is what engine REST and the webapps answer with 400 on complete
  // and submit-form.
  private static FormFieldValidationException refused(String taskName, String field, String why) {
    // Tasklist shows this message as HTML: a name the caller made up is echoed only when it is
    // plainly a name.
    String name = field.matches("[A-Za-z0-9_.-]{1,64}") ? field : "(a field with an unusual name)";
    return new FormFieldValidationException(
        name, "Task '" + taskName + "' refused field '" + name + "': it " + why);
  }

  /** The fields of the task's deployed form; none when the task has no Camunda Form. */
  Map<String, Field> fields(String taskId) {
    JsonNode form;
    try (InputStream in = forms.getDeployedTaskForm(taskId)) {
      form = JSON.readTree(in);
    } catch (
        BadUserRequestException noForm) { // also NotFoundException: the task has no deployed form
      return Map.of();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Map<String, Field> fields = new LinkedHashMap<>();
    collect(form.path("components"), fields);
    return fields;
  }

  private static void collect(JsonNode components, Map<String, Field> fields) {
    for (JsonNode component : components) {
      if (component.hasNonNull("key")) {
        List<String> values = new ArrayList<>();
        component.path("values").forEach(v -> values.add(v.path("value").asText()));
        boolean readOnly =
            component.path("disabled").asBoolean(false)
                || component.path("readonly").asBoolean(false);
        fields.put(
            component.get("key").asText(),
            new Field(
                component.get("key").asText(), component.path("type").asText(), readOnly, values));
      }
      collect(component.path("components"), fields); // groups nest their fields
    }
  }
}
