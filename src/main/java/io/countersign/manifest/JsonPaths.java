package io.countersign.manifest;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.databind.JsonMappingException;
import jakarta.validation.ElementKind;
import jakarta.validation.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * JSONPath strings (RFC 9535 normalized form, with the dot shorthand where a name allows it) for
 * the places a request body can be wrong: {@code $}, {@code $.lambda.functions[1].name}, {@code
 * $['odd key']}.
 */
public final class JsonPaths {
  public static final String ROOT = "$";

  private static final Pattern SHORTHAND = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
  private static final Pattern SEGMENT =
      Pattern.compile("\\.([A-Za-z_][A-Za-z0-9_]*)|\\[(\\d+)]|\\['((?:[^'\\\\]|\\\\.)*)']");
  private static final Pattern BINDING_SEGMENT = Pattern.compile("([^.\\[\\]]+)|\\[([^]]*)]");

  /** Orders paths as a reader walks the document: parents first, array items by index. */
  public static final Comparator<String> ORDER = JsonPaths::compare;

  private JsonPaths() {}

  static String field(String parent, String name) {
    if (SHORTHAND.matcher(name).matches()) {
      return parent + "." + name;
    }
    return parent + "['" + name.replace("\\", "\\\\").replace("'", "\\'") + "']";
  }

  static String index(String parent, int index) {
    return parent + "[" + index + "]";
  }

  static boolean isWithin(String path, String ancestor) {
    return path.equals(ancestor)
        || path.startsWith(ancestor + ".")
        || path.startsWith(ancestor + "[");
  }

  /** Where a streaming parser stands, e.g. at a duplicate key. */
  public static String of(JsonStreamContext context) {
    Deque<JsonStreamContext> chain = new ArrayDeque<>();
    for (JsonStreamContext c = context; c != null && !c.inRoot(); c = c.getParent()) {
      chain.push(c);
    }
    String path = ROOT;
    for (JsonStreamContext c : chain) {
      if (c.inArray()) {
        path = index(path, Math.max(c.getCurrentIndex(), 0));
      } else if (c.getCurrentName() != null) {
        path = field(path, c.getCurrentName());
      }
    }
    return path;
  }

  /**
   * Where a parser with strict duplicate detection found a key twice; null when the error is
   * another one.
   */
  public static String ofDuplicateKey(JsonParseException e) {
    // Jackson has no own exception type for a repeated key, only this message (DupDetector).
    if (e.getOriginalMessage() != null
        && e.getOriginalMessage().startsWith("Duplicate field ")
        && e.getProcessor() != null) {
      return of(e.getProcessor().getParsingContext());
    }
    return null;
  }

  /**
   * A Bean Validation property path: {@code lambda.functions[1].name}, or {@code evidence[0]} for
   * element constraints.
   */
  public static String of(Path propertyPath) {
    String path = ROOT;
    for (Path.Node node : propertyPath) {
      if (node.isInIterable() && node.getIndex() != null) {
        path = index(path, node.getIndex());
      }
      if (node.getKind() == ElementKind.PROPERTY) {
        path = field(path, node.getName());
      }
    }
    return path;
  }

  /** Where Jackson's data binding failed. */
  public static String of(List<JsonMappingException.Reference> references) {
    String path = ROOT;
    for (JsonMappingException.Reference ref : references) {
      if (ref.getIndex() >= 0) {
        path = index(path, ref.getIndex());
      } else if (ref.getFieldName() != null) {
        path = field(path, ref.getFieldName());
      }
    }
    return path;
  }

  /** A Spring binding field such as {@code items[0].name}. */
  public static String ofBindingField(String field) {
    String path = ROOT;
    Matcher m = BINDING_SEGMENT.matcher(field);
    while (m.find()) {
      if (m.group(1) != null) {
        path = field(path, m.group(1));
      } else if (m.group(2).matches("\\d+")) {
        path = index(path, Integer.parseInt(m.group(2)));
      } else {
        path = field(path, m.group(2));
      }
    }
    return path;
  }

  private static int compare(String a, String b) {
    List<String> left = segments(a);
    List<String> right = segments(b);
    for (int i = 0; i < Math.min(left.size(), right.size()); i++) {
      String x = left.get(i);
      String y = right.get(i);
      int c =
          isIndex(x) && isIndex(y)
              ? Long.compare(Long.parseLong(x), Long.parseLong(y))
              : x.compareTo(y);
      if (c != 0) {
        return c;
      }
    }
    int c = Integer.compare(left.size(), right.size());
    return c != 0 ? c : a.compareTo(b);
  }

  private static List<String> segments(String path) {
    List<String> segments = new ArrayList<>();
    Matcher m = SEGMENT.matcher(path);
    while (m.find()) {
      segments.add(
          m.group(1) != null
              ? "." + m.group(1)
              : m.group(2) != null ? m.group(2) : "." + m.group(3));
    }
    return segments;
  }

  private static boolean isIndex(String segment) {
    return !segment.startsWith(".");
  }
}
