package io.countersign.stack;

import io.countersign.aws.TargetRefusedException;
import io.countersign.evidence.EvidenceLog;
import io.countersign.process.Attempts;
import io.countersign.process.ManifestStore;
import io.countersign.process.StepOutcome;
import io.countersign.process.StepSupport;
import io.countersign.stack.StackTarget.ChangeSet;
import io.countersign.stack.StackTarget.ChangeSetRequest;
import io.countersign.stack.StackTarget.StackState;
import io.countersign.stack.StackTarget.TemplateObject;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.camunda.bpm.engine.delegate.BpmnError;
import org.camunda.bpm.engine.delegate.DelegateExecution;
import org.camunda.bpm.engine.delegate.JavaDelegate;
import org.springframework.stereotype.Component;

/**
 * Before the sign-off (release.bpmn): reads the template from its bucket and refuses unless its
 * SHA-256 is the signed one, records the stack's status and termination protection, keeps the
 * previous template and parameters for a rollback, starts drift detection and creates the change
 * set from exactly the signed bytes. {@code checkStackPlan} then waits for both. A refusal ends the
 * release before anyone signs; nothing is created before the digest matched.
 */
@Component("planStackChange")
class PlanStackChangeDelegate implements JavaDelegate {
  static final String STEP = "planStackChange";

  private final StackTarget target;
  private final StackProperties properties;
  private final EvidenceLog evidence;
  private final ManifestStore manifests;
  private final Attempts attempts;

  PlanStackChangeDelegate(
      StackTarget target,
      StackProperties properties,
      EvidenceLog evidence,
      ManifestStore manifests,
      Attempts attempts) {
    this.target = target;
    this.properties = properties;
    this.evidence = evidence;
    this.manifests = manifests;
    this.attempts = attempts;
  }

  @Override
  public void execute(DelegateExecution execution) {
    String releaseId = StepSupport.releaseId(execution);
    StackChange change = StackCapability.SECTION.in(manifests.submitted(releaseId).manifest());
    if (StepSupport.skipIf(change == null, evidence, releaseId, STEP, StackCapability.NO_STACK)) {
      StepOutcome.done().record(execution, STEP);
      return;
    }
    try {
      plan(execution, releaseId, change);
    } catch (TargetRefusedException refused) {
      throw refuse(execution, releaseId, change, refused.getMessage());
    }
  }

