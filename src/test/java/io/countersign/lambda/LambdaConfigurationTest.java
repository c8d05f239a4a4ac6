package io.countersign.lambda;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.countersign.FakeExecution;
import io.countersign.aws.AwsClients;
import io.countersign.aws.AwsUnavailableException;
import io.countersign.aws.FakeApiSupport;
import io.countersign.aws.FakeLambdaApi;
import io.countersign.aws.FakeLambdaApi.Call;
import io.countersign.aws.FakeLambdaApi.Settings;
import io.countersign.aws.FakeSecretsApi;
import io.countersign.aws.TargetRefusedException;
import io.countersign.lambda.LambdaRollout.Advance;
import io.countersign.lambda.LambdaRollout.Event;
import io.countersign.lambda.LambdaRollout.Progress;
import io.countersign.lambda.LambdaTarget.ConfigurationRestore;
import io.countersign.manifest.ReleaseManifest.Artifact;
import io.countersign.manifest.ReleaseManifest.EnvironmentValue;
import io.countersign.manifest.ReleaseManifest.LambdaConfiguration;
import io.countersign.manifest.ReleaseManifest.LambdaFunction;
import io.countersign.process.Attempts;
import io.countersign.process.Attempts.Attempt;
import io.countersign.process.Attempts.Interrupted;
import io.countersign.process.Attempts.Resolution;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The function's configuration through the live adapter and the rollout, against WireMock answering
 * like Lambda, Secrets Manager and Parameter Store: the update at the function's revision with the
 * resolved values and only the fields given, the wait for LastUpdateStatus, the allow-lists checked
 * again by the adapter, no value in any message or evidence, the restore from the previous version,
 * and publishing that never brings back a version with the old configuration.
 */
class LambdaConfigurationTest {
  private static final String TARGET = "medication-aws";
  private static final String FN = "/2015-03-31/functions/api_handler";
  private static final Instant NOW = Instant.parse("2026-11-22T10:00:00Z");
  private static final String LAYER =
      "arn:aws:lambda:eu-west-1:123456789012:layer:medication-common:4";
  private static final String OLD_LAYER =
      "arn:aws:lambda:eu-west-1:123456789012:layer:medication-common:3";
  private static final String DB_SECRET = "medication/staging/db";
  private static final String DB_PASSWORD = "Pa55-w0rd-current-7f3a";
  private static final String OLD_DB_PASSWORD = "s3cr3t-old-1";
  private static final String API_TOKEN = "tok-2-bbbb-current";
  private static final String OLD_VALUE_IN_LAMBDA = "value-only-lambda-holds-91c2";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static FakeLambdaApi lambda;
  private static FakeSecretsApi secrets;

  private AwsClients clients;
  private LambdaProperties properties;
  private LiveLambdaTarget live;
  private LambdaRollout rollout;

  @BeforeAll
  static void startServers() {
    lambda = FakeLambdaApi.startServer();
    secrets = FakeSecretsApi.startServer();
  }

  @AfterAll
  static void stopServers() {
    lambda.stop();
    secrets.stop();
  }

  @BeforeEach
  void functions() {
    lambda.reset();
    secrets.reset();
    lambda.function("api_handler", "live", 7, "sha-7");
    lambda.settings(
        "api_handler",
        new Settings(
            256,
            30,
            List.of(OLD_LAYER),
            Map.of("STAGE", "staging", "LEGACY_SECRET", OLD_VALUE_IN_LAMBDA)));
    lambda.artifact("medication-artifacts", "lambda/api_handler/2.4.0/function.zip", "sha-8");
    secrets.secret(
        DB_SECRET,
        "v1",
        "{\"username\":\"app\",\"password\":\"" + OLD_DB_PASSWORD + "\"}",
        "v2",
        "{\"username\":\"app\",\"password\":\"" + DB_PASSWORD + "\"}");
    secrets.parameter("/medication/staging/api-token", "tok-1-aaaa", API_TOKEN);
    properties =
        new LambdaProperties(
            "live",
            Map.of(
                TARGET,
                new LambdaProperties.Target(
                    "eu-west-1",
                    List.of("medication-artifacts"),
                    null,
                    null,
                    Map.of(
                        "lambda", lambda.endpoint(),
                        "secretsmanager", secrets.endpoint(),
                        "ssm", secrets.endpoint()),
                    Duration.ofSeconds(2),
                    2,
                    List.of(
                        "medication/staging/",
                        "arn:aws:secretsmanager:eu-west-1:123456789012:secret:medication/staging/"),
                    List.of("/medication/staging/"))));
    clients = new AwsClients(FakeApiSupport.TEST_CREDENTIALS);
    live = new LiveLambdaTarget(properties, clients);
    rollout = new LambdaRollout(live, properties, FakeExecution.actingAttempts());
  }

