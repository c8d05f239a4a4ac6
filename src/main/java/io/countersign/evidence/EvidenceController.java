package io.countersign.evidence;

import io.countersign.identity.Groups;
import java.net.URI;
import java.util.LinkedHashMap;
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

/**
 * Auditors' read access to the evidence: a release's signed bundle and its verification, the chains
 * that belong to no release (model deployments), and a check of the whole installation. A chain
 * that does not verify is never exported as a signed bundle: the server's signature would vouch for
 * it.
 */
@RestController
class EvidenceController {
  /** Deploys models (the role of its own that the trust model names). */
  private static final URI INVALID_EVIDENCE =
      URI.create("https://countersign.io/problems/evidence-invalid");

  private final EvidenceLog evidence;
  private final EvidenceSigner signer;
  private final JdbcTemplate jdbc;

  EvidenceController(EvidenceLog evidence, EvidenceSigner signer, JdbcTemplate jdbc) {
    this.evidence = evidence;
    this.signer = signer;
    this.jdbc = jdbc;
  }

  /** The signed bundle; 409 with the problems when the chain does not verify. */
  @GetMapping({"/api/releases/{id}/evidence", "/console/api/releases/{id}/evidence"})
  EvidenceBundle export(@PathVariable String id, Authentication user) {
    admitted(user, "export", id, () -> requireRelease(id, user));
    return signed(evidence.export(id));
  }

  @GetMapping({"/api/releases/{id}/evidence/verify", "/console/api/releases/{id}/evidence/verify"})
  ChainVerification verify(@PathVariable String id, Authentication user) {
    admitted(user, "verify", id, () -> requireRelease(id, user));
    return evidence.verify(id);
  }

  /** Chains that belong to no release: the model deployments' and the evidence reads'. */
  @GetMapping("/api/evidence/chains/{chain}")
  EvidenceBundle exportChain(@PathVariable String chain, Authentication user) {
    admitted(user, "export", chain, () -> requireChain(chain, user));
    return signed(evidence.export(chain));
  }

  @GetMapping("/api/evidence/chains/{chain}/verify")
  ChainVerification verifyChain(@PathVariable String chain, Authentication user) {
    admitted(user, "verify", chain, () -> requireChain(chain, user));
    return evidence.verify(chain);
  }

  /**
   * Every chain the database or the checkpoints know of, and every release: finds a release deleted
   * with all its rows.
   */
  @GetMapping("/api/evidence/verify")
  InstallationVerification verifyInstallation(Authentication user) {
    admitted(
        user,
        "verify-installation",
        "*",
        () ->
            requireOneOf(
                user,
                Set.of(Groups.ADMINS, Groups.COMPLIANCE_OFFICERS),
                "verify the whole installation's evidence"));
    return evidence.verifyAll(
        Set.copyOf(jdbc.queryForList("SELECT id FROM cs_release", String.class)));
  }

  record BundleCheck(boolean valid, String releaseId, int entries, List<String> problems) {}

  /**
   * Checks a bundle someone hands in (e.g. an auditor's copy) against this server's signing key.
   */
  @PostMapping("/api/evidence/verify")
  BundleCheck verifyBundle(@RequestBody EvidenceBundle bundle) {
    List<String> problems = EvidenceSigner.verify(bundle, signer.publicKeyBase64());
    return new BundleCheck(
        problems.isEmpty(),
        bundle.releaseId(),
        bundle.entries() == null ? 0 : bundle.entries().size(),
        problems);
  }

  /** The public key auditors verify bundles, entries and checkpoints with, offline. */
  @GetMapping("/api/evidence/public-key")
  Map<String, String> publicKey() {
    return Map.of(
        "algorithm",
        EvidenceSigner.ALGORITHM,
        "publicKey",
        signer.publicKeyBase64(),
        "keyId",
        signer.keyId());
  }

  private EvidenceBundle signed(EvidenceBundle bundle) {
    if (!bundle.verification().valid()) {
      throw new InvalidEvidence(bundle.releaseId(), bundle.verification().problems());
    }
    return bundle.withSignature(signer.sign(bundle));
  }

  @ExceptionHandler(InvalidEvidence.class)
  ResponseEntity<ProblemDetail> invalid(InvalidEvidence e) {
    ProblemDetail problem =
        ProblemDetail.forStatusAndDetail(
            HttpStatus.CONFLICT,
            "The evidence chain '"
                + e.chain
                + "' does not verify, so no signed bundle is issued; GET its verify endpoint for the details.");
    problem.setType(INVALID_EVIDENCE);
    problem.setTitle("Evidence does not verify");
    problem.setProperty("problems", e.problems);
    return ResponseEntity.status(HttpStatus.CONFLICT)
        .contentType(MediaType.APPLICATION_PROBLEM_JSON)
        .body(problem);
  }

