package io.countersign.aws;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.countersign.CrashAfterStep;
import io.countersign.ProcessTestSupport;
import io.countersign.aws.FakeLambdaApi.AliasState;
import io.countersign.lambda.TrafficGate;
import io.countersign.manifest.ReleaseManifest;
import io.countersign.process.Attempts;
import io.countersign.process.Variables;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * Releases through the real models with the live Lambda and front-end adapters: Lambda and
 * CloudFront answered by WireMock like the real APIs, the site bucket and the artifacts in S3Mock.
 * The rest (database on H2, dry-run Kubernetes and verification) as in the other process tests.
 */
@Import(AwsReleaseProcessTest.TestCredentials.class)
class AwsReleaseProcessTest extends ProcessTestSupport {
  private static final String DIST = "E2DEMO0000000";
  private static FakeLambdaApi lambda;
  private static FakeCloudFrontApi cloudFront;
  private static AwsClients clients;
  private static S3Client s3;

  @DynamicPropertySource
  static synchronized void liveTargets(DynamicPropertyRegistry registry) {
    if (lambda == null) {
      lambda = FakeLambdaApi.startServer();
      cloudFront = FakeCloudFrontApi.startServer();
      clients = new AwsClients(FakeApiSupport.TEST_CREDENTIALS);
      s3 =
          clients.s3(
              new AwsSettings(
                  "eu-west-1", null, null, Map.of("s3", S3MockServer.endpoint()), null, null));
    }
    registry.add("countersign.targets.lambda.mode", () -> "live");
    registry.add(
        "countersign.targets.lambda.targets.medication-aws.endpoints.lambda",
        () -> lambda.endpoint().toString());
    registry.add("countersign.targets.lambda.targets.medication-aws.max-attempts", () -> "1");
    // All traffic is gated at once, without the final hold's timer (LambdaTrafficCheckProcessTest
    // holds it).
    registry.add("countersign.targets.lambda.final-hold", () -> "PT0S");
    registry.add("countersign.targets.frontend.mode", () -> "live");
    registry.add("countersign.targets.frontend.targets.medication-web.region", () -> "eu-west-1");
    registry.add(
        "countersign.targets.frontend.targets.medication-web.endpoints.s3",
        () -> S3MockServer.endpoint().toString());
    registry.add(
        "countersign.targets.frontend.targets.medication-web.endpoints.cloudfront",
        () -> cloudFront.endpoint().toString());
  }

  @AfterAll
  static void stopServers() {
    clients.close();
    lambda.stop();
    cloudFront.stop();
  }

  @Autowired ScriptedGate gate;

  @BeforeEach
  void aws() {
    gate.failing = false;
    gate.asked.clear();
    lambda.reset();
    lambda.function("data_ingestion", "live", 3, "sha-di-3");
    lambda.function("alert_generator", "live", 5, "sha-ag-5");
    lambda.artifact("medication-artifacts", "lambda/data_ingestion/2.4.0/function.zip", "sha-di-4");
    lambda.artifact(
        "medication-artifacts", "lambda/alert_generator/2.4.0/function.zip", "sha-ag-6");
    cloudFront.reset();
    cloudFront.distribution(DIST, "site", "/releases/2.3.0");
    for (String bucket : List.of("medication-artifacts", "medication-web")) {
      if (s3.listBuckets().buckets().stream().noneMatch(b -> b.name().equals(bucket))) {
        s3.createBucket(r -> r.bucket(bucket));
      }
    }
    s3.putObject(
        r -> r.bucket("medication-artifacts").key("web/2.4.0/site.zip"),
        RequestBody.fromBytes(site()));
  }

