package io.countersign.evidence;

import io.countersign.engine.Groups;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.security.access.AccessDeniedException;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.GrantedAuthority;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/** Auditors' read access to a release's evidence: the export bundle and its verification. */
@RestController
class EvidenceController {
  private final EvidenceLog evidence;
  private final EvidenceSigner signer;
  private final JdbcTemplate jdbc;

  EvidenceController(EvidenceLog evidence, EvidenceSigner signer, JdbcTemplate jdbc) {
    this.evidence = evidence;
    this.signer = signer;
    this.jdbc = jdbc;
  }

  /** The signed bundle. */
  @GetMapping("/api/releases/{id}/evidence")
  EvidenceBundle export(@PathVariable String id, Authentication user) {
    requireRelease(id, user);
    EvidenceBundle bundle = evidence.export(id);
    return bundle.withSignature(signer.sign(bundle));
  }

  record BundleCheck(boolean valid, String releaseId, int entries, List<String> problems) {}

  /** Checks a bundle someone hands in (e.g. an auditor's copy) against this server's signing key. */
  @PostMapping("/api/evidence/verify")
  BundleCheck verifyBundle(@RequestBody EvidenceBundle bundle) {
    List<String> problems = EvidenceSigner.verify(bundle, signer.publicKeyBase64());
    return new BundleCheck(problems.isEmpty(), bundle.releaseId(), bundle.entries() == null ? 0 : bundle.entries().size(),
        problems);
  }

  /** The public key auditors verify bundles with, offline. */
  @GetMapping("/api/evidence/public-key")
  Map<String, String> publicKey() {
    return Map.of("algorithm", EvidenceSigner.ALGORITHM, "publicKey", signer.publicKeyBase64());
  }

  @GetMapping("/api/releases/{id}/evidence/verify")
  ChainVerification verify(@PathVariable String id, Authentication user) {
    requireRelease(id, user);
    return evidence.verify(id);
  }

  @ExceptionHandler(AccessDeniedException.class)
  ResponseEntity<ProblemDetail> forbidden(AccessDeniedException e) {
    ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.FORBIDDEN, e.getMessage());
    problem.setTitle("Not allowed");
    return ResponseEntity.status(HttpStatus.FORBIDDEN).contentType(MediaType.APPLICATION_PROBLEM_JSON).body(problem);
  }

  @ExceptionHandler(ReleaseNotFound.class)
  ResponseEntity<ProblemDetail> notFound(ReleaseNotFound e) {
    ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.NOT_FOUND, "No release with id '" + e.id + "'");
    problem.setTitle("Release not found");
    return ResponseEntity.status(HttpStatus.NOT_FOUND).contentType(MediaType.APPLICATION_PROBLEM_JSON).body(problem);
  }

  // An unknown release and a release without evidence look alike in the log; cs_release tells them apart.
  // Approvers, auditors (compliance officers) and admins read every release's evidence; requesters their own.
  private void requireRelease(String id, Authentication user) {
    List<String> requester = jdbc.queryForList("SELECT requester FROM cs_release WHERE id = ?", String.class, id);
    if (requester.isEmpty()) {
      throw new ReleaseNotFound(id);
    }
    Set<String> groups = user.getAuthorities().stream().map(GrantedAuthority::getAuthority).collect(Collectors.toSet());
    boolean readsAll = groups.contains(Groups.ADMINS) || Groups.APPROVERS.stream().anyMatch(groups::contains);
    if (!readsAll && !requester.get(0).equals(user.getName())) {
      throw new AccessDeniedException(user.getName() + " may read only the evidence of their own releases");
    }
  }

  static final class ReleaseNotFound extends RuntimeException {
    private final String id;

    ReleaseNotFound(String id) {
      super("release " + id + " not found", null, false, false);
      this.id = id;
    }
  }
}
