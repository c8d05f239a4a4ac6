package io.countersign.verification;

import io.countersign.manifest.FieldErrors;
import io.countersign.manifest.ReleaseManifest.CloudWatchMetric;
import io.countersign.manifest.ReleaseManifest.CloudWatchQuery;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Which fields of a CloudWatch metric rule go together (one metric, or metric math over several)
 * and the periods CloudWatch accepts; the shapes of the values are the record's annotations.
 */
final class CloudWatchRules {
  /** CloudWatch's periods: 1, 5, 10 and 30 s (high resolution) or a multiple of 60 s. */
  static final Set<Integer> HIGH_RESOLUTION = Set.of(1, 5, 10, 30);

  static final int MAX_PERIOD = 86_400;

  private CloudWatchRules() {}

  static void check(CloudWatchQuery query, String path, FieldErrors errors) {
    if (query.hasExpression()) {
      math(query, path, errors);
    } else {
      single(query, path, errors);
    }
    Integer period = query.period();
    if (period != null
        && !HIGH_RESOLUTION.contains(period)
        && (period <= 0 || period % 60 != 0 || period > MAX_PERIOD)) {
      errors.add(
          path + ".period", "must be 1, 5, 10, 30 or a multiple of 60 seconds up to " + MAX_PERIOD);
    }
  }

  private static void single(CloudWatchQuery query, String path, FieldErrors errors) {
    if (query.namespace() == null) {
      errors.add(path + ".namespace", "is required (e.g. AWS/Lambda), or give an expression");
    }
    if (query.metric() == null) {
      errors.add(path + ".metric", "is required (e.g. Errors), or give an expression");
    }
    if (query.stat() == null) {
      errors.add(path + ".stat", "is required (e.g. Sum or p95), or give an expression");
    }
    if (!query.metrics().isEmpty()) {
      errors.add(path + ".metrics", "are the inputs of an expression: give one, or no metrics");
    }
  }

  private static void math(CloudWatchQuery query, String path, FieldErrors errors) {
    for (String field : fieldsOfOneMetric(query)) {
      errors.add(
          path + "." + field,
          "is for one metric; with an expression, each of its metrics has its own");
    }
    if (query.metrics().isEmpty()) {
      errors.add(
          path + ".metrics", "an expression needs the metrics it names (id, namespace, ...)");
    }
    Set<String> ids = new HashSet<>();
    for (int i = 0; i < query.metrics().size(); i++) {
      CloudWatchMetric metric = query.metrics().get(i);
      if (metric == null || metric.id() == null) {
        continue;
      }
      String at = path + ".metrics[" + i + "].id";
      if (metric.id().equals(CloudWatchMetrics.RESULT_ID)) {
        errors.add(at, "'" + CloudWatchMetrics.RESULT_ID + "' is reserved for the expression");
      } else if (!ids.add(metric.id())) {
        errors.add(at, "duplicate id '" + metric.id() + "'");
      }
    }
  }

  private static List<String> fieldsOfOneMetric(CloudWatchQuery query) {
    return Stream.of(
            query.namespace() == null ? null : "namespace",
            query.metric() == null ? null : "metric",
            query.dimensions().isEmpty() ? null : "dimensions",
            query.stat() == null ? null : "stat")
        .filter(Objects::nonNull)
        .toList();
  }
}