  @ExceptionHandler(AccessDeniedException.class)
  ResponseEntity<ProblemDetail> forbidden(AccessDeniedException e) {
    ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.FORBIDDEN, e.getMessage());
    problem.setTitle("Not allowed");
    return ResponseEntity.status(HttpStatus.FORBIDDEN)
        .contentType(MediaType.APPLICATION_PROBLEM_JSON)
        .body(problem);
  }

  @ExceptionHandler(NotFound.class)
  ResponseEntity<ProblemDetail> notFound(NotFound e) {
    ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.NOT_FOUND, e.getMessage());
    problem.setTitle(e.title);
    return ResponseEntity.status(HttpStatus.NOT_FOUND)
        .contentType(MediaType.APPLICATION_PROBLEM_JSON)
        .body(problem);
  }

  // An unknown release and a release without evidence look alike in the log; cs_release tells them
  // apart. Approvers, auditors (compliance officers) and admins read every release's evidence;
  // requesters their own.
  private void requireRelease(String id, Authentication user) {
    List<String> requester =
        jdbc.queryForList("SELECT requester FROM cs_release WHERE id = ?", String.class, id);
    if (requester.isEmpty()) {
      throw new NotFound("Release not found", "No release with id '" + id + "'");
    }
    Set<String> groups = groups(user);
    boolean readsAll =
        groups.contains(Groups.ADMINS) || Groups.APPROVERS.stream().anyMatch(groups::contains);
    if (!readsAll && !requester.get(0).equals(user.getName())) {
      throw new AccessDeniedException(
          user.getName() + " may read only the evidence of their own releases");
    }
  }

  private void requireChain(String chain, Authentication user) {
    if (EvidenceLog.MODELS_CHAIN.equals(chain)) {
      requireOneOf(
          user,
          Set.of(Groups.ADMINS, Groups.PROCESS_ADMINS, Groups.COMPLIANCE_OFFICERS),
          "read the model evidence");
    } else if (EvidenceLog.ACCESS_CHAIN.equals(chain)) {
      requireOneOf(
          user, Set.of(Groups.ADMINS, Groups.COMPLIANCE_OFFICERS), "read who read the evidence");
    } else {
      throw new NotFound(
          "Evidence chain not found",
          "No evidence chain '"
              + chain
              + "' (a release's evidence is under /api/releases/{id}/evidence)");
    }
  }

  /**
   * Runs the access check and records its outcome before anything is returned (HIPAA asks who saw
   * audit records, and who tried): who, with which groups, what they did or tried and to which
   * chain, in a signed chain of its own, so the reads are as tamper-evident as what was read. A
   * read of a release is not written into the release's own chain: its bundle stays what it was
   * when the release ended. An unknown chain or release (404) is not recorded.
   */
  private void admitted(Authentication user, String action, String chain, Runnable check) {
    Map<String, Object> payload = new LinkedHashMap<>();
    payload.put("action", action);
    payload.put("chain", chain);
    payload.put("groups", groups(user).stream().sorted().toList());
    try {
      check.run();
    } catch (AccessDeniedException refused) {
      payload.put("reason", refused.getMessage());
      evidence.record(EvidenceLog.ACCESS_CHAIN, "evidence-read-refused", user.getName(), payload);
      throw refused;
    }
    evidence.record(EvidenceLog.ACCESS_CHAIN, "evidence-read", user.getName(), payload);
  }

  private static void requireOneOf(Authentication user, Set<String> allowed, String what) {
    if (groups(user).stream().noneMatch(allowed::contains)) {
      throw new AccessDeniedException(
          user.getName()
              + " may not "
              + what
              + " (needs one of "
              + allowed.stream().sorted().collect(Collectors.joining(", "))
              + ")");
    }
  }

  private static Set<String> groups(Authentication user) {
    return user.getAuthorities().stream()
        .map(GrantedAuthority::getAuthority)
        .collect(Collectors.toSet());
  }

  private static final class NotFound extends RuntimeException {
    private final String title;

    NotFound(String title, String detail) {
      super(detail, null, false, false);
      this.title = title;
    }
  }

  private static final class InvalidEvidence extends RuntimeException {
    private final String chain;
    private final List<String> problems;

    InvalidEvidence(String chain, List<String> problems) {
      super("evidence chain " + chain + " does not verify", null, false, false);
      this.chain = chain;
      this.problems = problems;
    }
  }
}
