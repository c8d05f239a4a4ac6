package io.countersign.deploy;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * A tiny stand-in for rendering a kustomization in tests. NOT kustomize (whose binary cannot be
 * installed here): it reads {@code resources} (files and directories), applies each {@code patches}
 * file to the resource of the same kind and name as a JSON merge of maps (lists of named items,
 * such as containers, merged by name as strategic merge does), then {@code images} and {@code
 * namespace}. Enough for plain patches; anything else in a kustomization is refused, so a feature
 * this cannot render is noticed rather than ignored.
 */
final class KustomizeLite {
  static final String FILE = "kustomization.yaml";
  private static final List<String> KNOWN_KEYS =
      List.of("apiVersion", "kind", "namespace", "resources", "patches", "images", "labels");

  private KustomizeLite() {}

  /** Every document of a YAML file, as maps (empty documents skipped). */
  @SuppressWarnings("unchecked")
  static List<Map<String, Object>> documents(Path file) {
    Yaml yaml = new Yaml(new SafeConstructor(new LoaderOptions()));
    List<Map<String, Object>> documents = new ArrayList<>();
    try (Reader reader = Files.newBufferedReader(file)) {
      for (Object document : yaml.loadAll(reader)) {
        if (document != null) {
          documents.add((Map<String, Object>) document);
        }
      }
    } catch (IOException e) {
      throw new IllegalStateException(file + " unreadable", e);
    }
    return documents;
  }

  /** The kustomization of a directory. */
  static Map<String, Object> kustomization(Path dir) {
    List<Map<String, Object>> documents = documents(dir.resolve(FILE));
    if (documents.size() != 1) {
      throw new IllegalArgumentException(dir + "/" + FILE + ": one document expected");
    }
    Map<String, Object> kustomization = documents.get(0);
    for (String key : kustomization.keySet()) {
      if (!KNOWN_KEYS.contains(key)) {
        throw new IllegalArgumentException(dir + "/" + FILE + ": not rendered here: " + key);
      }
    }
    return kustomization;
  }

  /** The paths a kustomization names in resources and patches, resolved against its directory. */
  @SuppressWarnings("unchecked")
  static List<Path> referencedPaths(Path dir) {
    Map<String, Object> kustomization = kustomization(dir);
    List<Path> paths = new ArrayList<>();
    for (Object resource : (List<Object>) kustomization.getOrDefault("resources", List.of())) {
      paths.add(dir.resolve((String) resource).normalize());
    }
    for (Object patch : (List<Object>) kustomization.getOrDefault("patches", List.of())) {
      paths.add(dir.resolve((String) ((Map<String, Object>) patch).get("path")).normalize());
    }
    return paths;
  }

  /** The objects a kustomization directory renders to. */
  @SuppressWarnings("unchecked")
  static List<Map<String, Object>> render(Path dir) {
    Map<String, Object> kustomization = kustomization(dir);
    List<Map<String, Object>> objects = new ArrayList<>();
    for (Object resource : (List<Object>) kustomization.getOrDefault("resources", List.of())) {
      Path path = dir.resolve((String) resource).normalize();
      objects.addAll(Files.isDirectory(path) ? render(path) : documents(path));
    }
    for (Object entry : (List<Object>) kustomization.getOrDefault("patches", List.of())) {
      Path path = dir.resolve((String) ((Map<String, Object>) entry).get("path")).normalize();
      for (Map<String, Object> patch : documents(path)) {
        Map<String, Object> target =
            objects.stream()
                .filter(o -> Objects.equals(o.get("kind"), patch.get("kind")))
                .filter(o -> Objects.equals(name(o), name(patch)))
                .findFirst()
                .orElseThrow(
                    () -> new IllegalArgumentException(path + ": patches nothing rendered"));
        merge(target, patch);
      }
    }
    for (Object image : (List<Object>) kustomization.getOrDefault("images", List.of())) {
      setImage(objects, (Map<String, Object>) image);
    }
    Object namespace = kustomization.get("namespace");
    if (namespace != null) {
      objects.forEach(o -> metadata(o).put("namespace", namespace));
    }
    return objects;
  }

  static String name(Map<String, Object> object) {
    return (String) metadata(object).get("name");
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> metadata(Map<String, Object> object) {
    return (Map<String, Object>) object.computeIfAbsent("metadata", k -> new LinkedHashMap<>());
  }

  /** JSON merge (null removes), with lists of named maps merged by name. */
  @SuppressWarnings("unchecked")
  static void merge(Map<String, Object> target, Map<String, Object> patch) {
    patch.forEach(
        (key, value) -> {
          Object current = target.get(key);
          if (value == null) {
            target.remove(key);
          } else if (current instanceof Map && value instanceof Map) {
            merge((Map<String, Object>) current, (Map<String, Object>) value);
          } else if (named(current) && named(value)) {
            mergeByName((List<Map<String, Object>>) current, (List<Map<String, Object>>) value);
          } else {
            target.put(key, value);
          }
        });
  }

  private static boolean named(Object value) {
    return value instanceof List<?> list
        && !list.isEmpty()
        && list.stream().allMatch(item -> item instanceof Map<?, ?> m && m.get("name") != null);
  }

  private static void mergeByName(
      List<Map<String, Object>> current, List<Map<String, Object>> patch) {
    for (Map<String, Object> item : patch) {
      current.stream()
          .filter(existing -> existing.get("name").equals(item.get("name")))
          .findFirst()
          .ifPresentOrElse(existing -> merge(existing, item), () -> current.add(item));
    }
  }

  /** kustomize's images: a container image named {@code name} gets newName and newTag. */
  @SuppressWarnings("unchecked")
  private static void setImage(List<Map<String, Object>> objects, Map<String, Object> image) {
    for (Map<String, Object> object : objects) {
      Map<String, Object> spec = (Map<String, Object>) object.get("spec");
      Map<String, Object> template =
          spec == null ? null : (Map<String, Object>) spec.get("template");
      if (template == null) {
        continue;
      }
      Map<String, Object> podSpec = (Map<String, Object>) template.get("spec");
      for (String list : List.of("initContainers", "containers")) {
        for (Map<String, Object> container :
            (List<Map<String, Object>>) podSpec.getOrDefault(list, List.of())) {
          String current = (String) container.get("image");
          String bare = current.replaceAll("[:@].*$", "");
          if (bare.equals(image.get("name"))) {
            String name = (String) image.getOrDefault("newName", bare);
            Object tag = image.get("newTag");
            container.put("image", tag == null ? name : name + ":" + tag);
          }
        }
      }
    }
  }
}
