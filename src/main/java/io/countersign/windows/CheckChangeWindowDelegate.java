package io.countersign.windows;

import com.fasterxml.jackson.databind.JsonNode;
import io.countersign.evidence.EvidenceEntry;
import io.countersign.evidence.EvidenceLog;
import io.countersign.process.ManifestStore;
import io.countersign.process.Variables;
import io.countersign.signoff.SignOffGate;
import io.countersign.windows.ChangeCalendar.Freeze;
import io.countersign.windows.ChangeCalendar.Verdict;
import io.countersign.windows.ChangeCalendar.Window;
import java.time.Instant;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.camunda.bpm.engine.delegate.DelegateExecution;
import org.camunda.bpm.engine.delegate.JavaDelegate;
import org.camunda.bpm.engine.impl.util.ClockUtil;
import org.springframework.stereotype.Component;

/**
 * Checks the change windows and freezes of the release's environment when deployment would start
 * (after the sign-offs, or an override, and before the start-deployment gate). Open: it goes on.
 * Closed: what the release policy says ({@code changeWindows}, read from the policy-applied entry
 * of the signed chain): wait for the next opening on a timer ({@code windowOpensAt}), or hold the
 * release until an emergency override. An override in force lets it through, recorded. Every check
 * is a {@code change-window-checked} entry. Time is the engine's clock, as for its timers.
 */
@Component("checkChangeWindow")
class CheckChangeWindowDelegate implements JavaDelegate {
  static final String CHECKED = "change-window-checked";
  static final String OPEN = "open";
  static final String WAIT = "wait";
  static final String OVERRIDE = "override";

  private final ChangeCalendar calendar;
  private final ManifestStore manifests;
  private final EvidenceLog evidence;
  private final SignOffGate gate;

  CheckChangeWindowDelegate(
      ChangeCalendar calendar, ManifestStore manifests, EvidenceLog evidence, SignOffGate gate) {
    this.calendar = calendar;
    this.manifests = manifests;
    this.evidence = evidence;
    this.gate = gate;
  }

  @Override
  public void execute(DelegateExecution execution) {
    String releaseId = execution.getProcessBusinessKey();
    ManifestStore.Signed signed = manifests.submitted(releaseId);
    String environment = signed.manifest().environment();
    Verdict verdict = calendar.check(environment, ClockUtil.getCurrentTime().toInstant());
    String rule = verdict.freeze() != null ? "inFreeze" : "outsideWindow";
    String policy = null;
    String overrideId = null;
    String outcome;
    if (verdict.open()) {
      outcome = OPEN;
    } else {
      policy = policy(releaseId, rule);
      overrideId = gate.activeOverride(signed).orElse(null);
      if (overrideId != null) {
        outcome = "overridden";
      } else if (policy.equals(WAIT) && verdict.nextOpening() != null) {
        outcome = WAIT;
      } else {
        outcome = "held";
      }
    }
    String decision =
        switch (outcome) {
          case OPEN, "overridden" -> OPEN;
          case WAIT -> WAIT;
          default -> OVERRIDE;
        };
    execution.setVariable(Variables.CHANGE_WINDOW, decision);
    if (decision.equals(WAIT)) {
      execution.setVariable(Variables.WINDOW_OPENS_AT, Date.from(verdict.nextOpening()));
      execution.setVariable(
          Variables.STATUS_REASON,
          Character.toUpperCase(closed(verdict).charAt(0))
              + closed(verdict).substring(1)
              + "; waits for the next opening at "
              + verdict.nextOpening()
              + ". An emergency override can deploy it earlier; a cancel ends it.");
    } else if (decision.equals(OVERRIDE)) {
      String why =
          policy.equals(WAIT)
              ? ", and it does not open within "
                  + ChangeCalendar.HORIZON.toDays()
                  + " days: only an emergency override can deploy it"
              : ". The release policy requires an emergency override to deploy "
                  + (rule.equals("inFreeze") ? "during a freeze" : "outside a change window");
      execution.setVariable(
          Variables.STATUS_REASON,
          "Held: "
              + closed(verdict)
              + why
              + ". Request one, or cancel and resubmit"
              + (verdict.nextOpening() == null
                  ? "."
                  : " once it opens (next at " + verdict.nextOpening() + ")."));
    }

    Map<String, Object> payload = new LinkedHashMap<>();
    payload.put("environment", environment);
    payload.put("now", verdict.at().toString());
    payload.put("open", verdict.open());
    payload.put("window", verdict.window() == null ? null : verdict.window().toString());
    payload.put("windows", verdict.windows().stream().map(Window::toString).toList());
    payload.put("freeze", verdict.freeze() == null ? null : freeze(verdict.freeze()));
    payload.put("nextOpening", text(verdict.nextOpening()));
    payload.put("policy", policy == null ? null : Map.of(rule, policy));
    payload.put("outcome", outcome);
    payload.put("overrideRequestId", overrideId);
    evidence.record(releaseId, CHECKED, "countersign", payload);
  }

  /** What the pinned policy said for the rule, as recorded when it was applied. */
  private String policy(String releaseId, String rule) {
    List<EvidenceEntry> applied =
        evidence.entries(releaseId).stream()
            .filter(e -> e.type().equals("policy-applied"))
            .toList();
    JsonNode value =
        applied.isEmpty()
            ? null
            : applied.get(applied.size() - 1).payload().path("changeWindows").get(rule);
    // A policy without the decision (or an empty cell) waits: never deploys in a closed window.
    String said = value == null || value.isNull() ? WAIT : value.asText();
    if (!said.equals(WAIT) && !said.equals(OVERRIDE)) {
      throw new IllegalStateException(
          "release policy changeWindows: "
              + rule
              + " is \""
              + said
              + "\"; expected \"wait\" or \"override\"");
    }
    return said;
  }

  private static String closed(Verdict verdict) {
    if (verdict.freeze() != null) {
      Freeze f = verdict.freeze();
      return "in the freeze '"
          + f.name()
          + "'"
          + (f.reason() == null ? "" : " (" + f.reason() + ")")
          + " until "
          + f.to();
    }
    return "outside the change windows of "
        + verdict.environment()
        + " ("
        + String.join("; ", verdict.windows().stream().map(Window::toString).toList())
        + ")";
  }

  private static Map<String, Object> freeze(Freeze f) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("name", f.name());
    m.put("from", f.from().toString());
    m.put("to", f.to().toString());
    m.put("reason", f.reason());
    return m;
  }

  private static String text(Instant instant) {
    return instant == null ? null : instant.toString();
  }
}
