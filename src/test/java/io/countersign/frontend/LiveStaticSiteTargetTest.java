package io.countersign.frontend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.mockito.ArgumentMatchers.anyMap;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;

import io.countersign.FakeExecution;
import io.countersign.aws.AwsClients;
import io.countersign.aws.AwsSettings;
import io.countersign.aws.AwsUnavailableException;
import io.countersign.aws.FakeApiSupport;
import io.countersign.aws.FakeCloudFrontApi;
import io.countersign.aws.S3MockServer;
import io.countersign.aws.TargetRefusedException;
import io.countersign.evidence.EvidenceLog;
import io.countersign.frontend.SitePublisher.Publication;
import io.countersign.frontend.StaticSiteTarget.Propagation;
import io.countersign.manifest.ReleaseManifest.Artifact;
import io.countersign.manifest.ReleaseManifest.FrontendChange;
import io.countersign.process.Variables;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.camunda.bpm.engine.delegate.BpmnError;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * The live front-end adapter: S3 against S3Mock (a real S3-protocol server, as a child process),
 * CloudFront against WireMock answering like the CloudFront API.
 */
class LiveStaticSiteTargetTest {
  private static final String DIST = "E2DEMO0000000";
  private static final String CONFIG = "/2020-05-31/distribution/" + DIST + "/config";
  private static final String INVALIDATION = "/2020-05-31/distribution/" + DIST + "/invalidation";
  private static final String ARTIFACTS = "site-test-artifacts";
  private static FakeCloudFrontApi cloudFront;

  private AwsClients clients;
  private S3Client s3;
  private String site;
  private SitePublisher publisher;
  private final FrontendChange change =
      new FrontendChange("medication-web", new Artifact(ARTIFACTS, "web/2.4.0/site.zip"));

  @BeforeAll
  static void startServers() {
    S3MockServer.endpoint();
    cloudFront = FakeCloudFrontApi.startServer();
  }

  @AfterAll
  static void stopCloudFront() {
    cloudFront.stop();
  }

  @BeforeEach
  void site() {
    cloudFront.reset();
    cloudFront.distribution(DIST, "site", "/releases/2.3.0");
    site = "web-" + UUID.randomUUID().toString().substring(0, 8);
    Map<String, URI> endpoints =
        Map.of("s3", S3MockServer.endpoint(), "cloudfront", cloudFront.endpoint());
    clients = new AwsClients(FakeApiSupport.TEST_CREDENTIALS);
    s3 = clients.s3(new AwsSettings("eu-west-1", null, null, endpoints, null, null));
    s3.createBucket(r -> r.bucket(site));
    if (s3.listBuckets().buckets().stream().noneMatch(b -> b.name().equals(ARTIFACTS))) {
      s3.createBucket(r -> r.bucket(ARTIFACTS));
    }
    FrontendProperties properties =
        new FrontendProperties(
            "live",
            Map.of(
                "medication-web",
                new FrontendProperties.Target(
                    site,
                    DIST,
                    List.of(ARTIFACTS),
                    null,
                    "eu-west-1",
                    null,
                    null,
                    endpoints,
                    Duration.ofSeconds(5),
                    2,
                    null,
                    null)));
    publisher = new SitePublisher(new LiveStaticSiteTarget(properties, clients), properties);
    put("web/2.4.0/site.zip", zip(build()));
  }

  @AfterEach
  void closeClients() {
    clients.close();
  }

