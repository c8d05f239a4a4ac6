package io.countersign.compliance;

import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;

/**
 * The report as the API returns it and the page shows it. Counts cover what the evidence recorded
 * in the period; statuses and open findings are as of {@code generatedAt}.
 */
record ComplianceReport(
    Period period,
    Instant generatedAt,
    String generatedBy,
    Releases releases,
    SignOffs signOffs,
    List<Override> overrides,
    Rollbacks rollbacks,
    List<Finding> openFindings,
    EvidenceChecked evidence) {

  /** Whole UTC days, both included; {@code end} is the first instant after the period. */
  record Period(LocalDate from, LocalDate to, Instant start, Instant end) {}

  /** Releases requested in the period, counted by environment and by their status now. */
  record Releases(int total, List<EnvironmentCount> byEnvironment, List<Release> list) {}

  record EnvironmentCount(String environment, int total, Map<String, Integer> byStatus) {}

  record Release(
      String id,
      String application,
      String version,
      String environment,
      String changeReference,
      String requester,
      Instant requestedAt,
      String status,
      String statusReason) {}

  /** Sign-off decisions recorded in the period. */
  record SignOffs(int total, Map<String, Integer> byRole, List<PersonRole> byPersonAndRole) {}

  record PersonRole(
      String user, String role, int total, int approved, int rejected, List<String> releases) {}

  /**
   * An emergency override asked for in the period: who asked, who decided, and the post-override
   * review ({@code review.status}: done, open, overdue, not-required when it was not granted, or
   * awaiting-decision).
   */
  record Override(
      String releaseId,
      String environment,
      String requestId,
      String kind,
      String reason,
      String incidentReference,
      String requestedBy,
      Instant requestedAt,
      String decision,
      String decidedBy,
      Instant decidedAt,
      String decisionComment,
      boolean granted,
      String outcome,
      Review review) {}

  record Review(
      String status, Instant due, String reviewedBy, Instant reviewedAt, String validationPlan) {}

  /** Rollbacks started in the period, counted by cause. */
  record Rollbacks(int total, Map<String, Integer> byCause, List<Rollback> list) {}

  record Rollback(
      String releaseId,
      String environment,
      Instant startedAt,
      String cause,
      String requestedBy,
      String failedStep,
      String reason,
      String releaseStatus) {}

  /** Something an auditor must follow up, as of generatedAt. */
  record Finding(String kind, String releaseId, String environment, Instant since, String detail) {}

  /** The chains the report read, each verified (links, hashes, signatures, checkpoints). */
  record EvidenceChecked(int chains, int valid, List<String> invalid) {}
}
