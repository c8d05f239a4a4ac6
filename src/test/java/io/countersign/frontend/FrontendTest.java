package io.countersign.frontend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.ArgumentMatchers.argThat;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.spy;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.verifyNoInteractions;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.countersign.FakeExecution;
import io.countersign.aws.FakeApiSupport;
import io.countersign.evidence.EvidenceLog;
import io.countersign.frontend.SitePublisher.Publication;
import io.countersign.manifest.FieldErrors;
import io.countersign.manifest.FieldErrors.FieldError;
import io.countersign.manifest.ReleaseManifest;
import io.countersign.manifest.ReleaseManifest.Artifact;
import io.countersign.manifest.ReleaseManifest.FrontendChange;
import io.countersign.process.Variables;
import java.net.URI;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.camunda.bpm.engine.delegate.BpmnError;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.support.StaticListableBeanFactory;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;

/** Front-end configuration, checks and the delegates on the dry-run adapter. */
class FrontendTest {
  private static final String FRONTEND =
      "\"frontend\":{\"target\":\"medication-web\",\"artifact\":{\"bucket\":\"medication-artifacts\",\"key\":\"web/2.4.0.zip\"}}";

  private final FrontendProperties properties =
      new FrontendProperties(
          "dry-run",
          Map.of(
              "medication-web",
              new FrontendProperties.Target(
                  "medication-web", "E2DEMO0000000", List.of("medication-artifacts"))));
  private final StaticSiteTarget target =
      spy(new StaticSiteTargets().staticSiteTarget(properties, credentials()));
  private final SitePublisher publisher = new SitePublisher(target, properties);
  private final EvidenceLog evidence = mock(EvidenceLog.class);
  private final PublishFrontendDelegate publish =
      new PublishFrontendDelegate(
          publisher,
          evidence,
          FakeExecution.variableStart(evidence),
          FakeExecution.actingAttempts());
  private final AwaitFrontendDelegate await =
      new AwaitFrontendDelegate(publisher, evidence, FakeExecution.variableManifests());
  private final RestoreFrontendDelegate restore =
      new RestoreFrontendDelegate(
          publisher,
          evidence,
          FakeExecution.variableStart(evidence),
          FakeExecution.actingAttempts());

  @Test
  void bindsTheYamlShape() {
    Map<String, String> yaml =
        new HashMap<>(
            Map.of(
                "countersign.targets.frontend.mode", "live",
                "countersign.targets.frontend.targets.medication-web.bucket", "medication-web",
                "countersign.targets.frontend.targets.medication-web.distribution-id",
                    "E2DEMO0000000",
                "countersign.targets.frontend.targets.medication-web.artifact-buckets[0]",
                    "medication-artifacts",
                "countersign.targets.frontend.targets.medication-web.origin-id", "site",
                "countersign.targets.frontend.targets.medication-web.region", "eu-west-1",
                "countersign.targets.frontend.targets.medication-web.role-arn",
                    "arn:aws:iam::123456789012:role/web-deployer",
                "countersign.targets.frontend.targets.medication-web.endpoints.s3",
                    "http://localhost:9090",
                "countersign.targets.frontend.targets.medication-web.endpoints.cloudfront",
                    "http://localhost:8089",
                "countersign.targets.frontend.targets.medication-web.transfer-timeout", "PT5M"));
    yaml.put("countersign.targets.frontend.targets.medication-web.max-archive-size", "1048576");

    FrontendProperties bound =
        new Binder(new MapConfigurationPropertySource(yaml))
            .bind("countersign.targets.frontend", FrontendProperties.class)
            .get();

    assertThat(bound)
        .isEqualTo(
            new FrontendProperties(
                "live",
                Map.of(
                    "medication-web",
                    new FrontendProperties.Target(
                        "medication-web",
                        "E2DEMO0000000",
                        List.of("medication-artifacts"),
                        "site",
                        "eu-west-1",
                        "arn:aws:iam::123456789012:role/web-deployer",
                        null,
                        Map.of(
                            "s3",
                            URI.create("http://localhost:9090"),
                            "cloudfront",
                            URI.create("http://localhost:8089")),
                        null,
                        null,
                        Duration.ofMinutes(5),
                        1048576L))));
  }

