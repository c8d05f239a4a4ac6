package io.countersign.frontend;

import io.countersign.aws.TargetRefusedException;
import io.countersign.manifest.ManifestCheck;
import io.countersign.manifest.ManifestSection;
import io.countersign.manifest.ReleaseManifest;
import io.countersign.manifest.ReleaseManifest.FrontendChange;
import io.countersign.process.TargetCapability;
import io.countersign.process.Variables;
import java.util.List;
import java.util.Map;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;

/** A static site build published to S3 behind CloudFront, switched back on rollback. */
@Component
@Order(400)
class FrontendCapability implements TargetCapability {
  static final ManifestSection<FrontendChange> SECTION =
      ManifestSection.typed("frontend", FrontendChange.class, ReleaseManifest::frontend);

  private final FrontendManifestCheck check;
  private final StaticSiteTarget target;

  FrontendCapability(FrontendManifestCheck check, StaticSiteTarget target) {
    this.check = check;
    this.target = target;
  }

  @Override
  public ManifestSection<?> section() {
    return SECTION;
  }

  @Override
  public ManifestCheck check() {
    return check;
  }

  @Override
  public boolean isUsedBy(ReleaseManifest manifest) {
    return manifest.hasFrontend();
  }

  @Override
  public List<Step> steps() {
    return List.of(
        Step.main("publishFrontend"), Step.check("awaitFrontend"), Step.undo("restoreFrontend"));
  }

  @Override
  public List<String> plannedSteps(ReleaseManifest manifest) {
    if (!manifest.hasFrontend()) {
      return List.of();
    }
    FrontendChange frontend = manifest.frontend();
    return List.of(
        "Publish front end to "
            + frontend.target()
            + " from s3://"
            + frontend.artifact().bucket()
            + "/"
            + frontend.artifact().key());
  }

  @Override
  public List<String> undoSteps(ReleaseManifest manifest) {
    if (!manifest.hasFrontend()) {
      return List.of();
    }
    return List.of(
        "Restore front end "
            + manifest.frontend().target()
            + ": switch back to the release it served before and invalidate the CDN cache");
  }

  @Override
  public List<String> afterUndoSteps(ReleaseManifest manifest) {
    return List.of();
  }

  @Override
  public Map<String, Object> startVariables(ReleaseManifest manifest) {
    return Map.of(Variables.HAS_FRONTEND, manifest.hasFrontend());
  }

  @Override
  public List<String> recordedVariables() {
    return List.of(Variables.FRONTEND_PREVIOUS_RELEASE, Variables.FRONTEND_RESTORED);
  }

  /** Reads the distribution's origin: the site's bucket and distribution exist and answer. */
  @Override
  public List<Finding> verifyEnvironment(String releaseId, ReleaseManifest manifest) {
    FrontendChange change = manifest.frontend();
    String subject = "front end " + change.target();
    try {
      StaticSiteTarget.Served served = target.served(releaseId, change);
      return List.of(
          Finding.passed(
              subject,
              "serving "
                  + (served.originPath().isEmpty() ? "the bucket root" : served.originPath())));
    } catch (TargetRefusedException refused) {
      return List.of(Finding.failed(subject, refused.getMessage()));
    }
  }

  @Override
  public Map<String, Object> policyFacts(ReleaseManifest manifest) {
    return Map.of(Variables.HAS_FRONTEND, manifest.hasFrontend());
  }
}