  @Test
  void publishUploadsTheBuildUnderItsReleasePrefixThenSwitchesTheOriginAndInvalidates() {
    Publication publication = publisher.publish("rel-1", "2.4.0", change);

    assertThat(keys())
        .containsExactlyInAnyOrder(
            "countersign/published/rel-1.json",
            "releases/2.4.0/index.html",
            "releases/2.4.0/assets/main.3f2a9c1b.js",
            "releases/2.4.0/assets/index-BfG3x9_a.css",
            "releases/2.4.0/favicon.ico",
            "releases/2.4.0/robots.txt");
    assertStored("releases/2.4.0/index.html", "text/html; charset=utf-8", "no-cache");
    assertStored(
        "releases/2.4.0/assets/main.3f2a9c1b.js",
        "text/javascript; charset=utf-8",
        "public, max-age=31536000, immutable");
    assertStored("releases/2.4.0/favicon.ico", "image/x-icon", "public, max-age=300");
    assertThat(
            s3.getObjectAsBytes(r -> r.bucket(site).key("releases/2.4.0/index.html"))
                .asUtf8String())
        .isEqualTo("<html>Medication Tracker 2.4.0</html>");
    assertThat(
            s3.getObjectAsBytes(r -> r.bucket(site).key("countersign/published/rel-1.json"))
                .asUtf8String())
        .contains("\"previousOriginPath\":\"/releases/2.3.0\"");

    assertThat(cloudFront.callLines())
        .containsExactly("GET " + CONFIG, "GET " + CONFIG, "PUT " + CONFIG, "POST " + INVALIDATION);
    assertThat(cloudFront.originPath(DIST, "site")).isEqualTo("/releases/2.4.0");
    assertThat(cloudFront.originPath(DIST, "api")).isEqualTo("/v1"); // the other origin untouched
    assertThat(cloudFront.invalidations(DIST)).containsExactly("countersign-rel-1-publish [/*]");
    assertThat(publication.previousRelease()).isEqualTo("/releases/2.3.0");
    assertThat(publication.newRelease()).isEqualTo("/releases/2.4.0");
    assertThat(publication.evidence())
        .containsEntry("uploaded", 5)
        .containsEntry("unchanged", 0)
        .containsEntry("switched", true)
        .containsEntry("dryRun", false);
  }

  @Test
  void publishingAgainUploadsNothingSwitchesNothingAndReusesTheInvalidation() {
    Publication first = publisher.publish("rel-1", "2.4.0", change);
    int calls = cloudFront.callLines().size();

    Publication again = publisher.publish("rel-1", "2.4.0", change);

    assertThat(again.previousRelease())
        .isEqualTo("/releases/2.3.0"); // from the record, though /releases/2.4.0 is served
    assertThat(again.invalidationId()).isEqualTo(first.invalidationId());
    assertThat(again.evidence())
        .containsEntry("uploaded", 0)
        .containsEntry("unchanged", 5)
        .containsEntry("switched", false);
    assertThat(cloudFront.callLines().subList(calls, cloudFront.callLines().size()))
        .containsExactly("GET " + CONFIG, "GET " + CONFIG, "POST " + INVALIDATION);
    assertThat(cloudFront.invalidations(DIST)).hasSize(1);
  }

  @Test
  void onlyChangedFilesAreUploadedAgain() {
    publisher.publish("rel-1", "2.4.0", change);
    Map<String, String> rebuilt = build();
    rebuilt.put("index.html", "<html>Medication Tracker 2.4.0 (rebuilt)</html>");
    put("web/2.4.0/site.zip", zip(rebuilt));

    Publication again = publisher.publish("rel-2", "2.4.0", change);

    assertThat(again.evidence()).containsEntry("uploaded", 1).containsEntry("unchanged", 4);
    assertThat(
            s3.getObjectAsBytes(r -> r.bucket(site).key("releases/2.4.0/index.html"))
                .asUtf8String())
        .contains("rebuilt");
  }

  @Test
  void propagationIsOneLookAtTheDistributionAndTheInvalidation() {
    cloudFront.propagationLooks(2);
    Publication publication = publisher.publish("rel-1", "2.4.0", change);
    List<Propagation> looks = new ArrayList<>();

    for (int i = 0; i < 3; i++) {
      looks.add(publisher.propagation(change, publication.invalidationId()));
    }

    assertThat(looks).extracting(Propagation::complete).containsExactly(false, false, true);
    assertThat(looks.get(0)).isEqualTo(new Propagation(false, "InProgress", "InProgress"));
    assertThat(looks.get(2)).isEqualTo(new Propagation(true, "Deployed", "Completed"));
  }

