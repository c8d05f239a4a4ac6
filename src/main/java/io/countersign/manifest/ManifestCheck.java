package io.countersign.manifest;

/**
 * A capability's checks of the manifest against the server's configuration (known targets,
 * allow-lists). Every bean of this type runs on every submitted manifest, after the shape checks.
 */
public interface ManifestCheck {

  void check(ReleaseManifest manifest, FieldErrors errors);
}
