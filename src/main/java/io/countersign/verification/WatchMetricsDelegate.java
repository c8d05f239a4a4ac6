package io.countersign.verification;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.countersign.evidence.EvidenceLog;
import io.countersign.manifest.ReleaseManifest;
import io.countersign.manifest.ReleaseManifest.LambdaFunction;
import io.countersign.manifest.ReleaseManifest.MetricRule;
import io.countersign.manifest.ReleaseManifest.VerificationPlan;
import io.countersign.process.OlderDeployModels;
import io.countersign.process.StepOutcome;
import io.countersign.process.StepStart;
import io.countersign.process.StepSupport;
import io.countersign.process.Variables;
import io.countersign.verification.Alarms.AlarmVerdict;
import io.countersign.verification.VerificationProperties.GapPolicy;
import io.countersign.verification.VerificationProperties.Inconclusive;
import io.countersign.verification.VerificationTarget.MetricVerdict;
import io.countersign.verification.VerificationTarget.Verdict;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.camunda.bpm.engine.delegate.DelegateExecution;
import org.camunda.bpm.engine.delegate.JavaDelegate;
import org.camunda.bpm.engine.impl.util.ClockUtil;
import org.camunda.spin.json.SpinJsonNode;
import org.springframework.stereotype.Component;

/**
 * One evaluation of every metric rule, never a wait: the model loops evaluate, gateway on the
 * {@link StepOutcome} (running until the bake window ends, then done), timer of the outcome's wait
 * ({@link Variables#METRICS_INTERVAL}), evaluate. A crossed threshold fails at once. A rule that
 * cannot be measured (query error, no data, NaN) either pauses the window for an operations lead
 * (outcome paused, the default) or, configured to fail, fails if it is still inconclusive when the
 * window ends: a release whose health nobody could measure is not proven healthy. A rule the lead
 * chose to continue with is not asked about again in this window. The plan's CloudWatch alarms are
 * read at every evaluation too: one in ALARM fails like a crossed threshold, one that cannot be
 * judged (INSUFFICIENT_DATA under the default policy, gone, unreadable) like an inconclusive rule.
 */
@Component("watchMetrics")
class WatchMetricsDelegate implements JavaDelegate {
  static final String STEP = "watchMetrics";
  static final String CONTINUE = "continue";

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final TypeReference<List<Map<String, Object>>> VERDICTS = new TypeReference<>() {};

  private final VerificationTarget target;
  private final VerificationProperties properties;
  private final EvidenceLog evidence;
  private final StepStart start;

  WatchMetricsDelegate(
      VerificationTarget target,
      VerificationProperties properties,
      EvidenceLog evidence,
      StepStart start) {
    this.target = target;
    this.properties = properties;
    this.evidence = evidence;
    this.start = start;
  }