  @Test
  void restoreSwitchesBackAndInvalidatesOnceHoweverOftenItRuns() {
    publisher.publish("rel-1", "2.4.0", change);
    int calls = cloudFront.callLines().size();

    Publication restored = publisher.restore("rel-1", change, "/releases/2.3.0");
    Publication again = publisher.restore("rel-1", change, "/releases/2.3.0");

    assertThat(cloudFront.originPath(DIST, "site")).isEqualTo("/releases/2.3.0");
    assertThat(cloudFront.callLines().subList(calls, cloudFront.callLines().size()))
        .containsExactly(
            "GET " + CONFIG,
            "PUT " + CONFIG,
            "POST " + INVALIDATION,
            "GET " + CONFIG,
            "POST " + INVALIDATION);
    assertThat(cloudFront.invalidations(DIST))
        .containsExactly("countersign-rel-1-publish [/*]", "countersign-rel-1-restore [/*]");
    assertThat(restored.evidence())
        .containsEntry("restoredRelease", "/releases/2.3.0")
        .containsEntry("replacedRelease", "/releases/2.4.0")
        .containsEntry("switched", true);
    assertThat(again.evidence()).containsEntry("switched", false);
    assertThat(again.invalidationId()).isEqualTo(restored.invalidationId());
  }

  @Test
  void aSiteServedFromTheBucketRootIsRestoredToTheRoot() {
    cloudFront.distribution(DIST, "site", "");

    Publication publication = publisher.publish("rel-1", "2.4.0", change);
    publisher.restore("rel-1", change, publication.previousRelease());

    assertThat(publication.previousRelease()).isEmpty();
    assertThat(cloudFront.originPath(DIST, "site")).isEmpty();
  }

  @Test
  void aMissingBuildIsRefusedAndChangesNothing() {
    FrontendChange missing =
        new FrontendChange("medication-web", new Artifact(ARTIFACTS, "web/9.9.9/site.zip"));

    assertThatThrownBy(() -> publisher.publish("rel-1", "9.9.9", missing))
        .isInstanceOf(TargetRefusedException.class)
        .hasMessageStartingWith("S3 HeadObject s3://" + ARTIFACTS + "/web/9.9.9/site.zip failed: ")
        .hasMessageContaining("(HTTP 404)");
    assertUnchanged();
  }

  @Test
  void aBuildThatIsNotTheOneSignedIsRefusedBeforeAnyUploadAndTheSignedOneIsPublished() {
    byte[] signed = zip(build());
    Map<String, String> other = build();
    other.put("index.html", "<html>not what was signed</html>");
    byte[] overwritten = zip(other);
    put("web/2.4.0/site.zip", overwritten);
    FrontendChange pinned =
        new FrontendChange(
            "medication-web", new Artifact(ARTIFACTS, "web/2.4.0/site.zip", sha256(signed)));

    assertThatThrownBy(() -> publisher.publish("rel-1", "2.4.0", pinned))
        .isInstanceOf(TargetRefusedException.class)
        .hasMessage(
            "site archive s3://"
                + ARTIFACTS
                + "/web/2.4.0/site.zip has SHA-256 "
                + sha256(overwritten)
                + ", the manifest signs "
                + sha256(signed));
    assertUnchanged();

    put("web/2.4.0/site.zip", signed);
    publisher.publish("rel-1", "2.4.0", pinned);
    assertThat(keys()).contains("releases/2.4.0/index.html");
  }

  @Test
  void aBuildWithoutTheRootObjectOrWithUnsafeNamesOrNotAZipIsRefusedBeforeAnyUpload() {
    Map<String, String> nested = new LinkedHashMap<>();
    build().forEach((name, body) -> nested.put("dist/" + name, body));
    put("web/2.4.0/site.zip", zip(nested));
    assertThatThrownBy(() -> publisher.publish("rel-1", "2.4.0", change))
        .isInstanceOf(TargetRefusedException.class)
        .hasMessage(
            "site archive s3://"
                + ARTIFACTS
                + "/web/2.4.0/site.zip has no index.html at its root (the "
                + "distribution's default root object); is the build inside a folder?");

    Map<String, String> escaping = build();
    escaping.put("../../countersign/published/rel-0.json", "{}");
    put("web/2.4.0/site.zip", zip(escaping));
    assertThatThrownBy(() -> publisher.publish("rel-1", "2.4.0", change))
        .isInstanceOf(TargetRefusedException.class)
        .hasMessageContaining("has an unsafe entry name: '../../countersign/published/rel-0.json'");

    put("web/2.4.0/site.zip", "<html>not a zip</html>".getBytes(StandardCharsets.UTF_8));
    assertThatThrownBy(() -> publisher.publish("rel-1", "2.4.0", change))
        .isInstanceOf(TargetRefusedException.class)
        .hasMessageStartingWith(
            "site archive s3://" + ARTIFACTS + "/web/2.4.0/site.zip is not a zip file");
    assertUnchanged();
  }