  @AfterEach
  void closeClients() {
    clients.close();
  }

  @Test
  void theConfigurationIsSetAtTheRevisionWithResolvedSecretsWaitedForThenPublished() {
    lambda.updateTakes("api_handler", 1);
    LambdaFunction function = function(configuration(512, 60, List.of(LAYER), environment()));

    Advance step = rollout.start("rel-1", TARGET, function, NOW);
    List<Advance> steps = new java.util.ArrayList<>(List.of(step));
    while (!step.progress().phase().equals("deployed")) {
      step = rollout.advance("rel-1", TARGET, function, step.progress(), NOW);
      steps.add(step);
    }

    assertThat(steps)
        .extracting(a -> a.progress().phase())
        .containsExactly("updating", "updating", "configuring", "configuring", "deployed");
    assertThat(lambda.callLines())
        .containsExactly(
            "GET " + FN + "/aliases/live",
            "GET " + FN + "/configuration",
            "PUT " + FN + "/code",
            "GET " + FN + "/configuration", // InProgress
            "GET " + FN + "/configuration", // Successful
            "GET " + FN + "/configuration", // the configuration before, and its revision
            "PUT " + FN + "/configuration",
            "GET " + FN + "/configuration", // InProgress
            "GET " + FN + "/configuration", // Successful
            "GET " + FN + "/versions",
            "POST " + FN + "/versions",
            "PUT " + FN + "/aliases/live");
    Call update = lambda.calls().get(6);
    // At the revision read just before (the fake refuses any other with 412).
    assertThat(update.body().hasNonNull("RevisionId")).isTrue();
    assertThat(update.body().get("MemorySize").asInt()).isEqualTo(512);
    assertThat(update.body().get("Timeout").asInt()).isEqualTo(60);
    assertThat(update.body().get("Layers").toString()).isEqualTo("[\"" + LAYER + "\"]");
    assertThat(update.body().get("Environment").get("Variables"))
        .isEqualTo(
            JSON.valueToTree(
                Map.of(
                    "STAGE", "staging",
                    "DB_PASSWORD", DB_PASSWORD,
                    "API_TOKEN", API_TOKEN)));
    // The whole environment is what the manifest signs: LEGACY_SECRET is gone.
    assertThat(lambda.settings("api_handler"))
        .isEqualTo(
            new Settings(
                512,
                60,
                List.of(LAYER),
                Map.of("STAGE", "staging", "DB_PASSWORD", DB_PASSWORD, "API_TOKEN", API_TOKEN)));
    assertThat(lambda.versions("api_handler")).containsExactly("7", "8");
    assertThat(lambda.settings("api_handler", "8")).isEqualTo(lambda.settings("api_handler"));
    assertThat(lambda.alias("api_handler", "live").version()).isEqualTo("8");
    assertThat(secrets.asked())
        .extracting(FakeSecretsApi.Asked::toString)
        .containsExactly(
            "secretsmanager.GetSecretValue {\"SecretId\":\"" + DB_SECRET + "\"}",
            "AmazonSSM.GetParameter {\"Name\":\"/medication/staging/api-token\",\"WithDecryption\":true}");
    assertThat(steps.get(2).waitFor()).isEqualTo(Duration.ofSeconds(5));

    Event configured = event(steps, "lambda-configuration-updated");
    JsonNode payload = JSON.valueToTree(configured.payload());
    assertThat(payload.get("before").toString())
        .isEqualTo(
            "{\"memory\":256,\"timeout\":30,\"layers\":[\""
                + OLD_LAYER
                + "\"],\"environment\":[\"LEGACY_SECRET\",\"STAGE\"]}");
    assertThat(payload.get("after").toString())
        .isEqualTo(
            "{\"memory\":512,\"timeout\":60,\"layers\":[\""
                + LAYER
                + "\"],\"environment\":[\"API_TOKEN\",\"DB_PASSWORD\",\"STAGE\"]}");
    assertThat(payload.get("literals").toString()).isEqualTo("[\"STAGE\"]");
    assertThat(payload.get("references").toString())
        .isEqualTo(
            "[{\"variable\":\"DB_PASSWORD\",\"store\":\"secretsManager\",\"reference\":\""
                + DB_SECRET
                + "\",\"jsonKey\":\"password\",\"version\":\"v2\"},"
                + "{\"variable\":\"API_TOKEN\",\"store\":\"parameterStore\","
                + "\"reference\":\"/medication/staging/api-token\",\"jsonKey\":null,\"version\":\"2\"}]");
    assertThat(payload.get("changed").toString())
        .isEqualTo("[\"memory\",\"timeout\",\"layers\",\"environment\"]");
    assertThat(
            JSON.valueToTree(steps.stream().flatMap(a -> a.events().stream()).toList()).toString())
        .doesNotContain(DB_PASSWORD, API_TOKEN, OLD_VALUE_IN_LAMBDA, "tok-1-aaaa");
    assertThat(types(steps))
        .containsExactly(
            "lambda-code-updated",
            "lambda-configuration-updated",
            "lambda-version-published",
            "lambda-traffic-shifted",
            "lambda-deployed");
  }

