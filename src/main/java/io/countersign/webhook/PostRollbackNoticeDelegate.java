package io.countersign.webhook;

import io.countersign.evidence.EvidenceLog;
import io.countersign.process.Attempts;
import io.countersign.process.ManifestStore;
import io.countersign.process.StepSupport;
import io.countersign.webhook.WebhookTarget.Delivery;
import io.countersign.webhook.WebhookTarget.Notice;
import io.countersign.webhook.WebhookTarget.Unavailable;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.camunda.bpm.engine.delegate.DelegateExecution;
import org.camunda.bpm.engine.delegate.JavaDelegate;
import org.springframework.stereotype.Component;

/**
 * Compensation of postDeploymentNotice: tells each endpoint that heard of the deployment that the
 * release is being rolled back, and why. It is the first handler of a rollback, so a refusal or an
 * endpoint out of reach is recorded in the evidence and the rollback goes on: undoing the release's
 * changes must not wait for a notice.
 */
@Component("postRollbackNotice")
class PostRollbackNoticeDelegate implements JavaDelegate {
  static final String STEP = "postRollbackNotice";

  private final WebhookTarget target;
  private final WebhookNotices notices;
  private final EvidenceLog evidence;
  private final ManifestStore manifests;
  private final Attempts attempts;

  PostRollbackNoticeDelegate(
      WebhookTarget target,
      WebhookNotices notices,
      EvidenceLog evidence,
      ManifestStore manifests,
      Attempts attempts) {
    this.target = target;
    this.notices = notices;
    this.evidence = evidence;
    this.manifests = manifests;
    this.attempts = attempts;
  }

  @Override
  public void execute(DelegateExecution execution) {
    String releaseId = StepSupport.releaseId(execution);
    ManifestStore.Signed signed = manifests.authorized(releaseId);
    if (StepSupport.skipIf(
        WebhookCapability.SECTION.in(signed.manifest()) == null,
        evidence,
        releaseId,
        STEP,
        WebhookCapability.NO_WEBHOOKS)) {
      return;
    }
    List<String> retracted = StepSupport.readList(execution, WebhookCapability.RETRACTED);
    List<String> pending = StepSupport.readList(execution, WebhookCapability.NOTIFIED);
    pending.removeAll(retracted); // told by an earlier run
    Told told = tell(releaseId, signed, pending, null);
    retracted.addAll(told.endpoints());
    told.evidence()
        .forEach(
            payload ->
                evidence.record(releaseId, WebhookNotices.EVIDENCE, StepSupport.ACTOR, payload));
    execution.setVariable(WebhookCapability.RETRACTED, StepSupport.json(retracted));
  }

  /** The endpoints that took the rollback notice, and an evidence payload per endpoint asked. */
  record Told(List<String> endpoints, List<Map<String, Object>> evidence) {}

  /**
   * Posts the rollback notice to each endpoint; a refusal or an endpoint out of reach is returned
   * as evidence, not thrown. Evidence is left to the caller to record after every call (an append
   * holds the release's chain until the job commits).
   */
  Told tell(String releaseId, ManifestStore.Signed signed, List<String> endpoints, String reason) {
    List<String> told = new ArrayList<>();
    List<Map<String, Object>> records = new ArrayList<>();
    for (String endpoint : endpoints) {
      Notice notice = notices.rollingBack(releaseId, signed, endpoint, reason);
      try {
        // Keyed by this step whoever tells: a rollback notice is one attempt per endpoint.
        Delivery delivery = WebhookNotices.post(attempts, target, releaseId, STEP, notice);
        records.add(WebhookNotices.payload(notice, delivery));
        if (delivery.accepted()) {
          told.add(endpoint);
        }
      } catch (Unavailable e) {
        records.add(WebhookNotices.payload(notice, "unreachable", null, e.getMessage()));
      }
    }
    return new Told(told, records);
  }
}
