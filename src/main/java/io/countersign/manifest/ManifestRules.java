package io.countersign.manifest;

import io.countersign.manifest.ReleaseManifest.KubernetesChange;
import io.countersign.manifest.ReleaseManifest.MetricRule;
import io.countersign.manifest.ReleaseManifest.VerificationPlan;
import io.countersign.manifest.ReleaseManifest.Workload;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Rules across fields that annotations cannot express. They also run on a manifest that failed Bean
 * Validation (so a requester sees everything at once), hence every value may be null here.
 */
final class ManifestRules {
  /** As {@code @Size} on {@link ReleaseManifest.EvidenceItem#location()}. */
  private static final int MAX_LOCATION = 1024;

  private static final Pattern EVIDENCE_LOCATION = Pattern.compile(Patterns.EVIDENCE_LOCATION);
  private static final Predicate<String> DNS_LABEL =
      Pattern.compile("[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?").asMatchPredicate();

  private ManifestRules() {}

  static void check(ReleaseManifest manifest, Environments environments, FieldErrors errors) {
    // An unknown environment is reported on its own; it is not taken for production here.
    if (manifest.drill() != null
        && environments.find(manifest.environment()).filter(Environment::production).isPresent()) {
      errors.add(
          "$.drill.failAt",
          "rollback drills are not allowed in "
              + Environments.asProduction(manifest.environment()));
    }
    unique(
        manifest.evidence(),
        ReleaseManifest.EvidenceItem::type,
        "$.evidence",
        "type",
        "evidence type",
        errors);
    evidenceLocations(manifest.evidence(), errors);
    if (manifest.lambda() != null) {
      // Two entries for one function would deploy it twice and make its rollback ambiguous.
      unique(
          manifest.lambda().functions(),
          ReleaseManifest.LambdaFunction::name,
          "$.lambda.functions",
          "name",
          "function",
          errors);
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
    unique(
        workloads,
        w -> w.kind() == null || w.name() == null ? null : w.kind() + " " + w.name(),
        "$.kubernetes.workloads",
        "name",
        "workload",
        errors);
    for (int i = 0; i < workloads.size(); i++) {
      unique(
          workloads.get(i).containers(),
          ReleaseManifest.Container::name,
          JsonPaths.index("$.kubernetes.workloads", i) + ".containers",
          "name",
          "container",
          errors);
    }
  }

  private static void verification(VerificationPlan plan, FieldErrors errors) {
    unique(
        plan.healthChecks(),
        ReleaseManifest.HttpCheck::name,
        "$.verification.healthChecks",
        "name",
        "health check",
        errors);
    unique(
        plan.smokeTests(),
        ReleaseManifest.HttpCheck::name,
        "$.verification.smokeTests",
        "name",
        "smoke test",
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

  private static void evidenceLocations(
      List<ReleaseManifest.EvidenceItem> evidence, FieldErrors errors) {
    for (int i = 0; i < evidence.size(); i++) {
      String location = evidence.get(i) == null ? null : evidence.get(i).location();
      // A blank or over-long location is Bean Validation's to report.
      if (location != null
          && !location.isBlank()
          && location.length() <= MAX_LOCATION
          && !isEvidenceLocation(location)) {
        errors.add(
            JsonPaths.index("$.evidence", i) + ".location", Patterns.EVIDENCE_LOCATION_MESSAGE);
      }
    }
  }

  /**
   * {@link Patterns#EVIDENCE_LOCATION}, a host of DNS labels, and no {@code ..} segment once the
   * path is decoded.
   */
  static boolean isEvidenceLocation(String location) {
    Matcher m = EVIDENCE_LOCATION.matcher(location);
    if (!m.matches()) {
      return false;
    }
    if (m.group("host") != null
        && !Arrays.stream(m.group("host").split("\\.", -1)).allMatch(DNS_LABEL)) {
      return false;
    }
    String path = m.group("key") != null ? m.group("key") : decoded(m.group("path"));
    // Split on a backslash too: some servers take it for '/', and %5c decodes to it.
    return path != null && Arrays.stream(path.split("[/\\\\]", -1)).noneMatch(".."::equals);
  }

  /**
   * The path with its %XX escapes decoded as UTF-8; null when an escape is malformed or the result
   * is no UTF-8, holds a control character, or holds a '%' (an escaped escape: a second decoding
   * elsewhere could make "..").
   */
  private static String decoded(String path) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    for (int i = 0; i < path.length(); i++) {
      char c = path.charAt(i);
      if (c != '%') {
        bytes.write(c); // the pattern lets only ASCII through
        continue;
      }
      int high = i + 2 < path.length() ? Character.digit(path.charAt(i + 1), 16) : -1;
      int low = high < 0 ? -1 : Character.digit(path.charAt(i + 2), 16);
      if (low < 0) {
        return null;
      }
      bytes.write(high * 16 + low);
      i += 2;
    }
    String text;
    try {
      text =
          StandardCharsets.UTF_8
              .newDecoder()
              .decode(ByteBuffer.wrap(bytes.toByteArray()))
              .toString();
    } catch (CharacterCodingException e) {
      return null;
    }
    return text.chars().anyMatch(ch -> ch < 0x20 || ch == 0x7f || ch == '%') ? null : text;
  }

  /** Reports every repeat of a key at the repeat's field, naming where it first appeared. */
  private static <T> void unique(
      List<T> items,
      Function<T, String> key,
      String listPath,
      String field,
      String what,
      FieldErrors errors) {
    Map<String, Integer> first = new HashMap<>();
    for (int i = 0; i < items.size(); i++) {
      String k = key.apply(items.get(i));
      if (k == null) {
        continue;
      }
      Integer earlier = first.putIfAbsent(k, i);
      if (earlier != null) {
        errors.add(
            JsonPaths.index(listPath, i) + "." + field,
            "duplicate " + what + " '" + k + "'; already at " + JsonPaths.index(listPath, earlier));
      }
    }
  }
}