  @Test
  void accessDeniedOnTheSwitchIsARefusalAndAConcurrentChangeIsRetried() {
    cloudFront.fail(
        "PUT",
        "/config",
        1,
        403,
        "AccessDenied",
        "User: arn:aws:sts::123456789012:assumed-role/countersign/countersign is not authorized to perform: cloudfront:UpdateDistribution");
    assertThatThrownBy(() -> publisher.publish("rel-1", "2.4.0", change))
        .isInstanceOf(TargetRefusedException.class)
        .hasMessageStartingWith(
            "CloudFront UpdateDistribution " + DIST + " failed: AccessDenied: User: ");
    assertThat(cloudFront.originPath(DIST, "site")).isEqualTo("/releases/2.3.0");

    cloudFront.fail(
        "PUT",
        "/config",
        1,
        412,
        "PreconditionFailed",
        "The precondition given in one or more of the request-header fields evaluated to false.");
    assertThatThrownBy(() -> publisher.publish("rel-1", "2.4.0", change))
        .isInstanceOf(AwsUnavailableException.class)
        .hasMessageContaining("PreconditionFailed");
    assertThat(cloudFront.callLines())
        .filteredOn(c -> c.equals("PUT " + CONFIG))
        .hasSize(2); // not retried by the SDK

    cloudFront.fail("POST", "/invalidation", 2, 400, "Throttling", "Rate exceeded");
    assertThatThrownBy(() -> publisher.publish("rel-1", "2.4.0", change))
        .isInstanceOf(AwsUnavailableException.class)
        .hasMessage(
            "CloudFront CreateInvalidation "
                + DIST
                + " failed: Throttling: Rate exceeded (HTTP 400); "
                + "the step is retried, then an incident is opened");
    // ... and the retry of the job finishes the publication with the record of what was served
    // first.
    Publication publication = publisher.publish("rel-1", "2.4.0", change);
    assertThat(publication.previousRelease()).isEqualTo("/releases/2.3.0");
    assertThat(cloudFront.originPath(DIST, "site")).isEqualTo("/releases/2.4.0");
  }

  @Test
  void theDelegatesPublishThenLookUntilCloudFrontHasPropagatedAndRestoreOnce() throws Exception {
    cloudFront.propagationLooks(1);
    EvidenceLog evidence = mock(EvidenceLog.class);
    FakeExecution fake =
        new FakeExecution(
            FakeExecution.manifest(
                "\"frontend\":{\"target\":\"medication-web\","
                    + "\"artifact\":{\"bucket\":\""
                    + ARTIFACTS
                    + "\",\"key\":\"web/2.4.0/site.zip\"}}"));
    List<Object> states = new ArrayList<>();

    new PublishFrontendDelegate(
            publisher,
            evidence,
            FakeExecution.variableStart(evidence),
            FakeExecution.actingAttempts())
        .execute(fake.execution);
    states.add(fake.variables.get(Variables.STEP_OUTCOME));
    AwaitFrontendDelegate await =
        new AwaitFrontendDelegate(publisher, evidence, FakeExecution.variableManifests());
    while (!"done".equals(fake.variables.get(Variables.STEP_OUTCOME))) {
      await.execute(fake.execution);
      states.add(fake.variables.get(Variables.STEP_OUTCOME));
    }
    await.execute(fake.execution); // seen complete: no more calls
    int calls = cloudFront.callLines().size();
    await.execute(fake.execution);
    RestoreFrontendDelegate restore =
        new RestoreFrontendDelegate(
            publisher,
            evidence,
            FakeExecution.variableStart(evidence),
            FakeExecution.actingAttempts());
    restore.execute(fake.execution);
    restore.execute(fake.execution);

    assertThat(states).containsExactly("running", "done");
    assertThat(cloudFront.callLines())
        .hasSize(calls + 3); // the restore: GET config, PUT config, POST invalidation
    assertThat(fake.variables)
        .containsEntry(Variables.FRONTEND_PREVIOUS_RELEASE, "/releases/2.3.0")
        .containsEntry(Variables.FRONTEND_RESTORED, true);
    assertThat(cloudFront.originPath(DIST, "site")).isEqualTo("/releases/2.3.0");
    verify(evidence, times(1))
        .record(eq("rel-1"), eq("frontend-propagated"), eq("countersign"), anyMap());
    verify(evidence, times(1))
        .record(eq("rel-1"), eq("frontend-restored"), eq("countersign"), anyMap());
  }

