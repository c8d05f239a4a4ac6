package io.countersign.compliance;

import com.fasterxml.jackson.databind.JsonNode;
import io.countersign.compliance.ComplianceReport.EnvironmentCount;
import io.countersign.compliance.ComplianceReport.EvidenceChecked;
import io.countersign.compliance.ComplianceReport.Finding;
import io.countersign.compliance.ComplianceReport.Override;
import io.countersign.compliance.ComplianceReport.PersonRole;
import io.countersign.compliance.ComplianceReport.Release;
import io.countersign.compliance.ComplianceReport.Review;
import io.countersign.compliance.ComplianceReport.Rollback;
import io.countersign.evidence.ChainVerification;
import io.countersign.evidence.EvidenceEntry;
import io.countersign.evidence.EvidenceLog;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Predicate;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * Builds the report from the evidence. Which chains: every chain with an entry in the period, and,
 * for the open findings, every chain that may still hold one whatever its age (an override granted
 * and never reviewed, a release still active or ended failed). Each chain is read whole and
 * verified; a chain that does not verify is itself a finding and its facts are still shown.
 */
@Component
class ComplianceReports {
  /** The post-override review falls due this long after the grant (GrantOverrideDelegate). */
  static final Duration REVIEW_DUE_AFTER = Duration.ofHours(24);

  private static final Set<String> NOT_RELEASES =
      Set.of(EvidenceLog.MODELS_CHAIN, EvidenceLog.ACCESS_CHAIN);

  private final EvidenceLog evidence;
  private final JdbcTemplate jdbc;

  ComplianceReports(EvidenceLog evidence, JdbcTemplate jdbc) {
    this.evidence = evidence;
    this.jdbc = jdbc;
  }

  ComplianceReport build(ReportPeriod period, String user) {
    Instant now = Instant.now();
    List<Chain> chains = new ArrayList<>();
    for (String id : chainIds(period)) {
      List<EvidenceEntry> entries = evidence.entries(id);
      // Only release chains start with the submission; anything else is not a release's.
      if (!entries.isEmpty() && entries.get(0).type().equals("release-requested")) {
        chains.add(new Chain(id, entries, evidence.verify(id)));
      }
    }
    Predicate<EvidenceEntry> inPeriod = e -> period.contains(e.recordedAt());
    return new ComplianceReport(
        new ComplianceReport.Period(period.from(), period.to(), period.start(), period.end()),
        now,
        user,
        releases(chains, inPeriod),
        signOffs(chains, inPeriod),
        overrides(chains, inPeriod, now),
        rollbacks(chains, inPeriod),
        findings(chains, now),
        new EvidenceChecked(
            chains.size(),
            (int) chains.stream().filter(c -> c.verification.valid()).count(),
            chains.stream().filter(c -> !c.verification.valid()).map(c -> c.id).toList()));
  }

  private Set<String> chainIds(ReportPeriod period) {
    Set<String> ids = new TreeSet<>();
    ids.addAll(
        jdbc.queryForList(
            "SELECT DISTINCT release_id FROM cs_evidence WHERE recorded_at >= ? AND recorded_at < ?",
            String.class,
            LocalDateTime.ofInstant(period.start(), ZoneOffset.UTC),
            LocalDateTime.ofInstant(period.end(), ZoneOffset.UTC)));
    ids.addAll(
        jdbc.queryForList(
            "SELECT DISTINCT g.release_id FROM cs_evidence g WHERE g.type = 'override-granted'"
                + " AND NOT EXISTS (SELECT 1 FROM cs_evidence r WHERE r.release_id = g.release_id"
                + " AND r.type = 'post-override-review')",
            String.class));
    // The read model only points at chains to look at; what they show comes from the evidence.
    ids.addAll(
        jdbc.queryForList(
            "SELECT id FROM cs_release WHERE active = TRUE OR status = 'failed'", String.class));
    ids.removeAll(NOT_RELEASES);
    return ids;
  }

  private static ComplianceReport.Releases releases(
      List<Chain> chains, Predicate<EvidenceEntry> inPeriod) {
    List<Release> list =
        chains.stream()
            .filter(c -> inPeriod.test(c.requested()))
            .map(Chain::release)
            .sorted(Comparator.comparing(Release::requestedAt).thenComparing(Release::id))
            .toList();
    Map<String, Map<String, Integer>> counts = new TreeMap<>();
    for (Release r : list) {
      counts
          .computeIfAbsent(r.environment(), e -> new TreeMap<>())
          .merge(r.status(), 1, Integer::sum);
    }
    List<EnvironmentCount> byEnvironment = new ArrayList<>();
    counts.forEach(
        (environment, byStatus) ->
            byEnvironment.add(
                new EnvironmentCount(
                    environment,
                    byStatus.values().stream().mapToInt(Integer::intValue).sum(),
                    byStatus)));
    return new ComplianceReport.Releases(list.size(), byEnvironment, list);
  }