  @Test
  void twoFunctionsAndAFrontEndAreReleased() {
    ObjectNode manifest = twoFunctions();
    String version = manifest.get("version").asText();
    String id = submit(manifest);

    approveAll(id);

    assertThat(status(id)).isEqualTo("released");
    assertThat(lambda.alias("data_ingestion", "live"))
        .extracting(AliasState::version, AliasState::weights)
        .containsExactly("4", Map.of());
    assertThat(lambda.alias("alert_generator", "live"))
        .extracting(AliasState::version, AliasState::weights)
        .containsExactly("6", Map.of());
    assertThat(lambda.calls())
        .filteredOn(c -> c.method().equals("PUT") && c.path().endsWith("/code"))
        .allSatisfy(c -> assertThat(c.body().hasNonNull("RevisionId")).isTrue())
        .hasSize(2);
    assertThat(cloudFront.originPath(DIST, "site")).isEqualTo("/releases/" + version);
    assertThat(cloudFront.invalidations(DIST))
        .containsExactly("countersign-" + id + "-publish [/*]");
    assertThat(siteKeys("releases/" + version + "/"))
        .containsExactlyInAnyOrder(
            "releases/" + version + "/index.html",
            "releases/" + version + "/assets/main.3f2a9c1b.js");
    String deploy = instance("deploy", id).getId();
    assertThat(runtime.getVariable(deploy, Variables.LAMBDA_PREVIOUS_VERSIONS))
        .isEqualTo(Map.of("data_ingestion", "3", "alert_generator", "5"));
    assertThat(runtime.getVariable(deploy, Variables.FRONTEND_PREVIOUS_RELEASE))
        .isEqualTo("/releases/2.3.0");
    assertThat(evidenceTypes(id))
        .containsSubsequence(
            "database-migrated",
            "lambda-code-updated",
            "lambda-version-published",
            "lambda-traffic-shifted",
            "lambda-deployed",
            "lambda-code-updated",
            "lambda-version-published",
            "lambda-traffic-shifted",
            "lambda-deployed",
            "frontend-published",
            "release-released");
    assertThat(evidence.verify(id).valid()).isTrue();
  }

  @Test
  void aLambdaCodeUpdateWhoseJobDiedBeforeItsCommitIsMadeOnce() {
    String id = submit(twoFunctions());
    CrashAfterStep.arm("deployLambda");
    approveAll(id);
    assertThat(CrashAfterStep.fired()).isTrue();
    assertThat(codeUpdates("data_ingestion")).isEqualTo(1);

    rerunUntilReleased(id);

    assertThat(codeUpdates("data_ingestion")).isEqualTo(1);
    assertThat(lambda.alias("data_ingestion", "live").version()).isEqualTo("4");
    assertThat(evidenceTypes(id).stream().filter("lambda-code-updated"::equals)).hasSize(2);
    // The killed job had also published (the update was done at the first look); the traffic
    // step comes after the before-traffic check, in a job of its own.
    assertThat(repeated(id))
        .containsExactly(
            id + "/deployLambda/medication-aws/data_ingestion/update-code reused",
            id + "/deployLambda/medication-aws/data_ingestion/publish reused");
    assertThat(lambda.callLines())
        .filteredOn(c -> c.startsWith("POST") && c.contains("/data_ingestion/versions"))
        .hasSize(1);
    assertThat(CrashAfterStep.attempts(jdbc, id))
        .filteredOn(a -> a.contains("/data_ingestion/"))
        .containsExactly(
            id + "/deployLambda/medication-aws/data_ingestion/update-code succeeded 1",
            id + "/deployLambda/medication-aws/data_ingestion/publish succeeded 1",
            id + "/deployLambda/medication-aws/data_ingestion/traffic-step-1 succeeded 1");
    assertThat(evidence.verify(id).valid()).isTrue();
  }

  @Test
  void aLambdaCodeUpdateWhoseOutcomeWasLostTooIsVerifiedByTheFunctionsRevision() {
    String id = submit(twoFunctions());
    CrashAfterStep.arm("deployLambda");
    approveAll(id);
    CrashAfterStep.forgetOutcomes(jdbc, id, "deployLambda");

    rerunUntilReleased(id);

    assertThat(codeUpdates("data_ingestion")).isEqualTo(1);
    assertThat(lambda.alias("data_ingestion", "live").version()).isEqualTo("4");
    JsonNode repeated =
        evidence.entries(id).stream()
            .filter(e -> e.type().equals(Attempts.REPEATED))
            .findFirst()
            .orElseThrow()
            .payload();
    assertThat(repeated.path("handled").asText()).isEqualTo("verified");
    assertThat(repeated.path("detail").asText())
        .startsWith("the function's revision moved from ")
        .endsWith(": the update was made; not made again");
  }

  @Test
  void aFrontEndPublishWhoseJobDiedBeforeItsCommitUploadsSwitchesAndInvalidatesOnce() {
    ObjectNode manifest = twoFunctions();
    String version = manifest.get("version").asText();
    String id = submit(manifest);
    CrashAfterStep.arm("publishFrontend");
    approveAll(id);
    assertThat(CrashAfterStep.fired()).isTrue();
    List<String> calls = cloudFront.callLines();

    rerunUntilReleased(id);

    assertThat(cloudFront.callLines().stream().filter(c -> !c.startsWith("GET")))
        .as("no second origin switch or invalidation")
        .isEqualTo(calls.stream().filter(c -> !c.startsWith("GET")).toList());
    assertThat(cloudFront.invalidations(DIST))
        .containsExactly("countersign-" + id + "-publish [/*]");
    assertThat(cloudFront.originPath(DIST, "site")).isEqualTo("/releases/" + version);
    assertThat(evidenceTypes(id).stream().filter("frontend-published"::equals)).hasSize(1);
    assertThat(repeated(id)).containsExactly(id + "/publishFrontend/medication-web reused");
  }

