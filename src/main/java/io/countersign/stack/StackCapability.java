package io.countersign.stack;

import com.fasterxml.jackson.databind.JsonNode;
import io.countersign.aws.TargetRefusedException;
import io.countersign.evidence.EvidenceLog;
import io.countersign.manifest.FieldErrors;
import io.countersign.manifest.ManifestCheck;
import io.countersign.manifest.ManifestSection;
import io.countersign.manifest.ReleaseManifest;
import io.countersign.process.TargetCapability;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;

/**
 * SAM / CloudFormation stacks: a change set planned before the sign-off from the signed template,
 * executed after the database migrations and before the Lambda functions (the functions a stack
 * defines exist before code is deployed to them), undone after the Lambda functions are reverted.
 */
@Component
@Order(250)
class StackCapability implements TargetCapability {
  static final ManifestSection<StackChange> SECTION =
      ManifestSection.of("stack", StackChange.class);

  /** Start variables the models read. */
  static final String HAS_STACK = "hasStack";

  static final String STACK_TIMEOUT = "stackTimeout";

  /** False once the rollback leaves a stack it could not put back (the release then fails). */
  static final String STACK_RESTORED = "stackRestored";

  /** The change set's summary as the approvers' form shows it (text, no secrets). */
  static final String CHANGE_SET_TEXT = "stackChangeSet";

  /** What the act and undo steps did, for the restoration evidence. */
  static final String EXECUTED = "stack.executed";

  static final String UNDONE = "stack.undone";

  static final String NO_STACK = "the manifest has no stack section";

  /** CloudFormation's parameter names: alphanumeric, up to 255. */
  private static final Pattern PARAMETER_NAME = Pattern.compile("[A-Za-z0-9]{1,255}");

  /**
   * Parameter names that suggest a secret: a manifest is signed, stored and shown to approvers, so
   * a secret goes into the template as an SSM parameter type or a dynamic reference instead.
   */
  private static final List<String> SECRET_WORDS =
      List.of(
          "PASSWORD", "PASSWD", "SECRET", "TOKEN", "APIKEY", "API_KEY", "PRIVATEKEY", "CREDENTIAL");

  private final StackProperties properties;
  private final StackTarget target;
  private final EvidenceLog evidence;

  StackCapability(StackProperties properties, StackTarget target, EvidenceLog evidence) {
    this.properties = properties;
    this.target = target;
    this.evidence = evidence;
  }

  @Override
  public ManifestSection<?> section() {
    return SECTION;
  }

  @Override
  public ManifestCheck check() {
    return this::check;
  }

  @Override
  public boolean isUsedBy(ReleaseManifest manifest) {
    return SECTION.in(manifest) != null;
  }

  @Override
  public List<Step> steps() {
    return List.of(
        Step.main(ExecuteStackChangeDelegate.STEP),
        Step.check(AwaitStackChangeDelegate.STEP),
        Step.undo(UndoStackChangeDelegate.STEP));
  }

  @Override
  public List<String> plannedSteps(ReleaseManifest manifest) {
    StackChange change = SECTION.in(manifest);
    return change == null
        ? List.of()
        : List.of(
            "Execute the change set of CloudFormation stack "
                + change.name()
                + " ("
                + change.target()
                + ") from template s3://"
                + change.template().bucket()
                + "/"
                + change.template().key()
                + " (SHA-256 "
                + change.template().sha256().substring(0, 12)
                + "…), as listed under Stack change set, and await it");
  }

  @Override
  public List<String> undoSteps(ReleaseManifest manifest) {
    StackChange change = SECTION.in(manifest);
    return change == null
        ? List.of()
        : List.of(
            "Put CloudFormation stack "
                + change.name()
                + " back to its previous template and parameters (delete it if this release"
                + " created it, unless termination protection is on); nothing if CloudFormation"
                + " rolled the update back itself");
  }

  @Override
  public List<String> afterUndoSteps(ReleaseManifest manifest) {
    return List.of();
  }

  @Override
  public Map<String, Object> startVariables(ReleaseManifest manifest) {
    return Map.of(
        HAS_STACK,
        SECTION.in(manifest) != null,
        STACK_TIMEOUT,
        properties.timeoutOrDefault().toString(),
        STACK_RESTORED,
        true);
  }

  @Override
  public List<String> recordedVariables() {
    return List.of(EXECUTED, UNDONE);
  }

