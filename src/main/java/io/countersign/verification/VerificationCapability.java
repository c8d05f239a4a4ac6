package io.countersign.verification;

import io.countersign.manifest.ManifestCheck;
import io.countersign.manifest.ManifestSection;
import io.countersign.manifest.ReleaseManifest;
import io.countersign.manifest.ReleaseManifest.VerificationPlan;
import io.countersign.process.TargetCapability;
import io.countersign.process.Variables;
import java.util.List;
import java.util.Map;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;

/**
 * Health checks, smoke tests, data checks and the metrics bake window after every change, and the
 * checks again once a rollback has undone it. Last in the deploy model; it declares no policy fact.
 */
@Component
@Order(900)
class VerificationCapability implements TargetCapability {
  static final ManifestSection<VerificationPlan> SECTION =
      ManifestSection.typed("verification", VerificationPlan.class, ReleaseManifest::verification);

  private final VerificationManifestCheck check;

  VerificationCapability(VerificationManifestCheck check) {
    this.check = check;
  }

  @Override
  public ManifestSection<?> section() {
    return SECTION;
  }

  @Override
  public ManifestCheck check() {
    return check;
  }

  /**
   * Always: a release without checks is still looked at, and its evidence says nothing was checked.
   */
  @Override
  public boolean isUsedBy(ReleaseManifest manifest) {
    return true;
  }

  @Override
  public List<Step> steps() {
    return List.of(
        Step.main("verifyRelease"), Step.main("watchMetrics"), Step.afterUndo("verifyRestoration"));
  }

  @Override
  public List<String> plannedSteps(ReleaseManifest manifest) {
    return List.of("Verify health and smoke tests, then watch metrics for the bake window");
  }

  @Override
  public Map<String, Object> startVariables(ReleaseManifest manifest) {
    return Map.of(Variables.RESTORATION_VERIFIED, false);
  }

  @Override
  public List<String> recordedVariables() {
    return List.of();
  }

  @Override
  public Map<String, Object> policyFacts(ReleaseManifest manifest) {
    return Map.of();
  }
}
