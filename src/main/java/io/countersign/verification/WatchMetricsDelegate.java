package io.countersign.verification;

import io.countersign.engine.StepSupport;
import io.countersign.engine.Variables;
import io.countersign.evidence.EvidenceLog;
import io.countersign.release.Manifests;
import io.countersign.release.ReleaseManifest;
import io.countersign.release.ReleaseManifest.MetricRule;
import io.countersign.release.ReleaseManifest.VerificationPlan;
import io.countersign.verification.VerificationTarget.MetricVerdict;
import io.countersign.verification.VerificationTarget.Verdict;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.camunda.bpm.engine.delegate.DelegateExecution;
import org.camunda.bpm.engine.delegate.JavaDelegate;
import org.camunda.bpm.engine.impl.util.ClockUtil;
import org.springframework.stereotype.Component;

/**
 * One evaluation of every metric rule, never a wait: the model loops evaluate, gateway on
 * {@link Variables#METRICS_STATE}, timer of {@link Variables#METRICS_INTERVAL}, evaluate, until the bake
 * window ends. A crossed threshold fails at once; a verdict still inconclusive when the window ends fails
 * too, because a release whose health nobody could measure is not proven healthy.
 */
@Component("watchMetrics")
class WatchMetricsDelegate implements JavaDelegate {
  static final String STEP = "watchMetrics";
  static final String WATCHING = "watching";
  static final String PASSED = "passed";
  static final String FAILED = "failed";

  private final VerificationTarget target;
  private final VerificationProperties properties;
  private final EvidenceLog evidence;

  WatchMetricsDelegate(VerificationTarget target, VerificationProperties properties, EvidenceLog evidence) {
    this.target = target;
    this.properties = properties;
    this.evidence = evidence;
  }

  @Override
  public void execute(DelegateExecution execution) {
    ReleaseManifest manifest = Manifests.from(execution);
    String releaseId = StepSupport.releaseId(execution);
    VerificationPlan plan = manifest.verification();
    if (StepSupport.skipIf(plan == null, evidence, releaseId, STEP, "the manifest has no verification section")) {
      execution.setVariable(Variables.METRICS_STATE, PASSED); // the gateway after this step reads it
      return;
    }
    StepSupport.failIfDrill(execution, manifest, STEP);
    Instant now = ClockUtil.getCurrentTime().toInstant();
    Instant windowEnds = windowEnds(execution, plan, now);
    List<String> failed = new ArrayList<>();
    List<String> inconclusive = new ArrayList<>();
    for (MetricRule rule : plan.metrics()) {
      MetricVerdict verdict = target.evaluate(rule);
      evidence.record(releaseId, "metrics-verdict", StepSupport.ACTOR, StepSupport.payload(
          "name", verdict.name(), "query", verdict.query(), "value", verdict.value(),
          "threshold", verdict.threshold(), "verdict", verdict.verdict().name(), "detail", verdict.detail(),
          "windowEnds", windowEnds.toString()));
      String line = verdict.name() + " = " + verdict.value() + " (" + verdict.threshold() + ")"
          + (verdict.detail() == null ? "" : ": " + verdict.detail());
      if (verdict.verdict() == Verdict.FAIL) {
        failed.add(line);
      } else if (verdict.verdict() == Verdict.INCONCLUSIVE) {
        inconclusive.add(line);
      }
    }
    boolean windowOver = !now.isBefore(windowEnds);
    if (!failed.isEmpty() || windowOver && !inconclusive.isEmpty()) {
      execution.setVariable(Variables.METRICS_STATE, FAILED);
      throw StepSupport.fail(execution, STEP, !failed.isEmpty()
          ? "metric threshold crossed: " + String.join("; ", failed)
          : "metrics inconclusive at the end of the bake window: " + String.join("; ", inconclusive));
    }
    execution.setVariable(Variables.METRICS_STATE, windowOver ? PASSED : WATCHING);
  }

  /** Fixed by the first evaluation; the same call sets the interval the model's timer waits. */
  private Instant windowEnds(DelegateExecution execution, VerificationPlan plan, Instant now) {
    Object recorded = execution.getVariable(Variables.METRICS_WINDOW_ENDS);
    if (recorded != null) {
      return Instant.parse(recorded.toString());
    }
    Duration window = plan.bakeWindow() == null ? properties.bakeWindow() : Duration.parse(plan.bakeWindow());
    Duration interval = plan.interval() == null ? properties.interval() : Duration.parse(plan.interval());
    Instant ends = now.plus(window);
    execution.setVariable(Variables.METRICS_WINDOW_ENDS, ends.toString());
    execution.setVariable(Variables.METRICS_INTERVAL, interval.toString());
    return ends;
  }
}