  @Override
  public Map<String, Object> policyFacts(ReleaseManifest manifest) {
    return Map.of(); // the policy asks for no other sign-offs for stacks (yet)
  }

  /**
   * The planning before the sign-off looked at the stack already; the change set is re-checked by
   * the execution itself.
   */
  @Override
  public List<Finding> verifyEnvironment(String releaseId, ReleaseManifest manifest) {
    // Asked before anything changes: a change set that is not the signed one any more (the stack
    // changed since, or no plan exists because an override skipped it) stops the release here,
    // not after the database steps ran.
    StackChange change = SECTION.in(manifest);
    String subject = "Stack " + change.name();
    JsonNode planned = StackPlans.latest(evidence, releaseId, StackPlans.PLANNED);
    if (planned == null) {
      return List.of(
          Finding.failed(
              subject,
              "no change set was planned and signed over (a release that reached deployment"
                  + " by an override before its planning); nothing will be executed"));
    }
    if (planned.path("noChanges").asBoolean(false)) {
      return List.of(Finding.passed(subject, "the change set had no changes; nothing to execute"));
    }
    String changeSetId = StackPlans.text(planned, "changeSetId");
    try {
      String problem =
          ExecuteStackChangeDelegate.problem(
              target.describeChangeSet(change.target(), change.name(), changeSetId), planned);
      return List.of(
          problem == null
              ? Finding.passed(subject, "change set " + changeSetId + " is the signed one")
              : Finding.failed(subject, problem));
    } catch (TargetRefusedException refused) {
      return List.of(Finding.failed(subject, refused.getMessage()));
    }
  }

  /** The section against the configured target's allow-lists, each problem at its path. */
  private void check(ReleaseManifest manifest, FieldErrors errors) {
    StackChange change = SECTION.in(manifest);
    if (change == null) {
      return;
    }
    String at = "$." + SECTION.name();
    StackProperties.Target target = properties.targets().get(change.target());
    if (target == null) {
      errors.add(
          at + ".target",
          "unknown stack target '"
              + change.target()
              + "'; configured: "
              + (properties.targets().isEmpty()
                  ? "none"
                  : String.join(", ", new TreeSet<>(properties.targets().keySet()))));
      return;
    }
    if (!target.allowsStack(change.name())) {
      errors.add(
          at + ".name",
          "stack '"
              + change.name()
              + "' is not one target "
              + change.target()
              + " may change; allowed: "
              + String.join(", ", target.stackNames()));
    }
    if (!target.artifactBuckets().contains(change.template().bucket())) {
      errors.add(
          at + ".template.bucket",
          "bucket '"
              + change.template().bucket()
              + "' is not an artifact bucket of target "
              + change.target());
    }
    for (Map.Entry<String, String> p : change.parameters().entrySet()) {
      String path = at + ".parameters." + p.getKey();
      if (!PARAMETER_NAME.matcher(p.getKey()).matches()) {
        errors.add(path, "must be a CloudFormation parameter name (letters and digits, 1-255)");
      } else if (looksSecret(p.getKey())) {
        errors.add(
            path,
            "looks like a secret: a manifest is signed, stored and shown to approvers; declare it"
                + " in the template as an SSM parameter type or use a dynamic reference"
                + " ({{resolve:secretsmanager:...}}) instead");
      }
      if (p.getValue() == null) {
        errors.add(path, "must be a literal string");
      } else if (p.getValue().length() > 4096) {
        errors.add(path, "must be at most 4096 characters");
      }
    }
    for (int i = 0; i < change.capabilities().size(); i++) {
      String capability = change.capabilities().get(i);
      if (!target.capabilities().contains(capability)) {
        errors.add(
            at + ".capabilities[" + i + "]",
            "'"
                + capability
                + "' is not allowed for target "
                + change.target()
                + "; allowed: "
                + (target.capabilities().isEmpty()
                    ? "none"
                    : String.join(", ", target.capabilities())));
      } else if (change.capabilities().indexOf(capability) != i) {
        errors.add(at + ".capabilities[" + i + "]", "'" + capability + "' is named twice");
      }
    }
  }

  static boolean looksSecret(String name) {
    String upper = name.toUpperCase(Locale.ROOT);
    return SECRET_WORDS.stream().anyMatch(w -> upper.contains(w.replace("_", "")));
  }
}
