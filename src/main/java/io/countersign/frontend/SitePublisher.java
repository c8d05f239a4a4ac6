package io.countersign.frontend;

import io.countersign.aws.TargetRefusedException;
import io.countersign.frontend.StaticSiteTarget.Propagation;
import io.countersign.frontend.StaticSiteTarget.Served;
import io.countersign.frontend.StaticSiteTarget.Switch;
import io.countersign.frontend.StaticSiteTarget.Upload;
import io.countersign.manifest.ReleaseManifest.FrontendChange;
import io.countersign.process.StepSupport;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Publishing and restoring a site as short calls on the port: record what is served, upload the
 * build to its release prefix, switch the origin path, invalidate; none of them waits for
 * CloudFront (the model loops on {@link #propagation}).
 */
class SitePublisher {
  static final String RELEASES = "/releases/";

  /** A version that is also a safe S3 key segment and CloudFront origin path segment. */
  static final Pattern VERSION = Pattern.compile("[0-9A-Za-z][0-9A-Za-z._-]{0,63}");

  private static final Pattern ORIGIN_PATH = Pattern.compile("(/[A-Za-z0-9._~-]+)+");

  private final StaticSiteTarget target;
  private final FrontendProperties properties;

  SitePublisher(StaticSiteTarget target, FrontendProperties properties) {
    this.target = target;
    this.properties = properties;
  }

  /** What publish or restore did, for the variables and the evidence. */
  record Publication(
      String previousRelease,
      String newRelease,
      String invalidationId,
      Map<String, Object> evidence) {}

  /** Everything about the change that can be refused before anything changes. */
  void check(FrontendChange change, String version) {
    FrontendProperties.Target site =
        change.target() == null ? null : properties.targets().get(change.target());
    if (site == null) {
      throw new TargetRefusedException("unknown front-end target '" + change.target() + "'");
    }
    String bucket = change.artifact() == null ? null : change.artifact().bucket();
    String key = change.artifact() == null ? null : change.artifact().key();
    if (bucket == null || !site.artifactBuckets().contains(bucket)) {
      throw new TargetRefusedException(
          "artifact bucket '"
              + bucket
              + "' is not an artifact bucket of front-end target '"
              + change.target()
              + "' (allowed: "
              + String.join(", ", site.artifactBuckets())
              + ")");
    }
    if (key == null || !key.endsWith(".zip") || key.startsWith("/") || key.contains("..")) {
      throw new TargetRefusedException(
          "front-end artifact key '" + key + "' must name a .zip of the site build");
    }
    if (version == null || !VERSION.matcher(version).matches()) {
      throw new TargetRefusedException(
          "version '"
              + version
              + "' cannot name a release prefix (letters, digits, '.', '_', '-'; no '+')");
    }
  }

  Publication publish(String releaseId, String version, FrontendChange change) {
    check(change, version);
    Served served = target.served(releaseId, change);
    String previous =
        served.recordedPrevious() != null ? served.recordedPrevious() : served.originPath();
    // The upload refuses a bad build before it writes anything; the record of what was served comes
    // just before the switch, so a refused build leaves the site bucket as it was outside the
    // release prefix.
    Upload upload = target.upload(releaseId, version, change, served.defaultRootObject());
    if (served.recordedPrevious() == null) {
      target.rememberPrevious(releaseId, change, previous);
    }
    String next = RELEASES + version;
    Switch switched = target.switchTo(change, next);
    String invalidation = target.invalidate(releaseId, change, "publish");
    FrontendProperties.Target site = properties.targets().get(change.target());
    String source = "s3://" + change.artifact().bucket() + "/" + change.artifact().key();
    String plan =
        target.dryRun()
            ? "dry-run: would copy "
                + source
                + " to s3://"
                + site.bucket()
                + "/"
                + upload.prefix()
                + ", point the site at it and invalidate CloudFront distribution "
                + site.distributionId()
            : "uploaded "
                + upload.uploaded()
                + " files ("
                + upload.unchanged()
                + " unchanged) from "
                + source
                + " to s3://"
                + site.bucket()
                + "/"
                + upload.prefix()
                + ", "
                + (switched.changed() ? "switched" : "kept")
                + " origin path of distribution "
                + site.distributionId()
                + " "
                + (switched.changed()
                    ? "from '" + switched.from() + "' to '" + next + "'"
                    : "at '" + next + "'")
                + ", invalidation "
                + invalidation;
    return new Publication(
        previous,
        next,
        invalidation,
        StepSupport.payload(
            "target",
            change.target(),
            "artifact",
            change.artifact().bucket() + "/" + change.artifact().key(),
            "previousRelease",
            previous,
            "newRelease",
            next,
            "uploaded",
            upload.uploaded(),
            "unchanged",
            upload.unchanged(),
            "switched",
            switched.changed(),
            "invalidation",
            invalidation,
            "dryRun",
            target.dryRun(),
            "plan",
            plan));
  }

  Propagation propagation(FrontendChange change, String invalidationId) {
    return target.propagation(change, invalidationId);
  }

  /**
   * Points the site back at {@code previousRelease} and invalidates again; no switch when it is
   * there already.
   */
  Publication restore(String releaseId, FrontendChange change, String previousRelease) {
    if (!target.dryRun()
        && !previousRelease.isEmpty()
        && !ORIGIN_PATH.matcher(previousRelease).matches()) {
      // Recorded by publishFrontend; anything else is a broken record for people to look at (an
      // incident).
      throw new IllegalStateException(
          "recorded previous release '" + previousRelease + "' is not an origin path");
    }
    Switch switched = target.switchTo(change, previousRelease);
    String invalidation = target.invalidate(releaseId, change, "restore");
    FrontendProperties.Target site = properties.targets().get(change.target());
    String distribution = site == null ? "of " + change.target() : site.distributionId();
    String plan =
        target.dryRun()
            ? "dry-run: would point s3://"
                + (site == null ? change.target() : site.bucket())
                + "/ back at "
                + previousRelease
                + " and invalidate CloudFront distribution "
                + distribution
            : (switched.changed()
                    ? "switched origin path of distribution "
                        + distribution
                        + " from '"
                        + switched.from()
                        + "' back to '"
                    : "origin path of distribution " + distribution + " already at '")
                + previousRelease
                + "', invalidation "
                + invalidation;
    return new Publication(
        switched.from(),
        previousRelease,
        invalidation,
        StepSupport.payload(
            "target",
            change.target(),
            "restoredRelease",
            previousRelease,
            "replacedRelease",
            switched.from(),
            "switched",
            switched.changed(),
            "invalidation",
            invalidation,
            "dryRun",
            target.dryRun(),
            "plan",
            plan));
  }
}
