package io.countersign.evidencecheck;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * A SARIF 2.1.0 log from a security scanner (CodeQL, Semgrep, Trivy, ESLint's SARIF formatter).
 * Each result's severity is GitHub's reading of {@code security-severity} (on the result, else on
 * its rule) where there is one, else its SARIF {@code level} (on the result, else the rule's
 * default, else "warning"). Suppressed results, results that are no longer present ({@code
 * baselineState: "absent"}), results whose {@code kind} is not "fail", and level "none" do not
 * count.
 */
final class SarifReport {
  private static final String NOT = "not a SARIF log: ";
  private static final int MAX_FINDINGS = 10;

  /** Least to most severe; the ordinal is the rank. */
  enum Severity {
    LOW,
    MEDIUM,
    HIGH,
    CRITICAL;

    String label() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  private record Finding(String ruleId, Severity severity, String where) {
    String line() {
      return ruleId + " " + severity.label() + " " + where;
    }
  }

  private SarifReport() {}

  static Reading read(byte[] content, Thresholds t) {
    // A policy mistake, not the file's: refused whatever the file holds.
    Severity failAt = t.failAtSeverity() == null ? null : severity(t.failAtSeverity());
    EvidenceReaders.JsonFile file = EvidenceReaders.jsonObject(content, NOT);
    if (file.unreadable() != null) {
      return file.unreadable();
    }
    JsonNode root = file.root();
    JsonNode version = root.get("version");
    if (version == null || !version.isTextual()) {
      return Reading.unreadable(NOT + "it has no \"version\"");
    }
    if (!version.textValue().equals("2.1.0")) {
      return Reading.unreadable(
          NOT + "version \"" + EvidenceReaders.shorten(version.textValue()) + "\", not 2.1.0");
    }
    JsonNode runs = root.get("runs");
    if (runs == null || !runs.isArray()) {
      return Reading.unreadable(NOT + "it has no \"runs\" array");
    }

    Map<Severity, Integer> counts = new LinkedHashMap<>();
    for (Severity severity : Severity.values()) {
      counts.put(severity, 0);
    }
    Set<String> tools = new LinkedHashSet<>();
    List<Finding> findings = new ArrayList<>();
    List<String> incomplete = new ArrayList<>();
    int suppressed = 0;
    int ignored = 0;
    for (int r = 0; r < runs.size(); r++) {
      JsonNode run = runs.get(r);
      String tool = run.path("tool").path("driver").path("name").asText("");
      String runName = "run " + (r + 1) + (tool.isEmpty() ? "" : " (" + tool + ")");
      if (!tool.isEmpty()) {
        tools.add(tool);
      }
      for (JsonNode invocation : run.path("invocations")) {
        if (invocation.path("executionSuccessful").isBoolean()
            && !invocation.path("executionSuccessful").booleanValue()) {
          incomplete.add(runName + " says its scan did not complete successfully");
          break;
        }
      }
      JsonNode results = run.get("results");
      if (results == null || !results.isArray()) {
        // SARIF: absent or null results mean the tool produced none, not that it found nothing.
        incomplete.add(runName + " has no results array, so it is no evidence of a scan");
        continue;
      }
      for (JsonNode result : results) {
        if (!result.isObject()) {
          continue;
        }
        if (isSuppressed(result)) {
          suppressed++;
          continue;
        }
        JsonNode rule = rule(run, result);
        Severity severity = severity(result, rule);
        if (severity == null || "absent".equals(result.path("baselineState").asText())) {
          ignored++;
          continue;
        }
        counts.merge(severity, 1, Integer::sum);
        findings.add(new Finding(ruleId(result, rule), severity, location(run, result)));
      }
    }

    Map<String, Object> perSeverity = new LinkedHashMap<>();
    for (int i = Severity.values().length - 1; i >= 0; i--) {
      Severity severity = Severity.values()[i];
      perSeverity.put(severity.label(), counts.get(severity));
    }
    List<Finding> failing = new ArrayList<>();
    if (failAt != null) {
      for (Finding finding : findings) {
        if (finding.severity().compareTo(failAt) >= 0) {
          failing.add(finding);
        }
      }
      // Most severe first, file order within a severity (the sort is stable).
      failing.sort(Comparator.comparing(Finding::severity).reversed());
    }

    Map<String, Object> figures = new LinkedHashMap<>();
    figures.put("findings", Collections.unmodifiableMap(perSeverity));
    figures.put("suppressed", suppressed);
    figures.put("ignored", ignored);
    figures.put("tools", List.copyOf(tools));
    figures.put(
        "failingFindings", failing.stream().limit(MAX_FINDINGS).map(Finding::line).toList());

    if (!incomplete.isEmpty()) {
      figures.put("incomplete", List.copyOf(incomplete));
    }

    // Without a severity to fail at the policy asks for the figures only, so nothing fails.
    List<String> failures = new ArrayList<>();
    if (failAt != null) {
      failures.addAll(incomplete);
    }
    if (!failing.isEmpty()) {
      failures.add(
          (failing.size() == 1 ? "1 finding" : failing.size() + " findings")
              + " at "
              + failAt.label()
              + " severity or above"
              + (failing.size() == 1 ? ": " : ", the most severe ")
              + failing.get(0).line());
    }
    return Reading.of(figures, failures);
  }

  private static Severity severity(String name) {
    for (Severity severity : Severity.values()) {
      if (severity.label().equals(name.strip().toLowerCase(Locale.ROOT))) {
        return severity;
      }
    }
    throw new IllegalArgumentException(
        "unknown failAtSeverity \"" + name + "\" (critical, high, medium or low)");
  }

  /**
   * Suppressed as the SARIF guidance reads it: a non-empty {@code suppressions} array none of whose
   * entries is still under review or rejected (an entry without a status is accepted).
   */
  private static boolean isSuppressed(JsonNode result) {
    JsonNode suppressions = result.path("suppressions");
    if (!suppressions.isArray() || suppressions.isEmpty()) {
      return false;
    }
    for (JsonNode suppression : suppressions) {
      String status = suppression.path("status").asText("accepted");
      if (status.equals("underReview") || status.equals("rejected")) {
        return false;
      }
    }
    return true;
  }

  /** The severity that counts, or null for a result that is not a finding. */
  private static Severity severity(JsonNode result, JsonNode rule) {
    JsonNode kind = result.path("kind");
    if (kind.isTextual() && !kind.textValue().equals("fail")) {
      return null; // pass, review, informational, notApplicable, open: not a problem found
    }
    Double score = securitySeverity(result);
    if (score == null) {
      score = securitySeverity(rule);
    }
    // A score of 0 (Trivy writes 0.0 for UNKNOWN) ranks nothing: the level decides.
    if (score != null && score > 0) {
      if (score >= 9.0) {
        return Severity.CRITICAL;
      } else if (score >= 7.0) {
        return Severity.HIGH;
      } else if (score >= 4.0) {
        return Severity.MEDIUM;
      }
      return Severity.LOW;
    }
    String level = result.path("level").asText("");
    if (level.isEmpty()) {
      level = rule.path("defaultConfiguration").path("level").asText("");
    }
    return switch (level) {
      case "error" -> Severity.HIGH;
      case "note" -> Severity.LOW;
      case "none" -> null;
      default -> Severity.MEDIUM; // "warning", SARIF's default, and anything unrecognised
    };
  }

  /** GitHub's {@code properties["security-severity"]}: a numeric string (or a number). */
  private static Double securitySeverity(JsonNode holder) {
    JsonNode value = holder.path("properties").path("security-severity");
    if (value.isNumber()) {
      return EvidenceReaders.finite(value);
    }
    if (value.isTextual()) {
      try {
        double parsed = Double.parseDouble(value.textValue().strip());
        return Double.isFinite(parsed) ? parsed : null;
      } catch (NumberFormatException notANumber) {
        return null;
      }
    }
    return null;
  }

  /**
   * The result's rule: in the tool component {@code rule.toolComponent.index} names (CodeQL keeps
   * its queries in {@code tool.extensions}), else the driver, by index where given and matching,
   * else by id; a missing node when there is none.
   */
  private static JsonNode rule(JsonNode run, JsonNode result) {
    JsonNode tool = run.path("tool");
    JsonNode reference = result.path("rule");
    String id = ruleIdOf(result);
    int index = result.path("ruleIndex").asInt(reference.path("index").asInt(-1));
    JsonNode component = tool.path("driver");
    JsonNode componentIndex = reference.path("toolComponent").path("index");
    if (componentIndex.canConvertToInt()) {
      component = tool.path("extensions").path(componentIndex.intValue());
    }
    JsonNode rules = component.path("rules");
    if (index >= 0 && index < rules.size()) {
      JsonNode indexed = rules.get(index);
      if (id.isEmpty() || id.equals(indexed.path("id").asText())) {
        return indexed;
      }
    }
    if (!id.isEmpty()) {
      List<JsonNode> components = new ArrayList<>();
      components.add(tool.path("driver"));
      tool.path("extensions").forEach(components::add);
      for (JsonNode candidate : components) {
        for (JsonNode rule : candidate.path("rules")) {
          if (id.equals(rule.path("id").asText())) {
            return rule;
          }
        }
      }
    }
    return MissingNode.getInstance();
  }

  private static String ruleIdOf(JsonNode result) {
    String id = result.path("ruleId").asText("");
    return id.isEmpty() ? result.path("rule").path("id").asText("") : id;
  }

  private static String ruleId(JsonNode result, JsonNode rule) {
    String id = ruleIdOf(result);
    if (id.isEmpty()) {
      id = rule.path("id").asText("");
    }
    return id.isEmpty() ? "(no rule id)" : id;
  }

  /** "file:line" of the first location, the file found through run.artifacts when only indexed. */
  private static String location(JsonNode run, JsonNode result) {
    JsonNode physical = result.path("locations").path(0).path("physicalLocation");
    JsonNode artifact = physical.path("artifactLocation");
    String uri = artifact.path("uri").asText("");
    if (uri.isEmpty() && artifact.path("index").canConvertToInt()) {
      uri =
          run.path("artifacts")
              .path(artifact.path("index").intValue())
              .path("location")
              .path("uri")
              .asText("");
    }
    if (uri.isEmpty()) {
      return "(no location)";
    }
    JsonNode line = physical.path("region").path("startLine");
    return line.canConvertToInt() ? uri + ":" + line.intValue() : uri;
  }
}
