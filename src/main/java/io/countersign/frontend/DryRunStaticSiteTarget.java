package io.countersign.frontend;

import io.countersign.manifest.ReleaseManifest.FrontendChange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Changes nothing in S3 or CloudFront; the evidence says what a live publication would do. */
class DryRunStaticSiteTarget implements StaticSiteTarget {
  static final String UNKNOWN = "unknown (dry-run)";
  static final String INVALIDATION = "dry-run";
  private static final Logger log = LoggerFactory.getLogger(DryRunStaticSiteTarget.class);

  @Override
  public Served served(String releaseId, FrontendChange change) {
    return new Served(UNKNOWN, null, null);
  }

  @Override
  public void rememberPrevious(
      String releaseId, FrontendChange change, String previousOriginPath) {}

  @Override
  public Upload upload(
      String releaseId, String version, FrontendChange change, String requiredFile) {
    log.info(
        "{}: dry-run: would copy s3://{}/{} to releases/{}/ of site {}",
        releaseId,
        change.artifact().bucket(),
        change.artifact().key(),
        version,
        change.target());
    return new Upload("releases/" + version + "/", 0, 0);
  }

  @Override
  public Switch switchTo(FrontendChange change, String originPath) {
    log.info("dry-run: would point site {} at {}", change.target(), originPath);
    return new Switch(UNKNOWN, originPath, true);
  }

  @Override
  public String invalidate(String releaseId, FrontendChange change, String purpose) {
    return INVALIDATION;
  }

  @Override
  public Propagation propagation(FrontendChange change, String invalidationId) {
    return new Propagation(true, "dry-run", "dry-run");
  }

  @Override
  public boolean dryRun() {
    return true;
  }
}