  @Test
  void onlyTheFieldsGivenAreSentAndAPinnedVersionIsTheOneAskedFor() {
    Map<String, EnvironmentValue> environment = new LinkedHashMap<>();
    environment.put("DB_PASSWORD", new EnvironmentValue(null, DB_SECRET, "password", "v1", null));
    environment.put(
        "API_TOKEN",
        new EnvironmentValue(null, null, null, null, "/medication/staging/api-token:1"));
    LambdaFunction memoryOnly = function(configuration(1024, null, null, null));

    rollout.advance(
        "rel-1",
        TARGET,
        memoryOnly,
        rollout.start("rel-1", TARGET, memoryOnly, NOW).progress(),
        NOW);

    live.updateStatus(TARGET, memoryOnly); // the update ends at this look
    JsonNode body = configurationUpdates().get(0);
    assertThat(body.fieldNames())
        .toIterable()
        .containsExactlyInAnyOrder("RevisionId", "MemorySize");
    assertThat(lambda.settings("api_handler").environment())
        .as("no environment in the manifest: untouched")
        .containsEntry("LEGACY_SECRET", OLD_VALUE_IN_LAMBDA);
    assertThat(secrets.asked()).isEmpty();

    var update =
        live.updateConfiguration(
            "rel-2",
            TARGET,
            function(configuration(null, null, null, environment)),
            lambda.revision("api_handler"));

    assertThat(secrets.asked())
        .extracting(FakeSecretsApi.Asked::toString)
        .containsExactly(
            "secretsmanager.GetSecretValue {\"SecretId\":\""
                + DB_SECRET
                + "\",\"VersionId\":\"v1\"}",
            "AmazonSSM.GetParameter {\"Name\":\"/medication/staging/api-token:1\",\"WithDecryption\":true}");
    assertThat(lambda.settings("api_handler").environment())
        .isEqualTo(Map.of("DB_PASSWORD", OLD_DB_PASSWORD, "API_TOKEN", "tok-1-aaaa"));
    assertThat(update.references())
        .extracting(LambdaTarget.Reference::version)
        .containsExactly("v1", "1");
    assertThat(configurationUpdates().get(1).fieldNames())
        .toIterable()
        .containsExactlyInAnyOrder("RevisionId", "Environment");

    // Someone changed the function since the revision was read: Lambda refuses, the step retries.
    assertThatThrownBy(
            () ->
                live.updateConfiguration(
                    "rel-3", TARGET, function(configuration(2048, null, null, null)), "stale"))
        .isInstanceOf(AwsUnavailableException.class)
        .hasMessageContaining("PreconditionFailedException");
    assertThat(lambda.settings("api_handler").memory()).isEqualTo(1024);
  }