  @Test
  void liveModeRefusesToStartMisconfigured() {
    assertThatThrownBy(
            () ->
                new StaticSiteTargets()
                    .staticSiteTarget(
                        new FrontendProperties(
                            "live",
                            Map.of(
                                "medication-web",
                                new FrontendProperties.Target(
                                    "Medication_Web", "d111111abcdef8", List.of()))),
                        credentials()))
        .hasMessage(
            "live front-end target misconfigured: "
                + "countersign.targets.frontend.targets.medication-web.region is required (e.g. eu-west-1); "
                + "countersign.targets.frontend.targets.medication-web.bucket must be an S3 bucket name, not 'Medication_Web'; "
                + "countersign.targets.frontend.targets.medication-web.distribution-id must be a CloudFront distribution id "
                + "(e.g. E2QWRUHAPOMQZL), not 'd111111abcdef8'; "
                + "countersign.targets.frontend.targets.medication-web.artifact-buckets: name the buckets site builds may come from");
    assertThatThrownBy(
            () ->
                new StaticSiteTargets()
                    .staticSiteTarget(new FrontendProperties("on", Map.of()), credentials()))
        .hasMessage("countersign.targets.frontend.mode must be live or dry-run, not 'on'");
  }

  @Test
  void checkRefusesUnknownTargetsForeignBucketsNonZipBuildsAndVersionsThatCannotBeAPath()
      throws Exception {
    assertThat(errors(FakeExecution.manifest(FRONTEND))).isEmpty();
    assertThat(
            errors(
                FakeExecution.manifest(
                    "\"frontend\":{\"target\":\"shop-web\",\"artifact\":{\"bucket\":\"medication-artifacts\",\"key\":\"k.zip\"}}")))
        .containsExactly(
            new FieldError(
                "$.frontend.target",
                "unknown front-end target 'shop-web'; configured targets: medication-web"));
    assertThat(
            errors(
                FakeExecution.manifest(
                    "\"frontend\":{\"target\":\"medication-web\",\"artifact\":{\"bucket\":\"other-bucket\",\"key\":\"web/\"}}")))
        .containsExactly(
            new FieldError(
                "$.frontend.artifact.bucket",
                "bucket 'other-bucket' is not an artifact bucket of target 'medication-web' (allowed: medication-artifacts)"),
            new FieldError(
                "$.frontend.artifact.key",
                "must name a .zip of the site build (its files go to releases/<version>/)"));
    assertThat(errors(FakeExecution.manifest(FRONTEND).replace("\"2.4.0\"", "\"2.4.0+build.7\"")))
        .containsExactly(
            new FieldError(
                "$.version",
                "a release with a front end needs a version usable as a path "
                    + "segment (letters, digits, '.', '_', '-'; no '+')"));
  }

  @Test
  void dryRunPublishUsesTheVersionPrefixAndChangesNothing() {
    FrontendChange change =
        new FrontendChange("medication-web", new Artifact("medication-artifacts", "web/2.4.0.zip"));

    Publication publication = publisher.publish("rel-1", "2.4.0", change);

    assertThat(publication.previousRelease()).isEqualTo("unknown (dry-run)");
    assertThat(publication.newRelease()).isEqualTo("/releases/2.4.0");
    assertThat(publication.evidence())
        .containsEntry("dryRun", true)
        .containsEntry(
            "plan",
            "dry-run: would copy s3://medication-artifacts/web/2.4.0.zip to s3://medication-web/releases/2.4.0/, "
                + "point the site at it and invalidate CloudFront distribution E2DEMO0000000");
  }

