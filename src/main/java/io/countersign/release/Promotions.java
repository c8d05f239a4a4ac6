package io.countersign.release;

import io.countersign.evidence.EvidenceEntry;
import io.countersign.evidence.EvidenceLog;
import io.countersign.manifest.ManifestArtifacts;
import io.countersign.manifest.ReleaseManifest;
import io.countersign.manifest.SectionArtifacts;
import io.countersign.process.ManifestStore;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * Promotion: a release the policy says must come from another environment (production from staging)
 * is allowed only if that environment released the same application version with the same
 * artifacts, not rolled back, at least the policy's soak time ago. What happened there is read from
 * its evidence chain, entries Countersign signed, and its stored manifest, digest checked: a row
 * written past the API promotes nothing.
 */
@Component
class Promotions {
  private final JdbcTemplate jdbc;
  private final EvidenceLog evidence;
  private final ManifestStore manifests;
  private final List<SectionArtifacts> sections;

  Promotions(
      JdbcTemplate jdbc,
      EvidenceLog evidence,
      ManifestStore manifests,
      List<SectionArtifacts> sections) {
    this.sections = List.copyOf(sections);
    this.jdbc = jdbc;
    this.evidence = evidence;
    this.manifests = manifests;
  }

  /**
   * What the check found: the release promoted from (null when none qualifies) and, when none does,
   * why each candidate did not.
   */
  record Promotion(String from, String releaseId, Instant releasedAt, List<String> problems) {
    boolean passed() {
      return problems.isEmpty();
    }

    Map<String, Object> asMap() {
      Map<String, Object> map = new LinkedHashMap<>();
      map.put("from", from);
      map.put("releaseId", releaseId);
      map.put("releasedAt", releasedAt == null ? null : releasedAt.toString());
      map.put("problems", problems);
      map.put("passed", passed());
      return map;
    }

    /** The line approvers read on the sign-off form. */
    String line() {
      return passed()
          ? "Promoted from "
              + releaseId
              + " ("
              + from
              + ", released "
              + releasedAt
              + ", same artifacts, not rolled back)"
          : "NOT PROMOTED from " + from + ": " + String.join("; ", problems);
    }
  }

  Promotion check(
      String releaseId, ReleaseManifest manifest, String from, Duration soak, Instant now) {
    List<String> candidates =
        jdbc.queryForList(
            "SELECT id FROM cs_release WHERE application = ? AND version = ? AND environment = ?"
                + " AND id <> ? ORDER BY created_at DESC",
            String.class,
            manifest.application(),
            manifest.version(),
            from,
            releaseId);
    if (candidates.isEmpty()) {
      return new Promotion(
          from,
          null,
          null,
          List.of(
              "no release of "
                  + manifest.application()
                  + " "
                  + manifest.version()
                  + " in "
                  + from));
    }
    Map<String, String> artifacts = artifacts(manifest);
    List<String> problems = new ArrayList<>();
    for (String candidate : candidates) {
      List<EvidenceEntry> released = evidence.authentic(candidate, "release-released");
      List<String> found = new ArrayList<>();
      Instant releasedAt = released.isEmpty() ? null : released.get(0).recordedAt();
      if (releasedAt == null) {
        found.add("not released");
      } else if (releasedAt.plus(soak).isAfter(now)) {
        found.add("released " + releasedAt + ", soaking until " + releasedAt.plus(soak));
      }
      if (rolledBack(candidate)) {
        found.add("rolled back");
      }
      List<String> differences =
          ManifestArtifacts.differences(
              artifacts(manifests.submitted(candidate).manifest()), artifacts);
      if (!differences.isEmpty()) {
        found.add("other artifacts (" + String.join("; ", differences) + ")");
      }
      if (found.isEmpty()) {
        return new Promotion(from, candidate, releasedAt, List.of());
      }
      problems.add(candidate + " " + String.join(", ", found));
    }
    return new Promotion(from, null, null, problems);
  }

  /** Whether a release was ever rolled back (its chain holds a rollback start). */
  boolean rolledBack(String releaseId) {
    return !evidence.authentic(releaseId, "rollback-started").isEmpty();
  }

  /** What the manifest deploys: its components' artifacts and its sections'. */
  private Map<String, String> artifacts(ReleaseManifest manifest) {
    Map<String, String> artifacts = new java.util.TreeMap<>(ManifestArtifacts.of(manifest));
    sections.forEach(section -> artifacts.putAll(section.artifacts(manifest)));
    return artifacts;
  }
}