  private static ComplianceReport.SignOffs signOffs(
      List<Chain> chains, Predicate<EvidenceEntry> inPeriod) {
    Map<String, Integer> byRole = new TreeMap<>();
    Map<List<String>, List<EvidenceEntry>> byPersonAndRole = new TreeMap<>(ComplianceReports::pair);
    int total = 0;
    for (Chain chain : chains) {
      for (EvidenceEntry e : chain.of("sign-off")) {
        if (inPeriod.test(e)) {
          String role = text(e.payload(), "role");
          byRole.merge(role, 1, Integer::sum);
          byPersonAndRole.computeIfAbsent(List.of(e.actor(), role), k -> new ArrayList<>()).add(e);
          total++;
        }
      }
    }
    List<PersonRole> rows = new ArrayList<>();
    byPersonAndRole.forEach(
        (key, decisions) ->
            rows.add(
                new PersonRole(
                    key.get(0),
                    key.get(1),
                    decisions.size(),
                    count(decisions, "approve"),
                    count(decisions, "reject"),
                    decisions.stream()
                        .map(EvidenceEntry::releaseId)
                        .distinct()
                        .sorted()
                        .toList())));
    return new ComplianceReport.SignOffs(total, byRole, rows);
  }

  private static int pair(List<String> a, List<String> b) {
    int first = a.get(0).compareTo(b.get(0));
    return first != 0 ? first : a.get(1).compareTo(b.get(1));
  }

  private static int count(List<EvidenceEntry> decisions, String decision) {
    return (int)
        decisions.stream().filter(e -> decision.equals(text(e.payload(), "decision"))).count();
  }

  private static List<Override> overrides(
      List<Chain> chains, Predicate<EvidenceEntry> inPeriod, Instant now) {
    List<Override> list = new ArrayList<>();
    for (Chain chain : chains) {
      for (EvidenceEntry asked : chain.of("override-requested")) {
        if (inPeriod.test(asked)) {
          list.add(chain.override(asked, now));
        }
      }
    }
    list.sort(Comparator.comparing(Override::requestedAt));
    return list;
  }

  private static ComplianceReport.Rollbacks rollbacks(
      List<Chain> chains, Predicate<EvidenceEntry> inPeriod) {
    List<Rollback> list = new ArrayList<>();
    for (Chain chain : chains) {
      for (EvidenceEntry started : chain.of("rollback-started")) {
        if (inPeriod.test(started)) {
          JsonNode p = started.payload();
          String requestedBy = text(p, "requestedBy");
          String failedStep = text(p, "failedStep");
          String cause =
              requestedBy != null
                  ? "requested"
                  : failedStep != null ? "step failed: " + failedStep : "step failed";
          list.add(
              new Rollback(
                  chain.id,
                  chain.release().environment(),
                  started.recordedAt(),
                  cause,
                  requestedBy,
                  failedStep,
                  text(p, "reason"),
                  chain.release().status()));
        }
      }
    }
    list.sort(Comparator.comparing(Rollback::startedAt));
    Map<String, Integer> byCause = new TreeMap<>();
    list.forEach(r -> byCause.merge(r.cause(), 1, Integer::sum));
    return new ComplianceReport.Rollbacks(list.size(), byCause, list);
  }

  /**
   * What the data supports as still open: a chain that does not verify, a granted override without
   * its review, a release held at the evidence checkpoint, one still awaiting sign-off past the
   * policy's expiry (its timer did not end it), one that ended failed (left for people to repair),
   * and an archive failure not followed by an archived bundle.
   */
  private static List<Finding> findings(List<Chain> chains, Instant now) {
    List<Finding> findings = new ArrayList<>();
    for (Chain chain : chains) {
      Release release = chain.release();
      String env = release.environment();
      if (!chain.verification.valid()) {
        findings.add(
            new Finding(
                "evidence-chain-invalid",
                chain.id,
                env,
                null,
                String.join("; ", chain.verification.problems())));
      }
      for (EvidenceEntry asked : chain.of("override-requested")) {
        Override override = chain.override(asked, now);
        Review review = override.review();
        if (review.status().equals("open") || review.status().equals("overdue")) {
          findings.add(
              new Finding(
                  "override-review-" + review.status(),
                  chain.id,
                  env,
                  override.decidedAt(),
                  "override "
                      + override.requestId()
                      + " approved by "
                      + override.decidedBy()
                      + "; post-override review due "
                      + review.due()));
        }
      }
      Optional<EvidenceEntry> check = chain.last("checkpoint-pre-deployment");
      if (release.status().equals("requested")
          && check.isPresent()
          && !check.get().payload().path("passed").asBoolean(true)) {
        findings.add(
            new Finding(
                "held-at-evidence-checkpoint",
                chain.id,
                env,
                check.get().recordedAt(),
                release.statusReason()));
      }
      Optional<EvidenceEntry> policy = chain.last("policy-applied");
      if (release.status().equals("awaiting-sign-off") && policy.isPresent()) {
        Duration expiry = duration(text(policy.get().payload(), "expiryAfter"));
        if (expiry != null && policy.get().recordedAt().plus(expiry).isBefore(now)) {
          findings.add(
              new Finding(
                  "sign-off-past-expiry",
                  chain.id,
                  env,
                  policy.get().recordedAt().plus(expiry),
                  "still awaiting sign-off; the policy's expiry ("
                      + expiry
                      + " after the policy was applied) has passed"));
        }
      }
      if (release.status().equals("failed")) {
        findings.add(
            new Finding(
                "release-failed",
                chain.id,
                env,
                chain.last("status-changed").map(EvidenceEntry::recordedAt).orElse(null),
                release.statusReason()));
      }
      Optional<EvidenceEntry> archive =
          chain.entries.stream()
              .filter(
                  e ->
                      e.type().equals("evidence-archived")
                          || e.type().equals("evidence-archive-failed"))
              .reduce((a, b) -> b);
      if (archive.isPresent() && archive.get().type().equals("evidence-archive-failed")) {
        findings.add(
            new Finding(
                "archive-failed",
                chain.id,
                env,
                archive.get().recordedAt(),
                text(archive.get().payload(), "reason")));
      }
    }
    findings.sort(
        Comparator.comparing(Finding::kind)
            .thenComparing(Finding::releaseId, Comparator.nullsFirst(Comparator.naturalOrder())));
    return findings;
  }

