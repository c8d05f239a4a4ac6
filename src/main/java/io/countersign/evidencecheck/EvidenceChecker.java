package io.countersign.evidencecheck;

import io.countersign.manifest.ReleaseManifest.EvidenceItem;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Checks one evidence item: fetches it through the source, recomputes its SHA-256 and compares it
 * with the digest the release lists (the one the approvers sign), then reads it against the
 * policy's thresholds. A file whose digest differs is never read: what it says is not what was
 * signed.
 */
public final class EvidenceChecker {
  private final EvidenceSource source;
  private final long maxBytes;

  public EvidenceChecker(EvidenceSource source, long maxBytes) {
    this.source = source;
    this.maxBytes = maxBytes;
  }

  /** How the item fared: passed, failed or not checked (dry-run), with what was measured. */
  public record Verdict(
      String type,
      String location,
      String expectedSha256,
      String computedSha256,
      Long bytes,
      Thresholds thresholds,
      String outcome,
      Map<String, Object> figures,
      List<String> failures,
      boolean retryable) {
    public static final String PASSED = "passed";
    public static final String FAILED = "failed";
    public static final String NOT_CHECKED = "not-checked";

    public boolean passed() {
      return !FAILED.equals(outcome);
    }

    /** For the evidence log. */
    public Map<String, Object> asMap() {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("type", type);
      m.put("location", location);
      m.put("sha256", expectedSha256);
      m.put("computedSha256", computedSha256);
      m.put("bytes", bytes);
      m.put("format", thresholds.format());
      m.put("thresholds", thresholds.asMap());
      m.put("outcome", outcome);
      m.put("figures", figures);
      m.put("failures", failures);
      return m;
    }

    /** One line for the sign-off form. */
    public String line() {
      StringBuilder s = new StringBuilder("- ").append(type).append(": ");
      switch (outcome) {
        case PASSED ->
            s.append("passed (sha256 ")
                .append(expectedSha256)
                .append(" matches, ")
                .append(bytes)
                .append(" bytes")
                .append(figures.isEmpty() ? "" : "; " + describe(figures))
                .append(')');
        case NOT_CHECKED ->
            s.append("NOT CHECKED (evidence source in dry-run): would fetch ")
                .append(location)
                .append(", compare sha256 ")
                .append(expectedSha256)
                .append(
                    "none".equals(thresholds.format())
                        ? ""
                        : " and read it as " + thresholds.format() + " " + thresholds.asMap());
        default -> s.append("FAILED: ").append(String.join("; ", failures));
      }
      s.append("\n  ").append(location);
      return s.toString();
    }
  }

  /** The source's mode, for the evidence: {@code live} or {@code dry-run}. */
  public String mode() {
    return source.mode();
  }

  /**
   * The thresholds the policy's {@code evidenceChecks} decision gave for a type (its outputs by
   * name); none (digest only) when it gave nothing, as for a release submitted before the decision
   * existed.
   */
  public static Thresholds thresholds(Map<String, Object> outputs) {
    if (outputs == null || outputs.get("format") == null) {
      return Thresholds.NONE;
    }
    return new Thresholds(
        (String) outputs.get("format"),
        number(outputs.get("p95MaxMs")),
        number(outputs.get("errorRateMax")),
        number(outputs.get("checksMinRate")),
        whole(outputs.get("minVus")),
        whole(outputs.get("minTests")),
        (String) outputs.get("failAtSeverity"),
        (String) outputs.get("minSchemaVersion"));
  }

  private static Double number(Object value) {
    return value == null ? null : ((Number) value).doubleValue();
  }

  private static Integer whole(Object value) {
    return value == null ? null : ((Number) value).intValue();
  }

  /** Why an item failed, in one line: its type and each reason. */
  public static String reason(Verdict verdict) {
    return verdict.type() + " " + String.join("; ", verdict.failures());
  }

  /** The evidence as the sign-off form shows it: one entry per item, then what is missing. */
  public static String lines(List<Verdict> verdicts, List<String> missing) {
    List<String> lines = new ArrayList<>();
    verdicts.forEach(v -> lines.add(v.line()));
    missing.forEach(type -> lines.add("- " + type + ": MISSING (the policy requires it)"));
    return lines.isEmpty() ? "(none attached)" : String.join("\n", lines);
  }

