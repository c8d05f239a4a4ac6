package io.countersign.verification;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.countersign.release.FieldErrors;
import io.countersign.release.FieldErrors.FieldError;
import io.countersign.release.ReleaseManifest;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

class VerificationManifestCheckTest {
  static final VerificationProperties PROPERTIES = new VerificationProperties("dry-run", Map.of(
      "staging", List.of("staging.medication.example"),
      "production", List.of("medication.example", "api.medication.example"),
      "development", List.of("localhost")), null, null);

  @Test
  void bindsTheYamlShapeWithDefaults() {
    VerificationProperties bound = new Binder(new MapConfigurationPropertySource(Map.of(
        "countersign.targets.verification.mode", "dry-run",
        "countersign.targets.verification.allowed-hosts.staging[0]", "staging.medication.example",
        "countersign.targets.verification.allowed-hosts.production[0]", "medication.example",
        "countersign.targets.verification.allowed-hosts.production[1]", "api.medication.example",
        "countersign.targets.verification.allowed-hosts.development[0]", "localhost")))
        .bind("countersign.targets.verification", VerificationProperties.class).get();

    assertThat(bound).isEqualTo(PROPERTIES);
    assertThat(bound.bakeWindow()).isEqualTo(Duration.ofMinutes(10));
    assertThat(bound.interval()).isEqualTo(Duration.ofMinutes(1));
  }

  @Test
  void acceptsAllowedHostsOfTheManifestsEnvironment() throws Exception {
    assertThat(errors("staging", "\"healthChecks\":[" + check("https://STAGING.medication.example/health") + "],"
        + "\"smokeTests\":[" + check("http://staging.medication.example:8080/login") + "]")).isEmpty();
  }

  @Test
  void refusesHostsOfOtherEnvironmentsWithTheirPath() throws Exception {
    assertThat(errors("staging", "\"healthChecks\":[" + check("https://staging.medication.example/health") + ","
        + check("https://medication.example/health") + "],\"smokeTests\":[" + check("https://evil.example/") + "]"))
        .containsExactly(
            new FieldError("$.verification.healthChecks[1].url",
                "host 'medication.example' is not allowed for staging (allowed: staging.medication.example)"),
            new FieldError("$.verification.smokeTests[0].url",
                "host 'evil.example' is not allowed for staging (allowed: staging.medication.example)"));
  }

  @Test
  void refusesUserInfoTricksAndCredentials() throws Exception {
    assertThat(errors("production", "\"healthChecks\":[" + check("https://medication.example@evil.example/") + ","
        + check("https://user:secret@medication.example/") + "]"))
        .extracting(FieldError::message)
        .containsExactly("must not carry credentials", "must not carry credentials");
  }

  @Test
  void metricThresholdsAreLeftToTheManifestRules() throws Exception {
    // ManifestRules reports a rule without a bound or with min > max; this check must not repeat it.
    assertThat(errors("staging", "\"metrics\":[{\"name\":\"latency\",\"query\":\"q\"},"
        + "{\"name\":\"odd\",\"query\":\"q\",\"min\":2,\"max\":1}]")).isEmpty();
  }

  @Test
  void intervalMustNotSpinTheEngine() throws Exception {
    assertThat(errors("staging", "\"interval\":\"PT1S\"")).containsExactly(
        new FieldError("$.verification.interval", "must be at least PT10S"));
    assertThat(errors("staging", "\"interval\":\"PT30S\",\"bakeWindow\":\"PT0S\"")).isEmpty();
  }

  private static List<FieldError> errors(String environment, String plan) throws Exception {
    String manifest = "{\"application\":\"medication-tracker\",\"version\":\"2.4.0\",\"environment\":\"" + environment
        + "\",\"changeReference\":\"CHG-1\",\"verification\":{" + plan + "}}";
    FieldErrors errors = new FieldErrors();
    new VerificationManifestCheck(PROPERTIES).check(new ObjectMapper().readValue(manifest, ReleaseManifest.class), errors);
    return errors.list();
  }

  private static String check(String url) {
    return "{\"name\":\"c\",\"url\":\"" + url + "\"}";
  }
}
