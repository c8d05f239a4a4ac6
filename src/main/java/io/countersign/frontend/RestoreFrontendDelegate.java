package io.countersign.frontend;

import io.countersign.evidence.EvidenceLog;
import io.countersign.frontend.SitePublisher.Publication;
import io.countersign.manifest.ReleaseManifest;
import io.countersign.process.Attempts;
import io.countersign.process.StepStart;
import io.countersign.process.StepSupport;
import io.countersign.process.Variables;
import org.camunda.bpm.engine.delegate.DelegateExecution;
import org.camunda.bpm.engine.delegate.JavaDelegate;
import org.springframework.stereotype.Component;

/**
 * Compensation of publishFrontend: points the site back at the release publishFrontend recorded and
 * invalidates the CDN again (not waited for: the rollback's restoration checks follow). Never
 * throws BpmnError; a failure to reach AWS is an ordinary, retried exception.
 */
@Component("restoreFrontend")
class RestoreFrontendDelegate implements JavaDelegate {
  static final String STEP = "restoreFrontend";

  private final SitePublisher publisher;
  private final EvidenceLog evidence;
  private final StepStart start;
  private final Attempts attempts;

  RestoreFrontendDelegate(
      SitePublisher publisher, EvidenceLog evidence, StepStart start, Attempts attempts) {
    this.publisher = publisher;
    this.evidence = evidence;
    this.start = start;
    this.attempts = attempts;
  }

  @Override
  public void execute(DelegateExecution execution) {
    StepStart.Started started =
        start.beginUndo(
            execution, STEP, m -> !m.hasFrontend(), "the manifest has no frontend section");
    if (started == null) {
      return;
    }
    ReleaseManifest manifest = started.manifest();
    String releaseId = started.releaseId();
    Object previous = execution.getVariable(Variables.FRONTEND_PREVIOUS_RELEASE);
    if (previous == null
        || Boolean.TRUE.equals(execution.getVariable(Variables.FRONTEND_RESTORED))) {
      return; // never published, or restored already
    }
    Publication restore =
        attempts.once(
            new Attempts.Call(releaseId, STEP, manifest.frontend().target(), null, "restore"),
            Publication.class,
            () -> publisher.restore(releaseId, manifest.frontend(), previous.toString()),
            Attempts.Interrupted.repeat(
                () -> publisher.restore(releaseId, manifest.frontend(), previous.toString()),
                "restored again: the origin already back was left, the invalidation's caller"
                    + " reference returned the one made before"));
    execution.setVariable(Variables.FRONTEND_RESTORED, true);
    evidence.record(releaseId, "frontend-restored", StepSupport.ACTOR, restore.evidence());
  }
}
