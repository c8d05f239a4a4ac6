package io.countersign.lambda;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.countersign.lambda.LambdaTarget.LambdaDeployment;
import io.countersign.release.ReleaseManifest.Artifact;
import io.countersign.release.ReleaseManifest.LambdaFunction;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

class LambdaTargetsTest {
  private final LambdaProperties properties = new LambdaProperties("dry-run",
      Map.of("medication-aws", new LambdaProperties.Target("eu-west-1", List.of("medication-artifacts"))));
  private final LambdaFunction function =
      new LambdaFunction("api_handler", null, new Artifact("medication-artifacts", "api/2.4.0.zip"), "canary10-5");

  @Test
  void bindsTheYamlShape() {
    LambdaProperties bound = new Binder(new MapConfigurationPropertySource(Map.of(
        "countersign.targets.lambda.mode", "dry-run",
        "countersign.targets.lambda.targets.medication-aws.region", "eu-west-1",
        "countersign.targets.lambda.targets.medication-aws.artifact-buckets[0]", "medication-artifacts")))
        .bind("countersign.targets.lambda", LambdaProperties.class).get();

    assertThat(bound).isEqualTo(properties);
  }

  @Test
  void liveModeRefusesToStart() {
    assertThatThrownBy(() -> new LambdaTargets().lambdaTarget(new LambdaProperties("live", Map.of())))
        .hasMessage("live Lambda target is not available in this build; use mode: dry-run");
  }

  @Test
  void missingOrUnknownModeRefusesToStart() {
    assertThatThrownBy(() -> new LambdaTargets().lambdaTarget(new LambdaProperties(null, Map.of())))
        .hasMessage("countersign.targets.lambda.mode must be live or dry-run, not 'null'");
    assertThatThrownBy(() -> new LambdaTargets().lambdaTarget(new LambdaProperties("dryrun", Map.of())))
        .hasMessageContaining("not 'dryrun'");
  }

  @Test
  void dryRunDeployChangesNothingAndSaysWhatItWouldDo() {
    LambdaDeployment deployment = new LambdaTargets().lambdaTarget(properties).deploy("rel-1", "medication-aws", function);

    assertThat(deployment).isEqualTo(new LambdaDeployment("api_handler", "live", "unknown (dry-run)", "dry-run",
        "canary10-5", true, deployment.plan()));
    assertThat(deployment.plan()).startsWith("dry-run: would update function api_handler in medication-aws (eu-west-1)")
        .contains("s3://medication-artifacts/api/2.4.0.zip", "alias live", "canary10-5");
  }

  @Test
  void dryRunRevertNamesTheVersionItWouldRestore() {
    LambdaDeployment revert = new DryRunLambdaTarget(properties).revert("rel-1", "medication-aws", function, "41");

    assertThat(revert.newVersion()).isEqualTo("41");
    assertThat(revert.dryRun()).isTrue();
    assertThat(revert.plan()).isEqualTo(
        "dry-run: would move alias live of function api_handler in medication-aws (eu-west-1) back to version 41");
  }
}
