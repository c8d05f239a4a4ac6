package io.countersign.manifest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Configuration;

class EnvironmentsTest {

  @Configuration
  @EnableConfigurationProperties(Environments.class)
  static class Bound {}

  private final ApplicationContextRunner context =
      new ApplicationContextRunner().withUserConfiguration(Bound.class);

  @Test
  void withNothingConfiguredTheyAreDevelopmentStagingAndProduction() {
    context.run(
        started -> {
          Environments environments = started.getBean(Environments.class);
          assertThat(environments.all())
              .containsExactly(
                  new Environment("development", false, null),
                  new Environment("staging", false, null),
                  new Environment("production", true, "staging"));
          assertThat(environments.production("production")).isTrue();
          assertThat(environments.production("staging")).isFalse();
        });
  }

  @Test
  void aConfiguredListReplacesTheDefaultsInItsOrder() {
    context
        .withPropertyValues(
            "countersign.environments[0].id=development",
            "countersign.environments[1].id=qa",
            "countersign.environments[1].promotes-from=development",
            "countersign.environments[2].id=production",
            "countersign.environments[2].production=true",
            "countersign.environments[2].promotes-from=qa",
            "countersign.environments[3].id=dr",
            "countersign.environments[3].production=true",
            "countersign.environments[3].promotes-from=production")
        .run(
            started -> {
              Environments environments = started.getBean(Environments.class);
              assertThat(environments.ids())
                  .containsExactly("development", "qa", "production", "dr");
              assertThat(environments.find("qa"))
                  .contains(new Environment("qa", false, "development"));
              assertThat(environments.find("dr"))
                  .contains(new Environment("dr", true, "production"));
              assertThat(environments.find("staging")).isEmpty();
            });
  }

  @Test
  void aBadListStopsTheStartWithItsReason() {
    context
        .withPropertyValues(
            "countersign.environments[0].id=staging",
            "countersign.environments[0].promotes-from=qa")
        .run(
            started ->
                assertThat(started)
                    .hasFailed()
                    .getFailure()
                    .rootCause()
                    .hasMessage(
                        "countersign.environments: 'staging' promotes from 'qa', which is not a"
                            + " configured environment (staging)"));
  }

  @Test
  void noEnvironmentAtAllIsRefused() {
    assertRefused("at least one environment is needed", new Environment[0]);
  }

  @ParameterizedTest
  @ValueSource(strings = {"QA", "1st", "pre prod", "dr-", "staging_eu", "a-very-long-environment"})
  void anIdThatIsNoSlugIsRefused(String id) {
    assertRefused(
        "[1].id '"
            + id
            + "' must be lower-case letters, digits and '-', starting with a letter (1-16"
            + " characters)",
        env("development", null),
        env(id, null));
  }

  @Test
  void aMissingIdIsRefused() {
    assertRefused(
        "[0].id 'null' must be lower-case letters, digits and '-', starting with a letter (1-16"
            + " characters)",
        env(null, null));
  }

  @Test
  void anIdListedTwiceIsRefused() {
    assertRefused("'qa' is listed twice", env("qa", null), env("staging", null), env("qa", null));
  }

  @Test
  void promotingFromAnUnknownEnvironmentIsRefused() {
    assertRefused(
        "'production' promotes from 'stagign', which is not a configured environment"
            + " (staging, production)",
        env("staging", null),
        env("production", "stagign"));
  }

  @Test
  void aPromotionCycleIsRefused() {
    assertRefused(
        "promotes-from goes round in a cycle: qa <- staging <- qa",
        env("qa", "staging"),
        env("staging", "qa"),
        env("production", "staging"));
    assertRefused("promotes-from goes round in a cycle: qa <- qa", env("qa", "qa"));
  }

  @Test
  void anEnvironmentNoLongerConfiguredIsTakenForProduction() {
    Environments environments = new Environments(List.of(env("development", null)));

    assertThat(environments.production("production")).isTrue();
    assertThat(environments.production("development")).isFalse();
  }

  @Test
  void refusalsNameAnotherProductionEnvironmentAsOne() {
    assertThat(Environments.asProduction("production")).isEqualTo("production");
    assertThat(Environments.asProduction("dr"))
        .isEqualTo("production ('dr' is a production environment)");
  }

  private static Environment env(String id, String promotesFrom) {
    return new Environment(id, false, promotesFrom);
  }

  private static void assertRefused(String reason, Environment... environments) {
    assertThatThrownBy(() -> new Environments(Arrays.asList(environments)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("countersign.environments: " + reason);
  }
}
