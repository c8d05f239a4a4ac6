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
import io.countersign.engine.Variables;
import io.countersign.evidence.EvidenceLog;
import io.countersign.frontend.StaticSiteTarget.SitePublication;
import io.countersign.release.FieldErrors;
import io.countersign.release.FieldErrors.FieldError;
import io.countersign.release.ReleaseManifest;
import io.countersign.release.ReleaseManifest.Artifact;
import io.countersign.release.ReleaseManifest.FrontendChange;
import java.util.List;
import java.util.Map;
import org.camunda.bpm.engine.delegate.BpmnError;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

class FrontendTest {
  private static final String FRONTEND =
      "\"frontend\":{\"target\":\"medication-web\",\"artifact\":{\"bucket\":\"medication-artifacts\",\"key\":\"web/2.4.0.zip\"}}";

  private final FrontendProperties properties = new FrontendProperties("dry-run", Map.of("medication-web",
      new FrontendProperties.Target("medication-web", "E2DEMO0000000", List.of("medication-artifacts"))));
  private final StaticSiteTarget target = spy(new StaticSiteTargets().staticSiteTarget(properties));
  private final EvidenceLog evidence = mock(EvidenceLog.class);
  private final PublishFrontendDelegate publish = new PublishFrontendDelegate(target, evidence);
  private final RestoreFrontendDelegate restore = new RestoreFrontendDelegate(target, evidence);

  @Test
  void bindsTheYamlShape() {
    FrontendProperties bound = new Binder(new MapConfigurationPropertySource(Map.of(
        "countersign.targets.frontend.mode", "dry-run",
        "countersign.targets.frontend.targets.medication-web.bucket", "medication-web",
        "countersign.targets.frontend.targets.medication-web.distribution-id", "E2DEMO0000000",
        "countersign.targets.frontend.targets.medication-web.artifact-buckets[0]", "medication-artifacts")))
        .bind("countersign.targets.frontend", FrontendProperties.class).get();

    assertThat(bound).isEqualTo(properties);
  }

  @Test
  void liveModeRefusesToStart() {
    assertThatThrownBy(() -> new StaticSiteTargets().staticSiteTarget(new FrontendProperties("live", Map.of())))
        .hasMessage("live front-end target is not available in this build; use mode: dry-run");
  }

  @Test
  void checkRefusesUnknownTargetsAndForeignBuckets() throws Exception {
    assertThat(errors(FRONTEND)).isEmpty();
    assertThat(errors("\"frontend\":{\"target\":\"shop-web\",\"artifact\":{\"bucket\":\"medication-artifacts\",\"key\":\"k\"}}"))
        .containsExactly(new FieldError("$.frontend.target", "unknown front-end target 'shop-web'; configured targets: medication-web"));
    assertThat(errors("\"frontend\":{\"target\":\"medication-web\",\"artifact\":{\"bucket\":\"other-bucket\",\"key\":\"k\"}}"))
        .containsExactly(new FieldError("$.frontend.artifact.bucket",
            "bucket 'other-bucket' is not an artifact bucket of target 'medication-web' (allowed: medication-artifacts)"));
  }

  @Test
  void dryRunPublishUsesTheVersionPrefixAndChangesNothing() {
    FrontendChange change = new FrontendChange("medication-web", new Artifact("medication-artifacts", "web/2.4.0.zip"));

    SitePublication publication = target.publish("rel-1", "2.4.0", change);

    assertThat(publication.previousRelease()).isEqualTo("unknown (dry-run)");
    assertThat(publication.newRelease()).isEqualTo("releases/2.4.0/");
    assertThat(publication.dryRun()).isTrue();
    assertThat(publication.plan()).isEqualTo("dry-run: would copy s3://medication-artifacts/web/2.4.0.zip to "
        + "s3://medication-web/releases/2.4.0/, point the site at it and invalidate CloudFront distribution E2DEMO0000000");
  }

  @Test
  void skipsWithEvidenceWhenTheManifestHasNoFrontend() throws Exception {
    FakeExecution fake = new FakeExecution(FakeExecution.manifest(""));

    publish.execute(fake.execution);

    verify(evidence).record("rel-1", "step-skipped", "countersign",
        Map.of("step", "publishFrontend", "reason", "the manifest has no frontend section"));
    verifyNoInteractions(target);
  }

  @Test
  void drillFailsBeforePublishing() {
    FakeExecution fake = new FakeExecution(FakeExecution.manifest(FRONTEND + ",\"drill\":{\"failAt\":\"publishFrontend\"}"));

    assertThatThrownBy(() -> publish.execute(fake.execution)).isInstanceOf(BpmnError.class);
    verifyNoInteractions(target);
    assertThat(fake.variables).containsEntry(Variables.FAILED_STEP, "publishFrontend");
  }

  @Test
  void publishOnceRestoreOnce() throws Exception {
    FakeExecution fake = new FakeExecution(FakeExecution.manifest(FRONTEND));

    publish.execute(fake.execution);
    publish.execute(fake.execution);
    restore.execute(fake.execution);
    restore.execute(fake.execution);

    verify(target, times(1)).publish(anyString(), eq("2.4.0"), any());
    verify(target, times(1)).restore(anyString(), any(), eq("unknown (dry-run)"));
    assertThat(fake.variables).containsEntry(Variables.FRONTEND_PREVIOUS_RELEASE, "unknown (dry-run)")
        .containsEntry(Variables.FRONTEND_RESTORED, true);
    verify(evidence).record(eq("rel-1"), eq("frontend-published"), eq("countersign"), argThat(p ->
        p.get("newRelease").equals("releases/2.4.0/") && p.get("dryRun").equals(true)));
    verify(evidence).record(eq("rel-1"), eq("frontend-restored"), eq("countersign"), argThat(p ->
        p.get("restoredRelease").equals("unknown (dry-run)")));
  }

  @Test
  void restoreWithoutPublicationDoesNothing() throws Exception {
    restore.execute(new FakeExecution(FakeExecution.manifest(FRONTEND)).execution);

    verifyNoInteractions(target, evidence);
  }

  private List<FieldError> errors(String sections) throws Exception {
    FieldErrors errors = new FieldErrors();
    new FrontendManifestCheck(properties)
        .check(new ObjectMapper().readValue(FakeExecution.manifest(sections), ReleaseManifest.class), errors);
    return errors.list();
  }
}
