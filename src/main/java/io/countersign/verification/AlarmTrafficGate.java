package io.countersign.verification;

import io.countersign.evidence.EvidenceLog;
import io.countersign.lambda.TrafficGate;
import io.countersign.manifest.ReleaseManifest;
import io.countersign.verification.Alarms.AlarmVerdict;
import io.countersign.verification.VerificationTarget.Verdict;
import java.util.List;
import java.util.stream.Collectors;
import org.springframework.stereotype.Component;

/**
 * The manifest's CloudWatch alarms as a gate between two Lambda traffic steps, as CodeDeploy's
 * alarm configuration: one {@code DescribeAlarms} for the alarms about the shifting function (names
 * with {@code {function}}) and those about no function. ALARM stops the shift (rollback); like the
 * metric rules' gate, an alarm that cannot be judged (INSUFFICIENT_DATA under the default policy,
 * gone, unreadable) stops it too. Each alarm's state is evidence.
 */
@Component
class AlarmTrafficGate implements TrafficGate {
  private final VerificationTarget target;
  private final VerificationProperties properties;
  private final EvidenceLog evidence;

  AlarmTrafficGate(
      VerificationTarget target, VerificationProperties properties, EvidenceLog evidence) {
    this.target = target;
    this.properties = properties;
    this.evidence = evidence;
  }

  @Override
  public String name() {
    return "cloudwatch-alarms";
  }

  @Override
  public Result check(String releaseId, ReleaseManifest manifest, String function, int percent) {
    List<String> names =
        manifest.verification() == null
            ? List.of()
            : Alarms.forFunction(manifest.verification().alarms(), function);
    if (names.isEmpty()) {
      return new Result(true, "no alarms");
    }
    List<AlarmVerdict> verdicts =
        Alarms.judge(names, target.alarms(names), properties.alarms().insufficientData());
    for (AlarmVerdict verdict : verdicts) {
      Alarms.record(
          evidence,
          releaseId,
          verdict,
          "where",
          "traffic gate",
          "function",
          function,
          "percent",
          percent);
    }
    Verdict overall = Alarms.overall(verdicts);
    String summary =
        verdicts.stream()
            .map(v -> v.verdict() == Verdict.PASS ? v.line() : v.line() + " (" + v.detail() + ")")
            .collect(Collectors.joining("; "));
    return new Result(
        overall == Verdict.PASS,
        overall == Verdict.INCONCLUSIVE ? "inconclusive, so the shift stops: " + summary : summary);
  }
}
