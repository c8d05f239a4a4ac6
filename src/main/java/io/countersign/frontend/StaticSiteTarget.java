package io.countersign.frontend;

import io.countersign.manifest.ReleaseManifest.FrontendChange;

/**
 * Port to a static site (S3 bucket + CloudFront distribution), one short call per operation; the
 * model does the waiting. The adapter comes from {@code countersign.targets.frontend.mode}.
 * Operations throw {@link io.countersign.aws.TargetRefusedException} for what a retry will not fix
 * and {@link io.countersign.aws.AwsUnavailableException} for what it may.
 */
interface StaticSiteTarget {

  /**
   * What the distribution serves now, and what this release recorded it served before, if it did.
   */
  Served served(String releaseId, FrontendChange change);

  /**
   * Records, in the site bucket, what the site served before this release (so a re-run still knows
   * it).
   */
  void rememberPrevious(String releaseId, FrontendChange change, String previousOriginPath);

  /**
   * Copies the build to {@code releases/<version>/}, skipping objects that are there unchanged;
   * refuses a build without {@code requiredFile} (the distribution's default root object) before
   * uploading anything.
   */
  Upload upload(String releaseId, String version, FrontendChange change, String requiredFile);

  /** Points the distribution's origin at {@code originPath}; no change when it is there already. */
  Switch switchTo(FrontendChange change, String originPath);

  /**
   * Invalidates everything the CDN cached; one invalidation per release and purpose, however often
   * called.
   */
  String invalidate(String releaseId, FrontendChange change, String purpose);

  /** One look: is the distribution deployed and the invalidation completed? */
  Propagation propagation(FrontendChange change, String invalidationId);

  /** Whether this adapter changes nothing. */
  boolean dryRun();

  /**
   * The origin path served now ("" = bucket root), the one this release recorded before switching
   * (or null), and the distribution's default root object (or null).
   */
  record Served(String originPath, String recordedPrevious, String defaultRootObject) {}

  record Upload(String prefix, int uploaded, int unchanged) {}

  record Switch(String from, String to, boolean changed) {}

  record Propagation(boolean complete, String distributionStatus, String invalidationStatus) {}
}
