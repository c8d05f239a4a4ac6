package io.countersign.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.countersign.manifest.ReleaseManifest;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What the hospital-integration example's steps deploy, as promotion compares it: every image a
 * step runs, not where or how.
 */
class KubernetesStepsArtifactsTest {
  private static final JsonMapper JSON =
      JsonMapper.builder().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).build();

  private final KubernetesStepsCapability capability =
      new KubernetesStepsCapability(null, new StepTypes(List.of()), null);

  @Test
  void everyImageTheStepsRunIsAnArtifact() throws Exception {
    ReleaseManifest manifest =
        JSON.treeToValue(
            HospitalIntegrationDryRunProcessTest.hospitalExample(), ReleaseManifest.class);

    assertThat(capability.artifacts(manifest))
        .containsExactly(
            org.assertj.core.api.Assertions.entry(
                "kubernetes step backend Deployment/backend api",
                "registry.hospital.example/integration/backend:3.2.0"),
            org.assertj.core.api.Assertions.entry(
                "kubernetes step drain-workers image",
                "registry.hospital.example/integration/backend:3.2.0"),
            org.assertj.core.api.Assertions.entry(
                "kubernetes step frontend Deployment/frontend web",
                "registry.hospital.example/integration/frontend:3.2.0"),
            org.assertj.core.api.Assertions.entry(
                "kubernetes step migrate image",
                "registry.hospital.example/integration/backend:3.2.0"),
            org.assertj.core.api.Assertions.entry(
                "kubernetes step verify-db image",
                "registry.hospital.example/integration/backend:3.2.0"),
            org.assertj.core.api.Assertions.entry(
                "kubernetes step verify-db-after-rollback image",
                "registry.hospital.example/integration/backend:3.2.0"));
  }

  @Test
  void aManifestWithoutStepsDeploysNoneOfTheirs() throws Exception {
    var manifest = HospitalIntegrationDryRunProcessTest.hospitalExample();
    manifest.remove("kubernetesSteps");

    assertThat(capability.artifacts(JSON.treeToValue(manifest, ReleaseManifest.class))).isEmpty();
  }
}