  @Test
  void aConfigurationUpdateThatEndsFailedIsRefusedWithLambdasReasonAndNothingIsPublished() {
    lambda.configurationFails("api_handler", "The KMS key is disabled");
    LambdaFunction function = function(configuration(512, null, null, null));
    Advance configuring =
        rollout.advance(
            "rel-1",
            TARGET,
            function,
            rollout.start("rel-1", TARGET, function, NOW).progress(),
            NOW);
    assertThat(types(List.of(configuring))).containsExactly("lambda-configuration-updated");

    assertThatThrownBy(
            () -> rollout.advance("rel-1", TARGET, function, configuring.progress(), NOW))
        .isInstanceOf(TargetRefusedException.class)
        .hasMessageStartingWith(
            "Lambda configuration update of api_handler failed: The KMS key is disabled");
    assertThat(lambda.callLines()).doesNotContain("POST " + FN + "/versions");
    assertThat(lambda.alias("api_handler", "live").version()).isEqualTo("7");
  }

  @Test
  void aConfigurationUpdateStillInProgressAfterTheTimeoutIsRefused() {
    LambdaFunction function = function(configuration(512, null, null, null));
    Progress updating = rollout.start("rel-1", TARGET, function, NOW).progress();
    lambda.updateTakes("api_handler", 100);
    Instant later = NOW.plus(Duration.ofMinutes(8));
    Progress configuring = rollout.advance("rel-1", TARGET, function, updating, later).progress();
    assertThat(configuring.phase()).isEqualTo("configuring");
    assertThat(configuring.updateStartedAt())
        .as("the timeout starts again with this update")
        .isEqualTo(later.toString());

    assertThat(
            rollout
                .advance("rel-1", TARGET, function, configuring, later.plus(Duration.ofMinutes(9)))
                .progress())
        .isEqualTo(configuring);
    assertThatThrownBy(
            () ->
                rollout.advance(
                    "rel-1", TARGET, function, configuring, later.plus(Duration.ofMinutes(11))))
        .isInstanceOf(TargetRefusedException.class)
        .hasMessage(
            "Lambda configuration update of api_handler still InProgress after PT10M (no reason given)");
  }

  @Test
  void theAdapterRefusesReferencesOutsideTheAllowListsBeforeReadingAnything() {
    for (EnvironmentValue outside :
        List.of(
            new EnvironmentValue(null, "medication/production/db", "password", null, null),
            new EnvironmentValue(
                null,
                "arn:aws:secretsmanager:eu-west-1:999999999999:secret:medication/staging/db-AbCdEf",
                null,
                null,
                null),
            // A name prefix does not admit an ARN, which may name another account.
            new EnvironmentValue(
                null,
                "arn:aws:secretsmanager:eu-west-1:123456789012:secret:other/db-AbCdEf",
                null,
                null,
                null),
            new EnvironmentValue(null, null, null, null, "/medication/production/api-token"),
            new EnvironmentValue(null, null, null, null, "/medication/staging/../production/x"),
            new EnvironmentValue(
                null, null, null, null, "arn:aws:ssm:eu-west-1:999999999999:parameter/x"))) {
      LambdaFunction function =
          function(configuration(null, null, null, Map.of("DB_PASSWORD", outside)));
      assertThatThrownBy(
              () ->
                  live.updateConfiguration(
                      "rel-1", TARGET, function, lambda.revision("api_handler")))
          .isInstanceOf(TargetRefusedException.class)
          .hasMessageStartingWith(
              "configuration of function api_handler refused: configuration.environment.DB_PASSWORD.");
      assertThatThrownBy(() -> rollout.start("rel-1", TARGET, function, NOW))
          .isInstanceOf(TargetRefusedException.class)
          .hasMessageContaining("configuration.environment.DB_PASSWORD");
    }
    assertThat(secrets.asked()).isEmpty();
    assertThat(lambda.calls()).isEmpty();
  }

  @Test
  void lambdasErrorQuotingTheEnvironmentReachesNoMessageWithTheSecret() {
    Map<String, EnvironmentValue> environment = new LinkedHashMap<>(environment());
    environment.put("PADDING", new EnvironmentValue("x".repeat(4096), null, null, null, null));
    LambdaFunction function = function(configuration(null, null, null, environment));

    Throwable thrown =
        org.assertj.core.api.Assertions.catchThrowable(
            () ->
                live.updateConfiguration(
                    "rel-1", TARGET, function, lambda.revision("api_handler")));

    assertThat(thrown)
        .isInstanceOf(TargetRefusedException.class)
        .hasMessageContaining(
            "exceeded the 4KB limit. String measured: (Lambda's quote of the environment left out)")
        .hasNoCause();
    assertThat(thrown.getMessage()).doesNotContain(DB_PASSWORD, API_TOKEN);
    assertThat(lambda.calls().get(0).body().toString()).contains(DB_PASSWORD);
  }