  @Test
  void skipsWithEvidenceWhenTheManifestHasNoFrontend() throws Exception {
    FakeExecution fake = new FakeExecution(FakeExecution.manifest(""));

    publish.execute(fake.execution);
    await.execute(fake.execution);

    verify(evidence)
        .record(
            "rel-1",
            "step-skipped",
            "countersign",
            Map.of("step", "publishFrontend", "reason", "the manifest has no frontend section"));
    assertThat(fake.variables).containsEntry(Variables.STEP_OUTCOME, "done");
    verifyNoInteractions(target);
  }

  @Test
  void drillFailsBeforePublishing() {
    FakeExecution fake =
        new FakeExecution(
            FakeExecution.manifest(FRONTEND + ",\"drill\":{\"failAt\":\"publishFrontend\"}"));

    assertThatThrownBy(() -> publish.execute(fake.execution)).isInstanceOf(BpmnError.class);
    verifyNoInteractions(target);
    assertThat(fake.variables).containsEntry(Variables.FAILED_STEP, "publishFrontend");
  }

  @Test
  void aBuildFromAForeignBucketFailsTheStepBeforeAnyCall() {
    FakeExecution fake =
        new FakeExecution(
            FakeExecution.manifest(FRONTEND.replace("medication-artifacts", "other-bucket")));

    assertThatThrownBy(() -> publish.execute(fake.execution))
        .isInstanceOf(BpmnError.class)
        .hasMessage(
            "artifact bucket 'other-bucket' is not an artifact bucket of front-end target 'medication-web' "
                + "(allowed: medication-artifacts)");
    assertThat(fake.variables)
        .containsEntry(Variables.FAILED_STEP, "publishFrontend")
        .doesNotContainKey(Variables.FRONTEND_PREVIOUS_RELEASE);
    verifyNoInteractions(target);
  }

  @Test
  void publishOnceRestoreOnce() throws Exception {
    FakeExecution fake = new FakeExecution(FakeExecution.manifest(FRONTEND));

    publish.execute(fake.execution);
    publish.execute(fake.execution);
    await.execute(fake.execution);
    restore.execute(fake.execution);
    restore.execute(fake.execution);

    verify(target, times(1)).upload(anyString(), eq("2.4.0"), any(), any());
    verify(target, times(1)).switchTo(any(), eq("unknown (dry-run)"));
    assertThat(fake.variables)
        .containsEntry(Variables.FRONTEND_PREVIOUS_RELEASE, "unknown (dry-run)")
        .containsEntry(Variables.FRONTEND_INVALIDATION, "dry-run")
        .containsEntry(Variables.STEP_OUTCOME, "done")
        .containsEntry(Variables.FRONTEND_RESTORED, true);
    verify(evidence)
        .record(
            eq("rel-1"),
            eq("frontend-published"),
            eq("countersign"),
            argThat(
                p ->
                    p.get("newRelease").equals("/releases/2.4.0") && p.get("dryRun").equals(true)));
    verify(evidence)
        .record(
            eq("rel-1"),
            eq("frontend-restored"),
            eq("countersign"),
            argThat(p -> p.get("restoredRelease").equals("unknown (dry-run)")));
  }

  @Test
  void restoreWithoutPublicationDoesNothing() throws Exception {
    restore.execute(new FakeExecution(FakeExecution.manifest(FRONTEND)).execution);

    verifyNoInteractions(target, evidence);
  }

  private List<FieldError> errors(String manifest) throws Exception {
    FieldErrors errors = new FieldErrors();
    new FrontendManifestCheck(properties)
        .check(new ObjectMapper().readValue(manifest, ReleaseManifest.class), errors);
    return errors.list();
  }

  static ObjectProvider<AwsCredentialsProvider> credentials() {
    StaticListableBeanFactory beans = new StaticListableBeanFactory();
    beans.addBean("credentials", FakeApiSupport.TEST_CREDENTIALS);
    return beans.getBeanProvider(AwsCredentialsProvider.class);
  }
}
