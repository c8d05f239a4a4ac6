package io.countersign.release;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.countersign.ManifestFixture;
import io.countersign.evidence.EvidenceEntry;
import io.countersign.evidence.EvidenceLog;
import io.countersign.manifest.ManifestArtifacts;
import io.countersign.manifest.ReleaseManifest;
import io.countersign.process.ManifestStore;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The promotion rule on its own, with the release table, the evidence and the manifest store as
 * stand-ins: the soak time, and which differences between two manifests count as other artifacts.
 */
class PromotionsTest {
  private static final JsonMapper JSON =
      JsonMapper.builder().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).build();
  private static final Instant NOW = Instant.parse("2026-12-01T12:00:00Z");

  private final JdbcTemplate jdbc = mock(JdbcTemplate.class);
  private final EvidenceLog evidence = mock(EvidenceLog.class);
  private final ManifestStore manifests = mock(ManifestStore.class);
  private final Promotions promotions = new Promotions(jdbc, evidence, manifests, List.of());

  @Test
  void aStagingReleaseStillInItsSoakTimeDoesNotPromote() throws Exception {
    ReleaseManifest production = manifest(ManifestFixture.production());
    stagingReleased("rel-staging", manifest(stagingOf(ManifestFixture.production())), "PT30M");

    Promotions.Promotion soaking =
        promotions.check("rel-prod", production, "staging", Duration.ofHours(1), NOW);
    Promotions.Promotion soaked =
        promotions.check("rel-prod", production, "staging", Duration.ofMinutes(30), NOW);

    assertThat(soaking.passed()).isFalse();
    assertThat(soaking.problems())
        .containsExactly(
            "rel-staging released 2026-12-01T11:30:00Z, soaking until 2026-12-01T12:30:00Z");
    assertThat(soaked.passed()).isTrue();
    assertThat(soaked.releaseId()).isEqualTo("rel-staging");
    assertThat(soaked.line())
        .isEqualTo(
            "Promoted from rel-staging (staging, released 2026-12-01T11:30:00Z, same artifacts,"
                + " not rolled back)");
  }

  @Test
  void onlyWhatIsDeployedCountsNotWhereOrHow() throws Exception {
    ObjectNode production = ManifestFixture.production();
    ObjectNode staging = stagingOf(production);
    // Other targets, namespace, alias and checks: the same artifacts.
    assertThat(
            ManifestArtifacts.differences(
                ManifestArtifacts.of(manifest(staging)),
                ManifestArtifacts.of(manifest(production))))
        .isEmpty();

    ((ObjectNode) production.at("/lambda/functions/0/artifact")).put("key", "lambda/di/2.4.1.zip");
    ((ObjectNode) production.at("/kubernetes/workloads/0")).put("name", "backend-v2");
    ((ObjectNode) production.at("/frontend/artifact")).put("sha256", "ab".repeat(32));
    assertThat(
            ManifestArtifacts.differences(
                ManifestArtifacts.of(manifest(staging)),
                ManifestArtifacts.of(manifest(production))))
        .containsExactly(
            "front end: s3://medication-artifacts/web/2.4.0/site.zip sha256:"
                + "ab".repeat(32)
                + ", expected s3://medication-artifacts/web/2.4.0/site.zip",
            "image Deployment/backend api: not deployed, expected"
                + " registry.medication.example/medication/backend:2.4.0",
            "image Deployment/backend-v2 api: registry.medication.example/medication/backend:2.4.0,"
                + " expected nothing",
            "lambda data_ingestion: s3://medication-artifacts/lambda/di/2.4.1.zip, expected"
                + " s3://medication-artifacts/lambda/data_ingestion/2.4.0/function.zip");
  }

  @Test
  void aSectionsArtifactsCountToo() throws Exception {
    ReleaseManifest production = manifest(ManifestFixture.production());
    stagingReleased("rel-staging", manifest(stagingOf(ManifestFixture.production())), "PT2H");
    // A section's artifacts as its capability names them: here, the migration image differs.
    Promotions withSteps =
        new Promotions(
            jdbc,
            evidence,
            manifests,
            List.of(
                m ->
                    Map.of(
                        "kubernetes step migrate image",
                        m.environment().equals("production")
                            ? "registry.example/backend:2.4.1"
                            : "registry.example/backend:2.4.0")));

    Promotions.Promotion promotion =
        withSteps.check("rel-prod", production, "staging", Duration.ZERO, NOW);

    assertThat(promotion.passed()).isFalse();
    assertThat(promotion.problems())
        .containsExactly(
            "rel-staging other artifacts (kubernetes step migrate image:"
                + " registry.example/backend:2.4.1, expected registry.example/backend:2.4.0)");
  }

  private void stagingReleased(String id, ReleaseManifest manifest, String ago) {
    when(jdbc.queryForList(any(String.class), eq(String.class), any(Object[].class)))
        .thenReturn(List.of(id));
    when(evidence.authentic(id, "release-released"))
        .thenReturn(
            List.of(
                new EvidenceEntry(
                    id,
                    30,
                    "release-released",
                    "countersign",
                    NOW.minus(Duration.parse(ago)),
                    JSON.createObjectNode(),
                    "p",
                    "h",
                    "s")));
    when(evidence.authentic(id, "rollback-started")).thenReturn(List.of());
    when(manifests.submitted(id)).thenReturn(new ManifestStore.Signed(id, "{}", "0", manifest));
  }

  private static ObjectNode stagingOf(ObjectNode production) {
    ObjectNode staging = production.deepCopy();
    staging.put("environment", "staging");
    ((ObjectNode) staging.get("kubernetes")).put("namespace", "medication-staging");
    ((ObjectNode) staging.get("database")).put("target", "staging-db");
    ((ObjectNode) staging.at("/lambda/functions/2")).remove("alias");
    staging.remove("verification");
    return staging;
  }

  private static ReleaseManifest manifest(ObjectNode json) throws Exception {
    return JSON.treeToValue(json, ReleaseManifest.class);
  }
}
