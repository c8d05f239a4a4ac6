package io.countersign.manifest;

import io.countersign.manifest.ReleaseManifest.Artifact;
import io.countersign.manifest.ReleaseManifest.Container;
import io.countersign.manifest.ReleaseManifest.LambdaFunction;
import io.countersign.manifest.ReleaseManifest.Workload;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What a release deploys, named by what it is rather than where it goes: the S3 objects of its
 * Lambda functions and front end (with the digest of their bytes where the manifest pins it), its
 * container images, its migration scripts' folder. Targets, namespaces, aliases, traffic plans and
 * checks differ between environments; these must not when a release is promoted from one
 * environment to the next.
 */
public final class ManifestArtifacts {
  private ManifestArtifacts() {}

  /** Each artifact by a readable name ("lambda api_handler", "image Deployment/web api", …). */
  public static Map<String, String> of(ReleaseManifest manifest) {
    Map<String, String> artifacts = new TreeMap<>();
    if (manifest.hasDatabase()) {
      artifacts.put("database migrations", manifest.database().migrations());
    }
    if (manifest.hasLambda()) {
      for (LambdaFunction function : manifest.lambda().functions()) {
        artifacts.put("lambda " + function.name(), s3(function.artifact()));
      }
    }
    if (manifest.hasFrontend()) {
      artifacts.put("front end", s3(manifest.frontend().artifact()));
    }
    if (manifest.hasKubernetes()) {
      for (Workload workload : manifest.kubernetes().workloads()) {
        for (Container container : workload.containers()) {
          artifacts.put(
              "image " + workload.kind() + "/" + workload.name() + " " + container.name(),
              container.image());
        }
      }
    }
    return artifacts;
  }

  /**
   * How {@code other} differs from {@code expected}, one line per artifact ("lambda api_handler:
   * s3://a/1.zip, expected s3://a/2.zip"); empty when they deploy the same.
   */
  public static List<String> differences(Map<String, String> expected, Map<String, String> other) {
    List<String> lines = new ArrayList<>();
    TreeSet<String> names = new TreeSet<>(expected.keySet());
    names.addAll(other.keySet());
    for (String name : names) {
      String want = expected.get(name);
      String got = other.get(name);
      if (!Objects.equals(want, got)) {
        lines.add(
            name
                + ": "
                + (got == null ? "not deployed" : got)
                + ", expected "
                + (want == null ? "nothing" : want));
      }
    }
    return lines;
  }

  /** The object, and its bytes' digest where the manifest pins it. */
  private static String s3(Artifact artifact) {
    return "s3://"
        + artifact.bucket()
        + "/"
        + artifact.key()
        + (artifact.sha256() == null ? "" : " sha256:" + artifact.sha256());
  }
}