  @Test
  void aSecretQuotedInAnyOtherLambdaMessageIsCutOutAsGivenAndAsInJson() {
    secrets.secret(
        "medication/staging/pem", "p1", "-----BEGIN KEY-----\nMIIE-body\n-----END KEY-----");
    lambda.fail(
        "PUT",
        "/configuration",
        1,
        400,
        "InvalidParameterValueException",
        "Invalid value {\"SIGNING\":\"-----BEGIN KEY-----\\nMIIE-body\\n-----END KEY-----\"}, and "
            + DB_PASSWORD);
    Map<String, EnvironmentValue> environment = new LinkedHashMap<>(environment());
    environment.put(
        "SIGNING", new EnvironmentValue(null, "medication/staging/pem", null, null, null));

    Throwable thrown =
        org.assertj.core.api.Assertions.catchThrowable(
            () ->
                live.updateConfiguration(
                    "rel-1",
                    TARGET,
                    function(configuration(null, null, null, environment)),
                    lambda.revision("api_handler")));

    assertThat(thrown)
        .isInstanceOf(TargetRefusedException.class)
        .hasMessageContaining("Invalid value {\"SIGNING\":\"[redacted]\"}, and [redacted]")
        .hasNoCause();
    assertThat(thrown.getMessage()).doesNotContain("MIIE-body", DB_PASSWORD);
  }

  @Test
  void aSecretThatIsNotJsonOrLacksTheKeyIsRefusedWithoutQuotingIt() {
    secrets.secret("medication/staging/plain", "p1", "plain-secret-value-not-json");
    for (String secret : List.of("medication/staging/plain", DB_SECRET)) {
      LambdaFunction function =
          function(
              configuration(
                  null,
                  null,
                  null,
                  Map.of(
                      "DB_PASSWORD", new EnvironmentValue(null, secret, "missing", null, null))));
      Throwable thrown =
          org.assertj.core.api.Assertions.catchThrowable(
              () ->
                  live.updateConfiguration(
                      "rel-1", TARGET, function, lambda.revision("api_handler")));
      assertThat(thrown)
          .isInstanceOf(TargetRefusedException.class)
          .hasMessageContaining("key missing")
          .hasNoCause();
      assertThat(thrown.getMessage()).doesNotContain("plain-secret-value", DB_PASSWORD, "username");
    }
    secrets.fail("POST", "GetSecretValue", 1, 400, "AccessDeniedException", "not authorized");
    assertThatThrownBy(
            () ->
                live.updateConfiguration(
                    "rel-1",
                    TARGET,
                    function(configuration(null, null, null, environment())),
                    lambda.revision("api_handler")))
        .isInstanceOf(TargetRefusedException.class)
        .hasMessageStartingWith(
            "Secrets Manager GetSecretValue medication/staging/db failed: AccessDeniedException");
    assertThat(lambda.callLines()).isEmpty();
  }

  @Test
  void theRestoreCopiesThePreviousVersionsFieldsFromLambdaToLambdaOnce() {
    LambdaConfiguration configuration = configuration(512, null, List.of(LAYER), environment());
    LambdaFunction function = function(configuration);
    deploy(rollout, "rel-1", function);
    assertThat(lambda.settings("api_handler").memory()).isEqualTo(512);
    int before = lambda.calls().size();

    Event restored = rollout.restoreConfiguration("rel-1", TARGET, function, "7");

    assertThat(lambda.callLines().subList(before, lambda.calls().size()))
        .containsExactly(
            "GET " + FN + "/configuration",
            "GET " + FN + "/configuration",
            "PUT " + FN + "/configuration");
    JsonNode body = lambda.calls().get(lambda.calls().size() - 1).body();
    assertThat(body.fieldNames())
        .toIterable()
        .containsExactlyInAnyOrder("RevisionId", "MemorySize", "Layers", "Environment");
    assertThat(lambda.settings("api_handler"))
        .isEqualTo(
            new Settings(
                256,
                30,
                List.of(OLD_LAYER),
                Map.of("STAGE", "staging", "LEGACY_SECRET", OLD_VALUE_IN_LAMBDA)));
    JsonNode payload = JSON.valueToTree(restored.payload());
    assertThat(payload.get("changed").asBoolean()).isTrue();
    assertThat(payload.get("restored").get("environment").toString())
        .isEqualTo("[\"LEGACY_SECRET\",\"STAGE\"]");
    assertThat(payload.get("replaced").get("environment").toString())
        .isEqualTo("[\"API_TOKEN\",\"DB_PASSWORD\",\"STAGE\"]");
    assertThat(payload.toString()).doesNotContain(OLD_VALUE_IN_LAMBDA, DB_PASSWORD);

    int afterFirst = lambda.calls().size();
    ConfigurationRestore again =
        live.restoreConfiguration("rel-1", TARGET, function, configuration, "7");
    assertThat(again.changed()).isFalse();
    assertThat(lambda.callLines().subList(afterFirst, lambda.calls().size()))
        .containsExactly("GET " + FN + "/configuration", "GET " + FN + "/configuration");
  }

