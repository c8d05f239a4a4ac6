package io.countersign.verification;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The few JSON paths a health check needs: {@code $.status}, {@code $.components.db.status}, {@code
 * $.checks[0].state}. The manifest's pattern admits nothing else, so no general JSONPath engine is
 * needed.
 */
final class JsonField {
  private static final Pattern SEGMENT = Pattern.compile("\\.([A-Za-z0-9_-]+)|\\[([0-9]+)]");

  private JsonField() {}

  /** The node at {@code path}, or null when the document has nothing there. */
  static JsonNode at(JsonNode root, String path) {
    if (!path.startsWith("$")) {
      throw new IllegalArgumentException("a JSON path starts with $: " + path);
    }
    JsonNode node = root;
    Matcher m = SEGMENT.matcher(path);
    int position = 1;
    while (position < path.length()) {
      if (!m.find(position) || m.start() != position) {
        throw new IllegalArgumentException("not a JSON path of fields and indexes: " + path);
      }
      node = m.group(1) != null ? node.get(m.group(1)) : node.get(Integer.parseInt(m.group(2)));
      if (node == null || node.isMissingNode()) {
        return null;
      }
      position = m.end();
    }
    return node;
  }

  /**
   * How a value compares with the manifest's expected text: strings as they are, numbers and
   * booleans as written.
   */
  static String text(JsonNode node) {
    return node.isValueNode() ? node.asText() : node.toString();
  }
}
