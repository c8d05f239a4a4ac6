package io.countersign.evidencecheck;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Reads an evidence file as its thresholds' format says (a k6 summary, a JUnit XML report, a SARIF
 * log, a Flyway info result) and checks it against them. Bad content never throws: it is an
 * unreadable {@link Reading}; only a policy mistake (an unknown format or severity name) does.
 */
public final class EvidenceReaders {

  /**
   * Strict on purpose: a duplicated member or text after the document would let two readers of the
   * same evidence see different figures.
   */
  private static final ObjectMapper json =
      JsonMapper.builder()
          .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .build();

  private static final int MAX_REASON_LENGTH = 160;

  private EvidenceReaders() {}

  /**
   * Reads {@code content} as {@code thresholds.format()} says and checks it. {@code "none"} passes
   * with no figures. Content that is not valid for the format gives {@link Reading#unreadable}
   * ("not a k6 summary: …", "not a JUnit report: …", "not a SARIF log: …", "not a Flyway info
   * result: …").
   *
   * @throws IllegalArgumentException for an unknown format (or, for SARIF, an unknown {@code
   *     failAtSeverity}, for Flyway info an invalid {@code minSchemaVersion})
   */
  public static Reading read(byte[] content, Thresholds thresholds) {
    Objects.requireNonNull(thresholds, "thresholds");
    byte[] bytes = content == null ? new byte[0] : content;
    String format = thresholds.format();
    if (format == null) {
      throw new IllegalArgumentException("the thresholds name no evidence format");
    }
    return switch (format) {
      case "none" -> new Reading(true, Map.of(), List.of());
      case "k6-summary" -> K6Summary.read(bytes, thresholds);
      case "junit" -> JUnitReport.read(bytes, thresholds);
      case "sarif" -> SarifReport.read(bytes, thresholds);
      case "flyway-info" -> FlywayInfo.read(bytes, thresholds);
      default ->
          throw new IllegalArgumentException(
              "unknown evidence format \""
                  + format
                  + "\" (k6-summary, junit, sarif, flyway-info or none)");
    };
  }

  /**
   * Nothing but whitespace (or a byte order mark): the readers say "empty" rather than a parser
   * error.
   */
  static boolean isBlank(byte[] content) {
    for (int i = 0; i < content.length; i++) {
      int b = content[i] & 0xff;
      boolean bom = i <= 2 && (b == 0xef || b == 0xbb || b == 0xbf);
      if (!bom && b != ' ' && b != '\t' && b != '\r' && b != '\n') {
        return false;
      }
    }
    return true;
  }

  /** The JSON tree, or an {@link IOException} saying briefly why the bytes are not JSON. */
  static JsonNode parseJson(byte[] content) throws IOException {
    return json.readTree(content);
  }

  /** A file read as a JSON object: the object, or the unreadable reading that says why not. */
  record JsonFile(JsonNode root, Reading unreadable) {}

  /**
   * The file's top-level JSON object, or why it is none: empty, not JSON, or another JSON value.
   *
   * @param not the reader's prefix, e.g. "not a k6 summary: "
   */
  static JsonFile jsonObject(byte[] content, String not) {
    if (isBlank(content)) {
      return new JsonFile(null, Reading.unreadable(not + "the file is empty"));
    }
    JsonNode root;
    try {
      root = parseJson(content);
    } catch (IOException invalid) {
      return new JsonFile(null, Reading.unreadable(not + notJson(invalid)));
    }
    if (root == null || !root.isObject()) {
      return new JsonFile(null, Reading.unreadable(not + "the top level is not a JSON object"));
    }
    return new JsonFile(root, null);
  }

  /** "not JSON (line L, column C: what the parser said)", short enough for a failure sentence. */
  static String notJson(IOException invalid) {
    if (invalid instanceof JsonProcessingException processing) {
      JsonLocation at = processing.getLocation();
      String where =
          at == null ? "" : "line " + at.getLineNr() + ", column " + at.getColumnNr() + ": ";
      return "not JSON (" + where + shorten(processing.getOriginalMessage()) + ")";
    }
    return "not JSON (" + shorten(invalid.getMessage()) + ")";
  }

  /** The first line of a parser's message, cut to a length that fits a failure sentence. */
  static String shorten(String message) {
    if (message == null || message.isBlank()) {
      return "no detail";
    }
    String line = message.strip().lines().findFirst().orElse("").strip();
    return line.length() <= MAX_REASON_LENGTH ? line : line.substring(0, MAX_REASON_LENGTH) + "…";
  }

  /**
   * A finite number from a JSON number node; null for anything else (absent, null, text, 1e999).
   */
  static Double finite(JsonNode node) {
    if (node == null || !node.isNumber()) {
      return null;
    }
    double value = node.doubleValue();
    return Double.isFinite(value) ? value : null;
  }

  /** A figure for the evidence log: whole numbers as longs, so 1000 VUs is not "1000.0". */
  static Number figure(double value) {
    if (value == Math.rint(value) && Math.abs(value) < 1e15) {
      return (long) value;
    }
    return value;
  }

  /** A number as a person writes it: 200 not 200.0, 0.0001 not 1.0E-4. */
  static String plain(double value) {
    return BigDecimal.valueOf(value).stripTrailingZeros().toPlainString();
  }

  /** A rate as a percentage: 0.0012 is "0.12 %". */
  static String percent(double rate) {
    return BigDecimal.valueOf(rate).movePointRight(2).stripTrailingZeros().toPlainString() + " %";
  }
}