  @Test
  void aRestoreToAVersionWithNoEnvironmentOrLayersClearsThem() {
    lambda.settings("api_handler", new Settings(256, 30, List.of(), Map.of()));
    LambdaConfiguration configuration = configuration(null, null, List.of(LAYER), environment());
    LambdaFunction function = function(configuration);
    deploy(rollout, "rel-1", function);
    assertThat(lambda.settings("api_handler").environment()).hasSize(3);

    rollout.restoreConfiguration("rel-1", TARGET, function, "7");

    JsonNode body = configurationUpdates().get(configurationUpdates().size() - 1);
    assertThat(body.get("Environment").toString()).isEqualTo("{\"Variables\":{}}");
    assertThat(body.get("Layers").toString()).isEqualTo("[]");
    assertThat(lambda.settings("api_handler"))
        .isEqualTo(new Settings(256, 30, List.of(), Map.of()));
  }

  @Test
  void aVersionWithTheSameCodeButTheOldConfigurationIsNeverReused() {
    // The artifact holds the code version 7 already has: only the configuration changes.
    lambda.artifact("medication-artifacts", "lambda/api_handler/2.4.0/function.zip", "sha-7");
    LambdaFunction function = function(configuration(512, null, null, null));

    List<Advance> done = deploy(rollout, "rel-1", function);

    assertThat(done.get(done.size() - 1).progress().newVersion()).isEqualTo("8");
    assertThat(lambda.settings("api_handler", "8").memory()).isEqualTo(512);
    assertThat(lambda.alias("api_handler", "live").version()).isEqualTo("8");
    assertThat(
            JSON.valueToTree(event(done, "lambda-version-published").payload())
                .get("reused")
                .asBoolean())
        .isFalse();

    // Neither code nor configuration changed since version 8: Lambda answers with 8.
    LambdaFunction same = function(configuration(512, null, null, null));
    List<Advance> again = deploy(rollout, "rel-2", same);
    assertThat(again.get(again.size() - 1).progress().newVersion()).isEqualTo("8");
    assertThat(lambda.versions("api_handler")).containsExactly("7", "8");
    assertThat(
            JSON.valueToTree(event(again, "lambda-version-published").payload())
                .get("reused")
                .asBoolean())
        .isTrue();
  }

  @Test
  void anInterruptedConfigurationUpdateIsVerifiedByTheFunctionsRevision() {
    LambdaFunction function = function(configuration(512, null, null, null));
    Progress updating = rollout.start("rel-1", TARGET, function, NOW).progress();
    live.updateStatus(TARGET, function); // the code update ends, and the revision moves once
    String revision = revisionNow();

    // The revision noted before the call is still the function's: the update never reached Lambda.
    LambdaRollout interrupted =
        new LambdaRollout(live, properties, interruptedAttempts("revision " + revision));
    Advance made = interrupted.advance("rel-1", TARGET, function, updating, NOW);
    assertThat(configurationUpdates()).hasSize(1);
    assertThat(made.progress().phase()).isEqualTo("configuring");

    // The revision moved since the note: the update was made; it is not made again.
    Advance notAgain = interrupted.advance("rel-1", TARGET, function, updating, NOW);
    assertThat(configurationUpdates()).hasSize(1);
    JsonNode payload =
        JSON.valueToTree(
            notAgain.events().stream()
                .filter(e -> e.type().equals("lambda-configuration-updated"))
                .findFirst()
                .orElseThrow()
                .payload());
    assertThat(payload.get("before").asText()).startsWith("unknown");
    assertThat(payload.get("revisionBefore").asText()).isEqualTo(revision);
  }

