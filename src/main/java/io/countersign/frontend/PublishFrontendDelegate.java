package io.countersign.frontend;

import io.countersign.aws.TargetRefusedException;
import io.countersign.evidence.EvidenceLog;
import io.countersign.frontend.SitePublisher.Publication;
import io.countersign.frontend.StaticSiteTarget.Propagation;
import io.countersign.manifest.ReleaseManifest;
import io.countersign.process.Attempts;
import io.countersign.process.StepOutcome;
import io.countersign.process.StepStart;
import io.countersign.process.StepSupport;
import io.countersign.process.Variables;
import org.camunda.bpm.engine.delegate.DelegateExecution;
import org.camunda.bpm.engine.delegate.JavaDelegate;
import org.springframework.stereotype.Component;

/**
 * Publishes the front-end build (upload, switch, invalidate; no waiting) and records what the site
 * served before ({@link Variables#FRONTEND_PREVIOUS_RELEASE}) and the invalidation ({@link
 * Variables#FRONTEND_INVALIDATION}). Its {@link StepOutcome} after one look at CloudFront: done
 * when the new build is served already, else running, for the model to wait on with awaitFrontend.
 */
@Component("publishFrontend")
class PublishFrontendDelegate implements JavaDelegate {
  static final String STEP = "publishFrontend";

  private final SitePublisher publisher;
  private final EvidenceLog evidence;
  private final StepStart start;
  private final Attempts attempts;

  PublishFrontendDelegate(
      SitePublisher publisher, EvidenceLog evidence, StepStart start, Attempts attempts) {
    this.publisher = publisher;
    this.evidence = evidence;
    this.start = start;
    this.attempts = attempts;
  }

  @Override
  public void execute(DelegateExecution execution) {
    StepStart.Started started =
        start.begin(execution, STEP, m -> !m.hasFrontend(), "the manifest has no frontend section");
    if (started == null) {
      StepOutcome.done().record(execution, STEP);
      return;
    }
    ReleaseManifest manifest = started.manifest();
    String releaseId = started.releaseId();
    if (execution.getVariable(Variables.FRONTEND_PREVIOUS_RELEASE) != null) {
      return; // published by an earlier run of this job; keep the first previous release
    }
    try {
      // Interrupted: publishing again looks before it writes. Unchanged objects are not uploaded,
      // the previous release comes from the record in the site bucket, the origin is switched
      // only if it differs, and the invalidation's caller reference returns the one made before.
      Publication publication =
          attempts.once(
              new Attempts.Call(releaseId, STEP, manifest.frontend().target(), null, "publish"),
              Publication.class,
              () -> publisher.publish(releaseId, manifest.version(), manifest.frontend()),
              Attempts.Interrupted.repeat(
                  () -> publisher.publish(releaseId, manifest.version(), manifest.frontend()),
                  "published again: objects already uploaded, the origin already switched and"
                      + " the invalidation already made were left as they were"));
      execution.setVariable(Variables.FRONTEND_PREVIOUS_RELEASE, publication.previousRelease());
      execution.setVariable(Variables.FRONTEND_INVALIDATION, publication.invalidationId());
      evidence.record(releaseId, "frontend-published", StepSupport.ACTOR, publication.evidence());
      Propagation propagation =
          publisher.propagation(manifest.frontend(), publication.invalidationId());
      (propagation.complete()
              ? StepOutcome.done()
              : StepOutcome.running(AwaitFrontendDelegate.POLL))
          .record(execution, STEP);
    } catch (TargetRefusedException e) {
      throw StepSupport.fail(execution, STEP, e.getMessage());
    }
  }
}
