package io.countersign.deploy;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads a Kubernetes object into fabric8's typed model and refuses what the model does not know.
 * fabric8 keeps unknown fields in each model object's {@code additionalProperties} instead of
 * failing (and an unknown apiVersion/kind becomes a {@link GenericKubernetesResource}), so a
 * misspelt {@code replica: 2} would pass silently; this walks the whole object graph and reports
 * every field that was kept there, with its path.
 */
final class StrictModel {
  private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();
  private static final ObjectMapper JSON = new ObjectMapper();

  private StrictModel() {}

  /** The typed object; throws naming every unknown field (path.field) or an unknown kind. */
  static HasMetadata parse(Map<String, Object> document, String source) {
    String json;
    try {
      json = JSON.writeValueAsString(document);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalArgumentException(source + ": not serializable", e);
    }
    HasMetadata object = SERIALIZATION.unmarshal(json, HasMetadata.class);
    if (object instanceof GenericKubernetesResource) {
      throw new IllegalArgumentException(
          source
              + ": unknown apiVersion/kind "
              + document.get("apiVersion")
              + "/"
              + document.get("kind"));
    }
    List<String> unknown = unknownFields(object);
    if (!unknown.isEmpty()) {
      throw new IllegalArgumentException(source + ": unknown fields " + unknown);
    }
    return object;
  }

  /** Paths of every field the model kept in additionalProperties, anywhere in the graph. */
  static List<String> unknownFields(Object root) {
    List<String> found = new ArrayList<>();
    walk(root, object(root), found, Collections.newSetFromMap(new IdentityHashMap<>()));
    return found;
  }

  private static String object(Object root) {
    return root instanceof HasMetadata m ? m.getKind() : root.getClass().getSimpleName();
  }

  private static void walk(Object value, String path, List<String> found, Set<Object> seen) {
    if (value == null || !seen.add(value)) {
      return;
    }
    if (value instanceof Map<?, ?> map) {
      map.forEach((key, item) -> walk(item, path + "." + key, found, seen));
      return;
    }
    if (value instanceof Collection<?> items) {
      int i = 0;
      for (Object item : items) {
        walk(item, path + "[" + i++ + "]", found, seen);
      }
      return;
    }
    if (!value.getClass().getName().startsWith("io.fabric8.kubernetes.api.model")) {
      return; // strings, numbers, booleans, enums: leaves
    }
    for (Method getter : value.getClass().getMethods()) {
      if (!isGetter(getter)) {
        continue;
      }
      Object child = invoke(getter, value);
      if (getter.getName().equals("getAdditionalProperties")) {
        if (child instanceof Map<?, ?> extra) {
          extra.keySet().forEach(key -> found.add(path + "." + key));
        }
      } else {
        walk(child, path + "." + property(getter), found, seen);
      }
    }
  }

  private static boolean isGetter(Method method) {
    return method.getParameterCount() == 0
        && !Modifier.isStatic(method.getModifiers())
        && method.getDeclaringClass().getName().startsWith("io.fabric8.kubernetes.api.model")
        && (method.getName().startsWith("get") || method.getName().startsWith("is"));
  }

  private static String property(Method getter) {
    String name = getter.getName().substring(getter.getName().startsWith("is") ? 2 : 3);
    return name.isEmpty() ? name : Character.toLowerCase(name.charAt(0)) + name.substring(1);
  }

  private static Object invoke(Method getter, Object target) {
    try {
      return getter.invoke(target);
    } catch (IllegalAccessException | InvocationTargetException e) {
      throw new IllegalStateException(getter + " failed", e);
    }
  }
}
