package io.countersign.manifest;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import jakarta.validation.constraints.NotNull;
import java.lang.reflect.AnnotatedParameterizedType;
import java.lang.reflect.AnnotatedType;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Checks a parsed body against the shape of a record type (unknown fields, JSON types, enum values)
 * before anything is bound, so a requester gets every such mistake at once with its path. It
 * returns a copy without the offending values, so binding and Bean Validation can still report the
 * remaining problems of the same body.
 */
final class ManifestShape {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private final FieldErrors errors;
  private final ObjectMapper mapper;
  private final Map<String, Class<?>> sections;

  private ManifestShape(FieldErrors errors, ObjectMapper mapper, Map<String, Class<?>> sections) {
    this.errors = errors;
    this.mapper = mapper;
    this.sections = sections;
  }

  /**
   * Adds an error per shape problem. Returns the cleaned tree, or null when the root is not an
   * object (nothing further can be said). The mapper only renders enum constants as they are read.
   */
  static ObjectNode check(
      JsonNode root, Class<? extends Record> type, FieldErrors errors, ObjectMapper mapper) {
    return check(root, type, Map.of(), errors, mapper);
  }

  /**
   * As {@link #check(JsonNode, Class, FieldErrors, ObjectMapper)}, with more fields at the root:
   * the sections of target capabilities, by name, each checked against its record type. A section
   * that is null is left out.
   */
  static ObjectNode check(
      JsonNode root,
      Class<? extends Record> type,
      Map<String, Class<?>> sections,
      FieldErrors errors,
      ObjectMapper mapper) {
    JsonNode clean = new ManifestShape(errors, mapper, sections).object(root, type, JsonPaths.ROOT);
    return clean instanceof ObjectNode object ? object : null;
  }

  /** The checked value, or null when it is wrong and must be left out. */
  private JsonNode value(JsonNode node, AnnotatedType type, String path) {
    Class<?> raw = raw(type.getType());
    if (raw.isRecord()) {
      return object(node, raw, path);
    }
    if (List.class.isAssignableFrom(raw)) {
      return array(node, (AnnotatedParameterizedType) type, path);
    }
    if (Map.class.isAssignableFrom(raw)) {
      return map(node, (AnnotatedParameterizedType) type, path);
    }
    if (raw == String.class) {
      return node.isTextual()
          ? node
          : wrong(
              path,
              node.isValueNode()
                  ? "must be a string (put the value in quotes)"
                  : "must be a string");
    }
    if (raw == Integer.class || raw == int.class) {
      return node.isIntegralNumber() && node.canConvertToInt()
          ? node
          : wrong(path, "must be a whole number");
    }
    if (raw == Long.class || raw == long.class) {
      return node.isIntegralNumber() && node.canConvertToLong()
          ? node
          : wrong(path, "must be a whole number");
    }
    if (raw == Double.class || raw == double.class || raw == BigDecimal.class) {
      return node.isNumber() && Double.isFinite(node.doubleValue())
          ? node
          : wrong(path, "must be a finite number");
    }
    if (raw == Boolean.class || raw == boolean.class) {
      return node.isBoolean() ? node : wrong(path, "must be true or false");
    }
    if (raw.isEnum()) {
      return enumValue(node, raw, path);
    }
    if (raw == BigInteger.class) {
      return node.isIntegralNumber() ? node : wrong(path, "must be a whole number");
    }
    // A new field type in the manifest records needs a rule here; failing loudly keeps that from
    // being missed.
    throw new IllegalStateException("no shape rule for " + type.getType() + " at " + path);
  }