  @Test
  void aFrontEndPublishWhoseOutcomeWasLostTooIsVerifiedAndChangesNothingMore() {
    ObjectNode manifest = twoFunctions();
    String version = manifest.get("version").asText();
    String id = submit(manifest);
    CrashAfterStep.arm("publishFrontend");
    approveAll(id);
    CrashAfterStep.forgetOutcomes(jdbc, id, "publishFrontend");
    List<String> calls = cloudFront.callLines();
    List<String> site = siteKeys("releases/" + version + "/");

    rerunUntilReleased(id);

    assertThat(cloudFront.callLines().stream().filter(c -> c.startsWith("PUT")))
        .as("the origin was switched already: not again")
        .hasSameSizeAs(calls.stream().filter(c -> c.startsWith("PUT")).toList());
    assertThat(cloudFront.invalidations(DIST))
        .containsExactly("countersign-" + id + "-publish [/*]");
    assertThat(siteKeys("releases/" + version + "/")).isEqualTo(site);
    JsonNode published =
        evidence.entries(id).stream()
            .filter(e -> e.type().equals("frontend-published"))
            .findFirst()
            .orElseThrow()
            .payload();
    assertThat(published.path("previousRelease").asText()).isEqualTo("/releases/2.3.0");
    assertThat(repeated(id)).containsExactly(id + "/publishFrontend/medication-web verified");
  }

  @Test
  void aFrontEndRestoreWhoseJobDiedBeforeItsCommitSwitchesAndInvalidatesOnce() {
    ObjectNode manifest = twoFunctions();
    manifest.putObject("drill").put("failAt", "rolloutKubernetes");
    String id = submit(manifest);
    CrashAfterStep.arm("restoreFrontend");
    approveAll(id);
    assertThat(CrashAfterStep.fired()).isTrue();
    assertThat(cloudFront.originPath(DIST, "site")).isEqualTo("/releases/2.3.0");
    List<String> changes =
        cloudFront.callLines().stream().filter(c -> !c.startsWith("GET")).toList();

    rerunUntil(id, "rolled-back");

    assertThat(cloudFront.callLines().stream().filter(c -> !c.startsWith("GET")))
        .as("no second switch back or invalidation")
        .isEqualTo(changes);
    assertThat(cloudFront.invalidations(DIST))
        .containsExactly(
            "countersign-" + id + "-publish [/*]", "countersign-" + id + "-restore [/*]");
    assertThat(evidenceTypes(id).stream().filter("frontend-restored"::equals)).hasSize(1);
    assertThat(repeated(id)).containsExactly(id + "/restoreFrontend/medication-web reused");
  }

  /**
   * The job runs again after its retry wait, then the loops' timers fire until the release ends.
   */
  private void rerunUntilReleased(String id) {
    rerunUntil(id, "released");
  }

  private void rerunUntil(String id, String end) {
    for (int round = 0;
        round < 20 && List.of("deploying", "rolling-back").contains(status(id));
        round++) {
      advanceClock(Duration.ofSeconds(31));
      runJobs();
    }
    assertThat(status(id)).isEqualTo(end);
  }

  private long codeUpdates(String function) {
    return lambda.calls().stream()
        .filter(c -> c.method().equals("PUT") && c.path().endsWith("/" + function + "/code"))
        .count();
  }

  /** The attempt-repeated entries as "key handled". */
  private List<String> repeated(String id) {
    return evidence.entries(id).stream()
        .filter(e -> e.type().equals(Attempts.REPEATED))
        .map(e -> e.payload().path("key").asText() + " " + e.payload().path("handled").asText())
        .toList();
  }