  private void plan(DelegateExecution execution, String releaseId, StackChange change) {
    String t = change.target();
    StackChange.Template signed = change.template();
    TemplateObject template = target.readTemplate(t, signed.bucket(), signed.key());
    if (!template.dryRun()) {
      String digest = StackPlans.sha256(template.body());
      if (!digest.equals(signed.sha256())) {
        throw refuse(
            execution,
            releaseId,
            change,
            "the template s3://"
                + signed.bucket()
                + "/"
                + signed.key()
                + " has SHA-256 "
                + digest
                + ", not the signed "
                + signed.sha256()
                + "; nothing was created");
      }
    }
    StackState stack = target.describeStack(t, change.name());
    String type;
    if (!stack.exists() || "REVIEW_IN_PROGRESS".equals(stack.status())) {
      type = StackPlans.CREATE;
    } else if (StackPlans.inProgress(stack.status())) {
      throw refuse(
          execution,
          releaseId,
          change,
          "stack " + change.name() + " is busy (" + stack.status() + "); submit again later");
    } else if (List.of(
            "ROLLBACK_COMPLETE", "ROLLBACK_FAILED", "DELETE_FAILED", "UPDATE_ROLLBACK_FAILED")
        .contains(stack.status())) {
      throw refuse(
          execution,
          releaseId,
          change,
          "stack "
              + change.name()
              + " is "
              + stack.status()
              + ", which CloudFormation cannot update; put it right (or delete it) first");
    } else {
      type = StackPlans.UPDATE;
    }
    String body = null;
    String url = null;
    if (template.dryRun() || template.body().length <= StackPlans.MAX_BODY_BYTES) {
      body = new String(template.body(), StandardCharsets.UTF_8);
    } else if (template.versionId() == null) {
      throw refuse(
          execution,
          releaseId,
          change,
          "the template has more than 51,200 bytes and its bucket keeps no versions, so the"
              + " signed bytes could not be pinned; enable versioning on "
              + signed.bucket());
    } else {
      url = template.url();
    }
    Map<String, Object> previous =
        type.equals(StackPlans.UPDATE) ? keepPrevious(releaseId, change, stack) : Map.of();
    String driftId =
        type.equals(StackPlans.UPDATE) ? target.startDriftDetection(t, change.name()) : null;
    StackProperties.Target settings = properties.targets().get(t);
    String name = StackPlans.changeSetName(releaseId);
    ChangeSetRequest request =
        new ChangeSetRequest(
            change.name(),
            name,
            type,
            body,
            url,
            change.parameters(),
            List.of(),
            change.capabilities(),
            settings == null ? null : settings.cloudformationRoleArn(),
            StackPlans.token(releaseId, "change-set"));
    String changeSetId =
        attempts
            .once(
                new Attempts.Call(
                    releaseId, STEP, t, change.name() + "/create-change-set", "create-change-set"),
                Created.class,
                () -> new Created(target.createChangeSet(t, request)),
                earlier -> {
                  ChangeSet existing = target.describeChangeSet(t, change.name(), name);
                  return existing != null
                      ? new Attempts.Resolution<>(
                          new Created(existing.id()), "verified", "the change set exists")
                      : new Attempts.Resolution<>(
                          new Created(target.createChangeSet(t, request)),
                          "verified",
                          "no change set found; created it");
                })
            .id();
    evidence.record(
        releaseId,
        StackPlans.PLAN_STARTED,
        StepSupport.ACTOR,
        StepSupport.payload(
            "stack",
            change.name(),
            "target",
            t,
            "templateSha256",
            template.dryRun() ? null : signed.sha256(),
            "templateChecked",
            !template.dryRun(),
            "templateVersionId",
            template.versionId(),
            "templatePinnedBy",
            url == null ? "TemplateBody" : "TemplateURL with versionId",
            "stackStatus",
            stack.status(),
            "terminationProtection",
            stack.terminationProtection(),
            "changeSetType",
            type,
            "changeSetName",
            name,
            "changeSetId",
            changeSetId,
            "driftDetectionId",
            driftId,
            "previous",
            previous.isEmpty() ? null : previous,
            "dryRun",
            template.dryRun() ? true : null));
    StepOutcome.running(properties.pollIntervalOrDefault()).record(execution, STEP);
  }

  /**
   * Keeps the template and parameters the stack runs now for a rollback: once the update completes,
   * GetTemplate returns the new template. NoEcho values are never read; their names are kept.
   */
  private Map<String, Object> keepPrevious(String releaseId, StackChange change, StackState stack) {
    String t = change.target();
    StackChange.Template signed = change.template();
    Map<String, Object> previous = new LinkedHashMap<>();
    // Kept now: once the update completes, GetTemplate returns the new template.
    byte[] before = target.currentTemplate(t, change.name()).getBytes(StandardCharsets.UTF_8);
    String key = StackPlans.previousTemplateKey(change.name(), releaseId);
    target.keepTemplate(t, signed.bucket(), key, before);
    Map<String, String> parameters = new LinkedHashMap<>();
    List<String> masked = new ArrayList<>();
    stack
        .parameters()
        .forEach(
            (k, v) -> {
              if (StackState.MASKED.equals(v)) {
                masked.add(k); // NoEcho: never read, the rollback keeps the value in place
              } else {
                parameters.put(k, v);
              }
            });
    previous.put("templateBucket", signed.bucket());
    previous.put("templateKey", key);
    previous.put("templateSha256", StackPlans.sha256(before));
    previous.put("parameters", parameters);
    previous.put("noEchoParameters", masked);
    return previous;
  }

  /** Records the refusal and returns the error that ends the release before the sign-off. */
  private BpmnError refuse(
      DelegateExecution execution, String releaseId, StackChange change, String reason) {
    return StackPlans.refusePlan(evidence, execution, releaseId, STEP, change.name(), reason);
  }

  /** What CreateChangeSet returned, as the attempt keeps it. */
  record Created(String id) {}
}
