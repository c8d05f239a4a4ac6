package io.countersign.manifest;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;

/**
 * The JSON Canonicalization Scheme of RFC 8785: object members sorted by their names' UTF-16 code
 * units, no whitespace, strings with only the escapes JSON requires, numbers as ECMAScript prints
 * an IEEE 754 double. A manifest's digest is the SHA-256 of this text's UTF-8 bytes, so anyone can
 * recompute it with any RFC 8785 implementation.
 */
public final class CanonicalJson {
  private static final BigDecimal TWO_TO_53 = BigDecimal.valueOf(9007199254740992L);

  private CanonicalJson() {}

  /**
   * @throws IllegalArgumentException naming the JSON path of a value JCS cannot represent (NaN,
   *     infinities, strings with unpaired surrogates)
   */
  public static String of(JsonNode node) {
    StringBuilder out = new StringBuilder();
    write(node, "$", out);
    return out.toString();
  }

  /** Lower-case hex SHA-256 of the text's UTF-8 bytes. */
  public static String sha256(String canonical) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256")
                  .digest(canonical.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
    }
  }

  private static void write(JsonNode node, String path, StringBuilder out) {
    switch (node.getNodeType()) {
      case OBJECT -> {
        List<String> names = new ArrayList<>();
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
          names.add(it.next());
        }
        names.sort(null); // String order is UTF-16 code unit order, as RFC 8785 asks
        out.append('{');
        for (int i = 0; i < names.size(); i++) {
          if (i > 0) {
            out.append(',');
          }
          string(names.get(i), path, out);
          out.append(':');
          write(node.get(names.get(i)), path + "." + names.get(i), out);
        }
        out.append('}');
      }
      case ARRAY -> {
        out.append('[');
        for (int i = 0; i < node.size(); i++) {
          if (i > 0) {
            out.append(',');
          }
          write(node.get(i), path + "[" + i + "]", out);
        }
        out.append(']');
      }
      case STRING -> string(node.textValue(), path, out);
      case NUMBER -> out.append(number(node, path));
      case BOOLEAN -> out.append(node.booleanValue());
      case NULL, MISSING -> out.append("null");
      default ->
          throw new IllegalArgumentException(path + ": binary and POJO values have no JSON form");
    }
  }

  private static void string(String s, String path, StringBuilder out) {
    out.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (Character.isHighSurrogate(c)
          && i + 1 < s.length()
          && Character.isLowSurrogate(s.charAt(i + 1))) {
        out.append(c).append(s.charAt(++i));
        continue;
      }
      if (Character.isSurrogate(c)) {
        throw new IllegalArgumentException(path + ": contains an unpaired UTF-16 surrogate");
      }
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\b' -> out.append("\\b");
        case '\f' -> out.append("\\f");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        default -> {
          if (c < 0x20) {
            out.append(String.format("\\u%04x", (int) c));
          } else {
            out.append(c);
          }
        }
      }
    }
    out.append('"');
  }

  private static String number(JsonNode node, String path) {
    if (node.isIntegralNumber()
        && node.bigIntegerValue().abs().compareTo(TWO_TO_53.toBigInteger()) <= 0) {
      return node.bigIntegerValue()
          .toString(); // exact in a double, printed without exponent below 1e21
    }
    double value = node.doubleValue();
    if (Double.isNaN(value) || Double.isInfinite(value)) {
      throw new IllegalArgumentException(path + ": NaN and infinite numbers have no JSON form");
    }
    return ecmaScript(value);
  }

  /**
   * ECMAScript's Number::toString for a finite double (ECMA-262, 7.1.12.1), as RFC 8785 requires.
   */
  static String ecmaScript(double value) {
    if (value == 0) {
      return "0"; // also for -0
    }
    if (value < 0) {
      return "-" + ecmaScript(-value);
    }
    BigDecimal shortest = shortest(value);
    String digits = shortest.unscaledValue().toString();
    int k = digits.length();
    int n = k - shortest.scale(); // value = digits × 10^(n−k)
    if (k <= n && n <= 21) {
      return digits + "0".repeat(n - k);
    }
    if (0 < n && n <= 21) {
      return digits.substring(0, n) + "." + digits.substring(n);
    }
    if (-6 < n && n <= 0) {
      return "0." + "0".repeat(-n) + digits;
    }
    String exponent = (n - 1 < 0 ? "-" : "+") + Math.abs(n - 1);
    return k == 1
        ? digits + "e" + exponent
        : digits.charAt(0) + "." + digits.substring(1) + "e" + exponent;
  }

  /**
   * The fewest significant digits that read back as the same double; of those, the closest to it.
   * Java 17's Double.toString is not always shortest, hence the search.
   */
  private static BigDecimal shortest(double value) {
    BigDecimal exact = new BigDecimal(value);
    for (int precision = 1; precision <= 17; precision++) {
      BigDecimal best = null;
      for (RoundingMode mode :
          new RoundingMode[] {RoundingMode.HALF_EVEN, RoundingMode.FLOOR, RoundingMode.CEILING}) {
        BigDecimal candidate = exact.round(new MathContext(precision, mode));
        if (candidate.doubleValue() == value
            && (best == null
                || candidate.subtract(exact).abs().compareTo(best.subtract(exact).abs()) < 0)) {
          best = candidate;
        }
      }
      if (best != null) {
        return best.stripTrailingZeros();
      }
    }
    throw new IllegalStateException("17 significant digits always identify a double");
  }
}
