package io.countersign.signoff;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.countersign.ProcessTestSupport;
import io.countersign.evidence.EvidenceEntry;
import io.countersign.manifest.FieldErrors;
import io.countersign.manifest.InvalidManifestException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.test.context.TestPropertySource;

/**
 * Environments as the users' plans name them, configured: QA between development and staging, and
 * disaster recovery ("dr") flagged production. The release policy is the shipped one, unedited.
 */
@TestPropertySource(
    properties = {
      "countersign.environments[0].id=development",
      "countersign.environments[1].id=qa",
      "countersign.environments[1].promotes-from=development",
      "countersign.environments[2].id=staging",
      "countersign.environments[2].promotes-from=qa",
      "countersign.environments[3].id=production",
      "countersign.environments[3].production=true",
      "countersign.environments[3].promotes-from=staging",
      "countersign.environments[4].id=dr",
      "countersign.environments[4].production=true",
      "countersign.environments[4].promotes-from=production",
      "countersign.targets.verification.allowed-hosts.qa=staging.medication.example,"
          + "api.staging.medication.example",
      "countersign.targets.verification.allowed-hosts.dr=medication.example,api.medication.example"
    })
class ConfiguredEnvironmentsProcessTest extends ProcessTestSupport {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final List<String> PRODUCTION_ROLES =
      List.of(
          "tech-leads",
          "security-officers",
          "qa-leads",
          "product-owners",
          "operations-leads",
          "compliance-officers");

  @Test
  void aProductionFlaggedEnvironmentGetsProductionsSignOffs() {
    // dr is promoted from production, itself promoted from staging: the same version through both.
    ObjectNode production = example("production");
    String promotedFrom = submit(production);
    approveAll(promotedFrom);
    postDeploymentEvidence(promotedFrom);
    assertThat(status(promotedFrom)).isEqualTo("released");
    fireTimer(promotedFrom, "rollbackWindowOver");
    ObjectNode manifest = production.deepCopy();
    manifest.put("environment", "dr");

    String id = submitAsIs(manifest, "requester");

    assertThat(openTasks(id, "approveRelease"))
        .extracting(t -> tasks.getVariable(t.getId(), "role"))
        .containsExactlyInAnyOrderElementsOf(PRODUCTION_ROLES);
    assertThat(policy(id))
        .containsEntry("requiredRoles", PRODUCTION_ROLES)
        .containsEntry(
            "requiredEvidence", List.of("security-scan", "integration-tests", "performance-tests"));
    assertThat(facts(id)).containsEntry("environment", "dr").containsEntry("production", true);
    assertThat(
            lastPayload(id, "checkpoint-pre-deployment")
                .path("promotion")
                .path("releaseId")
                .asText())
        .isEqualTo(promotedFrom);
    approveAll(id);
    postDeploymentEvidence(id);
    assertThat(status(id)).isEqualTo("released");
    fireTimer(id, "rollbackWindowOver");
  }

  @Test
  void anEnvironmentWithNoRowsOfItsOwnIsAcceptedAndNeedsWhatThePolicySays() {
    ObjectNode manifest = example("staging");
    manifest.put("environment", "qa");
    ((ObjectNode) manifest.get("kubernetes")).put("namespace", "medication-staging");

    String id = submit(manifest);

    assertThat(policy(id)).containsEntry("requiredRoles", List.of());
    assertThat(facts(id)).containsEntry("production", false);
    assertThat(openTasks(id, "approveRelease")).isEmpty();
    runJobs();
    assertThat(status(id)).isEqualTo("released");
  }

  @Test
  void theDefaultEnvironmentsKeepTheirSignOffs() {
    String staging = submit(example("staging"));

    assertThat(policy(staging)).containsEntry("requiredRoles", List.of("tech-leads", "qa-leads"));
    approveAll(staging);
    assertThat(status(staging)).isEqualTo("released");
  }

  @Test
  void aDrillIsRefusedInEveryProductionEnvironment() {
    ObjectNode manifest = example("production");
    manifest.put("environment", "dr");
    manifest.putObject("drill").put("failAt", "migrateDatabase");

    assertThat(refused(manifest))
        .contains(
            new FieldErrors.FieldError(
                "$.drill.failAt",
                "rollback drills are not allowed in production ('dr' is a production"
                    + " environment)"));
  }

  @Test
  void anUnknownEnvironmentIsRefusedListingTheConfiguredOnesAndNothingStarts() {
    long releasesBefore = count("SELECT count(*) FROM cs_release");
    long instancesBefore = runtime.createProcessInstanceQuery().count();
    ObjectNode manifest = example("staging");
    manifest.put("environment", "uat");

    assertThat(refused(manifest))
        .containsExactly(
            new FieldErrors.FieldError(
                "$.environment",
                "unknown environment 'uat'; expected one of development, qa, staging, production,"
                    + " dr"));
    assertThat(count("SELECT count(*) FROM cs_release")).isEqualTo(releasesBefore);
    assertThat(runtime.createProcessInstanceQuery().count()).isEqualTo(instancesBefore);
  }

  private List<FieldErrors.FieldError> refused(ObjectNode manifest) {
    InvalidManifestException invalid =
        catchThrowableOfType(InvalidManifestException.class, () -> submit(manifest));
    assertThat(invalid).as("refused").isNotNull();
    return invalid.errors();
  }

  private long count(String sql) {
    Long n = jdbc.queryForObject(sql, Long.class);
    return n == null ? 0 : n;
  }

  @SuppressWarnings("unchecked")
  private Map<String, Object> facts(String id) {
    return (Map<String, Object>) policy(id).get("facts");
  }

  private Map<String, Object> policy(String id) {
    EvidenceEntry applied =
        evidence.entries(id).stream()
            .filter(e -> e.type().equals("policy-applied"))
            .findFirst()
            .orElseThrow();
    return JSON.convertValue(applied.payload(), new TypeReference<Map<String, Object>>() {});
  }
}
