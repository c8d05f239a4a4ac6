package io.countersign.manifest;

import java.util.List;

/**
 * What the target capabilities add to reading a manifest: their sections, their checks against the
 * server's configuration, and the steps a rollback drill may name. The capability registry provides
 * it; tests can make one with {@link #of}.
 */
public interface ManifestParts {

  List<ManifestSection<?>> sections();

  List<ManifestCheck> checks();

  List<String> drillSteps();

  static ManifestParts of(
      List<ManifestSection<?>> sections, List<ManifestCheck> checks, List<String> drillSteps) {
    List<ManifestSection<?>> s = List.copyOf(sections);
    List<ManifestCheck> c = List.copyOf(checks);
    List<String> d = List.copyOf(drillSteps);
    return new ManifestParts() {
      @Override
      public List<ManifestSection<?>> sections() {
        return s;
      }

      @Override
      public List<ManifestCheck> checks() {
        return c;
      }

      @Override
      public List<String> drillSteps() {
        return d;
      }
    };
  }
}
