package io.countersign.evidencecheck;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A k6 end-of-test summary, in either shape k6 writes: {@code k6 run --summary-export} (each
 * metric's statistics flat, a Rate's rate under {@code value}, thresholds as {@code true} when they
 * FAILED) or {@code handleSummary(data)} written with {@code JSON.stringify} (statistics under
 * {@code values}, a Rate's rate under {@code rate}, thresholds as {@code {"ok": bool}}). Durations
 * are milliseconds in both.
 */
final class K6Summary {
  private static final String NOT = "not a k6 summary: ";

  private K6Summary() {}

  static Reading read(byte[] content, Thresholds t) {
    EvidenceReaders.JsonFile file = EvidenceReaders.jsonObject(content, NOT);
    if (file.unreadable() != null) {
      return file.unreadable();
    }
    JsonNode root = file.root();
    JsonNode metrics = root.get("metrics");
    if (metrics == null || !metrics.isObject()) {
      return Reading.unreadable(NOT + "it has no \"metrics\" object");
    }

    Double p95 = EvidenceReaders.finite(stats(metrics, "http_req_duration").get("p(95)"));
    Double errorRate = rate(metrics, "http_req_failed");
    Double checksRate = rate(metrics, "checks");
    JsonNode vus = stats(metrics, "vus_max");
    // vus_max is a gauge: its last value, which for k6's executors is also its peak.
    Double vusMax = EvidenceReaders.finite(vus.has("value") ? vus.get("value") : vus.get("max"));
    Double requests = EvidenceReaders.finite(stats(metrics, "http_reqs").get("count"));

    Map<String, Object> figures = new LinkedHashMap<>();
    figures.put("shape", handleSummaryShape(root, metrics) ? "handleSummary" : "summary-export");
    putFigure(figures, "p95Ms", p95);
    putFigure(figures, "errorRate", errorRate);
    putFigure(figures, "checksRate", checksRate);
    putFigure(figures, "vusMax", vusMax);
    putFigure(figures, "requests", requests);
    Map<String, Object> k6Thresholds = k6Thresholds(metrics);
    if (!k6Thresholds.isEmpty()) {
      // Reported for the record only: the verdict is the release policy's, not the script's.
      figures.put("k6Thresholds", Collections.unmodifiableMap(k6Thresholds));
    }

    List<String> failures = new ArrayList<>();
    if (t.p95MaxMs() != null) {
      if (p95 == null) {
        failures.add("http_req_duration p(95) is missing");
      } else if (p95 > t.p95MaxMs()) {
        failures.add(
            "http_req_duration p(95) was "
                + EvidenceReaders.plain(p95)
                + " ms, above the "
                + EvidenceReaders.plain(t.p95MaxMs())
                + " ms allowed");
      }
    }
    if (t.errorRateMax() != null) {
      if (errorRate == null) {
        failures.add("http_req_failed rate is missing");
      } else if (errorRate > t.errorRateMax()) {
        failures.add(
            "http_req_failed rate was "
                + rateText(errorRate)
                + ", above the "
                + rateText(t.errorRateMax())
                + " allowed");
      }
    }
    if (t.checksMinRate() != null) {
      if (checksRate == null) {
        failures.add("checks pass rate is missing");
      } else if (checksRate < t.checksMinRate()) {
        failures.add(
            "checks pass rate was "
                + rateText(checksRate)
                + ", below the "
                + rateText(t.checksMinRate())
                + " required");
      }
    }
    if (t.minVus() != null) {
      if (vusMax == null) {
        failures.add("vus_max is missing");
      } else if (vusMax < t.minVus()) {
        failures.add(
            "vus_max was "
                + EvidenceReaders.plain(vusMax)
                + ", below the "
                + t.minVus()
                + " virtual users required");
      }
    }
    return Reading.of(figures, failures);
  }

  /**
   * A metric's statistics: its {@code values} object (handleSummary) or the metric itself (the
   * legacy export); a missing node when the metric is absent or not an object.
   */
  private static JsonNode stats(JsonNode metrics, String name) {
    JsonNode metric = metrics.get(name);
    if (metric == null || !metric.isObject()) {
      return MissingNode.getInstance();
    }
    JsonNode values = metric.get("values");
    return values != null && values.isObject() ? values : metric;
  }

  /** A Rate metric's rate: {@code values.rate} in handleSummary, {@code value} in the export. */
  private static Double rate(JsonNode metrics, String name) {
    JsonNode metric = metrics.get(name);
    if (metric == null || !metric.isObject()) {
      return null;
    }
    JsonNode values = metric.get("values");
    if (values != null && values.isObject()) {
      return EvidenceReaders.finite(values.get("rate"));
    }
    return EvidenceReaders.finite(metric.get("value"));
  }

  private static boolean handleSummaryShape(JsonNode root, JsonNode metrics) {
    if (root.has("state") || root.has("options")) {
      return true; // the legacy export deletes both
    }
    for (JsonNode metric : metrics) {
      if (metric.path("values").isObject()) {
        return true;
      }
    }
    return false;
  }

  /**
   * The script's own thresholds as the file reports them, "metric expression" to "passed" or
   * "failed". The legacy export inverts the boolean (true means the threshold FAILED), so words are
   * written rather than either shape's boolean.
   */
  private static Map<String, Object> k6Thresholds(JsonNode metrics) {
    Map<String, Object> results = new LinkedHashMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = metrics.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> metric = it.next();
      JsonNode thresholds = metric.getValue().path("thresholds");
      if (!thresholds.isObject()) {
        continue;
      }
      for (Iterator<Map.Entry<String, JsonNode>> th = thresholds.fields(); th.hasNext(); ) {
        Map.Entry<String, JsonNode> threshold = th.next();
        JsonNode result = threshold.getValue();
        Boolean ok = null;
        if (result.isObject() && result.path("ok").isBoolean()) {
          ok = result.get("ok").booleanValue();
        } else if (result.isBoolean()) {
          ok = !result.booleanValue();
        }
        if (ok != null) {
          results.put(metric.getKey() + " " + threshold.getKey(), ok ? "passed" : "failed");
        }
      }
    }
    return results;
  }

  private static void putFigure(Map<String, Object> figures, String name, Double value) {
    if (value != null) {
      figures.put(name, EvidenceReaders.figure(value));
    }
  }

  private static String rateText(double rate) {
    return EvidenceReaders.plain(rate) + " (" + EvidenceReaders.percent(rate) + ")";
  }
}
