package io.countersign.frontend;

import io.countersign.release.FieldErrors;
import io.countersign.release.ManifestCheck;
import io.countersign.release.ReleaseManifest;
import io.countersign.release.ReleaseManifest.FrontendChange;
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
      errors.add("$.frontend.target", "unknown front-end target '" + frontend.target() + "'; configured targets: "
          + (properties.targets().isEmpty() ? "none" : String.join(", ", new TreeSet<>(properties.targets().keySet()))));
      return;
    }
    String bucket = frontend.artifact() == null ? null : frontend.artifact().bucket();
    if (bucket != null && !target.artifactBuckets().contains(bucket)) {
      errors.add("$.frontend.artifact.bucket", "bucket '" + bucket + "' is not an artifact bucket of target '"
          + frontend.target() + "' (allowed: " + String.join(", ", target.artifactBuckets()) + ")");
    }
  }
}