  @Override
  public void execute(DelegateExecution execution) {
    StepStart.Started started =
        start.begin(
            execution,
            STEP,
            m -> m.verification() == null,
            "the manifest has no verification section");
    if (started == null) {
      StepOutcome.done().record(execution, STEP);
      return;
    }
    ReleaseManifest manifest = started.manifest();
    String releaseId = started.releaseId();
    VerificationPlan plan = manifest.verification();
    Instant now = ClockUtil.getCurrentTime().toInstant();
    Instant windowEnds = observe(execution, plan, releaseId, now);
    Set<String> accepted = accepted(execution);
    List<MetricRule> rules = MetricRules.expand(plan.metrics(), functions(manifest));
    List<MetricVerdict> verdicts = new ArrayList<>();
    List<Map<String, Object>> last = new ArrayList<>();
    List<String> failed = new ArrayList<>();
    List<String> inconclusive = new ArrayList<>();
    for (MetricRule rule : rules) {
      MetricVerdict verdict = target.evaluate(rule);
      verdicts.add(verdict);
      boolean wasAccepted =
          verdict.verdict() == Verdict.INCONCLUSIVE && accepted.contains(verdict.name());
      evidence.record(
          releaseId,
          "metrics-verdict",
          StepSupport.ACTOR,
          StepSupport.payload(
              "name",
              verdict.name(),
              "provider",
              MetricRules.provider(rule),
              "query",
              verdict.query(),
              "value",
              number(verdict.value()),
              "threshold",
              verdict.threshold(),
              "verdict",
              verdict.verdict().name(),
              "detail",
              verdict.detail(),
              "windowEnds",
              windowEnds.toString(),
              "acceptedBy",
              wasAccepted ? "operations lead (continue)" : null));
      last.add(
          StepSupport.payload(
              "rule",
              verdict.name(),
              "value",
              number(verdict.value()),
              "threshold",
              verdict.threshold(),
              "verdict",
              verdict.verdict().name(),
              "detail",
              verdict.detail(),
              "time",
              now.toString()));
      String line =
          verdict.name()
              + " = "
              + verdict.value()
              + " ("
              + verdict.threshold()
              + ")"
              + (verdict.detail() == null ? "" : ": " + verdict.detail());
      if (verdict.verdict() == Verdict.FAIL) {
        failed.add(line);
      } else if (verdict.verdict() == Verdict.INCONCLUSIVE && !wasAccepted) {
        inconclusive.add(line);
      }
    }
    List<AlarmVerdict> alarms =
        watchAlarms(
            manifest, plan, releaseId, now, windowEnds, accepted, last, failed, inconclusive);
    execution.setVariable(Variables.METRICS_LAST_VERDICTS, StepSupport.json(last));
    execution.setVariable(
        Variables.METRICS_STATUS,
        MetricRules.status(
            rules,
            verdicts,
            alarms.stream().map(AlarmVerdict::line).toList(),
            Duration.between(now, windowEnds)));
    boolean windowOver = !now.isBefore(windowEnds);
    Duration interval = interval(execution);
    if (!failed.isEmpty()) {
      throw StepSupport.fail(
          execution,
          STEP,
          (alarms.stream().anyMatch(a -> a.verdict() == Verdict.FAIL)
                  ? verdicts.stream().anyMatch(v -> v.verdict() == Verdict.FAIL)
                      ? "metric threshold crossed and alarm firing: "
                      : "alarm firing: "
                  : "metric threshold crossed: ")
              + String.join("; ", failed));
    }
    if (!inconclusive.isEmpty() && properties.inconclusive() == Inconclusive.PAUSE) {
      execution.setVariable(
          Variables.METRICS_INCONCLUSIVE_REASON,
          "metrics inconclusive: " + String.join("; ", inconclusive));
      StepOutcome.paused(interval).record(execution, STEP);
      return;
    }
    if (!inconclusive.isEmpty() && windowOver) {
      throw StepSupport.fail(
          execution,
          STEP,
          "metrics inconclusive at the end of the bake window: " + String.join("; ", inconclusive));
    }
    if (windowOver) {
      // What made the window: an auditor sees it was watched end to end, not only that time passed.
      evidence.record(
          releaseId,
          "bake-window-observed",
          StepSupport.ACTOR,
          StepSupport.payload(
              "observedFrom",
              execution.getVariable(Variables.METRICS_OBSERVED_SINCE),
              "observedTo",
              now.toString(),
              "evaluations",
              execution.getVariable(Variables.METRICS_EVALUATIONS),
              "interval",
              interval.toString(),
              "toleratedGap",
              interval.multipliedBy(properties.gaps().tolerance()).toString()));
    }
    (windowOver ? StepOutcome.done() : StepOutcome.running(interval)).record(execution, STEP);
  }

  /**
   * Counts this evaluation in the bake window and returns when the window ends. An evaluation
   * further from the previous one than the tolerated gap (the node was down, the database was
   * unreachable, the window waited for a person) means the time between was not watched: the window
   * restarts now, or ends later by the unwatched time, as configured, and the evidence says so. The
   * window's clock is the engine's, so process tests move it as timers come due.
   */
  private Instant observe(
      DelegateExecution execution, VerificationPlan plan, String releaseId, Instant now) {
    Instant windowEnds = windowEnds(execution, plan, now);
    Duration interval = interval(execution);
    Object last = execution.getVariable(Variables.METRICS_LAST_EVALUATION);
    Object since = execution.getVariable(Variables.METRICS_OBSERVED_SINCE);
    Object counted = execution.getVariable(Variables.METRICS_EVALUATIONS);
    Instant observedSince = since == null ? now : Instant.parse(since.toString());
    long evaluations = counted == null ? 0 : ((Number) counted).longValue();
    if (last != null) {
      Instant previous = Instant.parse(last.toString());
      Duration gap = Duration.between(previous, now);
      Duration tolerated = interval.multipliedBy(properties.gaps().tolerance());
      if (gap.compareTo(tolerated) > 0) {
        Instant endedAt = windowEnds;
        if (properties.gaps().policy() == GapPolicy.RESTART) {
          windowEnds = now.plus(bakeWindow(plan));
          observedSince = now;
          evaluations = 0;
        } else {
          windowEnds = windowEnds.plus(gap.minus(interval));
        }
        execution.setVariable(Variables.METRICS_WINDOW_ENDS, windowEnds.toString());
        evidence.record(
            releaseId,
            "bake-window-gap",
            StepSupport.ACTOR,
            StepSupport.payload(
                "previousEvaluation",
                previous.toString(),
                "evaluation",
                now.toString(),
                "gap",
                gap.toString(),
                "toleratedGap",
                tolerated.toString(),
                "policy",
                properties.gaps().policy().name().toLowerCase(Locale.ROOT),
                "windowEndedAt",
                endedAt.toString(),
                "windowEnds",
                windowEnds.toString()));
      }
    }
    execution.setVariable(Variables.METRICS_LAST_EVALUATION, now.toString());
    execution.setVariable(Variables.METRICS_OBSERVED_SINCE, observedSince.toString());
    execution.setVariable(Variables.METRICS_EVALUATIONS, evaluations + 1);
    return windowEnds;
  }

