package io.countersign.aws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.countersign.CrashAfterStep;
import io.countersign.ProcessTestSupport;
import io.countersign.aws.FakeLambdaApi.Settings;
import io.countersign.manifest.FieldErrors.FieldError;
import io.countersign.manifest.InvalidManifestException;
import io.countersign.process.Attempts;
import io.countersign.process.Variables;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;

/**
 * Releases whose function sets its configuration, through the real models with the live Lambda
 * adapter: Lambda, Secrets Manager and Parameter Store answered by WireMock like the real APIs.
 * Failures first (the update ends Failed, a later step fails, Lambda quotes the environment in an
 * error, references outside the allow-lists, literal secrets), then a release, where the secrets'
 * values are searched for in every place the engine and Countersign keep text, and a job lost after
 * the update.
 */
@Import(LambdaConfigurationProcessTest.TestCredentials.class)
class LambdaConfigurationProcessTest extends ProcessTestSupport {
  private static final String DB_PASSWORD = "db-Pa55-c0nfig-9d1e";
  private static final String OLD_DB_PASSWORD = "db-old-pass-3c7b";
  private static final String API_TOKEN = "api-tok-c0nfig-52aa";
  private static final String LEGACY_VALUE = "legacy-value-only-lambda-holds-e4f0";
  private static final List<String> SECRETS =
      List.of(DB_PASSWORD, OLD_DB_PASSWORD, API_TOKEN, LEGACY_VALUE);
  private static final Settings BEFORE =
      new Settings(
          256,
          30,
          List.of("arn:aws:lambda:eu-west-1:123456789012:layer:medication-common:3"),
          Map.of("STAGE", "staging", "LEGACY_SECRET", LEGACY_VALUE));
  private static FakeLambdaApi lambda;
  private static FakeSecretsApi secrets;

  @DynamicPropertySource
  static synchronized void liveLambda(DynamicPropertyRegistry registry) {
    if (lambda == null) {
      lambda = FakeLambdaApi.startServer();
      secrets = FakeSecretsApi.startServer();
    }
    String target = "countersign.targets.lambda.targets.medication-aws.";
    registry.add("countersign.targets.lambda.mode", () -> "live");
    // No final hold: these tests are about the configuration, not the traffic gates.
    registry.add("countersign.targets.lambda.final-hold", () -> "PT0S");
    registry.add(target + "endpoints.lambda", () -> lambda.endpoint().toString());
    registry.add(target + "endpoints.secretsmanager", () -> secrets.endpoint().toString());
    registry.add(target + "endpoints.ssm", () -> secrets.endpoint().toString());
    registry.add(target + "max-attempts", () -> "1");
    registry.add(target + "secret-prefixes[0]", () -> "medication/staging/");
    registry.add(target + "parameter-prefixes[0]", () -> "/medication/staging/");
  }

  @AfterAll
  static void stopServers() {
    lambda.stop();
    secrets.stop();
  }

  @BeforeEach
  void aws() {
    lambda.reset();
    secrets.reset();
    lambda.function("data_ingestion", "live", 3, "sha-di-3");
    lambda.settings("data_ingestion", BEFORE);
    lambda.function("alert_generator", "live", 5, "sha-ag-5");
    lambda.artifact("medication-artifacts", "lambda/data_ingestion/2.4.0/function.zip", "sha-di-4");
    lambda.artifact(
        "medication-artifacts", "lambda/alert_generator/2.4.0/function.zip", "sha-ag-6");
    secrets.secret(
        "medication/staging/db",
        "v1",
        "{\"username\":\"ingest\",\"password\":\"" + OLD_DB_PASSWORD + "\"}",
        "v2",
        "{\"username\":\"ingest\",\"password\":\"" + DB_PASSWORD + "\"}");
    secrets.parameter("/medication/staging/api-token", "api-tok-old", API_TOKEN);
  }

  @Test
  void aConfigurationUpdateThatEndsFailedRollsBackAndRestoresLatestFromThePreviousVersion() {
    lambda.configurationFails("data_ingestion", "Lambda was unable to decrypt the environment");
    String id = submit(configured());

    approveAll(id);

    assertThat(status(id)).isEqualTo("rolled-back");
    assertThat(statusReason(id))
        .contains(
            "Lambda configuration update of data_ingestion failed: Lambda was unable to decrypt");
    assertThat(lambda.alias("data_ingestion", "live").version()).isEqualTo("3");
    assertThat(lambda.versions("data_ingestion")).containsExactly("3");
    assertThat(lambda.settings("data_ingestion")).isEqualTo(BEFORE);
    assertThat(lambda.alias("alert_generator", "live").version())
        .as("never reached")
        .isEqualTo("5");
    assertThat(evidenceTypes(id))
        .containsSubsequence(
            "lambda-code-updated",
            "lambda-configuration-updated",
            "rollback-started",
            "lambda-reverted",
            "lambda-configuration-restored")
        .doesNotContain("lambda-version-published");
    JsonNode restored = lastPayload(id, "lambda-configuration-restored");
    assertThat(restored.path("fromVersion").asText()).isEqualTo("3");
    assertThat(restored.path("changed").asBoolean()).isTrue();
    assertThat(restored.path("restored").path("environment").toString())
        .isEqualTo("[\"LEGACY_SECRET\",\"STAGE\"]");
    assertNoSecretAnywhere(id);
  }