  @Test
  void aSecondFunctionWhoseArtifactIsMissingRollsBackTheFirstAndLeavesTheFrontEndAsItWas() {
    lambda.reset();
    lambda.function("data_ingestion", "live", 3, "sha-di-3");
    lambda.function("alert_generator", "live", 5, "sha-ag-5");
    lambda.artifact("medication-artifacts", "lambda/data_ingestion/2.4.0/function.zip", "sha-di-4");
    ObjectNode manifest = twoFunctions();
    String id = submit(manifest);

    approveAll(id);

    assertThat(status(id)).isEqualTo("rolled-back");
    assertThat(statusReason(id)).contains("alert_generator", "NoSuchKey");
    assertThat(lambda.alias("data_ingestion", "live"))
        .extracting(AliasState::version, AliasState::weights)
        .containsExactly("3", Map.of());
    assertThat(lambda.alias("alert_generator", "live").version()).isEqualTo("5");
    assertThat(lambda.code("alert_generator")).isEqualTo("sha-ag-5");
    // In this model the front end comes after Lambda: it was never touched, and nothing is
    // restored. The deployment checkpoint only read its configuration.
    assertThat(cloudFront.originPath(DIST, "site")).isEqualTo("/releases/2.3.0");
    assertThat(cloudFront.callLines())
        .containsExactly("GET /2020-05-31/distribution/" + DIST + "/config");
    assertThat(siteKeys("releases/" + manifest.get("version").asText() + "/")).isEmpty();
    assertThat(evidenceTypes(id))
        .containsSubsequence("lambda-deployed", "rollback-started", "lambda-reverted")
        .doesNotContain("frontend-published", "frontend-restored");
  }

  @Test
  void codeThatIsNotTheSignedPackageIsNeverPublishedAndRollsBackAndTheSignedOneIsReleased()
      throws Exception {
    byte[] signed = "the data_ingestion package the approvers signed".getBytes(UTF_8);
    byte[] digest = java.security.MessageDigest.getInstance("SHA-256").digest(signed);
    String hex = java.util.HexFormat.of().formatHex(digest);
    String id = submit(twoFunctionsPinned(hex));
    approveAll(id);

    assertThat(status(id)).isEqualTo("rolled-back");
    assertThat(statusReason(id))
        .contains(
            "Lambda code of data_ingestion has CodeSha256 sha-di-4, the manifest signs sha256 "
                + hex);
    assertThat(lambda.alias("data_ingestion", "live"))
        .extracting(AliasState::version, AliasState::weights)
        .containsExactly("3", Map.of());
    assertThat(evidenceTypes(id)).doesNotContain("lambda-version-published");

    // The key holds the signed package again: Lambda reports its digest, and it is released.
    lambda.artifact(
        "medication-artifacts",
        "lambda/data_ingestion/2.4.0/function.zip",
        java.util.Base64.getEncoder().encodeToString(digest));
    String again = submit(twoFunctionsPinned(hex));
    approveAll(again);
    assertThat(status(again)).isEqualTo("released");
    fireTimer(again, "rollbackWindowOver");
  }

  private ObjectNode twoFunctionsPinned(String hex) {
    ObjectNode manifest = twoFunctions();
    ((ObjectNode) manifest.at("/lambda/functions/0/artifact")).put("sha256", hex);
    return manifest;
  }

  @Test
  void aFailureAfterTheFrontEndRestoresTheFrontEndAndBothAliases() {
    ObjectNode manifest = twoFunctions();
    manifest.putObject("drill").put("failAt", "rolloutKubernetes");
    String id = submit(manifest);

    approveAll(id);

    assertThat(status(id)).isEqualTo("rolled-back");
    assertThat(cloudFront.originPath(DIST, "site")).isEqualTo("/releases/2.3.0");
    assertThat(cloudFront.invalidations(DIST))
        .containsExactly(
            "countersign-" + id + "-publish [/*]", "countersign-" + id + "-restore [/*]");
    assertThat(lambda.alias("data_ingestion", "live"))
        .extracting(AliasState::version, AliasState::weights)
        .containsExactly("3", Map.of());
    assertThat(lambda.alias("alert_generator", "live"))
        .extracting(AliasState::version, AliasState::weights)
        .containsExactly("5", Map.of());
    assertThat(evidenceTypes(id))
        .containsSubsequence(
            "frontend-published",
            "rollback-started",
            "frontend-restored",
            "lambda-reverted",
            "lambda-reverted");
  }

