package io.countersign.webhook;

import io.countersign.evidence.EvidenceLog;
import io.countersign.process.Attempts;
import io.countersign.process.ManifestStore;
import io.countersign.process.StepSupport;
import io.countersign.webhook.WebhookTarget.Delivery;
import io.countersign.webhook.WebhookTarget.Notice;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.camunda.bpm.engine.delegate.DelegateExecution;
import org.camunda.bpm.engine.delegate.JavaDelegate;
import org.springframework.stereotype.Component;

/**
 * Posts the deployment notice to each endpoint the manifest names, once the changes are deployed,
 * and records who heard it in {@link WebhookCapability#NOTIFIED}. An endpoint that refuses it fails
 * the step, and the release rolls back (the notice is part of the change record). An endpoint out
 * of reach throws: the job is retried, with the same notice ids, and ends in an incident.
 */
@Component("postDeploymentNotice")
class PostDeploymentNoticeDelegate implements JavaDelegate {
  static final String STEP = "postDeploymentNotice";

  private final WebhookTarget target;
  private final WebhookNotices notices;
  private final PostRollbackNoticeDelegate rollbackNotices;
  private final EvidenceLog evidence;
  private final ManifestStore manifests;
  private final Attempts attempts;

  PostDeploymentNoticeDelegate(
      WebhookTarget target,
      WebhookNotices notices,
      PostRollbackNoticeDelegate rollbackNotices,
      EvidenceLog evidence,
      ManifestStore manifests,
      Attempts attempts) {
    this.target = target;
    this.notices = notices;
    this.rollbackNotices = rollbackNotices;
    this.evidence = evidence;
    this.manifests = manifests;
    this.attempts = attempts;
  }

  @Override
  public void execute(DelegateExecution execution) {
    String releaseId = StepSupport.releaseId(execution);
    ManifestStore.Signed signed = manifests.authorized(releaseId);
    WebhookChange change = WebhookCapability.SECTION.in(signed.manifest());
    if (StepSupport.skipIf(
        change == null, evidence, releaseId, STEP, WebhookCapability.NO_WEBHOOKS)) {
      return;
    }
    StepSupport.failIfDrill(execution, signed.manifest(), STEP);
    List<String> notified = new ArrayList<>();
    List<Map<String, Object>> records = new ArrayList<>();
    String refusal = null;
    for (String endpoint : change.endpoints()) {
      Notice notice = notices.deployed(releaseId, signed, endpoint);
      Delivery delivery = WebhookNotices.post(attempts, target, releaseId, STEP, notice);
      records.add(WebhookNotices.payload(notice, delivery));
      if (!delivery.accepted()) {
        refusal = "webhook " + delivery.detail();
        break;
      }
      notified.add(endpoint);
    }
    List<String> retracted = List.of();
    if (refusal != null) {
      // A failed step is never compensated: the endpoints told already hear of the rollback now.
      PostRollbackNoticeDelegate.Told told =
          rollbackNotices.tell(releaseId, signed, notified, refusal);
      retracted = told.endpoints();
      records.addAll(told.evidence());
    }
    // Evidence last: an append holds the release's chain until the job commits.
    records.forEach(
        payload -> evidence.record(releaseId, WebhookNotices.EVIDENCE, StepSupport.ACTOR, payload));
    execution.setVariable(WebhookCapability.NOTIFIED, StepSupport.json(notified));
    execution.setVariable(WebhookCapability.RETRACTED, StepSupport.json(retracted));
    if (refusal != null) {
      throw StepSupport.fail(execution, STEP, refusal);
    }
  }
}
