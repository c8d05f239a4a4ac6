package io.countersign.stack;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.countersign.evidence.EvidenceEntry;
import io.countersign.evidence.EvidenceLog;
import io.countersign.manifest.CanonicalJson;
import io.countersign.process.StepSupport;
import io.countersign.process.Variables;
import io.countersign.stack.StackTarget.Change;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.camunda.bpm.engine.delegate.BpmnError;
import org.camunda.bpm.engine.delegate.DelegateExecution;

/**
 * What the stack steps share: the deterministic names and tokens a re-run finds again, the change
 * set's summary (its digest is what approvers signed over and what the execution re-checks), and
 * reading the signed evidence the steps decide from.
 */
final class StackPlans {
  /** Evidence types, in the order a release records them. */
  static final String PLAN_STARTED = "stack-plan-started";

  static final String PLAN_REFUSED = "stack-plan-refused";
  static final String PLANNED = "stack-planned";
  static final String CHANGE_REFUSED = "stack-change-refused";
  static final String UNCHANGED = "stack-unchanged";
  static final String EXECUTED = "stack-change-executed";
  static final String UPDATED = "stack-updated";
  static final String UPDATE_FAILED = "stack-update-failed";
  static final String TIMED_OUT = "stack-update-timed-out";
  static final String UNDO_STARTED = "stack-undo-started";
  static final String UNDO_EXECUTED = "stack-undo-executed";
  static final String UNDONE = "stack-undone";
  static final String UNDO_NOT_NEEDED = "stack-undo-not-needed";
  static final String LEFT_PROTECTED = "stack-left-protected";
  static final String UNDO_FAILED = "stack-undo-failed";

  /** The BPMN error of a refused plan: the release ends failed before the sign-off. */
  static final String PLAN_FAILED = "stackPlanFailed";

  /** CloudFormation's TemplateBody limit; a bigger template goes by its versioned S3 URL. */
  static final int MAX_BODY_BYTES = 51_200;

  static final String CREATE = "CREATE";
  static final String UPDATE = "UPDATE";

  private static final ObjectMapper JSON = new ObjectMapper();

  private StackPlans() {}

  /** The change set of this release: a re-run of the planning finds it by this name. */
  static String changeSetName(String releaseId) {
    return name("countersign-", releaseId);
  }

  /** The change set that puts the previous template back. */
  static String undoChangeSetName(String releaseId) {
    return name("countersign-undo-", releaseId);
  }

  /** A client token for one action of this release: the same in every run of the step. */
  static String token(String releaseId, String action) {
    return "countersign-" + sha256(releaseId + "/" + action).substring(0, 48);
  }

  /** Where the previous template is kept for a rollback, in the template's bucket. */
  static String previousTemplateKey(String stack, String releaseId) {
    return "countersign/previous-templates/" + stack + "/" + releaseId + ".template";
  }

  private static String name(String prefix, String releaseId) {
    String name = prefix + releaseId.replaceAll("[^A-Za-z0-9-]", "-");
    return name.length() <= 128 ? name : name.substring(0, 128);
  }

  static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
  }

  static String sha256(String text) {
    return sha256(text.getBytes(StandardCharsets.UTF_8));
  }

  /** The changes as evidence records them, in CloudFormation's order. */
  static List<Map<String, Object>> summary(List<Change> changes) {
    List<Map<String, Object>> out = new ArrayList<>();
    for (Change c : changes) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("action", c.action());
      m.put("logicalId", c.logicalId());
      m.put("type", c.resourceType());
      m.put("replacement", c.replacement());
      m.put("scope", c.scope());
      out.add(m);
    }
    return out;
  }

  /** The digest of the summary: what was signed over is what is executed. */
  static String summaryDigest(List<Change> changes) {
    return CanonicalJson.sha256(CanonicalJson.of(JSON.valueToTree(summary(changes))));
  }

  /** The summary as approvers read it: added, modified (with replacement), removed. */
  static String text(String stack, String type, List<Change> changes, boolean dryRun) {
    if (dryRun) {
      return "Stack "
          + stack
          + ": dry run, no change set was created; the resources that would change are not known.";
    }
    StringBuilder out =
        new StringBuilder("Stack " + stack + (CREATE.equals(type) ? " (new stack)" : "") + ":\n");
    for (String action : List.of("Add", "Modify", "Remove", "Import", "Dynamic")) {
      List<Change> of = changes.stream().filter(c -> action.equals(c.action())).toList();
      if (of.isEmpty()) {
        continue;
      }
      out.append(
          switch (action) {
            case "Add" -> "Added";
            case "Modify" -> "Modified";
            case "Remove" -> "Removed";
            case "Import" -> "Imported";
            default -> "Dynamic";
          });
      out.append(" (").append(of.size()).append("):\n");
      for (Change c : of) {
        out.append("- ").append(c.logicalId()).append(" (").append(c.resourceType()).append(')');
        if ("Modify".equals(action) && c.replacement() != null) {
          out.append(
              switch (c.replacement()) {
                case "True" -> ": REPLACED";
                case "Conditional" -> ": may be replaced";
                default -> ": updated in place";
              });
        }
        out.append('\n');
      }
    }
    return out.toString().trim();
  }

  /** The latest signed entry of a type in the release's chain, or null. */
  static JsonNode latest(EvidenceLog evidence, String releaseId, String type) {
    List<EvidenceEntry> entries = evidence.authentic(releaseId, type);
    return entries.isEmpty() ? null : entries.get(entries.size() - 1).payload();
  }

  /** A JSON object's string field, or null. */
  static String text(JsonNode node, String field) {
    JsonNode value = node == null ? null : node.get(field);
    return value == null || value.isNull() ? null : value.asText();
  }

  /**
   * Records a refused plan and returns the error that ends the release before the sign-off
   * (evidence first: a BpmnError leaves the job's transaction to commit).
   */
  static BpmnError refusePlan(
      EvidenceLog evidence,
      DelegateExecution execution,
      String releaseId,
      String step,
      String stack,
      String reason) {
    String why = "stack " + stack + ": " + reason;
    evidence.record(
        releaseId,
        PLAN_REFUSED,
        StepSupport.ACTOR,
        StepSupport.payload("step", step, "stack", stack, "reason", why));
    execution.setVariable(Variables.FAILURE_REASON, why);
    return new BpmnError(PLAN_FAILED, why);
  }

  /** Whether a failed change set only says there was nothing to change. */
  static boolean noChanges(String statusReason) {
    return statusReason != null
        && (statusReason.contains("didn't contain changes")
            || statusReason.contains("No updates are to be performed"));
  }

  /** A stack status of an operation still going on. */
  static boolean inProgress(String status) {
    return status != null && status.endsWith("_IN_PROGRESS");
  }

  /** A stack status after a failed operation or CloudFormation's own rollback. */
  static boolean failedOrRolledBack(String status) {
    return status != null && (status.contains("ROLLBACK") || status.endsWith("_FAILED"));
  }
}
