package io.countersign.frontend;

import io.countersign.process.StepSupport;
import io.countersign.process.Variables;
import io.countersign.evidence.EvidenceLog;
import io.countersign.frontend.StaticSiteTarget.Propagation;
import io.countersign.process.ManifestStore;
import io.countersign.manifest.ReleaseManifest;
import org.camunda.bpm.engine.delegate.DelegateExecution;
import org.camunda.bpm.engine.delegate.JavaDelegate;
import org.springframework.stereotype.Component;

/**
 * One look, never a wait: is the distribution deployed and the invalidation publishFrontend created completed? Sets
 * {@link Variables#FRONTEND_STATE} (propagating, published) for the model's check → gateway → timer loop.
 */
@Component("awaitFrontend")
class AwaitFrontendDelegate implements JavaDelegate {
  static final String STEP = "awaitFrontend";

  private final SitePublisher publisher;
  private final EvidenceLog evidence;
  private final ManifestStore manifests;

  AwaitFrontendDelegate(SitePublisher publisher, EvidenceLog evidence, ManifestStore manifests) {
    this.publisher = publisher;
    this.evidence = evidence;
    this.manifests = manifests;
  }

  @Override
  public void execute(DelegateExecution execution) {
    ReleaseManifest manifest = manifests.forStep(execution);
    Object invalidation = execution.getVariable(Variables.FRONTEND_INVALIDATION);
    if (!manifest.hasFrontend() || SitePublisher.PUBLISHED.equals(execution.getVariable(Variables.FRONTEND_STATE))) {
      execution.setVariable(Variables.FRONTEND_STATE, SitePublisher.PUBLISHED);
      return; // nothing published, or seen complete already
    }
    if (invalidation == null) {
      throw new IllegalStateException("variable '" + Variables.FRONTEND_INVALIDATION
          + "' is missing: awaitFrontend must follow publishFrontend");
    }
    Propagation propagation = publisher.propagation(manifest.frontend(), invalidation.toString());
    if (propagation.complete()) {
      execution.setVariable(Variables.FRONTEND_STATE, SitePublisher.PUBLISHED);
      evidence.record(StepSupport.releaseId(execution), "frontend-propagated", StepSupport.ACTOR, StepSupport.payload(
          "target", manifest.frontend().target(), "invalidation", invalidation.toString(),
          "distributionStatus", propagation.distributionStatus(),
          "invalidationStatus", propagation.invalidationStatus()));
    } else {
      execution.setVariable(Variables.FRONTEND_STATE, SitePublisher.PROPAGATING);
    }
  }
}