  /**
   * The plan's alarms at this evaluation: evidence for each, beside the rules' verdicts (so that a
   * lead's 'continue' accepts an alarm without data as it does a rule), and their failures and
   * inconclusive ones with the rules'.
   */
  private List<AlarmVerdict> watchAlarms(
      ReleaseManifest manifest,
      VerificationPlan plan,
      String releaseId,
      Instant now,
      Instant windowEnds,
      Set<String> accepted,
      List<Map<String, Object>> last,
      List<String> failed,
      List<String> inconclusive) {
    List<AlarmVerdict> alarms = alarms(manifest, plan);
    for (AlarmVerdict alarm : alarms) {
      String name = Alarms.PREFIX + alarm.alarm();
      boolean wasAccepted = alarm.verdict() == Verdict.INCONCLUSIVE && accepted.contains(name);
      Alarms.record(
          evidence,
          releaseId,
          alarm,
          "where",
          "bake window",
          "windowEnds",
          windowEnds.toString(),
          "acceptedBy",
          wasAccepted ? "operations lead (continue)" : null);
      last.add(
          StepSupport.payload(
              "rule",
              name,
              "threshold",
              "not in ALARM",
              "verdict",
              alarm.verdict().name(),
              "detail",
              alarm.detail(),
              "time",
              now.toString()));
      String line = alarm.line() + ": " + alarm.detail();
      if (alarm.verdict() == Verdict.FAIL) {
        failed.add(line);
      } else if (alarm.verdict() == Verdict.INCONCLUSIVE && !wasAccepted) {
        inconclusive.add(line);
      }
    }
    return alarms;
  }

  /** The plan's alarms, each function's for names with {@code {function}}, in one call. */
  private List<AlarmVerdict> alarms(ReleaseManifest manifest, VerificationPlan plan) {
    List<String> names = Alarms.expand(plan.alarms(), functions(manifest));
    if (names.isEmpty()) {
      return List.of();
    }
    return Alarms.judge(names, target.alarms(names), properties.alarms().insufficientData());
  }

  /** Set by the window's first evaluation, for the model's timer and every later evaluation. */
  private static Duration interval(DelegateExecution execution) {
    return Duration.parse(execution.getVariable(Variables.METRICS_INTERVAL).toString());
  }

  private Duration bakeWindow(VerificationPlan plan) {
    return plan.bakeWindow() == null ? properties.bakeWindow() : Duration.parse(plan.bakeWindow());
  }

  /**
   * The rules an operations lead chose to go on with: after the window paused the model only comes
   * back here when the lead decided 'continue'; the rules inconclusive then are accepted for the
   * rest of the window.
   */
  private static Set<String> accepted(DelegateExecution execution) {
    Set<String> accepted =
        new LinkedHashSet<>(StepSupport.readList(execution, Variables.METRICS_ACCEPTED));
    if (OlderDeployModels.metricsPaused(execution)
        && CONTINUE.equals(execution.getVariable(Variables.METRICS_DECISION))) {
      for (Map<String, Object> verdict : lastVerdicts(execution)) {
        if (Verdict.INCONCLUSIVE.name().equals(verdict.get("verdict"))) {
          accepted.add(String.valueOf(verdict.get("rule")));
        }
      }
      execution.setVariable(Variables.METRICS_ACCEPTED, StepSupport.json(List.copyOf(accepted)));
    }
    return accepted;
  }

  /**
   * The engine hands our own JSON list back as Java objects; text or Spin from another writer is
   * parsed.
   */
  private static List<Map<String, Object>> lastVerdicts(DelegateExecution execution) {
    Object value = execution.getVariable(Variables.METRICS_LAST_VERDICTS);
    if (value == null) {
      return List.of();
    }
    try {
      return value instanceof String || value instanceof SpinJsonNode
          ? JSON.readValue(value.toString(), VERDICTS)
          : JSON.convertValue(value, VERDICTS);
    } catch (JsonProcessingException | IllegalArgumentException e) {
      throw new IllegalStateException(
          "variable '" + Variables.METRICS_LAST_VERDICTS + "' is not the JSON it should be", e);
    }
  }

  private static List<String> functions(ReleaseManifest manifest) {
    return manifest.hasLambda()
        ? manifest.lambda().functions().stream().map(LambdaFunction::name).toList()
        : List.of();
  }

  /** JSON has no NaN or infinity: those go into evidence and variables as text. */
  private static Object number(Double value) {
    return value == null
        ? null
        : Double.isNaN(value) || Double.isInfinite(value) ? MetricRules.format(value) : value;
  }

  /** Fixed by the first evaluation, with the interval every evaluation gives the model's timer. */
  private Instant windowEnds(DelegateExecution execution, VerificationPlan plan, Instant now) {
    Object recorded = execution.getVariable(Variables.METRICS_WINDOW_ENDS);
    if (recorded != null) {
      return Instant.parse(recorded.toString());
    }
    Duration window = bakeWindow(plan);
    Duration interval =
        plan.interval() == null ? properties.interval() : Duration.parse(plan.interval());
    Instant ends = now.plus(window);
    execution.setVariable(Variables.METRICS_WINDOW_ENDS, ends.toString());
    execution.setVariable(Variables.METRICS_INTERVAL, interval.toString());
    return ends;
  }
}
