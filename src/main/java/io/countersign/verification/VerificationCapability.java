package io.countersign.verification;

import io.countersign.manifest.ManifestCheck;
import io.countersign.manifest.ManifestSection;
import io.countersign.manifest.ReleaseManifest;
import io.countersign.manifest.ReleaseManifest.HttpCheck;
import io.countersign.manifest.ReleaseManifest.LambdaFunction;
import io.countersign.manifest.ReleaseManifest.MetricRule;
import io.countersign.manifest.ReleaseManifest.VerificationPlan;
import io.countersign.process.TargetCapability;
import io.countersign.process.Variables;
import io.countersign.verification.VerificationTarget.AlarmReading;
import io.countersign.verification.VerificationTarget.AlarmState;
import io.countersign.verification.VerificationTarget.CheckResult;
import io.countersign.verification.VerificationTarget.MetricVerdict;
import io.countersign.verification.VerificationTarget.Verdict;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;

/**
 * Health checks, smoke tests, data checks and the metrics bake window after every change, and the
 * checks again once a rollback has undone it. Last in the deploy model; it declares no policy fact.
 */
@Component
@Order(900)
class VerificationCapability implements TargetCapability {
  static final ManifestSection<VerificationPlan> SECTION =
      ManifestSection.typed("verification", VerificationPlan.class, ReleaseManifest::verification);

  private final VerificationManifestCheck check;
  private final HttpChecks checks;
  private final VerificationTarget target;

  VerificationCapability(
      VerificationManifestCheck check, HttpChecks checks, VerificationTarget target) {
    this.check = check;
    this.checks = checks;
    this.target = target;
  }

  @Override
  public ManifestSection<?> section() {
    return SECTION;
  }

  @Override
  public ManifestCheck check() {
    return check;
  }

  /**
   * Always: a release without checks is still looked at, and its evidence says nothing was checked.
   */
  @Override
  public boolean isUsedBy(ReleaseManifest manifest) {
    return true;
  }

  @Override
  public List<Step> steps() {
    return List.of(
        Step.main("verifyRelease"), Step.main("watchMetrics"), Step.afterUndo("verifyRestoration"));
  }

  @Override
  public List<String> plannedSteps(ReleaseManifest manifest) {
    // What an approver judges the release against: the checks, the thresholds, what a breach does.
    VerificationPlan plan = manifest.verification();
    if (plan == null) {
      return List.of("No verification plan: nothing is checked after deploying");
    }
    List<String> lines = new ArrayList<>();
    lines.add(
        "Verify health checks ("
            + names(plan.healthChecks())
            + ") and smoke tests ("
            + names(plan.smokeTests())
            + "); a failure rolls the release back");
    if (!plan.metrics().isEmpty()) {
      lines.add(
          "Watch metrics for "
              + (plan.bakeWindow() == null ? "the bake window" : plan.bakeWindow())
              + (plan.interval() == null ? "" : " every " + plan.interval())
              + ": "
              + plan.metrics().stream()
                  .map(VerificationCapability::threshold)
                  .collect(Collectors.joining(", "))
              + "; a breach rolls the release back");
    }
    if (!plan.alarms().isEmpty()) {
      lines.add(
          "Watch CloudWatch alarms ("
              + String.join(", ", plan.alarms())
              + ") at every traffic step and through the bake window; an alarm in ALARM rolls the"
              + " release back");
    }
    return lines;
  }

  private static String names(List<HttpCheck> checks) {
    return checks.isEmpty()
        ? "none"
        : checks.stream().map(HttpCheck::name).collect(Collectors.joining(", "));
  }

  private static String threshold(MetricRule rule) {
    StringBuilder text = new StringBuilder(rule.name());
    if (rule.min() != null) {
      text.append(" ≥ ").append(number(rule.min()));
    }
    if (rule.max() != null) {
      text.append(rule.min() != null ? " and" : "").append(" ≤ ").append(number(rule.max()));
    }
    return text.toString();
  }

  private static String number(double value) {
    return java.math.BigDecimal.valueOf(value).stripTrailingZeros().toPlainString();
  }

  @Override
  public List<String> undoSteps(ReleaseManifest manifest) {
    return List.of();
  }

