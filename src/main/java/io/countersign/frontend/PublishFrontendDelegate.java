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

/** Publishes the front-end build and records which release the site served before. */
@Component("publishFrontend")
class PublishFrontendDelegate implements JavaDelegate {
  static final String STEP = "publishFrontend";

  private final StaticSiteTarget target;
  private final EvidenceLog evidence;

  PublishFrontendDelegate(StaticSiteTarget target, EvidenceLog evidence) {
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
    StepSupport.failIfDrill(execution, manifest, STEP);
    if (execution.getVariable(Variables.FRONTEND_PREVIOUS_RELEASE) != null) {
      return; // published by an earlier run of this job; keep the first previous release
    }
    SitePublication publication = target.publish(releaseId, manifest.version(), manifest.frontend());
    execution.setVariable(Variables.FRONTEND_PREVIOUS_RELEASE, publication.previousRelease());
    evidence.record(releaseId, "frontend-published", StepSupport.ACTOR, StepSupport.payload(
        "target", manifest.frontend().target(),
        "artifact", manifest.frontend().artifact().bucket() + "/" + manifest.frontend().artifact().key(),
        "previousRelease", publication.previousRelease(), "newRelease", publication.newRelease(),
        "dryRun", publication.dryRun(), "plan", publication.plan()));
  }
}
