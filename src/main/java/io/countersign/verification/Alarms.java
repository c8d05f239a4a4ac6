package io.countersign.verification;

import io.countersign.evidence.EvidenceLog;
import io.countersign.process.StepSupport;
import io.countersign.verification.VerificationProperties.InsufficientData;
import io.countersign.verification.VerificationTarget.AlarmReading;
import io.countersign.verification.VerificationTarget.AlarmState;
import io.countersign.verification.VerificationTarget.Verdict;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The judging of CloudWatch alarm gates, free of any I/O: which alarms a gate asks about ({@code
 * {function}} expanded), and what each state means. ALARM fails, OK passes, INSUFFICIENT_DATA
 * counts as the installation's policy says, and an alarm that is gone, or alarms that could not be
 * read, are inconclusive: nobody knows whether they would have fired.
 */
final class Alarms {
  static final String OK = "OK";
  static final String ALARM = "ALARM";
  static final String INSUFFICIENT_DATA = "INSUFFICIENT_DATA";

  /** As many alarm names as one {@code DescribeAlarms} call takes. */
  static final int MAX_NAMES = 100;

  /** How the evidence and the bake window's verdicts name an alarm, beside the metric rules. */
  static final String PREFIX = "alarm ";

  private Alarms() {}

  /** One alarm's verdict at one evaluation. */
  record AlarmVerdict(
      String alarm, String state, String reason, String updated, Verdict verdict, String detail) {

    /** "alarm api-errors ALARM FAIL", as the gate's summary and Cockpit's status show it. */
    String line() {
      return PREFIX + alarm + " " + (state == null ? "?" : state) + " " + verdict.name();
    }
  }

  static boolean scoped(String name) {
    return name.contains(MetricRules.FUNCTION);
  }

  /** The bake window's alarms: a name with {@code {function}} once for each function. */
  static List<String> expand(List<String> names, List<String> functions) {
    Set<String> expanded = new LinkedHashSet<>();
    for (String name : names) {
      if (scoped(name)) {
        functions.forEach(f -> expanded.add(name.replace(MetricRules.FUNCTION, f)));
      } else {
        expanded.add(name);
      }
    }
    return List.copyOf(expanded);
  }

  /** A traffic gate's alarms: those about the shifting function, and those about no function. */
  static List<String> forFunction(List<String> names, String function) {
    return expand(names, List.of(function));
  }

  /** Every alarm asked for, in the order asked, judged from what CloudWatch said. */
  static List<AlarmVerdict> judge(
      List<String> names, AlarmReading reading, InsufficientData policy) {
    Map<String, AlarmState> found = new LinkedHashMap<>();
    reading.found().forEach(state -> found.put(state.name(), state));
    List<AlarmVerdict> verdicts = new ArrayList<>();
    for (String name : names) {
      AlarmState state = found.get(name);
      if (reading.problem() != null) {
        verdicts.add(
            new AlarmVerdict(
                name,
                null,
                null,
                null,
                Verdict.INCONCLUSIVE,
                "CloudWatch alarms could not be read: " + reading.problem()));
      } else if (state == null) {
        verdicts.add(
            new AlarmVerdict(
                name,
                null,
                null,
                null,
                Verdict.INCONCLUSIVE,
                "the alarm does not exist in CloudWatch (deleted or renamed since the release"
                    + " started?)"));
      } else {
        verdicts.add(judge(state, policy));
      }
    }
    return verdicts;
  }

  static AlarmVerdict judge(AlarmState state, InsufficientData policy) {
    String reason = state.reason() == null ? "" : ": " + state.reason();
    Verdict verdict;
    String detail;
    switch (state.state() == null ? "" : state.state()) {
      case OK -> {
        verdict = Verdict.PASS;
        detail = "OK" + reason;
      }
      case ALARM -> {
        verdict = Verdict.FAIL;
        detail = "alarm " + state.name() + " is in ALARM" + reason;
      }
      case INSUFFICIENT_DATA -> {
        verdict =
            switch (policy) {
              case OK -> Verdict.PASS;
              case ALARM -> Verdict.FAIL;
              case INCONCLUSIVE -> Verdict.INCONCLUSIVE;
            };
        detail =
            "alarm "
                + state.name()
                + " is in INSUFFICIENT_DATA, counted as "
                + policy.name().toLowerCase(Locale.ROOT)
                + " (countersign.targets.verification.alarms.insufficient-data)"
                + reason;
      }
      default -> {
        verdict = Verdict.INCONCLUSIVE;
        detail = "alarm " + state.name() + " has an unknown state '" + state.state() + "'";
      }
    }
    return new AlarmVerdict(
        state.name(), state.state(), state.reason(), state.updated(), verdict, detail);
  }

  /** FAIL if any alarm failed, else INCONCLUSIVE if any could not be judged, else PASS. */
  static Verdict overall(List<AlarmVerdict> verdicts) {
    return MetricRules.overall(verdicts.stream().map(AlarmVerdict::verdict).toList());
  }

  /**
   * The {@code alarm-verdict} evidence of one evaluation; {@code where} says at which gate (a
   * traffic gate with its function and percent, or the bake window).
   */
  static void record(
      EvidenceLog evidence, String releaseId, AlarmVerdict verdict, Object... where) {
    Map<String, Object> payload =
        StepSupport.payload(
            "alarm",
            verdict.alarm(),
            "state",
            verdict.state(),
            "stateReason",
            verdict.reason(),
            "stateUpdated",
            verdict.updated(),
            "verdict",
            verdict.verdict().name(),
            "detail",
            verdict.detail());
    payload.putAll(StepSupport.payload(where));
    evidence.record(releaseId, "alarm-verdict", StepSupport.ACTOR, payload);
  }
}