  @Test
  void aCanaryWhoseGateFailsAtTenPercentPutsTheAliasBackWithNoWeights() {
    lambda.updateTakes("data_ingestion", 2); // the code update is still running at the first look
    gate.failing = true;
    ObjectNode manifest = twoFunctions();
    ((ObjectNode) manifest.get("lambda").get("functions").get(0)).put("traffic", "canary10-5");
    String id = submit(manifest);
    approveAll(id);

    // Update still in progress: the model waits on a timer, holding no thread, then looks again.
    assertThat(hasTimer(id, "lambdaUpdatePoll")).isTrue();
    fireTimer(id, "lambdaUpdatePoll");
    fireTimer(id, "lambdaUpdatePoll");
    // Version 4 now takes 10 % beside version 3 for 5 minutes.
    assertThat(lambda.alias("data_ingestion", "live"))
        .extracting(AliasState::version, AliasState::weights)
        .containsExactly("3", Map.of("4", 0.1));
    assertThat(hasTimer(id, "lambdaTrafficHold")).isTrue();

    fireTimer(id, "lambdaTrafficHold");

    assertThat(gate.asked).containsExactly("data_ingestion@10");
    assertThat(status(id)).isEqualTo("rolled-back");
    assertThat(statusReason(id)).contains("error rate 4.2 %");
    assertThat(lambda.alias("data_ingestion", "live"))
        .extracting(AliasState::version, AliasState::weights)
        .containsExactly("3", Map.of());
    assertThat(lambda.alias("alert_generator", "live").version())
        .as("never reached")
        .isEqualTo("5");
    assertThat(evidenceTypes(id))
        .containsSubsequence("lambda-traffic-shifted", "rollback-started", "lambda-reverted");
  }

  @Test
  void aCanaryThatPassesItsGateGoesToAllTrafficAfterTheHold() {
    ObjectNode manifest = twoFunctions();
    ((ObjectNode) manifest.get("lambda").get("functions").get(0)).put("traffic", "canary10-5");
    String id = submit(manifest);
    approveAll(id);
    assertThat(lambda.alias("data_ingestion", "live").weights()).isEqualTo(Map.of("4", 0.1));

    fireTimer(id, "lambdaTrafficHold");

    // Then all traffic, gated once more (final hold PT0S here), as every all-at-once function is.
    assertThat(gate.asked)
        .containsExactly("data_ingestion@10", "data_ingestion@100", "alert_generator@100");
    assertThat(lambda.alias("data_ingestion", "live"))
        .extracting(AliasState::version, AliasState::weights)
        .containsExactly("4", Map.of());
    assertThat(status(id)).isEqualTo("released");
  }

  @Test
  void theFrontEndIsAwaitedOnATimerAndASlowOneRollsBack() {
    cloudFront.propagationLooks(3);
    String id = submit(twoFunctions());
    approveAll(id);
    assertThat(hasTimer(id, "frontendPoll"))
        .as("CloudFront still deploying: a timer, no thread")
        .isTrue();
    fireTimer(id, "frontendPoll");
    assertThat(status(id)).isEqualTo("deploying");

    fireTimer(id, "frontendDeadline");

    assertThat(status(id)).isEqualTo("rolled-back");
    assertThat(statusReason(id)).contains("not served by CloudFront within 30 minutes");
    assertThat(cloudFront.originPath(DIST, "site")).isEqualTo("/releases/2.3.0");
  }

  /** The staging example with two functions (all at once) and the front end. */
  private ObjectNode twoFunctions() {
    ObjectNode manifest = example("staging");
    ((ArrayNode) manifest.get("lambda").get("functions")).remove(2);
    return manifest;
  }

  private List<String> siteKeys(String prefix) {
    return s3
        .listObjectsV2Paginator(r -> r.bucket("medication-web").prefix(prefix))
        .contents()
        .stream()
        .map(S3Object::key)
        .toList();
  }

  private static byte[] site() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
      zip.putNextEntry(new ZipEntry("index.html"));
      zip.write("<html>Medication Tracker</html>".getBytes(StandardCharsets.UTF_8));
      zip.putNextEntry(new ZipEntry("assets/main.3f2a9c1b.js"));
      zip.write("console.log('doses');".getBytes(StandardCharsets.UTF_8));
      zip.closeEntry();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  @TestConfiguration
  static class TestCredentials {
    @Bean
    AwsCredentialsProvider testCredentials() {
      return FakeApiSupport.TEST_CREDENTIALS;
    }

    @Bean
    ScriptedGate scriptedGate() {
      return new ScriptedGate();
    }
  }

  /**
   * A traffic gate the test sets to fail, standing in for the metric gate (tested on its own with
   * WireMock).
   */
  static class ScriptedGate implements TrafficGate {
    volatile boolean failing;
    final List<String> asked = new java.util.concurrent.CopyOnWriteArrayList<>();

    @Override
    public String name() {
      return "scripted";
    }

    @Override
    public Result check(String releaseId, ReleaseManifest manifest, String function, int percent) {
      asked.add(function + "@" + percent);
      return failing
          ? new Result(false, "error rate 4.2 % over max 1 % at " + percent + " %")
          : new Result(true, "ok");
    }
  }
}
