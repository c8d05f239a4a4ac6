package io.countersign.frontend;

import io.countersign.evidence.EvidenceLog;
import io.countersign.frontend.StaticSiteTarget.Propagation;
import io.countersign.manifest.ReleaseManifest;
import io.countersign.process.ManifestStore;
import io.countersign.process.StepOutcome;
import io.countersign.process.StepSupport;
import io.countersign.process.Variables;
import java.time.Duration;
import org.camunda.bpm.engine.delegate.DelegateExecution;
import org.camunda.bpm.engine.delegate.ExecutionListener;
import org.camunda.bpm.engine.delegate.JavaDelegate;
import org.springframework.stereotype.Component;

/**
 * One look, never a wait: is the distribution deployed and the invalidation publishFrontend created
 * completed? Its {@link StepOutcome} (done, or running with {@link #POLL}) drives the model's check
 * → gateway → timer loop. It is also the listener of the loop's deadline end event, so the reason
 * the front end failed is written here.
 */
@Component("awaitFrontend")
class AwaitFrontendDelegate implements JavaDelegate, ExecutionListener {
  static final String STEP = "awaitFrontend";

  /** How long the model waits between two looks. */
  static final Duration POLL = Duration.ofSeconds(15);

  // The model's frontendDeadline timer waits PT30M.
  static final String DEADLINE_PASSED =
      "The front end was not served by CloudFront within 30 minutes";

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
    // The outcome recorded last is publishFrontend's at the first look, which already looked once.
    if (!manifest.hasFrontend() || StepOutcome.recorded(execution) == StepOutcome.Status.DONE) {
      StepOutcome.done().record(execution, STEP);
      return; // nothing published, or seen complete already
    }
    if (invalidation == null) {
      throw new IllegalStateException(
          "variable '"
              + Variables.FRONTEND_INVALIDATION
              + "' is missing: awaitFrontend must follow publishFrontend");
    }
    Propagation propagation = publisher.propagation(manifest.frontend(), invalidation.toString());
    if (propagation.complete()) {
      StepOutcome.done().record(execution, STEP);
      evidence.record(
          StepSupport.releaseId(execution),
          "frontend-propagated",
          StepSupport.ACTOR,
          StepSupport.payload(
              "target",
              manifest.frontend().target(),
              "invalidation",
              invalidation.toString(),
              "distributionStatus",
              propagation.distributionStatus(),
              "invalidationStatus",
              propagation.invalidationStatus()));
    } else {
      StepOutcome.running(POLL).record(execution, STEP);
    }
  }

  /** The model's deadline for the whole wait passed before a look found the front end served. */
  @Override
  public void notify(DelegateExecution execution) {
    StepOutcome.failed(DEADLINE_PASSED).record(execution, STEP);
  }
}