  private JsonNode object(JsonNode node, Class<?> type, String path) {
    if (!node.isObject()) {
      return wrong(path, "must be an object");
    }
    Map<String, RecordComponent> components =
        Arrays.stream(type.getRecordComponents())
            .filter(
                c ->
                    !c.getAccessor()
                        .isAnnotationPresent(
                            JsonAnyGetter.class)) // the sections' map: no field of its own
            .collect(
                Collectors.toMap(
                    RecordComponent::getName,
                    Function.identity(),
                    (a, b) -> a,
                    java.util.LinkedHashMap::new));
    boolean root = path.equals(JsonPaths.ROOT);
    ObjectNode clean = NODES.objectNode();
    for (Map.Entry<String, JsonNode> property : node.properties()) {
      String name = property.getKey();
      String childPath = JsonPaths.field(path, name);
      RecordComponent component = components.get(name);
      if (component == null && root && sections.containsKey(name)) {
        JsonNode section =
            property.getValue().isNull()
                ? null
                : object(property.getValue(), sections.get(name), childPath);
        if (section != null) {
          clean.set(name, section);
        }
        continue;
      }
      if (component == null) {
        List<String> expected = new java.util.ArrayList<>(components.keySet());
        if (root) {
          expected.addAll(sections.keySet());
        }
        errors.add(childPath, "unknown field; expected one of " + String.join(", ", expected));
        continue;
      }
      JsonNode child = property.getValue();
      if (child.isNull()) {
        if (isRequiredContainer(component)) {
          errors.add(childPath, "must not be null");
        } else {
          clean.set(name, child); // Bean Validation decides about required scalars.
        }
        continue;
      }
      JsonNode checked = value(child, component.getAnnotatedType(), childPath);
      if (checked != null) {
        clean.set(name, checked);
      }
    }
    for (RecordComponent component : components.values()) {
      // A missing list would become an empty one in the record and be reported as "size must be
      // ..."; say what is meant.
      if (!node.has(component.getName()) && isRequiredContainer(component)) {
        errors.add(JsonPaths.field(path, component.getName()), "is required");
      }
    }
    return clean;
  }

  private JsonNode array(JsonNode node, AnnotatedParameterizedType type, String path) {
    if (!node.isArray()) {
      return wrong(path, "must be an array");
    }
    AnnotatedType element = type.getAnnotatedActualTypeArguments()[0];
    ArrayNode clean = NODES.arrayNode();
    for (int i = 0; i < node.size(); i++) {
      String itemPath = JsonPaths.index(path, i);
      JsonNode item = node.get(i);
      JsonNode checked;
      if (item.isNull()) {
        if (element.isAnnotationPresent(NotNull.class)) {
          errors.add(itemPath, "must not be null");
        }
        checked = null;
      } else {
        checked = value(item, element, itemPath);
      }
      // Keep the indices of later items: an empty placeholder, whose own errors fall under this
      // reported path.
      clean.add(checked != null ? checked : placeholder(element));
    }
    return clean;
  }

  /**
   * An object with string keys: values of a {@code Map<String, String>} must be strings; a {@code
   * Map<String, Object>} is free-form (a Kubernetes object, checked by its own section's check).
   */
  private JsonNode map(JsonNode node, AnnotatedParameterizedType type, String path) {
    if (!node.isObject()) {
      return wrong(path, "must be an object");
    }
    if (raw(type.getAnnotatedActualTypeArguments()[1].getType()) != String.class) {
      return node;
    }
    ObjectNode clean = NODES.objectNode();
    for (Map.Entry<String, JsonNode> entry : node.properties()) {
      if (entry.getValue().isTextual()) {
        clean.set(entry.getKey(), entry.getValue());
      } else {
        errors.add(
            JsonPaths.field(path, entry.getKey()), "must be a string (put the value in quotes)");
      }
    }
    return clean;
  }

  private JsonNode enumValue(JsonNode node, Class<?> type, String path) {
    List<String> allowed =
        Arrays.stream(type.getEnumConstants()).map(c -> mapper.valueToTree(c).asText()).toList();
    if (!node.isTextual()) {
      return wrong(path, "must be one of " + String.join(", ", allowed));
    }
    if (!allowed.contains(node.textValue())) {
      return wrong(
          path,
          "unknown "
              + type.getSimpleName().toLowerCase(Locale.ROOT)
              + " '"
              + node.textValue()
              + "'; expected one of "
              + String.join(", ", allowed));
    }
    return node;
  }

  private JsonNode wrong(String path, String message) {
    errors.add(path, message);
    return null;
  }

  private static JsonNode placeholder(AnnotatedType element) {
    return raw(element.getType()).isRecord() ? NODES.objectNode() : NullNode.getInstance();
  }

  private static boolean isRequiredContainer(RecordComponent component) {
    Class<?> raw = component.getType();
    return (raw.isRecord() || List.class.isAssignableFrom(raw))
        && component.getAnnotatedType().isAnnotationPresent(NotNull.class);
  }

  private static Class<?> raw(Type type) {
    if (type instanceof Class<?> c) {
      return c;
    }
    if (type instanceof ParameterizedType p) {
      return (Class<?>) p.getRawType();
    }
    throw new IllegalStateException("no shape rule for " + type);
  }
}
