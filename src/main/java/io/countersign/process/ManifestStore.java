package io.countersign.process;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.countersign.evidence.EvidenceLog;
import io.countersign.manifest.CanonicalJson;
import io.countersign.manifest.ReleaseManifest;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.camunda.bpm.engine.delegate.DelegateExecution;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Repository;

/**
 * The manifest of each release, stored once at submission in its RFC 8785 canonical form with the
 * SHA-256 of that text: the one source of truth for what a release deploys. Reading it back always
 * recomputes the digest and compares it with the one recorded on the release; steps also require
 * the start-deployment gate's authorization for that same digest.
 */
@Repository
public class ManifestStore {
  public static final String CANONICALIZATION = "RFC 8785 (JCS), UTF-8, SHA-256";

  // Absent fields stay absent, so the canonical text is what the requester submitted, in canonical
  // form.
  private static final ObjectMapper JSON =
      JsonMapper.builder()
          .serializationInclusion(JsonInclude.Include.NON_NULL)
          .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
          .findAndAddModules()
          .build();

  private final JdbcTemplate jdbc;
  private final EvidenceLog evidence;

  ManifestStore(JdbcTemplate jdbc, EvidenceLog evidence) {
    this.jdbc = jdbc;
    this.evidence = evidence;
  }

  /** A stored manifest whose digest was just recomputed and found equal to the release's. */
  public record Signed(
      String releaseId, String canonicalJson, String sha256, ReleaseManifest manifest) {}

  /** The canonical text of a manifest; its digest is {@link CanonicalJson#sha256}. */
  public static String canonical(ReleaseManifest manifest) {
    return CanonicalJson.of(JSON.valueToTree(manifest));
  }

  public void store(String releaseId, String canonicalJson, String sha256) {
    jdbc.update(
        "INSERT INTO cs_manifest (release_id, canonical_json, sha256, stored_at) VALUES (?, ?, ?, ?)",
        releaseId,
        canonicalJson,
        sha256,
        Timestamp.from(Instant.now()));
  }

  /** The release's manifest, digest re-checked; for the steps before deployment is authorized. */
  public Signed submitted(String releaseId) {
    String json = canonicalText(releaseId);
    try {
      return new Signed(
          releaseId, json, CanonicalJson.sha256(json), JSON.readValue(json, ReleaseManifest.class));
    } catch (JsonProcessingException e) {
      throw new IntegrityViolation(
          releaseId, "the stored manifest cannot be read: " + e.getOriginalMessage());
    }
  }

  /**
   * The stored canonical text, its digest re-checked against the one the release was submitted
   * with.
   */
  public String canonicalText(String releaseId) {
    List<String[]> rows =
        jdbc.query(
            "SELECT m.canonical_json, m.sha256, r.manifest_sha256 FROM cs_manifest m "
                + "JOIN cs_release r ON r.id = m.release_id WHERE m.release_id = ?",
            (rs, n) ->
                new String[] {rs.getString(1), rs.getString(2).trim(), rs.getString(3).trim()},
            releaseId);
    if (rows.isEmpty()) {
      throw new IntegrityViolation(releaseId, "no manifest is stored for it");
    }
    String recomputed = CanonicalJson.sha256(rows.get(0)[0]);
    if (!recomputed.equals(rows.get(0)[1]) || !recomputed.equals(rows.get(0)[2])) {
      throw new IntegrityViolation(
          releaseId,
          "the stored manifest's SHA-256 is "
              + recomputed
              + " but the release was submitted with "
              + rows.get(0)[2]);
    }
    return rows.get(0)[0];
  }

  /** The digest the start-deployment gate authorized, if it did. */
  public Optional<String> authorizedDigest(String releaseId) {
    return jdbc
        .queryForList(
            "SELECT manifest_sha256 FROM cs_deploy_authorization WHERE release_id = ?",
            String.class,
            releaseId)
        .stream()
        .map(String::trim)
        .findFirst();
  }

  /** Records the gate's decision; a retried gate finds its own row and changes nothing. */
  public void authorize(String releaseId, String sha256, String gate, String overrideRequestId) {
    if (authorizedDigest(releaseId).isEmpty()) {
      jdbc.update(
          "INSERT INTO cs_deploy_authorization (release_id, manifest_sha256, gate, override_request_id, "
              + "authorized_at) VALUES (?, ?, ?, ?, ?)",
          releaseId,
          sha256,
          gate,
          overrideRequestId,
          Timestamp.from(Instant.now()));
    }
  }

  /**
   * The release's manifest for a deploy or rollback step: digest re-checked, and authorized for
   * that digest.
   */
  public Signed authorized(String releaseId) {
    Signed signed = submitted(releaseId);
    String authorized =
        authorizedDigest(releaseId)
            .orElseThrow(
                () ->
                    new IntegrityViolation(
                        releaseId,
                        "a deployment step ran although deployment was never authorized"));
    if (!authorized.equals(signed.sha256())) {
      throw new IntegrityViolation(
          releaseId,
          "deployment was authorized for manifest "
              + authorized
              + " but the stored manifest is "
              + signed.sha256());
    }
    // The table row could have been inserted by anyone with the database's credentials; the signed
    // evidence entry the gate wrote could not.
    boolean recorded =
        evidence.authentic(releaseId, "deployment-started").stream()
            .anyMatch(e -> signed.sha256().equals(e.payload().path("manifestSha256").asText()));
    if (!recorded) {
      throw new IntegrityViolation(
          releaseId,
          "its evidence has no deployment authorization for manifest " + signed.sha256());
    }
    return signed;
  }

  /** What a deploy or rollback step acts on. */
  public ReleaseManifest forStep(DelegateExecution execution) {
    return authorized(StepSupport.releaseId(execution)).manifest();
  }
}
