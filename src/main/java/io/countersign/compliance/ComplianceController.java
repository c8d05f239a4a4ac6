package io.countersign.compliance;

import io.countersign.evidence.EvidenceLog;
import io.countersign.identity.Groups;
import jakarta.servlet.http.HttpServletRequest;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.security.access.AccessDeniedException;
import org.springframework.security.authentication.AnonymousAuthenticationToken;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.GrantedAuthority;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * The compliance report for a period: JSON under the API (HTTP Basic or a bearer token, like the
 * rest of /api) and a printable page for the browser (the Camunda webapps' login). Only admins and
 * compliance officers read it. Each export and each refusal is recorded in the evidence-access
 * chain before anything is returned, as evidence reads are (EvidenceController).
 */
@RestController
class ComplianceController {
  static final String EXPORTED = "compliance-report-exported";
  static final String REFUSED = "compliance-report-refused";
  static final Set<String> READERS = Set.of(Groups.ADMINS, Groups.COMPLIANCE_OFFICERS);

  private final ComplianceReports reports;
  private final EvidenceLog evidence;
  private final WebappLogin webapp;

  ComplianceController(ComplianceReports reports, EvidenceLog evidence, WebappLogin webapp) {
    this.reports = reports;
    this.evidence = evidence;
    this.webapp = webapp;
  }

  @GetMapping(path = "/api/compliance/report", produces = MediaType.APPLICATION_JSON_VALUE)
  ComplianceReport json(
      @RequestParam(required = false) String from,
      @RequestParam(required = false) String to,
      Authentication user) {
    return export(user.getName(), groups(user), from, to, "json");
  }

  // Always HTML (set on the response, whatever the Accept header): a page for people.
  @GetMapping("/compliance/report")
  ResponseEntity<String> page(
      @RequestParam(required = false) String from,
      @RequestParam(required = false) String to,
      HttpServletRequest request) {
    Optional<WebappLogin.User> user = signedIn(request);
    if (user.isEmpty()) {
      return html(HttpStatus.UNAUTHORIZED, ReportPage.loginFirst());
    }
    return html(
        HttpStatus.OK,
        ReportPage.render(export(user.get().id(), user.get().groups(), from, to, "html")));
  }

  /** Admits or refuses, validates the period, builds the report and records the export. */
  private ComplianceReport export(
      String user, Set<String> groups, String from, String to, String format) {
    Map<String, Object> payload = new LinkedHashMap<>();
    payload.put("format", format);
    payload.put("groups", groups.stream().sorted().toList());
    if (groups.stream().noneMatch(READERS::contains)) {
      String reason =
          user
              + " may not read the compliance report (needs one of "
              + READERS.stream().sorted().collect(Collectors.joining(", "))
              + ")";
      payload.put("from", shortened(from));
      payload.put("to", shortened(to));
      payload.put("reason", reason);
      evidence.record(EvidenceLog.ACCESS_CHAIN, REFUSED, user, payload);
      throw new AccessDeniedException(reason);
    }
    ReportPeriod period = ReportPeriod.parse(from, to, LocalDate.now(ZoneOffset.UTC));
    ComplianceReport report = reports.build(period, user);
    payload.put("from", period.from().toString());
    payload.put("to", period.to().toString());
    payload.put("generatedAt", report.generatedAt().toString());
    evidence.record(EvidenceLog.ACCESS_CHAIN, EXPORTED, user, payload);
    return report;
  }

  /** A Spring Security login where one reaches this path, else the webapps' session. */
  private Optional<WebappLogin.User> signedIn(HttpServletRequest request) {
    Authentication auth = SecurityContextHolder.getContext().getAuthentication();
    if (auth != null && auth.isAuthenticated() && !(auth instanceof AnonymousAuthenticationToken)) {
      return Optional.of(new WebappLogin.User(auth.getName(), groups(auth)));
    }
    return webapp.of(request);
  }

  @ExceptionHandler(AccessDeniedException.class)
  ResponseEntity<?> forbidden(AccessDeniedException refused, HttpServletRequest request) {
    if (request.getRequestURI().startsWith(request.getContextPath() + "/api/")) {
      ProblemDetail problem =
          ProblemDetail.forStatusAndDetail(HttpStatus.FORBIDDEN, refused.getMessage());
      problem.setTitle("Not allowed");
      return ResponseEntity.status(HttpStatus.FORBIDDEN)
          .contentType(MediaType.APPLICATION_PROBLEM_JSON)
          .body(problem);
    }
    return html(HttpStatus.FORBIDDEN, ReportPage.refused(refused.getMessage()));
  }

  private static ResponseEntity<String> html(HttpStatus status, String body) {
    return ResponseEntity.status(status)
        .contentType(new MediaType(MediaType.TEXT_HTML, StandardCharsets.UTF_8))
        // The page holds evidence: no shared cache keeps a copy. It runs no script at all, so even
        // a string that escaped escaping could not run one.
        .header("Cache-Control", "no-store")
        .header(
            "Content-Security-Policy",
            "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'")
        .body(body);
  }

  private static String shortened(String value) {
    return value == null || value.length() <= 40 ? value : value.substring(0, 40) + "…";
  }

  private static Set<String> groups(Authentication user) {
    return user.getAuthorities().stream()
        .map(GrantedAuthority::getAuthority)
        .collect(Collectors.toSet());
  }
}