  private static Duration duration(String iso) {
    if (iso == null) {
      return null;
    }
    try {
      return Duration.parse(iso);
    } catch (DateTimeParseException notADuration) {
      return null; // a calendar period (P1M): not compared
    }
  }

  static String text(JsonNode node, String field) {
    JsonNode value = node == null ? null : node.get(field);
    return value == null || value.isNull() ? null : value.asText();
  }

  /** One release's chain, read whole, with its verification. */
  private record Chain(String id, List<EvidenceEntry> entries, ChainVerification verification) {
    EvidenceEntry requested() {
      return entries.get(0);
    }

    List<EvidenceEntry> of(String type) {
      return entries.stream().filter(e -> e.type().equals(type)).toList();
    }

    Optional<EvidenceEntry> last(String type) {
      List<EvidenceEntry> all = of(type);
      return all.isEmpty() ? Optional.empty() : Optional.of(all.get(all.size() - 1));
    }

    Release release() {
      JsonNode manifest = requested().payload().path("manifest");
      Optional<EvidenceEntry> status = last("status-changed");
      return new Release(
          id,
          text(manifest, "application"),
          text(manifest, "version"),
          text(manifest, "environment"),
          text(manifest, "changeReference"),
          requested().actor(),
          requested().recordedAt(),
          status.map(s -> text(s.payload(), "to")).orElse("requested"),
          status.map(s -> text(s.payload(), "reason")).orElse(null));
    }

    Override override(EvidenceEntry asked, Instant now) {
      JsonNode p = asked.payload();
      String requestId = text(p, "requestId");
      Optional<EvidenceEntry> decision = forRequest("override-decision", requestId);
      Optional<EvidenceEntry> granted = forRequest("override-granted", requestId);
      Optional<EvidenceEntry> reviewed = forRequest("post-override-review", requestId);
      // Lapsed or used: recorded without the request id, after the grant.
      Optional<EvidenceEntry> outcome =
          granted.flatMap(
              g ->
                  entries.stream()
                      .filter(e -> e.seq() > g.seq())
                      .filter(
                          e ->
                              e.type().equals("override-used")
                                  || e.type().equals("override-lapsed"))
                      .findFirst());
      Review review;
      if (reviewed.isPresent()) {
        EvidenceEntry r = reviewed.get();
        review =
            new Review(
                "done",
                granted.map(g -> g.recordedAt().plus(REVIEW_DUE_AFTER)).orElse(null),
                r.actor(),
                r.recordedAt(),
                text(r.payload(), "validationPlan"));
      } else if (granted.isPresent()) {
        Instant due = granted.get().recordedAt().plus(REVIEW_DUE_AFTER);
        review = new Review(due.isBefore(now) ? "overdue" : "open", due, null, null, null);
      } else if (decision.isPresent()) {
        review = new Review("not-required", null, null, null, null);
      } else {
        review = new Review("awaiting-decision", null, null, null, null);
      }
      return new Override(
          id,
          release().environment(),
          requestId,
          text(p, "kind"),
          text(p, "reason"),
          text(p, "incidentReference"),
          asked.actor(),
          asked.recordedAt(),
          decision.map(d -> text(d.payload(), "decision")).orElse(null),
          decision.map(EvidenceEntry::actor).orElse(null),
          decision.map(EvidenceEntry::recordedAt).orElse(null),
          decision.map(d -> text(d.payload(), "comment")).orElse(null),
          granted.isPresent(),
          outcome.map(o -> o.type().substring("override-".length())).orElse(null),
          review);
    }

    private Optional<EvidenceEntry> forRequest(String type, String requestId) {
      return of(type).stream()
          .filter(e -> requestId != null && requestId.equals(text(e.payload(), "requestId")))
          .findFirst();
    }
  }
}
