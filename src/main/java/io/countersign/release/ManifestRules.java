package io.countersign.release;

import io.countersign.release.ReleaseManifest.KubernetesChange;
import io.countersign.release.ReleaseManifest.MetricRule;
import io.countersign.release.ReleaseManifest.VerificationPlan;
import io.countersign.release.ReleaseManifest.Workload;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Rules across fields that annotations cannot express. They also run on a manifest that failed
 * Bean Validation (so a requester sees everything at once), hence every value may be null here.
 */
final class ManifestRules {
  private ManifestRules() {}

  static void check(ReleaseManifest manifest, FieldErrors errors) {
    if (manifest.drill() != null && manifest.environment() == Environment.PRODUCTION) {
      errors.add("$.drill.failAt", "rollback drills are not allowed in production");
    }
    unique(manifest.evidence(), ReleaseManifest.EvidenceItem::type, "$.evidence", "type", "evidence type", errors);
    if (manifest.lambda() != null) {
      // Two entries for one function would deploy it twice and make its rollback ambiguous.
      unique(manifest.lambda().functions(), ReleaseManifest.LambdaFunction::name, "$.lambda.functions", "name",
          "function", errors);
    }
    if (manifest.kubernetes() != null) {
      kubernetes(manifest.kubernetes(), errors);
    }
    if (manifest.verification() != null) {
      verification(manifest.verification(), errors);
    }
  }

  private static void kubernetes(KubernetesChange kubernetes, FieldErrors errors) {
    List<Workload> workloads = kubernetes.workloads();
    unique(workloads, w -> w.kind() == null || w.name() == null ? null : w.kind() + " " + w.name(),
        "$.kubernetes.workloads", "name", "workload", errors);
    for (int i = 0; i < workloads.size(); i++) {
      unique(workloads.get(i).containers(), ReleaseManifest.Container::name,
          JsonPaths.index("$.kubernetes.workloads", i) + ".containers", "name", "container", errors);
    }
  }

  private static void verification(VerificationPlan plan, FieldErrors errors) {
    unique(plan.healthChecks(), ReleaseManifest.HttpCheck::name, "$.verification.healthChecks", "name",
        "health check", errors);
    unique(plan.smokeTests(), ReleaseManifest.HttpCheck::name, "$.verification.smokeTests", "name", "smoke test",
        errors);
    unique(plan.metrics(), MetricRule::name, "$.verification.metrics", "name", "metric", errors);
    for (int i = 0; i < plan.metrics().size(); i++) {
      MetricRule rule = plan.metrics().get(i);
      String path = JsonPaths.index("$.verification.metrics", i);
      if (rule.min() == null && rule.max() == null) {
        errors.add(path, "needs a threshold: max, min or both");
      } else if (rule.min() != null && rule.max() != null && rule.min() > rule.max()) {
        errors.add(path + ".min", "must not be greater than max (" + rule.max() + ")");
      }
    }
  }

  /** Reports every repeat of a key at the repeat's field, naming where it first appeared. */
  private static <T> void unique(List<T> items, Function<T, String> key, String listPath, String field, String what,
      FieldErrors errors) {
    Map<String, Integer> first = new HashMap<>();
    for (int i = 0; i < items.size(); i++) {
      String k = key.apply(items.get(i));
      if (k == null) {
        continue;
      }
      Integer earlier = first.putIfAbsent(k, i);
      if (earlier != null) {
        errors.add(JsonPaths.index(listPath, i) + "." + field,
            "duplicate " + what + " '" + k + "'; already at " + JsonPaths.index(listPath, earlier));
      }
    }
  }
}