  @Test
  void theDryRunResolvesNothingAndRecordsWhatItWouldSet() {
    LambdaRollout dry =
        new LambdaRollout(new DryRunLambdaTarget(), properties, FakeExecution.actingAttempts());
    LambdaFunction function = function(configuration(512, 60, List.of(LAYER), environment()));

    List<Advance> done = deploy(dry, "rel-1", function);

    assertThat(done.get(done.size() - 1).progress().phase()).isEqualTo("deployed");
    JsonNode payload = JSON.valueToTree(event(done, "lambda-configuration-updated").payload());
    assertThat(payload.get("dryRun").asBoolean()).isTrue();
    assertThat(payload.get("after").get("environment").toString())
        .isEqualTo("[\"API_TOKEN\",\"DB_PASSWORD\",\"STAGE\"]");
    assertThat(payload.get("references").get(0).get("version").asText())
        .isEqualTo("unknown (dry-run)");
    assertThat(secrets.asked()).isEmpty();
    assertThat(lambda.calls()).isEmpty();
    Event restored = dry.restoreConfiguration("rel-1", TARGET, function, "7");
    assertThat(restored.payload()).containsEntry("dryRun", true).containsEntry("changed", false);
  }

  /** Start, then advance until deployed, as the model's loop does. */
  private static List<Advance> deploy(
      LambdaRollout rollout, String releaseId, LambdaFunction function) {
    Advance step = rollout.start(releaseId, TARGET, function, NOW);
    List<Advance> steps = new java.util.ArrayList<>(List.of(step));
    while (!step.progress().phase().equals("deployed")) {
      step = rollout.advance(releaseId, TARGET, function, step.progress(), NOW);
      steps.add(step);
    }
    return steps;
  }

  /** Attempts whose every call finds an interrupted attempt with {@code detail}. */
  private static Attempts interruptedAttempts(String detail) {
    Attempts attempts = mock(Attempts.class);
    Attempt previous =
        new Attempt(
            "key",
            "rel-1",
            "deployLambda",
            TARGET,
            "update-configuration",
            "node",
            1,
            NOW,
            null,
            null,
            null,
            detail);
    when(attempts.once(any(), any(), any(), any()))
        .thenAnswer(
            call -> {
              Interrupted<?> handler = call.getArgument(3);
              Resolution<?> resolution = handler.resolve(previous);
              return resolution.result();
            });
    return attempts;
  }

  private String revisionNow() {
    return lambda.revision("api_handler");
  }

  private List<JsonNode> configurationUpdates() {
    return lambda.calls().stream()
        .filter(c -> c.method().equals("PUT") && c.path().endsWith("/configuration"))
        .map(Call::body)
        .toList();
  }

  private static Map<String, EnvironmentValue> environment() {
    Map<String, EnvironmentValue> environment = new LinkedHashMap<>();
    environment.put("STAGE", new EnvironmentValue("staging", null, null, null, null));
    environment.put("DB_PASSWORD", new EnvironmentValue(null, DB_SECRET, "password", null, null));
    environment.put(
        "API_TOKEN", new EnvironmentValue(null, null, null, null, "/medication/staging/api-token"));
    return environment;
  }

  private static LambdaConfiguration configuration(
      Integer memory,
      Integer timeout,
      List<String> layers,
      Map<String, EnvironmentValue> environment) {
    return new LambdaConfiguration(memory, timeout, layers, environment);
  }

  private static LambdaFunction function(LambdaConfiguration configuration) {
    return new LambdaFunction(
        "api_handler",
        null,
        new Artifact("medication-artifacts", "lambda/api_handler/2.4.0/function.zip"),
        "all-at-once",
        configuration,
        null,
        null);
  }

  private static Event event(List<Advance> steps, String type) {
    return steps.stream()
        .flatMap(a -> a.events().stream())
        .filter(e -> e.type().equals(type))
        .findFirst()
        .orElseThrow();
  }

  private static List<String> types(List<Advance> steps) {
    return steps.stream().flatMap(a -> a.events().stream()).map(Event::type).toList();
  }
}
