package io.countersign.evidence;

import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/** Auditors' read access to a release's evidence: the export bundle and its verification. */
@RestController
@RequestMapping("/api/releases/{id}/evidence")
class EvidenceController {
  private final EvidenceLog evidence;
  private final JdbcTemplate jdbc;

  EvidenceController(EvidenceLog evidence, JdbcTemplate jdbc) {
    this.evidence = evidence;
    this.jdbc = jdbc;
  }

  @GetMapping
  EvidenceBundle export(@PathVariable String id) {
    requireRelease(id);
    return evidence.export(id);
  }

  @GetMapping("/verify")
  ChainVerification verify(@PathVariable String id) {
    requireRelease(id);
    return evidence.verify(id);
  }

  @ExceptionHandler(ReleaseNotFound.class)
  ResponseEntity<ProblemDetail> notFound(ReleaseNotFound e) {
    ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.NOT_FOUND, "No release with id '" + e.id + "'");
    problem.setTitle("Release not found");
    return ResponseEntity.status(HttpStatus.NOT_FOUND).contentType(MediaType.APPLICATION_PROBLEM_JSON).body(problem);
  }

  // An unknown release and a release without evidence look alike in the log; cs_release tells them apart.
  private void requireRelease(String id) {
    Integer count = jdbc.queryForObject("SELECT COUNT(*) FROM cs_release WHERE id = ?", Integer.class, id);
    if (count == null || count == 0) {
      throw new ReleaseNotFound(id);
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
