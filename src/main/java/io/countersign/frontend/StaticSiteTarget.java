package io.countersign.frontend;

import io.countersign.release.ReleaseManifest.FrontendChange;

/** Port to a static site (S3 + CloudFront). The adapter comes from {@code countersign.targets.frontend.mode}. */
interface StaticSiteTarget {

  /** Copies the build to {@code releases/<version>/}, points the site at it and invalidates the CDN. */
  SitePublication publish(String releaseId, String version, FrontendChange change);

  /** Points the site back at {@code previousRelease} and invalidates the CDN. */
  SitePublication restore(String releaseId, FrontendChange change, String previousRelease);

  /** The site moved from previousRelease to newRelease (key prefixes); plan says what was (or would be) done. */
  record SitePublication(String previousRelease, String newRelease, boolean dryRun, String plan) {}
}