  @Test
  void aLaterStepThatFailsRestoresTheConfigurationOfTheFunctionThatChangedIt() {
    ObjectNode manifest = configured();
    manifest.putObject("drill").put("failAt", "rolloutKubernetes");
    String id = submit(manifest);

    approveAll(id);

    assertThat(status(id)).isEqualTo("rolled-back");
    assertThat(lambda.alias("data_ingestion", "live").version()).isEqualTo("3");
    assertThat(lambda.alias("alert_generator", "live").version()).isEqualTo("5");
    assertThat(lambda.settings("data_ingestion")).isEqualTo(BEFORE);
    assertThat(lambda.settings("data_ingestion", "4").memory())
        .as("the version this release published keeps its configuration")
        .isEqualTo(512);
    assertThat(evidenceTypes(id).stream().filter("lambda-configuration-restored"::equals))
        .as("alert_generator's configuration was never changed")
        .hasSize(1);
    assertThat(
            lambda.calls().stream()
                .filter(c -> c.method().equals("PUT") && c.path().endsWith("/configuration"))
                .map(c -> c.path().split("/")[3]))
        .containsExactly("data_ingestion", "data_ingestion");
    assertNoSecretAnywhere(id);
  }

  @Test
  void lambdasErrorQuotingTheEnvironmentRollsBackWithTheSecretsCutOut() {
    ObjectNode manifest = configured();
    environment(manifest).putObject("PADDING").put("value", "x".repeat(4096));
    String id = submit(manifest);

    approveAll(id);

    assertThat(status(id)).isEqualTo("rolled-back");
    assertThat(statusReason(id))
        .contains(
            "exceeded the 4KB limit. String measured: (Lambda's quote of the environment left out)");
    assertThat(lambda.settings("data_ingestion")).isEqualTo(BEFORE);
    assertThat(evidenceTypes(id))
        .as("the update was refused: nothing to restore")
        .doesNotContain("lambda-configuration-updated", "lambda-configuration-restored");
    assertNoSecretAnywhere(id);
  }

  @Test
  void referencesOutsideTheAllowListsAndLiteralSecretsAreRefusedBeforeAnythingStarts() {
    ObjectNode manifest = configured();
    environment(manifest)
        .set(
            "DB_PASSWORD",
            environment(manifest).objectNode().put("secretsManager", "medication/production/db"));
    environment(manifest).putObject("ADMIN_TOKEN").put("value", "literal-token");
    environment(manifest)
        .putObject("UPSTREAM")
        .put("parameterStore", "/medication/staging/../production/upstream");
    int calls = lambda.calls().size();

    assertThatThrownBy(() -> submit(manifest))
        .isInstanceOfSatisfying(
            InvalidManifestException.class,
            e ->
                assertThat(e.errors())
                    .extracting(FieldError::path)
                    .containsExactlyInAnyOrder(
                        "$.lambda.functions[0].configuration.environment.DB_PASSWORD.secretsManager",
                        "$.lambda.functions[0].configuration.environment.ADMIN_TOKEN.value",
                        "$.lambda.functions[0].configuration.environment.UPSTREAM.parameterStore"));
    assertThat(lambda.calls()).hasSize(calls);
    assertThat(secrets.asked()).isEmpty();
  }

  @Test
  void aReleaseSetsTheSignedConfigurationWithThePinnedVersionAndKeepsNoValue() {
    ObjectNode manifest = configured();
    ((ObjectNode) environment(manifest).get("DB_PASSWORD")).put("versionId", "v1");
    String id = submit(manifest);

    approveAll(id);

    assertThat(status(id)).isEqualTo("released");
    assertThat(lambda.settings("data_ingestion"))
        .isEqualTo(
            new Settings(
                512,
                60,
                BEFORE.layers(),
                Map.of(
                    "STAGE", "staging", "DB_PASSWORD", OLD_DB_PASSWORD, "API_TOKEN", API_TOKEN)));
    assertThat(lambda.settings("data_ingestion", "4")).isEqualTo(lambda.settings("data_ingestion"));
    assertThat(lambda.alias("data_ingestion", "live").version()).isEqualTo("4");
    assertThat(secrets.asked())
        .extracting(FakeSecretsApi.Asked::toString)
        .containsExactlyInAnyOrder(
            "secretsmanager.GetSecretValue {\"SecretId\":\"medication/staging/db\",\"VersionId\":\"v1\"}",
            "AmazonSSM.GetParameter {\"Name\":\"/medication/staging/api-token\",\"WithDecryption\":true}");
    JsonNode configured = lastPayload(id, "lambda-configuration-updated");
    assertThat(configured.path("references").toString())
        .isEqualTo(
            "[{\"jsonKey\":null,\"reference\":\"/medication/staging/api-token\","
                + "\"store\":\"parameterStore\",\"variable\":\"API_TOKEN\",\"version\":\"2\"},"
                + "{\"jsonKey\":\"password\",\"reference\":\"medication/staging/db\","
                + "\"store\":\"secretsManager\",\"variable\":\"DB_PASSWORD\",\"version\":\"v1\"}]");
    assertThat(configured.path("before").path("environment").toString())
        .isEqualTo("[\"LEGACY_SECRET\",\"STAGE\"]");
    String deploy = instance("deploy", id).getId();
    assertThat(runtime.getVariable(deploy, Variables.LAMBDA_CONFIGURED))
        .isEqualTo(List.of("data_ingestion"));
    assertThat(evidence.verify(id).valid()).isTrue();
    assertNoSecretAnywhere(id);
    fireTimer(id, "rollbackWindowOver");
  }