  /**
   * The evidence as the sign-off form's text view shows it (Markdown, which form-js renders and
   * sanitizes): per item its verdict, its full location and its full SHA-256. An {@code https://}
   * location is a link that opens in a new tab, so the approver leaves no form half-filled; an
   * {@code s3://} location is no browser link and is shown as code. Everything that came from the
   * manifest or the evidence file is escaped: it shows as written and forms no markup.
   */
  public static String details(List<Verdict> verdicts, List<String> missing) {
    List<String> blocks = new ArrayList<>();
    for (Verdict v : verdicts) {
      String outcome = v.line().substring(("- " + v.type() + ": ").length());
      outcome = outcome.substring(0, outcome.lastIndexOf("\n  "));
      blocks.add(
          "**"
              + text(v.type())
              + "**: "
              + text(outcome)
              + "\n\n- Location: "
              + location(v.location())
              + "\n- SHA-256: `"
              + v.expectedSha256()
              + "`");
    }
    missing.forEach(type -> blocks.add("**" + text(type) + "**: MISSING (the policy requires it)"));
    return blocks.isEmpty() ? "(none attached)" : String.join("\n\n", blocks);
  }

  private static String location(String location) {
    if (location.startsWith("https://")) {
      return "<a href=\""
          + attribute(location)
          + "\" target=\"_blank\" rel=\"noopener\">"
          + text(location)
          + "</a>";
    }
    // s3:// keys have no backtick (Patterns.EVIDENCE_LOCATION), so a code span holds them as is.
    return location.contains("`") ? text(location) : "`" + location + "`";
  }

  /** Markdown text that renders as written: punctuation escaped, HTML's specials as entities. */
  static String text(String raw) {
    StringBuilder s = new StringBuilder();
    for (char c : raw.toCharArray()) {
      if ("\\`*_{}[]()#+-.!|~".indexOf(c) >= 0) {
        s.append('\\').append(c);
      } else {
        s.append(
            switch (c) {
              case '&' -> "&amp;";
              case '<' -> "&lt;";
              case '>' -> "&gt;";
              case '"' -> "&quot;";
              case '\'' -> "&#39;";
              case '\n' -> " ";
              default -> String.valueOf(c);
            });
      }
    }
    return s.toString();
  }

  private static String attribute(String raw) {
    return raw.replace("&", "&amp;").replace("\"", "&quot;").replace("'", "&#39;");
  }

  public Verdict check(EvidenceItem item, Thresholds thresholds) {
    String expected = item.sha256().toLowerCase(Locale.ROOT);
    Optional<byte[]> content;
    try {
      content = source.fetch(item.location(), maxBytes);
    } catch (EvidenceSource.Unavailable unavailable) {
      return verdict(
          item,
          null,
          null,
          thresholds,
          Verdict.FAILED,
          Map.of(),
          List.of("unreachable: " + unavailable.getMessage()),
          unavailable.transientFailure());
    }
    if (content.isEmpty()) {
      return verdict(item, null, null, thresholds, Verdict.NOT_CHECKED, Map.of(), List.of(), false);
    }
    byte[] bytes = content.get();
    String actual = sha256(bytes);
    if (!actual.equals(expected)) {
      return verdict(
          item,
          actual,
          (long) bytes.length,
          thresholds,
          Verdict.FAILED,
          Map.of(),
          List.of(
              "sha256 mismatch: the file's digest is "
                  + actual
                  + ", the release lists "
                  + expected),
          false);
    }
    Reading reading;
    try {
      reading = EvidenceReaders.read(bytes, thresholds);
    } catch (IllegalArgumentException policyMistake) {
      // A format or severity the readers do not know is the policy's mistake: the file is held
      // unread rather than passed, and the reason says what to fix.
      reading = Reading.unreadable("release policy evidenceChecks: " + policyMistake.getMessage());
    }
    List<String> failures = new ArrayList<>(reading.failures());
    return verdict(
        item,
        actual,
        (long) bytes.length,
        thresholds,
        reading.passed() ? Verdict.PASSED : Verdict.FAILED,
        reading.figures(),
        failures,
        false);
  }

  private static Verdict verdict(
      EvidenceItem item,
      String actual,
      Long bytes,
      Thresholds thresholds,
      String outcome,
      Map<String, Object> figures,
      List<String> failures,
      boolean retryable) {
    return new Verdict(
        item.type(),
        item.location(),
        item.sha256().toLowerCase(Locale.ROOT),
        actual,
        bytes,
        thresholds,
        outcome,
        figures,
        List.copyOf(failures),
        retryable);
  }

  static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException missing) {
      throw new IllegalStateException(missing);
    }
  }

  /** Figures as {@code name value, …}, lists of names left out (they are in the evidence). */
  static String describe(Map<String, Object> figures) {
    List<String> parts = new ArrayList<>();
    figures.forEach(
        (name, value) -> {
          if (!(value instanceof List<?>) && !(value instanceof Map<?, ?>)) {
            parts.add(name + " " + value);
          } else if (value instanceof Map<?, ?> map && !map.isEmpty()) {
            parts.add(name + " " + map);
          }
        });
    return String.join(", ", parts);
  }
}
