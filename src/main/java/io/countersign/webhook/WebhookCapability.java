package io.countersign.webhook;

import io.countersign.manifest.FieldErrors;
import io.countersign.manifest.ManifestCheck;
import io.countersign.manifest.ManifestSection;
import io.countersign.manifest.ReleaseManifest;
import io.countersign.process.TargetCapability;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;

/**
 * Notices to configured webhook endpoints (a change board, a chat channel): one once the release's
 * changes are deployed, before verification, and one when a release that sent it is rolled back.
 * After the Kubernetes rollouts and before verification in the deploy model, so its rollback notice
 * is the first step of a rollback.
 */
@Component
@Order(600)
class WebhookCapability implements TargetCapability {
  static final ManifestSection<WebhookChange> SECTION =
      ManifestSection.of("webhooks", WebhookChange.class);

  /**
   * The endpoints that took the deployment notice, and those that took the rollback notice (JSON
   * lists).
   */
  static final String NOTIFIED = "webhooks.notified";

  static final String RETRACTED = "webhooks.retracted";
  static final String NO_WEBHOOKS = "the manifest has no webhooks section";

  private final WebhookProperties properties;

  WebhookCapability(WebhookProperties properties) {
    this.properties = properties;
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
        Step.main(PostDeploymentNoticeDelegate.STEP), Step.undo(PostRollbackNoticeDelegate.STEP));
  }

  @Override
  public List<String> plannedSteps(ReleaseManifest manifest) {
    WebhookChange change = SECTION.in(manifest);
    return change == null
        ? List.of()
        : List.of("Post a deployment notice to webhook " + String.join(", ", change.endpoints()));
  }

  @Override
  public List<String> undoSteps(ReleaseManifest manifest) {
    WebhookChange change = SECTION.in(manifest);
    return change == null
        ? List.of()
        : List.of("Post a rollback notice to webhook " + String.join(", ", change.endpoints()));
  }

  @Override
  public List<String> afterUndoSteps(ReleaseManifest manifest) {
    return List.of();
  }

  @Override
  public Map<String, Object> startVariables(ReleaseManifest manifest) {
    return Map
        .of(); // the model does not branch on it: its steps run and skip when there is nothing to
    // post
  }

  @Override
  public List<String> recordedVariables() {
    return List.of(NOTIFIED, RETRACTED);
  }

  /** Notices only: an endpoint that is down is retried when the notice is sent, not a blocker. */
  @Override
  public List<Finding> verifyEnvironment(String releaseId, ReleaseManifest manifest) {
    return List.of();
  }

  @Override
  public Map<String, Object> policyFacts(ReleaseManifest manifest) {
    return Map.of(); // a notice changes nothing the policy would ask more sign-offs for
  }

  /** Every endpoint the manifest names is configured, and named once. */
  private void check(ReleaseManifest manifest, FieldErrors errors) {
    WebhookChange change = SECTION.in(manifest);
    if (change == null) {
      return;
    }
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < change.endpoints().size(); i++) {
      String name = change.endpoints().get(i);
      String path = "$." + SECTION.name() + ".endpoints[" + i + "]";
      if (!properties.endpoints().containsKey(name)) {
        errors.add(
            path,
            "unknown webhook endpoint '"
                + name
                + "'; configured: "
                + (properties.endpoints().isEmpty()
                    ? "none"
                    : String.join(", ", new TreeSet<>(properties.endpoints().keySet()))));
      } else if (!seen.add(name)) {
        errors.add(path, "endpoint '" + name + "' is named twice");
      }
    }
  }
}
