package io.countersign.frontend;

import io.countersign.manifest.FieldErrors;
import io.countersign.manifest.ManifestCheck;
import io.countersign.manifest.ReleaseManifest;
import io.countersign.manifest.ReleaseManifest.FrontendChange;
import java.util.TreeSet;
import org.springframework.stereotype.Component;

/** The manifest's front-end section against the configured sites. */
@Component
class FrontendManifestCheck implements ManifestCheck {
  private final FrontendProperties properties;

  FrontendManifestCheck(FrontendProperties properties) {
    this.properties = properties;
  }

  @Override
  public void check(ReleaseManifest manifest, FieldErrors errors) {
    FrontendChange frontend = manifest.frontend();
    if (frontend == null || frontend.target() == null) {
      return;
    }
    FrontendProperties.Target target = properties.targets().get(frontend.target());
    if (target == null) {
      errors.add(
          "$.frontend.target",
          "unknown front-end target '"
              + frontend.target()
              + "'; configured targets: "
              + (properties.targets().isEmpty()
                  ? "none"
                  : String.join(", ", new TreeSet<>(properties.targets().keySet()))));
      return;
    }
    String bucket = frontend.artifact() == null ? null : frontend.artifact().bucket();
    if (bucket != null && !target.artifactBuckets().contains(bucket)) {
      errors.add(
          "$.frontend.artifact.bucket",
          "bucket '"
              + bucket
              + "' is not an artifact bucket of target '"
              + frontend.target()
              + "' (allowed: "
              + String.join(", ", target.artifactBuckets())
              + ")");
    }
    String key = frontend.artifact() == null ? null : frontend.artifact().key();
    if (key != null && !key.endsWith(".zip")) {
      errors.add(
          "$.frontend.artifact.key",
          "must name a .zip of the site build (its files go to releases/<version>/)");
    }
    if (manifest.version() != null
        && !SitePublisher.VERSION.matcher(manifest.version()).matches()) {
      errors.add(
          "$.version",
          "a release with a front end needs a version usable as a path segment "
              + "(letters, digits, '.', '_', '-'; no '+')");
    }
  }
}