  @Test
  void aRefusedPublicationIsTheStepsFailure() {
    FakeExecution fake =
        new FakeExecution(
            FakeExecution.manifest(
                "\"frontend\":{\"target\":\"medication-web\","
                    + "\"artifact\":{\"bucket\":\""
                    + ARTIFACTS
                    + "\",\"key\":\"web/0.0.1/site.zip\"}}"));

    EvidenceLog evidence = mock(EvidenceLog.class);
    assertThatThrownBy(
            () ->
                new PublishFrontendDelegate(
                        publisher,
                        evidence,
                        FakeExecution.variableStart(evidence),
                        FakeExecution.actingAttempts())
                    .execute(fake.execution))
        .isInstanceOf(BpmnError.class)
        .hasMessageContaining("S3 HeadObject");
    assertThat(fake.variables)
        .containsEntry(Variables.FAILED_STEP, "publishFrontend")
        .doesNotContainKey(Variables.FRONTEND_PREVIOUS_RELEASE);
    assertUnchanged();
  }

  private void assertUnchanged() {
    assertThat(keys()).isEmpty();
    assertThat(cloudFront.originPath(DIST, "site")).isEqualTo("/releases/2.3.0");
    assertThat(cloudFront.callLines()).noneMatch(c -> c.startsWith("PUT") || c.startsWith("POST"));
  }

  private void assertStored(String key, String contentType, String cacheControl) {
    HeadObjectResponse head = s3.headObject(r -> r.bucket(site).key(key));
    // S3Mock renders the stored media type without the space after ';'.
    assertThat(head.contentType().replace(" ", "")).as(key).isEqualTo(contentType.replace(" ", ""));
    assertThat(head.cacheControl()).as(key).isEqualTo(cacheControl);
  }

  private List<String> keys() {
    return s3.listObjectsV2Paginator(r -> r.bucket(site)).contents().stream()
        .map(S3Object::key)
        .toList();
  }

  private void put(String key, byte[] body) {
    s3.putObject(r -> r.bucket(ARTIFACTS).key(key), RequestBody.fromBytes(body));
  }

  private static Map<String, String> build() {
    Map<String, String> files = new LinkedHashMap<>();
    files.put("index.html", "<html>Medication Tracker 2.4.0</html>");
    files.put("assets/main.3f2a9c1b.js", "console.log('doses');");
    files.put("assets/index-BfG3x9_a.css", "body{margin:0}");
    files.put("favicon.ico", "icon");
    files.put("robots.txt", "User-agent: *");
    return files;
  }

  private static String sha256(byte[] bytes) {
    try {
      return java.util.HexFormat.of()
          .formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (java.security.NoSuchAlgorithmException missing) {
      throw new IllegalStateException(missing);
    }
  }

  private static byte[] zip(Map<String, String> files) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
      zip.putNextEntry(new ZipEntry("assets/"));
      zip.closeEntry();
      for (Map.Entry<String, String> file : files.entrySet()) {
        zip.putNextEntry(new ZipEntry(file.getKey()));
        zip.write(file.getValue().getBytes(StandardCharsets.UTF_8));
        zip.closeEntry();
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }
}
