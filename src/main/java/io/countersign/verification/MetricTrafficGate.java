package io.countersign.verification;

import io.countersign.evidence.EvidenceLog;
import io.countersign.lambda.TrafficGate;
import io.countersign.manifest.ReleaseManifest;
import io.countersign.manifest.ReleaseManifest.MetricRule;
import io.countersign.process.StepSupport;
import io.countersign.verification.VerificationTarget.MetricVerdict;
import io.countersign.verification.VerificationTarget.Verdict;
import java.util.ArrayList;
import java.util.List;
import org.springframework.stereotype.Component;

/**
 * The manifest's metric rules as a gate between two Lambda traffic steps: a rule whose query names
 * {@code {function}} is asked about the shifting function only, the others as they are. Each
 * evaluation is evidence. The gate cannot pause a shift for a person, so an inconclusive verdict
 * stops the shift like a failed one: more traffic on a version nobody could measure is the riskier
 * choice.
 */
@Component
class MetricTrafficGate implements TrafficGate {
  private final VerificationTarget target;
  private final EvidenceLog evidence;

  MetricTrafficGate(VerificationTarget target, EvidenceLog evidence) {
    this.target = target;
    this.evidence = evidence;
  }

  /** The overall verdict of the rules for one function, and what each rule said. */
  record Outcome(
      Verdict verdict, List<MetricRule> rules, List<MetricVerdict> verdicts, String summary) {}

  @Override
  public String name() {
    return "metric-rules";
  }

  @Override
  public Result check(String releaseId, ReleaseManifest manifest, String function, int percent) {
    Outcome outcome = evaluate(manifest, function);
    for (int i = 0; i < outcome.verdicts().size(); i++) {
      MetricVerdict verdict = outcome.verdicts().get(i);
      evidence.record(
          releaseId,
          "metrics-verdict",
          StepSupport.ACTOR,
          StepSupport.payload(
              "name",
              verdict.name(),
              "provider",
              MetricRules.provider(outcome.rules().get(i)),
              "query",
              verdict.query(),
              "value",
              verdict.value() == null || verdict.value().isNaN() || verdict.value().isInfinite()
                  ? null
                  : verdict.value(),
              "threshold",
              verdict.threshold(),
              "verdict",
              verdict.verdict().name(),
              "detail",
              verdict.detail(),
              "function",
              function,
              "percent",
              percent));
    }
    return new Result(
        outcome.verdict() == Verdict.PASS,
        outcome.verdict() == Verdict.INCONCLUSIVE
            ? "inconclusive, so the shift stops: " + outcome.summary()
            : outcome.summary());
  }

  Outcome evaluate(ReleaseManifest manifest, String function) {
    List<MetricRule> rules =
        manifest.verification() == null ? List.of() : manifest.verification().metrics();
    if (rules.isEmpty()) {
      return new Outcome(Verdict.PASS, List.of(), List.of(), "no metric rules");
    }
    List<MetricRule> asked = new ArrayList<>();
    List<MetricVerdict> verdicts = new ArrayList<>();
    List<String> lines = new ArrayList<>();
    for (MetricRule rule : rules) {
      MetricRule scoped = MetricRules.forFunction(rule, function);
      asked.add(scoped);
      MetricVerdict verdict = target.evaluate(scoped);
      verdicts.add(verdict);
      lines.add(MetricRules.line(scoped, verdict));
    }
    return new Outcome(
        MetricRules.overall(verdicts.stream().map(MetricVerdict::verdict).toList()),
        asked,
        verdicts,
        String.join("; ", lines));
  }
}
