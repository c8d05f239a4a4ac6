package io.countersign.notify;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An event as people read it, whatever the channel: a title, a sentence, a severity, the facts an
 * approver or an on-call engineer needs (role, deadline, reason...) and links (the task in
 * Tasklist, the release, its evidence). Slack, Teams, e-mail and PagerDuty lay out the same
 * message.
 */
record Message(
    String title,
    String summary,
    Severity severity,
    Map<String, String> facts,
    Map<String, String> links) {

  /** PagerDuty's severities, which the other channels show as colours or words. */
  enum Severity {
    INFO,
    WARNING,
    ERROR,
    CRITICAL;

    String value() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  /** The facts shown, in this order, with their labels, when the event carries them. */
  private static final List<String[]> FACTS =
      List.of(
          new String[] {"releaseId", "Release"},
          new String[] {"application", "Application"},
          new String[] {"version", "Version"},
          new String[] {"environment", "Environment"},
          new String[] {"status", "Status"},
          new String[] {"role", "Role"},
          new String[] {"openRoles", "Open roles"},
          new String[] {"taskName", "Task"},
          new String[] {"requestedBy", "Requested by"},
          new String[] {"followUp", "Escalates at"},
          new String[] {"due", "Due"},
          new String[] {"decision", "Decision"},
          new String[] {"decidedBy", "Decided by"},
          new String[] {"incidentReference", "Incident reference"},
          new String[] {"activity", "Step"},
          new String[] {"reason", "Reason"},
          new String[] {"comment", "Comment"});

  private static final Map<String, String> LINKS =
      Map.of("task", "Open the task", "release", "Release", "evidence", "Evidence");

  static Message of(Event event) {
    String release =
        event.text("application") + " " + event.text("version") + " → " + event.text("environment");
    String status = event.text("status");
    boolean restored = event.data().path("restored").asBoolean(false);
    String title =
        switch (event.type()) {
          case Notifications.SIGN_OFF_WAITING ->
              "Sign-off waiting (" + event.text("role") + "): " + release;
          case Notifications.SIGN_OFF_ESCALATED ->
              "Sign-off escalated to release managers: " + release;
          case Notifications.SIGN_OFF_EXPIRED -> "Sign-off expired: " + release;
          case Notifications.OVERRIDE_REQUESTED -> "Emergency override requested: " + release;
          case Notifications.OVERRIDE_DECIDED ->
              "Override " + event.text("decision") + ": " + release;
          case Notifications.OVERRIDE_REVIEW_DUE -> "Post-override review due: " + release;
          case Notifications.DECISION_WAITING ->
              "Decision needed (" + event.text("taskName") + "): " + release;
          case Notifications.ROLLBACK_STARTED -> "Rolling back: " + release;
          case Notifications.ROLLBACK_FINISHED ->
              (restored ? "Rolled back: " : "Rollback did not restore: ") + release;
          case Notifications.INCIDENT_OPENED -> "Release stopped by an incident: " + release;
          case Notifications.INCIDENT_RESOLVED -> "Incident resolved: " + release;
          default -> release + ": " + (status == null ? event.type() : status);
        };
    String summary = event.text("message") != null ? event.text("message") : event.text("reason");
    Map<String, String> facts = new LinkedHashMap<>();
    for (String[] fact : FACTS) {
      if (event.data().hasNonNull(fact[0])) {
        facts.put(fact[1], text(event, fact[0]));
      }
    }
    Map<String, String> links = new LinkedHashMap<>();
    for (String name : List.of("task", "release", "evidence")) {
      // People open a release in the console; the API's address is for machines.
      String link =
          name.equals("release") && event.link("console") != null
              ? event.link("console")
              : event.link(name);
      if (link != null) {
        links.put(LINKS.get(name), link);
      }
    }
    return new Message(title, summary, severity(event.type(), status, restored), facts, links);
  }

  private static String text(Event event, String field) {
    var value = event.data().get(field);
    if (value.isArray()) {
      List<String> items = new java.util.ArrayList<>();
      value.forEach(v -> items.add(v.asText()));
      return String.join(", ", items);
    }
    return value.asText();
  }

  static Severity severity(String type, String status, boolean restored) {
    return switch (type) {
      case Notifications.ROLLBACK_STARTED, Notifications.INCIDENT_OPENED -> Severity.ERROR;
      case Notifications.ROLLBACK_FINISHED -> restored ? Severity.WARNING : Severity.CRITICAL;
      case Notifications.SIGN_OFF_ESCALATED,
          Notifications.SIGN_OFF_EXPIRED,
          Notifications.OVERRIDE_REQUESTED,
          Notifications.OVERRIDE_REVIEW_DUE ->
          Severity.WARNING;
      case Notifications.STATUS_CHANGED ->
          switch (status == null ? "" : status) {
            case "failed" -> Severity.CRITICAL;
            case "rolling-back" -> Severity.ERROR;
            case "rolled-back", "rejected", "expired", "cancelled" -> Severity.WARNING;
            default -> Severity.INFO;
          };
      default -> Severity.INFO;
    };
  }
}
