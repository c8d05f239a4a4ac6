package io.countersign.release;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.countersign.process.ManifestStore;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import org.springframework.stereotype.Component;

/**
 * What a release changes against the release running in its environment before it: the two signed
 * manifests compared field by field, so an approver sees which versions, images, functions,
 * artifacts and migrations differ instead of reading two manifests side by side.
 */
@Component
class ReleaseDiff {
  /**
   * Fields that name an element of a list: a function, a workload, a container, a check. Lists of
   * such elements are compared by that name, not by position, so adding one shows one addition.
   */
  private static final List<String> NAME_FIELDS = List.of("name", "id", "type", "location");

  private final ReleaseRepository releases;
  private final ManifestStore manifests;
  private final ObjectMapper json;

  ReleaseDiff(ReleaseRepository releases, ManifestStore manifests, ObjectMapper json) {
    this.releases = releases;
    this.manifests = manifests;
    this.json = json;
  }

  record Against(String id, String version, String status, Instant releasedAt) {}

  /** One field: {@code before} null when added, {@code after} null when removed. */
  record Change(String path, String before, String after) {}

  record Diff(String releaseId, Against against, List<Change> changes) {}

  Diff of(ReleaseRepository.ReleaseRow release) {
    Optional<ReleaseRepository.ReleaseRow> previous = releases.releasedBefore(release);
    if (previous.isEmpty()) {
      return new Diff(release.id(), null, List.of());
    }
    ReleaseRepository.ReleaseRow before = previous.get();
    Map<String, String> was = flatten(manifest(before.id()));
    Map<String, String> now = flatten(manifest(release.id()));
    List<Change> changes = new ArrayList<>();
    TreeSet<String> paths = new TreeSet<>(was.keySet());
    paths.addAll(now.keySet());
    for (String path : paths) {
      String a = was.get(path);
      String b = now.get(path);
      if (a == null || !a.equals(b)) {
        changes.add(new Change(path, a, b));
      }
    }
    return new Diff(
        release.id(),
        new Against(before.id(), before.version(), before.status(), before.updatedAt()),
        changes);
  }

  private JsonNode manifest(String releaseId) {
    try {
      return json.readTree(manifests.canonicalText(releaseId));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("the stored manifest of " + releaseId + " is not JSON", e);
    }
  }

  /** Every leaf as {@code a.b[name].c} → its text, in path order. */
  static Map<String, String> flatten(JsonNode manifest) {
    Map<String, String> leaves = new TreeMap<>();
    flatten("", manifest, leaves);
    return leaves;
  }

  private static void flatten(String path, JsonNode node, Map<String, String> leaves) {
    if (node.isObject()) {
      for (Iterator<Map.Entry<String, JsonNode>> fields = node.fields(); fields.hasNext(); ) {
        Map.Entry<String, JsonNode> field = fields.next();
        flatten(
            path.isEmpty() ? field.getKey() : path + "." + field.getKey(),
            field.getValue(),
            leaves);
      }
    } else if (node.isArray()) {
      for (int i = 0; i < node.size(); i++) {
        flatten(path + "[" + key(node.get(i), i) + "]", node.get(i), leaves);
      }
    } else if (!node.isNull()) {
      leaves.put(path, node.asText());
    }
  }

  private static String key(JsonNode element, int index) {
    if (element.isObject()) {
      for (String field : NAME_FIELDS) {
        if (element.path(field).isTextual()) {
          return element.get(field).asText();
        }
      }
    }
    return Integer.toString(index);
  }
}
