package io.countersign.verification;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The answer of Prometheus' instant query API ({@code GET /api/v1/query}): either samples (an
 * instant vector, one per series, or a scalar) or the reason there is nothing to judge (an error, a
 * range vector, unparseable JSON).
 */
record PrometheusResponse(List<Sample> samples, String problem) {
  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * One series' value; NaN and infinities are kept as Prometheus sent them ("NaN", "+Inf", "-Inf").
   */
  record Sample(String series, double value) {}

  static PrometheusResponse problem(String problem) {
    return new PrometheusResponse(List.of(), problem);
  }

  static PrometheusResponse parse(int httpStatus, String body) {
    JsonNode root;
    try {
      root = JSON.readTree(body);
    } catch (JsonProcessingException e) {
      root = null;
    }
    if (root == null || !root.isObject()) {
      return problem("Prometheus answered " + httpStatus + " without its JSON");
    }
    if (!"success".equals(root.path("status").asText())) {
      String type = root.path("errorType").asText("");
      String error = root.path("error").asText("");
      return problem(
          "Prometheus error"
              + (type.isEmpty() ? "" : " " + type)
              + " (HTTP "
              + httpStatus
              + ")"
              + (error.isEmpty() ? "" : ": " + shorten(error)));
    }
    JsonNode data = root.path("data");
    String type = data.path("resultType").asText();
    JsonNode result = data.path("result");
    List<Sample> samples = new ArrayList<>();
    switch (type) {
      case "vector" -> {
        for (JsonNode series : result) {
          Double value = number(series.path("value").path(1));
          if (value == null) {
            return problem(
                "value '"
                    + series.path("value").path(1).asText()
                    + "' of "
                    + labels(series.path("metric"))
                    + " is not a number");
          }
          samples.add(new Sample(labels(series.path("metric")), value));
        }
      }
      case "scalar" -> {
        Double value = number(result.path(1));
        if (value == null) {
          return problem("scalar '" + result.path(1).asText() + "' is not a number");
        }
        samples.add(new Sample("scalar", value));
      }
      default -> {
        return problem(
            "result type '"
                + type
                + "' cannot be judged: the query must give an instant vector or a scalar");
      }
    }
    return new PrometheusResponse(samples, null);
  }

  /** Prometheus writes sample values as strings; Java spells the infinities differently. */
  private static Double number(JsonNode node) {
    if (!node.isTextual()) {
      return null;
    }
    String text = node.asText();
    return switch (text) {
      case "NaN" -> Double.NaN;
      case "+Inf", "Inf" -> Double.POSITIVE_INFINITY;
      case "-Inf" -> Double.NEGATIVE_INFINITY;
      default -> {
        try {
          yield Double.parseDouble(text);
        } catch (NumberFormatException e) {
          yield null;
        }
      }
    };
  }

  /** {a="b", c="d"} in label order, or {} for a series without labels (an aggregate). */
  private static String labels(JsonNode metric) {
    Map<String, String> sorted = new TreeMap<>();
    metric.properties().forEach(e -> sorted.put(e.getKey(), e.getValue().asText()));
    StringBuilder out = new StringBuilder("{");
    sorted.forEach(
        (k, v) ->
            out.append(out.length() > 1 ? ", " : "").append(k).append("=\"").append(v).append('"'));
    return out.append('}').toString();
  }

  private static String shorten(String text) {
    return text.length() <= 300 ? text : text.substring(0, 300) + "...";
  }
}
