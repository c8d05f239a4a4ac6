package io.countersign.manifest;

import java.util.Map;

/**
 * The artifacts a manifest section of a target capability deploys (images of its Jobs, its sets),
 * beside those of the manifest's own components that {@link ManifestArtifacts#of} lists: a promoted
 * release must deploy the same ones as the release it is promoted from.
 */
public interface SectionArtifacts {

  /**
   * Each artifact by a readable name, as {@link ManifestArtifacts#of}; none without the section.
   */
  Map<String, String> artifacts(ReleaseManifest manifest);
}
