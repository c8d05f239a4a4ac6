package io.countersign.lambda;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.Mockito.mock;

import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.countersign.FakeExecution;
import io.countersign.database.DatabaseConnections;
import io.countersign.evidence.EvidenceLog;
import io.countersign.manifest.FieldErrors;
import io.countersign.manifest.ManifestCheck;
import io.countersign.manifest.ReleaseManifest;
import io.countersign.process.Attempts;
import io.countersign.process.ManifestStore;
import io.countersign.process.StepStart;
import io.countersign.process.TargetCapability;
import io.countersign.process.TargetRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.camunda.bpm.engine.delegate.JavaDelegate;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;
import org.springframework.boot.env.YamlPropertySourceLoader;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.ComponentScan;
import org.springframework.core.io.ClassPathResource;

/**
 * The four cloud capabilities as Spring wires them: the bean names the models use, start-up
 * refusals, and the shipped configuration agreeing with the example manifests.
 */
class CloudWiringTest {
  private static final String[] DELEGATES = {
    "deployLambda",
    "checkBeforeTraffic",
    "gateLambdaTraffic",
    "checkAfterTraffic",
    "revertLambda",
    "publishFrontend",
    "awaitFrontend",
    "restoreFrontend",
    "rolloutKubernetes",
    "awaitRollout",
    "undoRollout",
    "startKubernetesStep",
    "checkKubernetesStep",
    "undoKubernetesSteps",
    "checkAfterRollback",
    "verifyRelease",
    "watchMetrics",
    "verifyRestoration"
  };

  private final ApplicationContextRunner runner =
      new ApplicationContextRunner()
          .withUserConfiguration(Cloud.class)
          .withPropertyValues(
              "countersign.targets.lambda.mode=dry-run",
              "countersign.targets.lambda.targets.medication-aws.region=eu-west-1",
              "countersign.targets.frontend.mode=dry-run",
              "countersign.targets.kubernetes.mode=dry-run",
              "countersign.targets.verification.mode=dry-run");

  @Test
  void dryRunWiresEveryDelegateAndCheck() {
    runner.run(
        context -> {
          assertThat(context).hasNotFailed();
          for (String name : DELEGATES) {
            assertThat(context.getBean(name)).isInstanceOf(JavaDelegate.class);
          }
          assertThat(context.getBeansOfType(ManifestCheck.class)).hasSize(5);
          assertThat(context.getBean(LambdaTarget.class)).isInstanceOf(DryRunLambdaTarget.class);
        });
  }

  @Test
  void liveLambdaAndFrontEndStartWithWellFormedTargets() {
    runner
        .withPropertyValues(
            "countersign.targets.lambda.mode=live",
            "countersign.targets.lambda.targets.medication-aws.artifact-buckets[0]=medication-artifacts",
            "countersign.targets.lambda.targets.medication-aws.role-arn=arn:aws:iam::123456789012:role/countersign",
            "countersign.targets.frontend.mode=live",
            "countersign.targets.frontend.targets.medication-web.region=eu-west-1",
            "countersign.targets.frontend.targets.medication-web.bucket=medication-web",
            "countersign.targets.frontend.targets.medication-web.distribution-id=E2QWRUHAPOMQZL",
            "countersign.targets.frontend.targets.medication-web.artifact-buckets[0]=medication-artifacts")
        .run(
            context -> {
              assertThat(context).hasNotFailed();
              assertThat(context.getBean(LambdaTarget.class)).isInstanceOf(LiveLambdaTarget.class);
              assertThat(context.getBean("staticSiteTarget").getClass().getSimpleName())
                  .isEqualTo("LiveStaticSiteTarget");
            });
  }

  @Test
  void liveWithAMisconfiguredTargetRefusesToStart() {
    runner
        .withPropertyValues("countersign.targets.lambda.mode=live")
        .run(
            context ->
                assertThat(context)
                    .getFailure()
                    .rootCause()
                    .hasMessage(
                        "live Lambda target misconfigured: "
                            + "countersign.targets.lambda.targets.medication-aws.artifact-buckets: name the buckets functions may be built from"));
  }

  @Test
  void theExampleManifestsPassTheChecksWithTheShippedConfiguration() {
    new ApplicationContextRunner()
        .withUserConfiguration(Cloud.class)
        .withInitializer(
            context -> {
              try {
                // The shipped configuration: the common file, then the embedded default's targets
                // on top.
                for (String file : List.of("application.yaml", "application-demo.yaml")) {
                  new YamlPropertySourceLoader()
                      .load(file, new ClassPathResource(file))
                      .forEach(
                          source -> context.getEnvironment().getPropertySources().addFirst(source));
                }
              } catch (IOException e) {
                throw new UncheckedIOException(e);
              }
            })
        .run(
            context -> {
              assertThat(context).hasNotFailed();
              for (String example : List.of("release-staging.yaml", "release-production.yaml")) {
                ReleaseManifest manifest =
                    new YAMLMapper()
                        .readValue(
                            Path.of("examples/medication-tracker", example).toFile(),
                            ReleaseManifest.class);
                FieldErrors errors = new FieldErrors();
                context
                    .getBeansOfType(ManifestCheck.class)
                    .values()
                    .forEach(check -> check.check(manifest, errors));
                assertThat(errors.list()).as(example).isEmpty();
              }
            });
  }

  // The production beans only: other tests' scripted stand-ins live in the same packages.
  @ComponentScan(
      value = {
        "io.countersign.lambda",
        "io.countersign.frontend",
        "io.countersign.kubernetes",
        "io.countersign.verification"
      },
      excludeFilters = @ComponentScan.Filter(TestConfiguration.class))
  @ConfigurationPropertiesScan({
    "io.countersign.lambda",
    "io.countersign.frontend",
    "io.countersign.kubernetes",
    "io.countersign.verification"
  })
  static class Cloud {
    @Bean
    EvidenceLog evidenceLog() {
      return mock(EvidenceLog.class);
    }

    @Bean
    ManifestStore manifestStore() {
      return mock(ManifestStore.class);
    }

    @Bean
    StepStart stepStart(ManifestStore manifests, EvidenceLog evidence) {
      return new StepStart(manifests, evidence);
    }

    @Bean
    Attempts attempts() {
      return FakeExecution.actingAttempts();
    }

    @Bean
    TargetRegistry targetRegistry(List<TargetCapability> capabilities) {
      return new TargetRegistry(capabilities);
    }

    @Bean
    DatabaseConnections databaseConnections() {
      return name -> Optional.empty();
    }
  }
}
