package io.countersign.frontend;

import io.countersign.release.ReleaseManifest.FrontendChange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Changes nothing in S3 or CloudFront; says what a live publication would do. */
class DryRunStaticSiteTarget implements StaticSiteTarget {
  static final String UNKNOWN = "unknown (dry-run)";
  private static final Logger log = LoggerFactory.getLogger(DryRunStaticSiteTarget.class);

  private final FrontendProperties properties;

  DryRunStaticSiteTarget(FrontendProperties properties) {
    this.properties = properties;
  }

  @Override
  public SitePublication publish(String releaseId, String version, FrontendChange change) {
    String prefix = "releases/" + version + "/";
    String plan = "dry-run: would copy s3://" + change.artifact().bucket() + "/" + change.artifact().key() + " to "
        + site(change) + prefix + ", point the site at it and " + invalidation(change);
    log.info("{}: {}", releaseId, plan);
    return new SitePublication(UNKNOWN, prefix, true, plan);
  }

  @Override
  public SitePublication restore(String releaseId, FrontendChange change, String previousRelease) {
    String plan = "dry-run: would point " + site(change) + " back at " + previousRelease + " and " + invalidation(change);
    log.info("{}: {}", releaseId, plan);
    return new SitePublication(UNKNOWN, previousRelease, true, plan);
  }

  private String site(FrontendChange change) {
    FrontendProperties.Target target = properties.targets().get(change.target());
    return "s3://" + (target == null ? change.target() : target.bucket()) + "/";
  }

  private String invalidation(FrontendChange change) {
    FrontendProperties.Target target = properties.targets().get(change.target());
    return "invalidate CloudFront distribution " + (target == null ? "of " + change.target() : target.distributionId());
  }
}