  @Test
  void aConfigurationUpdateWhoseJobAndOutcomeWereLostIsVerifiedByTheRevisionAndMadeOnce() {
    String id = submit(configured());
    CrashAfterStep.arm("deployLambda");
    approveAll(id);
    assertThat(CrashAfterStep.fired()).isTrue();
    CrashAfterStep.forgetOutcomes(jdbc, id, "deployLambda");

    for (int round = 0; round < 20 && status(id).equals("deploying"); round++) {
      advanceClock(Duration.ofSeconds(31));
      runJobs();
    }

    assertThat(status(id)).isEqualTo("released");
    assertThat(
            lambda.calls().stream()
                .filter(c -> c.method().equals("PUT") && c.path().endsWith("/configuration")))
        .hasSize(1);
    assertThat(lambda.versions("data_ingestion")).containsExactly("3", "4");
    JsonNode repeated =
        evidence.entries(id).stream()
            .filter(
                e ->
                    e.type().equals(Attempts.REPEATED)
                        && e.payload().path("key").asText().endsWith("/update-configuration"))
            .findFirst()
            .orElseThrow()
            .payload();
    assertThat(repeated.path("handled").asText()).isEqualTo("verified");
    assertThat(repeated.path("detail").asText())
        .endsWith(": the configuration update was made; not made again");
    assertNoSecretAnywhere(id);
    fireTimer(id, "rollbackWindowOver");
  }

  /**
   * The secrets' values, searched for in the engine's variables (text and byte arrays, runtime and
   * history), job exceptions and incidents, the attempts and the evidence.
   */
  private void assertNoSecretAnywhere(String id) {
    List<String> texts = new ArrayList<>();
    for (String sql :
        List.of(
            "select TEXT_ from ACT_RU_VARIABLE",
            "select TEXT2_ from ACT_RU_VARIABLE",
            "select TEXT_ from ACT_HI_VARINST",
            "select TEXT2_ from ACT_HI_VARINST",
            "select TEXT_ from ACT_HI_DETAIL",
            "select EXCEPTION_MSG_ from ACT_RU_JOB",
            "select JOB_EXCEPTION_MSG_ from ACT_HI_JOB_LOG",
            "select INCIDENT_MSG_ from ACT_RU_INCIDENT",
            "select INCIDENT_MSG_ from ACT_HI_INCIDENT",
            "select result from cs_attempt",
            "select detail from cs_attempt")) {
      texts.addAll(jdbc.queryForList(sql, String.class));
    }
    // Serialized variables, job exception stack traces, history details: all byte arrays.
    for (byte[] bytes : jdbc.queryForList("select BYTES_ from ACT_GE_BYTEARRAY", byte[].class)) {
      texts.add(bytes == null ? null : new String(bytes, StandardCharsets.UTF_8));
    }
    evidence.entries(id).forEach(e -> texts.add(e.payload().toString()));
    texts.add(statusReason(id));
    assertThat(texts.stream().filter(t -> t != null && SECRETS.stream().anyMatch(t::contains)))
        .as("no secret value in variables, history, jobs, incidents, attempts or evidence")
        .isEmpty();
    assertThat(texts)
        .as("the search sees the release's texts: the plan names the reference")
        .anyMatch(t -> t != null && t.contains("Secrets Manager medication/staging/db"));
  }

  /** The staging example with two functions; data_ingestion sets its configuration. */
  private ObjectNode configured() {
    ObjectNode manifest = example("staging");
    ArrayNode functions = (ArrayNode) manifest.get("lambda").get("functions");
    functions.remove(2);
    ObjectNode configuration = ((ObjectNode) functions.get(0)).putObject("configuration");
    configuration.put("memory", 512).put("timeout", 60);
    ObjectNode environment = configuration.putObject("environment");
    environment.putObject("STAGE").put("value", "staging");
    environment
        .putObject("DB_PASSWORD")
        .put("secretsManager", "medication/staging/db")
        .put("jsonKey", "password");
    environment.putObject("API_TOKEN").put("parameterStore", "/medication/staging/api-token");
    return manifest;
  }

  private static ObjectNode environment(ObjectNode manifest) {
    return (ObjectNode) manifest.at("/lambda/functions/0/configuration/environment");
  }

  @TestConfiguration
  static class TestCredentials {
    @Bean
    AwsCredentialsProvider testCredentials() {
      return FakeApiSupport.TEST_CREDENTIALS;
    }
  }
}
