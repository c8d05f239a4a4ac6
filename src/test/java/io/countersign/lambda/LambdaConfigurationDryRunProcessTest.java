package io.countersign.lambda;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.countersign.ProcessTestSupport;
import io.countersign.process.Variables;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A release whose function sets its configuration, through the real models with the dry-run Lambda
 * adapter (the demo targets): it walks every step, records what it would set (names, references,
 * memory) without resolving anything, and on rollback records the restore it would make. The
 * approvers' plan names the change.
 */
class LambdaConfigurationDryRunProcessTest extends ProcessTestSupport {

  @Test
  void aFailureAfterTheConfigurationRecordsTheRestoreItWouldMake() {
    ObjectNode manifest = configured();
    manifest.putObject("drill").put("failAt", "rolloutKubernetes");
    String id = submit(manifest);

    approveAll(id);

    assertThat(status(id)).isEqualTo("rolled-back");
    assertThat(evidenceTypes(id))
        .containsSubsequence(
            "lambda-configuration-updated",
            "lambda-deployed",
            "rollback-started",
            "lambda-reverted",
            "lambda-configuration-restored");
    JsonNode restored = lastPayload(id, "lambda-configuration-restored");
    assertThat(restored.path("dryRun").asBoolean()).isTrue();
    assertThat(restored.path("changed").asBoolean()).isFalse();
    assertThat(restored.path("fields").toString()).isEqualTo("[\"memory\",\"environment\"]");
  }

  @Test
  void aDryRunWalksTheConfigurationAndRecordsReferencesWithoutResolvingThem() {
    ObjectNode manifest = configured();
    String id = submit(manifest);
    String plan =
        String.valueOf(
            runtime.getVariable(instance("release", id).getId(), Variables.PLANNED_STEPS));
    assertThat(plan)
        .contains(
            "configuration: memory -> 1024 MB; environment replaced by API_TOKEN from Parameter"
                + " Store /medication/staging/api-token:2, DB_PASSWORD from Secrets Manager"
                + " medication/staging/db key password, STAGE (literal)");

    approveAll(id);

    assertThat(status(id)).isEqualTo("released");
    JsonNode configured = lastPayload(id, "lambda-configuration-updated");
    assertThat(configured.path("dryRun").asBoolean()).isTrue();
    assertThat(configured.path("after").path("memory").asInt()).isEqualTo(1024);
    assertThat(configured.path("after").path("environment").toString())
        .isEqualTo("[\"API_TOKEN\",\"DB_PASSWORD\",\"STAGE\"]");
    assertThat(configured.path("references").findValuesAsText("version"))
        .containsOnly("unknown (dry-run)");
    assertThat(configured.path("literals").toString()).isEqualTo("[\"STAGE\"]");
    String deploy = instance("deploy", id).getId();
    assertThat(runtime.getVariable(deploy, Variables.LAMBDA_CONFIGURED))
        .isEqualTo(List.of("data_ingestion"));
    fireTimer(id, "rollbackWindowOver");
  }

  private ObjectNode configured() {
    ObjectNode manifest = example("staging");
    ObjectNode configuration =
        ((ObjectNode) manifest.at("/lambda/functions/0")).putObject("configuration");
    configuration.put("memory", 1024);
    ObjectNode environment = configuration.putObject("environment");
    environment.putObject("STAGE").put("value", "staging");
    environment
        .putObject("DB_PASSWORD")
        .put("secretsManager", "medication/staging/db")
        .put("jsonKey", "password");
    environment.putObject("API_TOKEN").put("parameterStore", "/medication/staging/api-token:2");
    return manifest;
  }
}