  @Override
  public List<String> afterUndoSteps(ReleaseManifest manifest) {
    VerificationPlan plan = manifest.verification();
    if (plan == null) {
      return List.of("Verify the restoration: no verification plan, so nothing is checked");
    }
    return List.of(
        "Verify the restoration: run the health checks ("
            + names(plan.healthChecks())
            + ")"
            + (plan.dataChecks().stream().anyMatch(c -> "after-rollback".equals(c.after()))
                ? " and the data checks meant for after a rollback"
                : "")
            + " again; a failure is left for people to act on, not rolled back again");
  }

  @Override
  public Map<String, Object> startVariables(ReleaseManifest manifest) {
    return Map.of(Variables.RESTORATION_VERIFIED, false);
  }

  @Override
  public List<String> recordedVariables() {
    return List.of();
  }

  /**
   * Service health and monitoring before anything changes. A failing health check is recorded, not
   * refused (the release may be the fix), so the checks afterwards can be read against it. A metric
   * rule that cannot be measured at all (Prometheus unreachable or not configured, a query it
   * refuses) is refused: the bake window and its rollback triggers would be blind. No data yet, or
   * a value over its threshold, is recorded as it is.
   */
  @Override
  public List<Finding> verifyEnvironment(String releaseId, ReleaseManifest manifest) {
    VerificationPlan plan = manifest.verification();
    if (plan == null) {
      return List.of();
    }
    List<Finding> findings = new ArrayList<>();
    for (HttpCheck health : plan.healthChecks()) {
      CheckResult result = checks.run(health, manifest.environment());
      findings.add(
          Finding.passed(
              "health check " + health.name(),
              (result.passed() ? "healthy" : "failing before the release")
                  + (result.status() == null ? "" : ", HTTP " + result.status())
                  + (result.detail() == null ? "" : ": " + result.detail())));
    }
    List<String> functions =
        manifest.hasLambda()
            ? manifest.lambda().functions().stream().map(LambdaFunction::name).toList()
            : List.of();
    for (MetricRule rule : MetricRules.expand(plan.metrics(), functions)) {
      MetricVerdict verdict = target.evaluate(rule);
      String subject = "metric " + rule.name();
      if (verdict.verdict() == Verdict.INCONCLUSIVE && !MetricRules.measurable(verdict)) {
        findings.add(Finding.failed(subject, "monitoring cannot measure it: " + verdict.detail()));
      } else {
        findings.add(
            Finding.passed(
                subject,
                verdict.verdict()
                    + (verdict.value() == null ? "" : " at " + verdict.value())
                    + (verdict.detail() == null ? "" : ": " + verdict.detail())));
      }
    }
    findings.addAll(alarmFindings(plan, functions));
    return findings;
  }

  /**
   * Every alarm the gates will ask about must exist now: a name that matches nothing would make
   * every gate inconclusive (or, misspelt, watch nothing). One already in ALARM is refused as well:
   * the first gate would roll the release back, so nothing is deployed to be undone.
   */
  private List<Finding> alarmFindings(VerificationPlan plan, List<String> functions) {
    List<String> names = Alarms.expand(plan.alarms(), functions);
    if (names.isEmpty()) {
      return List.of();
    }
    AlarmReading reading = target.alarms(names);
    List<Finding> findings = new ArrayList<>();
    Map<String, AlarmState> found = new HashMap<>();
    reading.found().forEach(a -> found.put(a.name(), a));
    for (String name : names) {
      String subject = "alarm " + name;
      AlarmState state = found.get(name);
      if (reading.problem() != null) {
        findings.add(
            Finding.failed(subject, "CloudWatch alarms cannot be read: " + reading.problem()));
      } else if (state == null) {
        findings.add(Finding.failed(subject, "does not exist in CloudWatch"));
      } else if (Alarms.ALARM.equals(state.state())) {
        findings.add(
            Finding.failed(
                subject,
                "is in ALARM before the release"
                    + (state.reason() == null ? "" : ": " + state.reason())
                    + "; the first gate would roll the release back"));
      } else {
        findings.add(
            Finding.passed(
                subject, state.state() + (state.reason() == null ? "" : ": " + state.reason())));
      }
    }
    return findings;
  }

  @Override
  public Map<String, Object> policyFacts(ReleaseManifest manifest) {
    return Map.of();
  }
}
