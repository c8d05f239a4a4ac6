package io.countersign.frontend;

import io.countersign.engine.StepSupport;
import io.countersign.engine.Variables;
import io.countersign.evidence.EvidenceLog;
import io.countersign.frontend.StaticSiteTarget.SitePublication;
import io.countersign.release.Manifests;
import io.countersign.release.ReleaseManifest;
import org.camunda.bpm.engine.delegate.DelegateExecution;
import org.camunda.bpm.engine.delegate.JavaDelegate;
import org.springframework.stereotype.Component;

/** Compensation of publishFrontend: points the site back at the release publishFrontend recorded. */
@Component("restoreFrontend")
class RestoreFrontendDelegate implements JavaDelegate {
  static final String STEP = "restoreFrontend";

  private final StaticSiteTarget target;
  private final EvidenceLog evidence;

  RestoreFrontendDelegate(StaticSiteTarget target, EvidenceLog evidence) {
    this.target = target;
    this.evidence = evidence;
  }

  @Override
  public void execute(DelegateExecution execution) {
    ReleaseManifest manifest = Manifests.from(execution);
    String releaseId = StepSupport.releaseId(execution);
    if (StepSupport.skipIf(!manifest.hasFrontend(), evidence, releaseId, STEP,
        "the manifest has no frontend section")) {
      return;
    }
    Object previous = execution.getVariable(Variables.FRONTEND_PREVIOUS_RELEASE);
    if (previous == null || Boolean.TRUE.equals(execution.getVariable(Variables.FRONTEND_RESTORED))) {
      return; // never published, or restored already
    }
    SitePublication restore = target.restore(releaseId, manifest.frontend(), previous.toString());
    execution.setVariable(Variables.FRONTEND_RESTORED, true);
    evidence.record(releaseId, "frontend-restored", StepSupport.ACTOR, StepSupport.payload(
        "target", manifest.frontend().target(), "restoredRelease", restore.newRelease(),
        "replacedRelease", restore.previousRelease(), "dryRun", restore.dryRun(), "plan", restore.plan()));
  }
}
